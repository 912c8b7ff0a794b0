import { IncidentRecord, SEVERITIES, Severity, incidentDurations } from '../incident-recorder/record';
import { DAY_MS, IsoWeek, WEEK_MS, utcDate } from './week';

/**
 * The weekly ops report (issue 16 section 3, the seeds' "Weekly Ops Report") as data: what `--json` prints and
 * what the Markdown and HTML renderings read. `buildWeeklyReport` is pure: the gathered inputs and the targets
 * in, the figures out, so the tests drive it with hand-written inputs and hand-computed figures.
 */

/** A section that could not be read says why instead of pretending to be empty. */
export interface Unknown {
  readonly unknown: string;
}
export type Known<T> = T | Unknown;
export const isUnknown = (value: unknown): value is Unknown =>
  typeof value === 'object' && value !== null && 'unknown' in value;

export interface Point {
  /** Start of the period, epoch milliseconds. */
  readonly t: number;
  readonly v: number;
}

export type WeeklyIncident = Pick<
  IncidentRecord,
  'id' | 'severity' | 'title' | 'status' | 'onset' | 'detected' | 'acknowledged' | 'resolved'
>;

export interface DeploymentRow {
  readonly id: string;
  /** CodeDeploy's status: Created, Queued, InProgress, Baking, Succeeded, Failed, Stopped, Ready. */
  readonly status: string;
  readonly created: string;
  readonly completed?: string;
  readonly error?: string;
  /** Set on a deployment CodeDeploy created to roll another back: the deployment it rolled back. */
  readonly rollbackOf?: string;
  /** Set on a deployment that was rolled back: the rollback deployment. */
  readonly rolledBackBy?: string;
}

export interface WeeklyTargets {
  readonly availabilityPercent: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms?: number;
}

/** What the gathering read (lambdas/weekly-report/gather.ts), each part on its own. */
export interface WeeklyInputs {
  readonly service: string;
  readonly environment: string;
  readonly region: string;
  readonly week: IsoWeek;
  readonly generatedAt: number;
  readonly targets: WeeklyTargets;
  readonly monthlyBudgetUsd: number;
  /** The canary's success metric, Minimum per period over the week: 0 when any probe of the period failed. */
  readonly canary: Known<{ readonly periodSeconds: number; readonly points: readonly Point[] }>;
  /** TargetResponseTime percentiles over the whole week, in seconds (CloudWatch's unit for it). */
  readonly latencySeconds: Known<{
    readonly p50: number | null;
    readonly p95: number | null;
    readonly p99: number | null;
  }>;
  /** Target and load-balancer 5xx summed per UTC day, over this week and the week before. */
  readonly fiveXxDaily: Known<readonly Point[]>;
  /** Incidents detected in the week (any status but superseded), and every incident still open. */
  readonly incidents: Known<{
    readonly detectedInWeek: readonly WeeklyIncident[];
    readonly open: readonly WeeklyIncident[];
  }>;
  readonly deployments: Known<readonly DeploymentRow[]>;
  readonly topErrors: Known<readonly { readonly pattern: string; readonly count: number }[]>;
  /** Cost Explorer's daily unblended cost over this week and the week before, and this week's cost by service. */
  readonly cost: Known<{
    readonly currency: string;
    readonly daily: readonly { readonly date: string; readonly amount: number }[];
    readonly byService: readonly { readonly service: string; readonly amount: number }[];
  }>;
}

export interface Availability {
  /** Up periods as a share of measured periods, in percent; null when the canary published nothing. */
  readonly uptimePercent: number | null;
  readonly downtimeMinutes: number;
  readonly measuredMinutes: number;
  /** Minutes of the week with no canary datapoint (neither up nor down: the canary itself was not running). */
  readonly noDataMinutes: number;
  readonly targetPercent: number;
  readonly met: boolean | null;
  readonly periodSeconds: number;
  readonly daily: readonly { readonly date: string; readonly uptimePercent: number | null }[];
}

export interface SeverityLine {
  readonly severity: Severity;
  readonly count: number;
  readonly open: number;
  /** Mean of detected - onset, seconds. */
  readonly mttdSeconds: number | null;
  /** Mean of resolved - onset over the resolved ones, seconds. */
  readonly mttrSeconds: number | null;
}

export interface IncidentLine {
  readonly id: string;
  readonly severity: Severity;
  readonly title: string;
  readonly status: string;
  readonly onset: string;
  readonly detected: string;
  readonly resolved?: string;
  readonly detectSeconds: number;
  readonly resolveSeconds?: number;
}

export interface Percentile {
  readonly name: 'p50' | 'p95' | 'p99';
  readonly ms: number | null;
  readonly targetMs: number | null;
  readonly met: boolean | null;
}

