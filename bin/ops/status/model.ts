import type { Severity } from '../../../lambdas/incident-recorder/record';

/**
 * The status of an environment (`npm run ops -- status <Env>`, the seeds' /prodstatus) as data: what `--json`
 * prints, what the text and Markdown renderings read, and the only input `--explain` sends to Bedrock.
 * The verdict and the deployment correlation are pure functions of it, tested with hand-written inputs.
 */

export type Verdict = 'HEALTHY' | 'DEGRADED' | 'UNHEALTHY';

/** A section that could not be read says why instead of pretending to be empty. */
export interface Unknown {
  readonly unknown: string;
}
export type Known<T> = T | Unknown;
export const isUnknown = (value: unknown): value is Unknown =>
  typeof value === 'object' && value !== null && 'unknown' in value;

export interface SignalValue {
  /** The last hour (the hour ending at `generatedAt`, rounded down to the minute). */
  readonly lastHour: number | null;
  /** The 24 hours ending at `generatedAt`. */
  readonly last24h: number | null;
}

export interface Signal extends Partial<SignalValue> {
  readonly id: string;
  readonly label: string;
  readonly unit: '%' | 'ms' | 'count' | 's';
  /** Set when the signal could not be read (access denied, throttled, no resource found in the alarms). */
  readonly unknown?: string;
}

export interface BackupAge {
  readonly store: string;
  /** The newest measurement in the last hour (the verifier publishes every 15 minutes). */
  readonly ageSeconds: number | null;
  /** The threshold of the store's backup-stale alarm: the age the verifier pages on. */
  readonly rpoSeconds: number;
  readonly stale: boolean;
}

export interface SwitchState {
  readonly name: string;
  readonly state: 'on' | 'off' | 'unknown';
  readonly reason?: string;
  readonly changedAt?: string;
  readonly changedBy?: string;
  readonly unknown?: string;
}

export interface AlarmInAlarm {
  readonly name: string;
  readonly severity: Severity | 'unknown';
  readonly summary: string;
  /** When it entered ALARM. */
  readonly since?: string;
  readonly reason?: string;
}

export interface IncidentSummary {
  readonly id: string;
  readonly status: 'open' | 'resolved';
  readonly severity: Severity;
  readonly title: string;
  readonly onset: string;
  readonly detected: string;
  readonly acknowledged?: string;
  readonly resolved?: string;
}

export interface Deployment {
  readonly id: string;
  /** CodeDeploy's status: Created, Queued, InProgress, Baking, Succeeded, Failed, Stopped, Ready. */
  readonly status: string;
  readonly created: string;
  readonly completed?: string;
  readonly creator?: string;
  readonly error?: string;
  readonly rolledBack?: boolean;
  /** Incidents whose onset came within the correlation window after this deployment started. */
  readonly correlatedIncidents: readonly string[];
}

export interface Cost {
  readonly currency: string;
  readonly monthToDate: number;
  readonly budget: number;
  readonly forecast: number | null;
  /** Month to date as a share of the budget, in percent. */
  readonly percentOfBudget: number;
}

/** The Aurora global database secondary's lag (AuroraGlobalDBReplicationLag, newest datapoint) against its bound. */
export interface DrReplication {
  readonly clusterIdentifier: string;
  /** null: no datapoint in the lookback (a secondary that reports nothing is not shown to be replicating). */
  readonly lagSeconds: number | null;
  readonly measuredAt?: string;
  readonly boundSeconds: number;
  /** Where the bound comes from: the primary's `rds.global_db_rpo`, or the DR lag alarm's threshold. */
  readonly boundSource: string;
  /** Empty when within the bound. */
  readonly problems: readonly string[];
}

/** The Region switch plan's latest evaluation (GetPlanEvaluationStatus). */
export interface DrPlanReadiness {
  readonly planArn: string;
  readonly evaluationState?: string;
  readonly lastEvaluationTime?: string;
  readonly evaluationAgeSeconds?: number;
  readonly activeWarnings: number;
  /** Empty when the plan is ready: evaluation passed, recent, no active warning. */
  readonly problems: readonly string[];
}

/** Only for an environment with a DR region: its standby's data and the plan that moves traffic to it. */
export interface DrStatus {
  readonly region: string;
  readonly replication: Known<DrReplication>;
  readonly plan: Known<DrPlanReadiness>;
}

export interface StatusReport {
  readonly schemaVersion: 1;
  readonly service: string;
  readonly environment: string;
  readonly region: string;
  readonly generatedAt: string;
  readonly verdict: {
    readonly status: Verdict;
    readonly rule: string;
    readonly reasons: readonly string[];
    readonly notChecked: readonly string[];
  };
  readonly signals: readonly Signal[];
  readonly backups: Known<readonly BackupAge[]>;
  readonly switches: readonly SwitchState[];
  readonly alarms: Known<readonly AlarmInAlarm[]>;
  readonly incidents: Known<{ readonly open: readonly IncidentSummary[]; readonly recent: readonly IncidentSummary[] }>;
  readonly deployments: Known<readonly Deployment[]>;
  readonly cost: Known<Cost>;
  /** Absent when the environment has no DR region. */
  readonly dr?: DrStatus;
}

