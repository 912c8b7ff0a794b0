import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';

/** zod/mini loads no locale; English, as classic zod has, keeps the parse errors' wording. */
z.config(en());

const severity = z.enum(['P1', 'P2', 'P3', 'P4']);

/**
 * What the incident recorder (and `ops incident`) needs to know about one environment. Built once from the
 * config and the alarm catalog by lib/incidents/incident-record.ts (`incidentSettings`), so the Lambda and the
 * CLI read and write the same table with the same rules.
 */
export const incidentSettingsSchema = z.object({
  environment: z.string().check(z.minLength(1)),
  tableName: z.string().check(z.minLength(3)),
  /** CloudWatch namespace of MTTD / MTTA / MTTR. */
  metricNamespace: z.string().check(z.minLength(1)),
  /** Full alarm name -> severity, for the environment's P1 and P2 alarms and composites (from the catalog). */
  alarms: z.record(z.string(), severity),
  /** `/orders/prod/switches/`: a Parameter Store change under it is a kill-switch change. */
  switchParameterPrefix: z.string().check(z.startsWith('/'), z.endsWith('/')),
  /** The environment's CodeDeploy deployment group (application and group share the name). */
  deploymentGroup: z.string().check(z.minLength(1)),
  quietPeriodSeconds: z.number().check(z.int(), z.positive()),
  contextLeadSeconds: z.number().check(z.int(), z.nonnegative()),
  /** How far back a re-derivation reads events, at least (longer when an open incident started earlier). */
  lookbackSeconds: z.number().check(z.int(), z.positive()),
  /** MTTD / MTTA / MTTR go out this long after the quiet period confirmed a resolution (late events still count). */
  metricsSettleSeconds: z.number().check(z.int(), z.nonnegative()),
  /** Stored events expire this long after their time (DynamoDB TTL); records never expire. */
  eventRetentionDays: z.number().check(z.int(), z.positive()),
});
export type IncidentSettings = z.output<typeof incidentSettingsSchema>;

export function parseIncidentSettings(json: string | undefined): IncidentSettings {
  if (!json) throw new Error('INCIDENT_SETTINGS is not set: the stack must pass the incident settings as JSON');
  return incidentSettingsSchema.parse(JSON.parse(json));
}