export interface DailyPair {
  readonly date: string;
  readonly thisWeek: number;
  readonly lastWeek: number;
}

export interface WeeklyReport {
  readonly schemaVersion: 1;
  readonly service: string;
  readonly environment: string;
  readonly region: string;
  readonly week: string;
  /** First day and last day of the week (UTC dates). */
  readonly from: string;
  readonly to: string;
  readonly generatedAt: string;
  readonly availability: Known<Availability>;
  readonly incidents: Known<{
    readonly total: number;
    readonly bySeverity: readonly SeverityLine[];
    readonly list: readonly IncidentLine[];
  }>;
  readonly latency: Known<readonly Percentile[]>;
  readonly errors: Known<{
    readonly total5xx: number;
    readonly previousWeek5xx: number;
    readonly changePercent: number | null;
    readonly daily: readonly DailyPair[];
  }>;
  readonly topErrors: Known<readonly { readonly pattern: string; readonly count: number }[]>;
  readonly cost: Known<{
    readonly currency: string;
    readonly weekSpend: number;
    readonly previousWeekSpend: number;
    readonly changePercent: number | null;
    readonly weeklyBudget: number;
    readonly monthlyBudget: number;
    readonly percentOfBudget: number;
    readonly largest?: { readonly service: string; readonly amount: number };
    readonly daily: readonly DailyPair[];
  }>;
  readonly deployments: Known<{
    readonly total: number;
    readonly succeeded: number;
    readonly failed: number;
    readonly stopped: number;
    /** Deployments that were rolled back (each has a rollback deployment). */
    readonly rolledBack: number;
    readonly list: readonly DeploymentRow[];
  }>;
  /** One per incident still open when the report was made: the seeds' action items. */
  readonly actionItems: Known<readonly string[]>;
}

/**
 * A month's budget spread over a week: monthly x 7 / 30.4375, the mean month (365.25 / 12 days). AWS Budgets
 * tracks the month; a week has no budget of its own, so this is the share a steady spend would use.
 */
export const DAYS_PER_MEAN_MONTH = 365.25 / 12;

/** Percent change from `before` to `after`; null when there was nothing before. */
export function changePercent(after: number, before: number): number | null {
  return before === 0 ? null : ((after - before) / before) * 100;
}

const mean = (values: readonly number[]): number | null =>
  values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;

export function availabilityOf(
  canary: { readonly periodSeconds: number; readonly points: readonly Point[] },
  week: IsoWeek,
  targetPercent: number,
): Availability {
  const inWeek = canary.points.filter((p) => p.t >= week.start && p.t < week.end);
  const periodMinutes = canary.periodSeconds / 60;
  const down = inWeek.filter((p) => p.v < 1).length;
  const uptimePercent = inWeek.length === 0 ? null : (100 * (inWeek.length - down)) / inWeek.length;
  const daily = Array.from({ length: 7 }, (_, day) => {
    const from = week.start + day * DAY_MS;
    const points = inWeek.filter((p) => p.t >= from && p.t < from + DAY_MS);
    const up = points.filter((p) => p.v >= 1).length;
    return { date: utcDate(from), uptimePercent: points.length === 0 ? null : (100 * up) / points.length };
  });
  return {
    uptimePercent,
    downtimeMinutes: down * periodMinutes,
    measuredMinutes: inWeek.length * periodMinutes,
    noDataMinutes: WEEK_MS / 60_000 - inWeek.length * periodMinutes,
    targetPercent,
    met: uptimePercent === null ? null : uptimePercent >= targetPercent,
    periodSeconds: canary.periodSeconds,
    daily,
  };
}

export function incidentsOf(detectedInWeek: readonly WeeklyIncident[]) {
  const list: IncidentLine[] = [...detectedInWeek]
    .sort((a, b) => (a.detected < b.detected ? -1 : 1))
    .map((incident) => {
      const d = incidentDurations(incident);
      return {
        id: incident.id,
        severity: incident.severity,
        title: incident.title,
        status: incident.status,
        onset: incident.onset,
        detected: incident.detected,
        ...(incident.resolved ? { resolved: incident.resolved } : {}),
        detectSeconds: d.detectSeconds,
        ...(d.resolveSeconds !== undefined ? { resolveSeconds: d.resolveSeconds } : {}),
      };
    });
  const bySeverity: SeverityLine[] = SEVERITIES.filter((s) => s === 'P1' || s === 'P2').map((severity) => {
    const of = list.filter((i) => i.severity === severity);
    return {
      severity,
      count: of.length,
      open: of.filter((i) => i.status === 'open').length,
      mttdSeconds: mean(of.map((i) => i.detectSeconds)),
      mttrSeconds: mean(of.flatMap((i) => (i.resolveSeconds === undefined ? [] : [i.resolveSeconds]))),
    };
  });
  return { total: list.length, bySeverity, list };
}

