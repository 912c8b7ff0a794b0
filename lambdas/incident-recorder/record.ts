import { createHash } from 'node:crypto';

/**
 * The incident record: what an environment's incidents table holds, and the one pure function that builds it.
 *
 * Every input (an alarm's state change, a deployment, a kill-switch change, a person's ack / resolve / note)
 * is first stored as an event, deduplicated by its id. The records are then *derived* from the stored events
 * by `buildIncidents`, which sorts them by event time and folds them through the state machine below. So a
 * record is a function of the set of events seen, never of their arrival order: duplicated, reordered and
 * late events give the same record as the ordered stream (test/lambdas/incident-recorder/record.test.ts).
 *
 * State machine of one incident:
 *   (none) --P1/P2 alarm enters ALARM--> open --every member OK for the quiet period--> resolved (quiet-period)
 *                                         |  \--ack--> open, acknowledged
 *                                         \--resolve by hand--> resolved (user)
 * While an incident is open, every P1/P2 alarm entering ALARM joins it (a composite and its members, and
 * alarms firing close together, are one incident); the quiet period is therefore also the grouping window
 * after recovery: an alarm firing again within it joins the same incident instead of opening a new one.
 *
 * Readers (`ops incident`, `ops status`, the weekly report) use `IncidentRecord` and `incidentDurations`.
 */

export type Severity = 'P1' | 'P2' | 'P3' | 'P4';
export type AlarmState = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
export const SEVERITIES: readonly Severity[] = ['P1', 'P2', 'P3', 'P4'];

interface EventBase {
  /** Unique per event (EventBridge's event id, or a UUID for a person's action): the dedupe key. */
  readonly id: string;
  /** When it happened (ISO 8601, UTC): the ordering key. */
  readonly time: string;
}

export interface AlarmEvent extends EventBase {
  readonly kind: 'alarm';
  readonly alarmName: string;
  readonly severity: Severity;
  readonly state: AlarmState;
  readonly previousState?: AlarmState;
  readonly reason: string;
  /** Start of the breaching datapoints (see events.ts `onsetOf`); only for ALARM. */
  readonly onset?: string;
  readonly composite: boolean;
}

export interface DeploymentEvent extends EventBase {
  readonly kind: 'deployment';
  readonly deploymentId: string;
  /** CodeDeploy's state: START, SUCCESS, FAILURE, STOP, READY. */
  readonly state: string;
  readonly deploymentGroup: string;
}

export interface SwitchEvent extends EventBase {
  readonly kind: 'switch';
  readonly switchName: string;
  readonly parameter: string;
  /** Parameter Store's operation: Create, Update, Delete, LabelParameterVersion. */
  readonly operation: string;
}

export interface ManualEvent extends EventBase {
  readonly kind: 'manual';
  readonly incidentId: string;
  readonly action: 'ack' | 'resolve' | 'note';
  /** Who: `user:<ARN>` from the caller's identity. */
  readonly by: string;
  readonly text?: string;
}

export type IncidentEvent = AlarmEvent | DeploymentEvent | SwitchEvent | ManualEvent;

export interface TimelineEntry {
  readonly time: string;
  readonly eventId: string;
  readonly kind: IncidentEvent['kind'];
  /** One line for a person and a post-mortem's timeline table. */
  readonly text: string;
  readonly alarmName?: string;
  readonly state?: string;
  /** The alarm's state reason as CloudWatch wrote it, or a person's note. */
  readonly reason?: string;
  readonly by?: string;
}

export interface Member {
  readonly severity: Severity;
  readonly state: AlarmState;
  /** When it entered its current state. */
  readonly since: string;
  readonly composite: boolean;
}

export type IncidentStatus = 'open' | 'resolved' | 'superseded';

