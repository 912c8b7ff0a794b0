import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { incidentSettingsSchema } from '../incident-recorder/settings';

/** zod/mini loads no locale; English, as classic zod has, keeps the parse errors' wording. */
z.config(en());

const name = z.string().check(z.minLength(1));

/**
 * What the weekly ops report reads and where it goes, for one environment. Built once from the config by
 * lib/ops-report/weekly-report.ts (`weeklyReportSettings`), so the scheduled Lambda and
 * `npm run ops -- weekly-report` read the same metrics, table, log group and deployment group.
 */
export const weeklyReportSettingsSchema = z.object({
  service: name,
  environment: name,
  region: name,
  /** `orders-prod-`: every alarm of the environment (to find the load balancer when it is not given). */
  alarmNamePrefix: name,
  /** The load balancer's CloudWatch dimension (`app/<name>/<id>`), when known at synth. */
  loadBalancer: z.optional(name),
  incidents: incidentSettingsSchema,
  deploymentGroup: z.object({ application: name, group: name }),
  canary: z.object({ namespace: name, metricName: name, dimensions: z.record(z.string(), z.string()) }),
  backupMetric: z.object({ namespace: name, metricName: name }),
  /** The service's container log group (`/ecs/<service>-<env>`), read with a Logs Insights query. */
  logGroupName: name,
  /** Words that mark a log line as an error, as the error-log metric filter counts them. */
  errorTerms: z.array(name).check(z.minLength(1)),
  targets: z.object({
    availabilityPercent: z.number().check(z.gt(0), z.lte(100)),
    p50Ms: z.number().check(z.positive()),
    p95Ms: z.number().check(z.positive()),
    p99Ms: z.optional(z.number().check(z.positive())),
  }),
  monthlyBudgetUsd: z.number().check(z.positive()),
  /** Lambda only: the archive bucket and the key prefix (`ops-reports/<env>/`) the report is written under. */
  archive: z.optional(z.object({ bucket: name, prefix: z.string().check(z.endsWith('/')) })),
  /** Lambda only: the P3 topic the short notice goes to. */
  noticeTopicArn: z.optional(z.string().check(z.startsWith('arn:'))),
});
export type WeeklyReportSettings = z.output<typeof weeklyReportSettingsSchema>;

export function parseWeeklyReportSettings(json: string | undefined): WeeklyReportSettings {
  if (!json) throw new Error('WEEKLY_REPORT_SETTINGS is not set: the stack must pass the report settings as JSON');
  return weeklyReportSettingsSchema.parse(JSON.parse(json));
}
