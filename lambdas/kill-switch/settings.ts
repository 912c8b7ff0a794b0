import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';

/** zod/mini loads no locale; English, as classic zod has, keeps the parse errors' wording. */
z.config(en());

/**
 * What the kill-switch function (and the `ops switch` command) needs to know about one environment.
 * Built once from the config by lib/killswitch/kill-switch-settings.ts, so the Lambda and the CLI act
 * on exactly the same switches, targets and triggers.
 */
export const switchSettingsSchema = z.object({
  environment: z.string().check(z.minLength(1)),
  /** `/orders/prod/switches/`: a switch's parameter is this prefix plus its name. */
  parameterPrefix: z.string().check(z.startsWith('/'), z.endsWith('/')),
  switches: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
  /** Non-critical features the `features` switch turns off (written into its value for the service). */
  features: z.array(z.string()),
  /** `<cluster>/<service>` the `cost` switch scales to zero. */
  nonCriticalServices: z.array(z.string().check(z.regex(/^[^/]+\/[^/]+$/))),
  /** Function names the `cost` switch throttles to zero. */
  nonCriticalFunctions: z.array(z.string().check(z.minLength(1))),
  /** Full alarm name -> switches its ALARM state turns on. */
  alarmTriggers: z.record(z.string(), z.array(z.string())),
  onAnyP1: z.array(z.string()),
  onBudget: z.array(z.string()),
  budgetName: z.string().check(z.minLength(1)),
  /** Topics whose messages the function accepts; any other topic is rejected. */
  p1TopicArn: z.string().check(z.minLength(1)),
  budgetTopicArn: z.string().check(z.minLength(1)),
  /** Where each change is announced (the P3 topic). */
  noticeTopicArn: z.string().check(z.minLength(1)),
});
export type SwitchSettings = z.output<typeof switchSettingsSchema>;

export function parseSettings(json: string | undefined): SwitchSettings {
  if (!json) throw new Error('KILL_SWITCH_SETTINGS is not set: the stack must pass the switch settings as JSON');
  return switchSettingsSchema.parse(JSON.parse(json));
}

/** The switches whose names carry an action besides flipping the parameter. */
export const COST_SWITCH = 'cost';
export const FEATURES_SWITCH = 'features';

export const switchStateSchema = z.enum(['on', 'off']);
export type SwitchState = z.output<typeof switchStateSchema>;

const recordedServiceSchema = z.object({
  cluster: z.string(),
  service: z.string(),
  /** Absent when the service did not exist when the switch was turned on (nothing to restore). */
  desiredCount: z.optional(z.number().check(z.int(), z.minimum(0))),
  /** Application Auto Scaling limits, when the service has a scalable target. */
  scaling: z.optional(
    z.object({ min: z.number().check(z.int(), z.minimum(0)), max: z.number().check(z.int(), z.minimum(0)) }),
  ),
});
const recordedFunctionSchema = z.object({
  name: z.string(),
  /** null: the function had no reserved concurrency (off deletes the setting rather than writing a number). */
  reservedConcurrency: z.nullable(z.number().check(z.int(), z.minimum(0))),
  missing: z.optional(z.boolean()),
});
export const recordedStateSchema = z.object({
  services: z._default(z.array(recordedServiceSchema), []),
  functions: z._default(z.array(recordedFunctionSchema), []),
});
export type RecordedState = z.output<typeof recordedStateSchema>;
export type RecordedService = z.output<typeof recordedServiceSchema>;
export type RecordedFunction = z.output<typeof recordedFunctionSchema>;

/** The JSON value of a switch parameter: the contract with the service and the pipeline (README). */
export const switchValueSchema = z.object({
  state: switchStateSchema,
  reason: z.string(),
  changedAt: z.string(),
  changedBy: z.string(),
  /** `features` switch: the features the service must turn off while the switch is on. */
  features: z.optional(z.array(z.string())),
  /** `cost` switch: what the switch changed, recorded before it acted, restored by `off`. */
  recorded: z.optional(recordedStateSchema),
});
export type SwitchValue = z.output<typeof switchValueSchema>;

/**
 * The value CloudFormation writes when it creates a switch. It must never change: CloudFormation
 * rewrites a parameter whose template value changes, which would silently turn a switch that is on
 * back off in the middle of an incident.
 */
export const INITIAL_SWITCH_VALUE: SwitchValue = {
  state: 'off',
  reason: 'created by CloudFormation',
  changedAt: '1970-01-01T00:00:00.000Z',
  changedBy: 'cloudformation',
};