/** Schema version 1 of an incident record (a DynamoDB item `pk = INCIDENT#<id>`, `sk = RECORD`, plus these). */
export interface IncidentRecord {
  readonly schemaVersion: 1;
  /** `inc-<detected yyyymmddThhmmssZ>-<6 hex of the opening event id>`: sorts by time, stable across replays. */
  readonly id: string;
  readonly environment: string;
  readonly status: IncidentStatus;
  /** The highest severity of any member (P1 is highest). */
  readonly severity: Severity;
  /** The alarm that opened it. */
  readonly title: string;
  /** Start of the breaching datapoints of the earliest member. */
  readonly onset: string;
  /** The first member's ALARM timestamp. */
  readonly detected: string;
  readonly acknowledged?: string;
  readonly acknowledgedBy?: string;
  /** Quiet period: when the last member returned to OK; by hand: when the person resolved it. */
  readonly resolved?: string;
  /** `quiet-period` or `user:<ARN>`. */
  readonly resolvedBy?: string;
  readonly members: Readonly<Record<string, Member>>;
  /** Every attached event, in time order. */
  readonly timeline: readonly TimelineEntry[];
  /**
   * Ids this incident may also be known by (one per ALARM event in it). A late, earlier event can change
   * which event opened it, and so its id; the older id is then a `superseded` record pointing here.
   */
  readonly aliases: readonly string[];
  /** Earliest attached event time: where a re-derivation must start reading events. */
  readonly firstEventTime: string;
  readonly eventCount: number;
  /** Hash of the attached event ids and the status: equal digests mean equal records. */
  readonly digest: string;
  readonly supersededBy?: string;
}

export interface FoldSettings {
  readonly environment: string;
  /** How long every member must be OK before the incident resolves itself. */
  readonly quietPeriodMs: number;
  /** Deployments and switch changes this long before detection are attached (they may be the cause). */
  readonly contextLeadMs: number;
}

/** MTTD = detected - onset; MTTA = acknowledged - detected; MTTR = resolved - onset (what users lived through). */
export interface IncidentDurations {
  readonly detectSeconds: number;
  readonly acknowledgeSeconds?: number;
  readonly resolveSeconds?: number;
}

export function incidentDurations(
  record: Pick<IncidentRecord, 'onset' | 'detected' | 'acknowledged' | 'resolved'>,
): IncidentDurations {
  const seconds = (from: string, to: string) => Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);
  return {
    detectSeconds: seconds(record.onset, record.detected),
    acknowledgeSeconds: record.acknowledged ? seconds(record.detected, record.acknowledged) : undefined,
    resolveSeconds: record.resolved ? seconds(record.onset, record.resolved) : undefined,
  };
}

/** `inc-20261129T201500Z-3fa2c1`: the id an incident gets when `event` opens it. */
export function incidentIdFor(event: Pick<EventBase, 'id' | 'time'>): string {
  const stamp = new Date(event.time)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `inc-${stamp}-${createHash('sha256').update(event.id).digest('hex').slice(0, 6)}`;
}

const KIND_ORDER: Record<IncidentEvent['kind'], number> = { alarm: 0, deployment: 1, switch: 2, manual: 3 };

/** Time order; ties broken by kind, then id, so the order is total and the same for any arrival order. */
export function compareEvents(a: IncidentEvent, b: IncidentEvent): number {
  const byId = a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  return Date.parse(a.time) - Date.parse(b.time) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || byId;
}

interface Draft {
  id: string;
  aliases: string[];
  title: string;
  onset: number;
  detected: number;
  acknowledged?: { time: string; by: string };
  resolved?: { time: string; by: string };
  members: Map<string, Member>;
  entries: TimelineEntry[];
}

/**
 * Fold events into incidents. Pure: the same set of events and the same `now` give the same records, whatever
 * order the events came in and however often each appears. `now` only decides whether an incident whose
 * members are all OK has been quiet long enough to be resolved.
 */