export type VerdictInput = Pick<StatusReport, 'backups' | 'switches' | 'alarms' | 'incidents' | 'dr'>;

/**
 * The verdict and the first rule that decided it, in this order:
 * UNHEALTHY: a P1 alarm in ALARM, or an open P1 incident;
 * DEGRADED: a P2 alarm in ALARM, an open incident, a stale backup, DR replication lag over its bound (or not
 * reported), a Region switch plan whose latest evaluation is not ready, or a kill switch on;
 * HEALTHY: none of those. Every rule that fired is in `reasons`; inputs that could not be read are in `notChecked`
 * (a HEALTHY with something not checked says so rather than hiding it).
 */
export function decideVerdict(input: VerdictInput): StatusReport['verdict'] {
  const unhealthy: string[] = [];
  const degraded: string[] = [];
  const notChecked: string[] = [];
  const names = (items: readonly { name: string }[]) => items.map((i) => i.name).join(', ');

  if (isUnknown(input.alarms)) {
    notChecked.push(`alarms (${input.alarms.unknown})`);
  } else {
    const p1 = input.alarms.filter((a) => a.severity === 'P1');
    const p2 = input.alarms.filter((a) => a.severity === 'P2');
    if (p1.length) unhealthy.push(`P1 alarm in ALARM: ${names(p1)}`);
    if (p2.length) degraded.push(`P2 alarm in ALARM: ${names(p2)}`);
  }
  if (isUnknown(input.incidents)) {
    notChecked.push(`incidents (${input.incidents.unknown})`);
  } else {
    const open = input.incidents.open;
    const p1 = open.filter((i) => i.severity === 'P1');
    if (p1.length) unhealthy.push(`open P1 incident: ${p1.map((i) => i.id).join(', ')}`);
    const others = open.filter((i) => i.severity !== 'P1');
    if (others.length) degraded.push(`open incident: ${others.map((i) => `${i.id} (${i.severity})`).join(', ')}`);
  }
  if (isUnknown(input.backups)) {
    notChecked.push(`backups (${input.backups.unknown})`);
  } else {
    const stale = input.backups.filter((b) => b.stale);
    if (stale.length) degraded.push(`stale backup: ${stale.map((b) => b.store).join(', ')}`);
  }
  if (input.dr) {
    const { replication, plan } = input.dr;
    if (isUnknown(replication)) notChecked.push(`DR replication lag (${replication.unknown})`);
    else if (replication.problems.length) degraded.push(`DR replication lag: ${replication.problems.join('; ')}`);
    if (isUnknown(plan)) notChecked.push(`DR plan readiness (${plan.unknown})`);
    else if (plan.problems.length) degraded.push(`DR plan not ready: ${plan.problems.join('; ')}`);
  }
  const on = input.switches.filter((s) => s.state === 'on');
  if (on.length) degraded.push(`kill switch on: ${names(on)}`);
  for (const s of input.switches.filter((x) => x.state === 'unknown'))
    notChecked.push(`switch ${s.name} (${s.unknown})`);

  if (unhealthy.length)
    return { status: 'UNHEALTHY', rule: unhealthy[0], reasons: [...unhealthy, ...degraded], notChecked };
  if (degraded.length) return { status: 'DEGRADED', rule: degraded[0], reasons: degraded, notChecked };
  // Only what was read is claimed; the rest is in notChecked.
  const drChecked = input.dr
    ? [
        ...(isUnknown(input.dr.replication) ? [] : ['DR replication within its bound']),
        ...(isUnknown(input.dr.plan) ? [] : ['DR plan ready']),
      ]
    : [];
  const drRule = drChecked.map((part) => `, ${part}`).join('');
  return {
    status: 'HEALTHY',
    rule: `no P1/P2 alarm in ALARM, no open incident, no stale backup, no switch on${drRule}`,
    reasons: [],
    notChecked,
  };
}

/**
 * Flags each deployment that started within `windowMs` before an incident's onset (inclusive at both ends): the
 * change most likely to have caused it. Deployments are otherwise unchanged.
 */
export function correlateDeployments(
  deployments: readonly Omit<Deployment, 'correlatedIncidents'>[],
  incidents: readonly Pick<IncidentSummary, 'id' | 'onset'>[],
  windowMs: number,
): Deployment[] {
  return deployments.map((deployment) => {
    const started = Date.parse(deployment.created);
    const correlated = incidents
      .filter((incident) => {
        const onset = Date.parse(incident.onset);
        return started <= onset && onset - started <= windowMs;
      })
      .map((incident) => incident.id);
    return { ...deployment, correlatedIncidents: correlated };
  });
}
