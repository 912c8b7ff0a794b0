import * as z from 'zod/mini';
import { isTestFire } from '../shared/test-fire';
import { AlarmEvent, AlarmState, DeploymentEvent, IncidentEvent, Severity, SwitchEvent } from './record';
import { IncidentSettings } from './settings';

/**
 * From an EventBridge event to an incident event, or a reason to ignore or reject it. Shapes, as AWS documents them:
 * - `CloudWatch Alarm State Change` (source aws.cloudwatch): `detail.alarmName`, `detail.state.{value, reason,
 *   reasonData, timestamp}`, `detail.previousState`, `detail.configuration` (`metrics[].metricStat.period`, or
 *   `alarmRule` for a composite). `reasonData` is a JSON string: for a metric alarm `startDate`, `period`,
 *   `threshold`, `recentDatapoints` and `evaluatedDatapoints[{timestamp, value}]`; for a composite
 *   `triggeringAlarms[{arn, state: {value, timestamp}}]`
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html).
 * - `CodeDeploy Deployment State-change Notification` (source aws.codedeploy): `detail.{application,
 *   deploymentGroup, deploymentId, state}`, state one of START, SUCCESS, FAILURE, STOP, READY
 *   (https://docs.aws.amazon.com/codedeploy/latest/userguide/monitoring-cloudwatch-events.html).
 * - `Parameter Store Change` (source aws.ssm): `detail.{name, type, operation}`; the event carries no value
 *   (https://docs.aws.amazon.com/systems-manager/latest/userguide/monitoring-systems-manager-event-examples.html).
 * - `Scheduled Event` (source aws.events): the sweep; it carries nothing to record.
 */
export type Interpretation =
  | { readonly kind: 'record'; readonly event: IncidentEvent }
  | { readonly kind: 'sweep' }
  | { readonly kind: 'ignore'; readonly why: string }
  | { readonly kind: 'reject'; readonly why: string };

const envelope = z.looseObject({
  id: z.string().check(z.minLength(1)),
  'detail-type': z.string(),
  source: z.string(),
  time: z.string(),
  detail: z.optional(z.unknown()),
});

const stateSchema = z.looseObject({
  value: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
  reason: z._default(z.string(), ''),
  reasonData: z.optional(z.string()),
  timestamp: z.string(),
});