export function buildIncidents(input: readonly IncidentEvent[], settings: FoldSettings, now: number): IncidentRecord[] {
  const events = [...new Map(input.map((e) => [e.id, e])).values()].sort(compareEvents);
  const drafts: Draft[] = [];
  const context: (DeploymentEvent | SwitchEvent)[] = [];
  let current: Draft | undefined;

  const quietSince = (draft: Draft): number | undefined => {
    const members = [...draft.members.values()];
    if (members.some((m) => m.state !== 'OK')) return undefined;
    return Math.max(...members.map((m) => Date.parse(m.since)));
  };
  const settleQuiet = (at: number): void => {
    if (!current) return;
    const since = quietSince(current);
    if (since !== undefined && at >= since + settings.quietPeriodMs) {
      current.resolved = { time: new Date(since).toISOString(), by: 'quiet-period' };
      current = undefined;
    }
  };

  for (const event of events) {
    const at = Date.parse(event.time);
    settleQuiet(at);
    if (event.kind === 'alarm') {
      const entry = alarmEntry(event);
      if (event.state === 'ALARM') {
        if (!current) {
          current = {
            id: incidentIdFor(event),
            aliases: [],
            title: event.alarmName,
            onset: at,
            detected: at,
            members: new Map(),
            entries: [],
          };
          drafts.push(current);
        }
        current.aliases.push(incidentIdFor(event));
        current.onset = Math.min(current.onset, Date.parse(event.onset ?? event.time));
        const { severity, time: since, composite } = event;
        const member: Member = { severity, state: 'ALARM', since, composite };
        current.members.set(event.alarmName, member);
        current.entries.push(entry);
        continue;
      }
      // A recovery (or missing data) belongs to the latest incident that has this alarm as a member.
      const owner = [...drafts].reverse().find((d) => d.members.has(event.alarmName) && d.detected <= at);
      if (!owner) continue;
      const member = owner.members.get(event.alarmName)!;
      owner.members.set(event.alarmName, { ...member, state: event.state, since: event.time });
      owner.entries.push(entry);
    } else if (event.kind === 'manual') {
      const target = drafts.find((d) => d.aliases.includes(event.incidentId));
      if (!target) continue;
      target.entries.push(manualEntry(event));
      if (event.action === 'ack' && !target.acknowledged) target.acknowledged = { time: event.time, by: event.by };
      if (event.action === 'resolve' && !target.resolved) {
        target.resolved = { time: event.time, by: event.by };
        if (current === target) current = undefined;
      }
    } else {
      context.push(event);
    }
  }
  settleQuiet(now);

  for (const event of context) {
    const at = Date.parse(event.time);
    for (const draft of drafts) {
      const end = draft.resolved ? Date.parse(draft.resolved.time) : Infinity;
      if (at >= draft.detected - settings.contextLeadMs && at <= end) draft.entries.push(contextEntry(event));
    }
  }
  return drafts.map((draft) => finish(draft, settings));
}

function finish(draft: Draft, settings: FoldSettings): IncidentRecord {
  const timeline = draft.entries.sort(
    (a, b) => Date.parse(a.time) - Date.parse(b.time) || (a.eventId < b.eventId ? -1 : 1),
  );
  const members = Object.fromEntries([...draft.members.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  const severity = SEVERITIES.find((s) => Object.values(members).some((m) => m.severity === s)) ?? 'P4';
  const status: IncidentStatus = draft.resolved ? 'resolved' : 'open';
  const eventIds = timeline.map((t) => t.eventId);
  const digest = createHash('sha256')
    .update(JSON.stringify([status, draft.resolved?.time ?? '', ...eventIds]))
    .digest('hex');
  return {
    schemaVersion: 1,
    id: draft.id,
    environment: settings.environment,
    status,
    severity,
    title: draft.title,
    onset: new Date(draft.onset).toISOString(),
    detected: new Date(draft.detected).toISOString(),
    ...(draft.acknowledged ? { acknowledged: draft.acknowledged.time, acknowledgedBy: draft.acknowledged.by } : {}),
    ...(draft.resolved ? { resolved: draft.resolved.time, resolvedBy: draft.resolved.by } : {}),
    members,
    timeline,
    aliases: [...new Set(draft.aliases)].sort(),
    firstEventTime: timeline[0]?.time ?? new Date(draft.detected).toISOString(),
    eventCount: eventIds.length,
    digest,
  };
}

function alarmEntry(event: AlarmEvent): TimelineEntry {
  const from = event.previousState ? `${event.previousState} -> ` : '';
  return {
    time: event.time,
    eventId: event.id,
    kind: 'alarm',
    alarmName: event.alarmName,
    state: event.state,
    reason: event.reason,
    text: `[${event.severity}] ${event.alarmName} ${from}${event.state}`,
  };
}

function manualEntry(event: ManualEvent): TimelineEntry {
  const verb = { ack: 'acknowledged', resolve: 'resolved by hand', note: 'note' }[event.action];
  return {
    time: event.time,
    eventId: event.id,
    kind: 'manual',
    by: event.by,
    ...(event.text ? { reason: event.text } : {}),
    text: `${verb} by ${event.by}${event.text ? `: ${event.text}` : ''}`,
  };
}

function contextEntry(event: DeploymentEvent | SwitchEvent): TimelineEntry {
  if (event.kind === 'deployment') {
    const text = `deployment ${event.deploymentId} of ${event.deploymentGroup}: ${event.state}`;
    return { time: event.time, eventId: event.id, kind: 'deployment', state: event.state, text };
  }
  const text = `kill switch ${event.switchName} (${event.parameter}): ${event.operation}`;
  return { time: event.time, eventId: event.id, kind: 'switch', state: event.operation, text };
}
