import type { WeeklyInputs } from '../../../lambdas/weekly-report/model';
import type { WeeklyReportSettings } from '../../../lambdas/weekly-report/settings';
import { parseIsoWeek } from '../../../lambdas/weekly-report/week';

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

const week = parseIsoWeek('2026-W47');

/** One point a minute over the week before and this week; 12 failed minutes on Tuesday; Sunday 10:00-11:00 silent. */
function canaryPoints() {
  const points: { t: number; v: number }[] = [];
  for (let t = W47 - 7 * DAY; t < W47 + 7 * DAY; t += MINUTE) {
    const tuesdayOutage = t >= W47 + DAY + 14 * 60 * MINUTE && t < W47 + DAY + 14 * 60 * MINUTE + 12 * MINUTE;
    const sundaySilence = t >= W47 + 6 * DAY + 10 * 60 * MINUTE && t < W47 + 6 * DAY + 11 * 60 * MINUTE;
    if (sundaySilence) continue;
    // The week before was all down: it must not count.
    points.push({ t, v: t < W47 || tuesdayOutage ? 0 : 1 });
  }
  return points;
}

/** A week of Prod with every section read (the model test works out each figure from it by hand). */
export const inputs: WeeklyInputs = {
  service: 'orders',
  environment: 'Prod',
  region: 'us-east-1',
  week,
  generatedAt: Date.parse('2026-11-23T06:00:00Z'),
  targets: { availabilityPercent: 99.9, p50Ms: 1000, p95Ms: 3000, p99Ms: 2000 },
  monthlyBudgetUsd: 1800,
  canary: { periodSeconds: 60, points: canaryPoints() },
  latencySeconds: { p50: 0.12, p95: 0.9, p99: 2.5 },
  fiveXxDaily: [
    // This week: Monday 10 (target), Tuesday 30 target + 10 load balancer. The week before: Monday 20, Wednesday 40.
    { t: W47, v: 10 },
    { t: W47 + DAY, v: 30 },
    { t: W47 + DAY, v: 10 },
    { t: W47 - 7 * DAY, v: 20 },
    { t: W47 - 5 * DAY, v: 40 },
  ],
  incidents: {
    detectedInWeek: [
      {
        id: 'inc-b',
        severity: 'P2',
        title: 'orders-prod-latency-p95-high',
        status: 'resolved',
        onset: '2026-11-18T08:00:00.000Z',
        detected: '2026-11-18T08:03:00.000Z',
        resolved: '2026-11-18T08:33:00.000Z',
      },
      {
        id: 'inc-a',
        severity: 'P1',
        title: 'orders-prod-service-unhealthy',
        status: 'resolved',
        onset: '2026-11-17T10:00:00.000Z',
        detected: '2026-11-17T10:01:00.000Z',
        acknowledged: '2026-11-17T10:04:00.000Z',
        resolved: '2026-11-17T10:21:00.000Z',
      },
      {
        id: 'inc-c',
        severity: 'P2',
        title: 'orders-prod-db-cpu-high',
        status: 'open',
        onset: '2026-11-21T23:50:00.000Z',
        detected: '2026-11-21T23:52:00.000Z',
      },
    ],
    open: [
      {
        id: 'inc-c',
        severity: 'P2',
        title: 'orders-prod-db-cpu-high',
        status: 'open',
        onset: '2026-11-21T23:50:00.000Z',
        detected: '2026-11-21T23:52:00.000Z',
      },
      {
        id: 'inc-old',
        severity: 'P2',
        title: 'orders-prod-backup-stale-vault',
        status: 'open',
        onset: '2026-11-10T01:00:00.000Z',
        detected: '2026-11-10T01:15:00.000Z',
        acknowledged: '2026-11-10T02:00:00.000Z',
      },
    ],
  },
  deployments: [
    { id: 'd-3', status: 'Succeeded', created: '2026-11-19T09:20:00.000Z', rollbackOf: 'd-2' },
    { id: 'd-1', status: 'Succeeded', created: '2026-11-16T09:00:00.000Z' },
    { id: 'd-2', status: 'Failed', created: '2026-11-19T09:00:00.000Z', rolledBackBy: 'd-3', error: 'alarm' },
  ],
  topErrors: [{ pattern: 'TimeoutError calling <*> after <*> ms', count: 68 }],
  cost: {
    currency: 'USD',
    // 50 a day this week, 40 a day the week before.
    daily: [
      ...Array.from({ length: 7 }, (_, d) => ({
        date: new Date(W47 + d * DAY).toISOString().slice(0, 10),
        amount: 50,
      })),
      ...Array.from({ length: 7 }, (_, d) => ({
        date: new Date(W47 - 7 * DAY + d * DAY).toISOString().slice(0, 10),
        amount: 40,
      })),
    ],
    byService: [
      { service: 'AWS Lambda', amount: 150 },
      { service: 'Amazon Elastic Container Service', amount: 200 },
    ],
  },
};