const alarmDetail = z.looseObject({
  alarmName: z.string().check(z.minLength(1)),
  state: stateSchema,
  previousState: z.optional(z.looseObject({ value: z.optional(z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA'])) })),
  configuration: z._default(
    z.looseObject({
      description: z.optional(z.string()),
      alarmRule: z.optional(z.string()),
      metrics: z.optional(
        z.array(
          z.looseObject({
            metricStat: z.optional(z.looseObject({ period: z.optional(z.number()) })),
          }),
        ),
      ),
    }),
    {},
  ),
});

const deploymentDetail = z.looseObject({
  deploymentId: z.string().check(z.minLength(1)),
  deploymentGroup: z.string().check(z.minLength(1)),
  state: z.string().check(z.minLength(1)),
});

const parameterDetail = z.looseObject({
  name: z.string().check(z.minLength(1)),
  operation: z.string().check(z.minLength(1)),
});

export function interpretEvent(raw: unknown, settings: IncidentSettings): Interpretation {
  const parsed = envelope.safeParse(raw);
  if (!parsed.success) return { kind: 'reject', why: `not an EventBridge event (keys: ${describeKeys(raw)})` };
  const event = parsed.data;
  if (event.source === 'aws.events' && event['detail-type'] === 'Scheduled Event') return { kind: 'sweep' };
  if (Number.isNaN(Date.parse(event.time))) {
    return { kind: 'reject', why: `event ${event.id} has no valid time (${event.time})` };
  }
  if (event.source === 'aws.cloudwatch' && event['detail-type'] === 'CloudWatch Alarm State Change') {
    return interpretAlarm(event.id, event.time, event.detail, settings);
  }
  if (event.source === 'aws.codedeploy' && event['detail-type'] === 'CodeDeploy Deployment State-change Notification') {
    const detail = deploymentDetail.safeParse(event.detail);
    if (!detail.success) {
      return { kind: 'reject', why: `CodeDeploy event ${event.id} has no deploymentId/deploymentGroup/state` };
    }
    if (detail.data.deploymentGroup !== settings.deploymentGroup) {
      const why = `deployment group ${detail.data.deploymentGroup} is not ${settings.deploymentGroup}`;
      return { kind: 'ignore', why };
    }
    const recorded: DeploymentEvent = {
      kind: 'deployment',
      id: event.id,
      time: iso(event.time),
      deploymentId: detail.data.deploymentId,
      state: detail.data.state,
      deploymentGroup: detail.data.deploymentGroup,
    };
    return { kind: 'record', event: recorded };
  }
  if (event.source === 'aws.ssm' && event['detail-type'] === 'Parameter Store Change') {
    const detail = parameterDetail.safeParse(event.detail);
    if (!detail.success) return { kind: 'reject', why: `Parameter Store event ${event.id} has no name/operation` };
    if (!detail.data.name.startsWith(settings.switchParameterPrefix)) {
      return { kind: 'ignore', why: `parameter ${detail.data.name} is not a kill switch of ${settings.environment}` };
    }
    const recorded: SwitchEvent = {
      kind: 'switch',
      id: event.id,
      time: iso(event.time),
      parameter: detail.data.name,
      switchName: detail.data.name.slice(settings.switchParameterPrefix.length),
      operation: detail.data.operation,
    };
    return { kind: 'record', event: recorded };
  }
  const expected = 'the rules send only alarm, deployment, kill-switch and schedule events';
  return { kind: 'reject', why: `unexpected event ${event.source} / ${event['detail-type']}; ${expected}` };
}

function interpretAlarm(id: string, envelopeTime: string, raw: unknown, settings: IncidentSettings): Interpretation {
  const detail = alarmDetail.safeParse(raw);
  if (!detail.success) {
    const issue = detail.error.issues[0]?.message ?? '';
    return { kind: 'reject', why: `alarm event ${id} has no alarmName/state: ${issue}` };
  }
  const { alarmName, state, previousState, configuration } = detail.data;
  const severity = settings.alarms[alarmName] ?? severityFromDescription(configuration.description);
  if (!severity || (severity !== 'P1' && severity !== 'P2')) {
    return { kind: 'ignore', why: `${alarmName} is not a P1/P2 alarm of ${settings.environment}` };
  }
  if (isTestFire(state.reason)) {
    return { kind: 'ignore', why: `${alarmName}: test fire by ops test-alarms, not an incident` };
  }
  const stateTime = normalizeTime(state.timestamp);
  const time = Number.isNaN(Date.parse(stateTime)) ? iso(envelopeTime) : iso(stateTime);
  const period = configuration.metrics?.map((m) => m.metricStat?.period).find((p) => p !== undefined);
  const recorded: AlarmEvent = {
    kind: 'alarm',
    id,
    time,
    alarmName,
    severity: severity as Severity,
    state: state.value as AlarmState,
    ...(previousState?.value ? { previousState: previousState.value as AlarmState } : {}),
    reason: state.reason.slice(0, 1000),
    ...(state.value === 'ALARM' ? { onset: onsetOf(time, state.reason, state.reasonData, period) } : {}),
    composite: configuration.alarmRule !== undefined,
  };
  return { kind: 'record', event: recorded };
}

/** `[P1] summary | Runbook: ...`, the AlarmFactory's description: the fallback when the settings miss an alarm. */
function severityFromDescription(description: string | undefined): Severity | undefined {
  const match = /^\[(P[1-4])\]/.exec(description ?? '');
  return match ? (match[1] as Severity) : undefined;
}

interface ReasonData {
  startDate?: string;
  period?: number;
  threshold?: number;
  evaluatedDatapoints?: { timestamp?: string; value?: number }[];
  triggeringAlarms?: { state?: { value?: string; timestamp?: string } }[];
}

/**
 * The start of the breaching datapoints. In order of precision:
 * 1. a metric alarm's `evaluatedDatapoints` that breach the threshold (the comparison read from the reason,
 *    "greater than", "less than or equal to", ...): the earliest one's timestamp, which is the start of its period;
 * 2. `startDate`, the start of the first evaluated period (exact for 1 of 1; for M of N the window's start,
 *    at or before the first breaching datapoint);
 * 3. a composite's `triggeringAlarms`: the earliest member's ALARM time;
 * 4. the alarm's period before its state timestamp; 5. the state timestamp itself.
 */
export function onsetOf(
  stateTime: string,
  reason: string,
  reasonData: string | undefined,
  configPeriod?: number,
): string {
  let data: ReasonData = {};
  try {
    const parsed: unknown = reasonData ? JSON.parse(reasonData) : {};
    if (typeof parsed === 'object' && parsed !== null) data = parsed as ReasonData;
  } catch {
    // Unparseable reason data: fall through to the period or the state time.
  }
  const at = (value: string | undefined): number | undefined => {
    const parsed = value ? Date.parse(normalizeTime(value)) : NaN;
    return Number.isNaN(parsed) ? undefined : parsed;
  };
  const breaches = comparison(reason);
  if (breaches && typeof data.threshold === 'number' && Array.isArray(data.evaluatedDatapoints)) {
    const times = data.evaluatedDatapoints
      .filter((d) => typeof d.value === 'number' && breaches(d.value, data.threshold!))
      .map((d) => at(d.timestamp))
      .filter((t): t is number => t !== undefined);
    if (times.length > 0) return new Date(Math.min(...times)).toISOString();
  }
  const start = at(data.startDate);
  if (start !== undefined) return new Date(start).toISOString();
  if (Array.isArray(data.triggeringAlarms)) {
    const times = data.triggeringAlarms.map((a) => at(a.state?.timestamp)).filter((t): t is number => t !== undefined);
    if (times.length > 0) return new Date(Math.min(...times)).toISOString();
  }
  const period = typeof data.period === 'number' ? data.period : configPeriod;
  if (period !== undefined) return new Date(Date.parse(stateTime) - period * 1000).toISOString();
  return stateTime;
}

function comparison(reason: string): ((value: number, threshold: number) => boolean) | undefined {
  const match = /\b(?:was|were) (not )?(greater|less) than( or equal to)? the threshold/.exec(reason);
  if (!match || match[1]) return undefined;
  const orEqual = match[3] !== undefined;
  return match[2] === 'greater' ? (v, t) => (orEqual ? v >= t : v > t) : (v, t) => (orEqual ? v <= t : v < t);
}

/** CloudWatch writes `2019-10-02T17:04:40.985+0000`; ECMAScript's date format wants `+00:00`. */
export function normalizeTime(value: string): string {
  return value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
}

function iso(value: string): string {
  return new Date(value).toISOString();
}

function describeKeys(value: unknown): string {
  if (typeof value !== 'object' || value === null) return typeof value;
  return Object.keys(value).slice(0, 8).join(', ') || 'none';
}
