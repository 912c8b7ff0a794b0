import type { WeeklyReportSettings } from '../../../lambdas/weekly-report/settings';

/** Settings of the default config's Prod, written out by hand (lib/ops-report/weekly-report.ts builds them). */
export const SETTINGS: WeeklyReportSettings = {
  service: 'orders',
  environment: 'Prod',
  region: 'us-east-1',
  alarmNamePrefix: 'orders-prod-',
  loadBalancer: 'app/orders-prod/50dc6c495c0c9188',
  incidents: {
    environment: 'Prod',
    tableName: 'orders-prod-incidents',
    metricNamespace: 'Bulwark/orders',
    alarms: {},
    switchParameterPrefix: '/orders/prod/switches/',
    deploymentGroup: 'orders-prod',
    quietPeriodSeconds: 900,
    contextLeadSeconds: 1800,
    lookbackSeconds: 604800,
    metricsSettleSeconds: 3600,
    eventRetentionDays: 400,
  },
  deploymentGroup: { application: 'orders-prod', group: 'orders-prod' },
  canary: { namespace: 'Bulwark/orders', metricName: 'Success', dimensions: { Environment: 'Prod' } },
  backupMetric: { namespace: 'Bulwark/orders', metricName: 'BackupAgeSeconds' },
  logGroupName: '/ecs/orders-prod',
  errorTerms: ['ERROR', 'Error', 'FATAL', 'Exception'],
  targets: { availabilityPercent: 99.9, p50Ms: 1000, p95Ms: 3000, p99Ms: 2000 },
  monthlyBudgetUsd: 1800,
  archive: { bucket: 'orders-prod-archive-333333333333-us-east-1', prefix: 'ops-reports/Prod/' },
  noticeTopicArn: 'arn:aws:sns:us-east-1:333333333333:orders-prod-alerts-p3',
};

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** 2026-W47: Monday 16 November 2026 00:00 UTC. */
export const W47 = Date.parse('2026-11-16T00:00:00Z');
export const at = (iso: string) => new Date(iso).toISOString();