/** Splits a daily series over two weeks into this week's days beside the same weekday of the week before. */
function dailyPairs(week: IsoWeek, amountOn: (dayStart: number) => number): DailyPair[] {
  return Array.from({ length: 7 }, (_, day) => {
    const from = week.start + day * DAY_MS;
    return { date: utcDate(from), thisWeek: amountOn(from), lastWeek: amountOn(from - WEEK_MS) };
  });
}

const sumOf = (pairs: readonly DailyPair[], key: 'thisWeek' | 'lastWeek') =>
  pairs.reduce((total, pair) => total + pair[key], 0);

export function deploymentsOf(rows: readonly DeploymentRow[]) {
  const list = [...rows].sort((a, b) => (a.created < b.created ? -1 : 1));
  return {
    total: list.length,
    succeeded: list.filter((d) => d.status === 'Succeeded').length,
    failed: list.filter((d) => d.status === 'Failed').length,
    stopped: list.filter((d) => d.status === 'Stopped').length,
    rolledBack: list.filter((d) => d.rolledBackBy !== undefined).length,
    list,
  };
}

function map<T, R>(value: Known<T>, fn: (known: T) => R): Known<R> {
  return isUnknown(value) ? value : fn(value);
}

export function buildWeeklyReport(input: WeeklyInputs): WeeklyReport {
  const { week, targets } = input;
  const latency = map(input.latencySeconds, (seconds): Percentile[] =>
    (
      [
        ['p50', seconds.p50, targets.p50Ms],
        ['p95', seconds.p95, targets.p95Ms],
        ['p99', seconds.p99, targets.p99Ms ?? null],
      ] as const
    ).map(([name, value, targetMs]) => {
      const ms = value === null ? null : value * 1000;
      return { name, ms, targetMs, met: ms === null || targetMs === null ? null : ms <= targetMs };
    }),
  );
  const errors = map(input.fiveXxDaily, (points) => {
    const onDay = (from: number) => points.filter((p) => p.t >= from && p.t < from + DAY_MS);
    const daily = dailyPairs(week, (from) => onDay(from).reduce((a, p) => a + p.v, 0));
    const total5xx = sumOf(daily, 'thisWeek');
    const previousWeek5xx = sumOf(daily, 'lastWeek');
    return { total5xx, previousWeek5xx, changePercent: changePercent(total5xx, previousWeek5xx), daily };
  });
  const cost = map(input.cost, (c) => {
    const daily = dailyPairs(week, (from) =>
      c.daily.filter((d) => d.date === utcDate(from)).reduce((a, d) => a + d.amount, 0),
    );
    const weekSpend = sumOf(daily, 'thisWeek');
    const previousWeekSpend = sumOf(daily, 'lastWeek');
    const weeklyBudget = (input.monthlyBudgetUsd * 7) / DAYS_PER_MEAN_MONTH;
    const largest = [...c.byService].sort((a, b) => b.amount - a.amount)[0];
    return {
      currency: c.currency,
      weekSpend,
      previousWeekSpend,
      changePercent: changePercent(weekSpend, previousWeekSpend),
      weeklyBudget,
      monthlyBudget: input.monthlyBudgetUsd,
      percentOfBudget: (100 * weekSpend) / weeklyBudget,
      ...(largest ? { largest } : {}),
      daily,
    };
  });
  const actionItems = map(input.incidents, ({ open }) =>
    [...open]
      .sort((a, b) => (a.detected < b.detected ? -1 : 1))
      .map((i) => {
        const ack = i.acknowledged ? `acknowledged ${i.acknowledged}` : 'not acknowledged';
        return `Resolve ${i.id} (${i.severity}, ${i.title}): open since ${i.detected}, ${ack}`;
      }),
  );
  return {
    schemaVersion: 1,
    service: input.service,
    environment: input.environment,
    region: input.region,
    week: week.label,
    from: utcDate(week.start),
    to: utcDate(week.end - DAY_MS),
    generatedAt: new Date(input.generatedAt).toISOString(),
    availability: map(input.canary, (canary) => availabilityOf(canary, week, targets.availabilityPercent)),
    incidents: map(input.incidents, ({ detectedInWeek }) => incidentsOf(detectedInWeek)),
    latency,
    errors,
    topErrors: input.topErrors,
    cost,
    deployments: map(input.deployments, deploymentsOf),
    actionItems,
  };
}
