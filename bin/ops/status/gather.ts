import { BudgetsClient, DescribeBudgetCommand } from '@aws-sdk/client-budgets';
import {
  CloudWatchClient,
  CompositeAlarm,
  DescribeAlarmsCommand,
  MetricAlarm,
  MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CodeDeployClient, DeploymentInfo } from '@aws-sdk/client-codedeploy';
import { SSMClient } from '@aws-sdk/client-ssm';
import { checkPlanEvaluation, checkReplicationLag } from '../../../lambdas/dr-drill/readiness';
import type { IncidentRecord, Severity } from '../../../lambdas/incident-recorder/record';
import type { IncidentSettings } from '../../../lambdas/incident-recorder/settings';
import { StoreDeps, loadRecords } from '../../../lambdas/incident-recorder/store';
import type { SwitchSettings } from '../../../lambdas/kill-switch/settings';
import { readSwitch } from '../../../lambdas/kill-switch/switches';
import type { RegionSwitchApi } from '../../../lambdas/shared/arc-region-switch';
import { MAX_METRIC_QUERIES, getMetricSeries, listDeploymentInfos } from '../../../lambdas/shared/ops-data';
import { withRetry } from '../../../lambdas/shared/retry';
import { REGION_SWITCH_PLAN_TYPE } from '../../../lib/dr/region-switch-plan';
import { ALARM_DESCRIPTION_PATTERN } from '../../../lib/monitoring/alarm-spec';
import {
  AlarmInAlarm,
  BackupAge,
  Cost,
  Deployment,
  DrPlanReadiness,
  DrReplication,
  DrStatus,
  IncidentSummary,
  Known,
  Signal,
  StatusReport,
  SwitchState,
  Unknown,
  correlateDeployments,
  decideVerdict,
  isUnknown,
} from './model';

/** Where to look: everything comes from the config through each name's owner (bin/ops/status.ts builds it). */
export interface StatusTarget {
  readonly service: string;
  readonly environment: string;
  readonly region: string;
  /** `orders-prod-`: every alarm of the environment (lib/monitoring/alarm-factory.ts `alarmNamePrefix`). */
  readonly alarmNamePrefix: string;
  readonly incidents: IncidentSettings;
  readonly switches: SwitchSettings;
  /** BlueGreenService's CodeDeploy application and deployment group (`serviceBaseName`). */
  readonly deploymentGroup: { readonly application: string; readonly group: string };
  readonly budget: { readonly accountId: string; readonly name: string };
  /** The canary's overall success metric (lib/canary/canary-metrics.ts). */
  readonly canary: {
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: Readonly<Record<string, string>>;
  };
  /** The backup verifier's metric name (lib/backup/backup-verifier.ts `BACKUP_AGE_METRIC`) in this namespace. */
  readonly backupMetric: { readonly namespace: string; readonly metricName: string };
  /** A deployment this long before an incident's onset is flagged (the recorder's context lead). */
  readonly correlationWindowMs: number;
  /** The environment's DR region, when it has one: where its standby, the lag alarm and the Region switch plan live. */
  readonly dr?: DrTarget;
}

export interface DrTarget {
  readonly region: string;
  /** The stack that holds the Region switch plan (`DrRegion`, lib/stacks/dr-region-stack.ts). */
  readonly stackName: string;
  /** `orders-dr-`: the DR stack's alarms, among them the global database replication-lag alarm. */
  readonly alarmNamePrefix: string;
  /** The primary's `rds.global_db_rpo` (lib/data/global-database.ts), when it sets one: the lag's bound. */
  readonly globalDbRpoSeconds?: number;
  /** An evaluation older than this means evaluations have stopped (the drill's bound, lambdas/dr-drill). */
  readonly planEvaluationMaxAgeSeconds: number;
}

export interface StatusClients {
  readonly cloudwatch: CloudWatchClient;
  readonly ssm: SSMClient;
  readonly codedeploy: CodeDeployClient;
  readonly budgets: BudgetsClient;
  readonly incidentStore: StoreDeps;
  /** Clients in the DR region; needed only for an environment with a DR region. */
  readonly dr?: DrClients;
  /** Injected in tests so retries do not wait. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface DrClients {
  readonly cloudwatch: CloudWatchClient;
  readonly cloudformation: CloudFormationClient;
  /** ARC Region switch's data plane (no @aws-sdk client exists; lambdas/shared/arc-region-switch.ts signs it). */
  readonly regionSwitch: RegionSwitchApi;
}

/** The metric of the Aurora global database lag alarm (lib/data/global-database.ts, REPLICATION_LAG_ALARM_ID). */
export const REPLICATION_LAG_METRIC = { namespace: 'AWS/RDS', metricName: 'AuroraGlobalDBReplicationLag' } as const;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

/** One line for a failed call: the error's name and message (`AccessDeniedException: User ... is not authorized`). */
function describeError(error: unknown): string {
  const e = error as { name?: string; message?: string };
  const message = (e.message ?? String(error)).split('\n')[0].slice(0, 200);
  return e.name && !message.startsWith(e.name) ? `${e.name}: ${message}` : message;
}

/** Each source is read on its own: a failure becomes a visible `unknown` for that part, never a crash. */
async function attempt<T>(clients: StatusClients, read: () => Promise<T>): Promise<Known<T>> {
  try {
    return await withRetry(read, { sleep: clients.sleep, attempts: 3 });
  } catch (error) {
    return { unknown: describeError(error) } satisfies Unknown;
  }
}

export interface AlarmInventory {
  readonly metricAlarms: MetricAlarm[];
  readonly compositeAlarms: CompositeAlarm[];
}

export async function describeAlarms(
  clients: Pick<StatusClients, 'cloudwatch'>,
  target: Pick<StatusTarget, 'alarmNamePrefix'>,
): Promise<AlarmInventory> {
  const metricAlarms: MetricAlarm[] = [];
  const compositeAlarms: CompositeAlarm[] = [];
  let token: string | undefined;
  do {
    const page = await clients.cloudwatch.send(
      new DescribeAlarmsCommand({
        AlarmNamePrefix: target.alarmNamePrefix,
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        NextToken: token,
      }),
    );
    metricAlarms.push(...(page.MetricAlarms ?? []));
    compositeAlarms.push(...(page.CompositeAlarms ?? []));
    token = page.NextToken;
  } while (token);
  return { metricAlarms, compositeAlarms };
}

/** Severity as the AlarmFactory wrote it at the start of the description (`[P1] ... | Runbook: ...`). */
export function alarmsInAlarm(inventory: AlarmInventory): AlarmInAlarm[] {
  const all: (MetricAlarm | CompositeAlarm)[] = [...inventory.metricAlarms, ...inventory.compositeAlarms];
  return all
    .filter((alarm) => alarm.StateValue === 'ALARM')
    .map((alarm): AlarmInAlarm => {
      const parsed = ALARM_DESCRIPTION_PATTERN.exec(alarm.AlarmDescription ?? '');
      return {
        name: alarm.AlarmName ?? '?',
        severity: (parsed?.[1] as Severity | undefined) ?? 'unknown',
        summary: parsed?.[2] ?? alarm.AlarmDescription ?? '',
        since: alarm.StateUpdatedTimestamp?.toISOString(),
        reason: alarm.StateReason,
      };
    })
    .sort((a, b) => (a.severity < b.severity ? -1 : a.severity > b.severity ? 1 : a.name < b.name ? -1 : 1));
}

interface WatchedMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
  readonly alarm: MetricAlarm;
}

/** Every metric an alarm watches, directly or inside its metric math. */
function watchedMetrics(alarms: readonly MetricAlarm[]): WatchedMetric[] {
  return alarms.flatMap((alarm) => {
    const direct = alarm.MetricName
      ? [{ Namespace: alarm.Namespace, MetricName: alarm.MetricName, Dimensions: alarm.Dimensions }]
      : [];
    const inMath = (alarm.Metrics ?? []).flatMap((q) => (q.MetricStat?.Metric ? [q.MetricStat.Metric] : []));
    return [...direct, ...inMath].map((m) => ({
      namespace: m.Namespace ?? '',
      metricName: m.MetricName ?? '',
      dimensions: Object.fromEntries((m.Dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? ''])),
      alarm,
    }));
  });
}

/**
 * The resources the environment's alarms watch: its load balancer, target groups and database cluster, and the
 * backup stores with the age each store's alarm pages at. Read from the deployed alarms, so the status watches
 * exactly what the alarm catalog watches without a lookup of its own. Metric and dimension names are CloudWatch's
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html,
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html).
 */
export interface WatchedResources {
  readonly loadBalancer?: string;
  readonly targetGroups: readonly { readonly TargetGroup: string; readonly LoadBalancer: string }[];
  readonly dbCluster?: string;
  readonly backupStores: readonly {
    readonly dimensions: Record<string, string>;
    readonly store: string;
    readonly rpoSeconds: number;
  }[];
}

export function watchedResources(
  alarms: readonly MetricAlarm[],
  target: Pick<StatusTarget, 'backupMetric'>,
): WatchedResources {
  const metrics = watchedMetrics(alarms);
  const alb = metrics.filter((m) => m.namespace === 'AWS/ApplicationELB');
  const loadBalancer =
    alb.find((m) => m.dimensions.LoadBalancer && !m.dimensions.TargetGroup)?.dimensions.LoadBalancer ??
    alb.find((m) => m.dimensions.LoadBalancer)?.dimensions.LoadBalancer;
  const targetGroups = new Map<string, { TargetGroup: string; LoadBalancer: string }>();
  for (const m of alb) {
    if (m.dimensions.TargetGroup && m.dimensions.LoadBalancer) {
      targetGroups.set(m.dimensions.TargetGroup, {
        TargetGroup: m.dimensions.TargetGroup,
        LoadBalancer: m.dimensions.LoadBalancer,
      });
    }
  }
  const dbCluster = metrics.find(
    (m) => m.namespace === 'AWS/RDS' && m.metricName === 'CPUUtilization' && m.dimensions.DBClusterIdentifier,
  )?.dimensions.DBClusterIdentifier;
  const backupStores = new Map<string, WatchedResources['backupStores'][number]>();
  for (const m of metrics) {
    if (m.namespace !== target.backupMetric.namespace || m.metricName !== target.backupMetric.metricName) continue;
    const store = m.dimensions.store ?? Object.values(m.dimensions).join('/');
    backupStores.set(store, { dimensions: m.dimensions, store, rpoSeconds: m.alarm.Threshold ?? NaN });
  }
  return {
    loadBalancer,
    targetGroups: [...targetGroups.values()].sort((a, b) => (a.TargetGroup < b.TargetGroup ? -1 : 1)),
    dbCluster,
    backupStores: [...backupStores.values()].sort((a, b) => (a.store < b.store ? -1 : 1)),
  };
}

/** One metric statistic over the last hour (period 1 h) and the last 24 h (period 24 h). */
interface PlannedQuery {
  readonly key: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
  readonly stat: string;
}

export function planQueries(target: StatusTarget, resources: WatchedResources): PlannedQuery[] {
  const queries: PlannedQuery[] = [
    {
      key: 'canary',
      namespace: target.canary.namespace,
      metricName: target.canary.metricName,
      dimensions: { ...target.canary.dimensions },
      stat: 'Average',
    },
  ];
  if (resources.loadBalancer) {
    const lb = { LoadBalancer: resources.loadBalancer };
    for (const p of ['p50', 'p95', 'p99']) {
      queries.push({
        key: `latency_${p}`,
        namespace: 'AWS/ApplicationELB',
        metricName: 'TargetResponseTime',
        dimensions: lb,
        stat: p,
      });
    }
    queries.push(
      {
        key: 'target5xx',
        namespace: 'AWS/ApplicationELB',
        metricName: 'HTTPCode_Target_5XX_Count',
        dimensions: lb,
        stat: 'Sum',
      },
      {
        key: 'elb5xx',
        namespace: 'AWS/ApplicationELB',
        metricName: 'HTTPCode_ELB_5XX_Count',
        dimensions: lb,
        stat: 'Sum',
      },
      { key: 'requests', namespace: 'AWS/ApplicationELB', metricName: 'RequestCount', dimensions: lb, stat: 'Sum' },
    );
  }
  resources.targetGroups.forEach((tg, i) => {
    queries.push({
      key: `healthy_${i}`,
      namespace: 'AWS/ApplicationELB',
      metricName: 'HealthyHostCount',
      dimensions: { ...tg },
      stat: 'Minimum',
    });
  });
  if (resources.dbCluster) {
    const db = { DBClusterIdentifier: resources.dbCluster };
    queries.push(
      { key: 'db_cpu', namespace: 'AWS/RDS', metricName: 'CPUUtilization', dimensions: db, stat: 'Maximum' },
      {
        key: 'db_connections',
        namespace: 'AWS/RDS',
        metricName: 'DatabaseConnections',
        dimensions: db,
        stat: 'Maximum',
      },
    );
  }
  resources.backupStores.forEach((store, i) => {
    queries.push({
      key: `backup_${i}`,
      namespace: target.backupMetric.namespace,
      metricName: target.backupMetric.metricName,
      dimensions: store.dimensions,
      stat: 'Maximum',
    });
  });
  return queries;
}

type Windowed = Map<string, { lastHour: number | null; last24h: number | null }>;

/**
 * All planned queries in ONE GetMetricData call (two MetricDataQuery structures each: a 1 h and a 24 h period over
 * the same 24 h range, so the 24 h figure is a true 24 h statistic, percentiles included). NextToken pages of the
 * same request are followed; at 2 x 24 + 2 x 1 datapoints a query they do not occur below the 500-query cap.
 */
async function getMetricData(clients: StatusClients, queries: readonly PlannedQuery[], end: number): Promise<Windowed> {
  if (queries.length * 2 > MAX_METRIC_QUERIES)
    throw new Error(`${queries.length * 2} metric queries exceed GetMetricData's ${MAX_METRIC_QUERIES}`);
  const request: MetricDataQuery[] = queries.flatMap((q, i) =>
    (
      [
        ['h', HOUR_MS],
        ['d', DAY_MS],
      ] as const
    ).map(([suffix, period]) => ({
      Id: `q${i}${suffix}`,
      MetricStat: {
        Metric: {
          Namespace: q.namespace,
          MetricName: q.metricName,
          Dimensions: Object.entries(q.dimensions).map(([Name, Value]) => ({ Name, Value })),
        },
        Period: period / 1000,
        Stat: q.stat,
      },
      ReturnData: true,
    })),
  );
  const byId = await getMetricSeries(clients.cloudwatch, request, end - DAY_MS, end);
  // The hour query's datapoint for the last hour is the one stamped at or after end - 1 h.
  const latestSince = (id: string, since: number): number | null => {
    const entry = byId.get(id);
    if (!entry) return null;
    let best: { t: number; v: number } | undefined;
    entry.timestamps.forEach((time, i) => {
      if (time >= since && (!best || time > best.t)) best = { t: time, v: entry.values[i] };
    });
    return best?.v ?? null;
  };
  return new Map(
    queries.map((q, i) => [
      q.key,
      { lastHour: latestSince(`q${i}h`, end - HOUR_MS), last24h: latestSince(`q${i}d`, end - DAY_MS) },
    ]),
  );
}

const scale = (value: number | null, factor: number) => (value === null ? null : value * factor);

function signalsFrom(values: Known<Windowed>, resources: Known<WatchedResources>): Signal[] {
  // The canary's metric is known from the config; the others are found through the alarms.
  const metricsFailed = isUnknown(values) ? values.unknown : undefined;
  const alarmsFailed = isUnknown(resources) ? `alarms unreadable: ${resources.unknown}` : undefined;
  const get = (key: string) => (isUnknown(values) ? undefined : values.get(key));
  type Values = { lastHour: number | null; last24h: number | null } | undefined;
  const signal = (
    id: string,
    label: string,
    unit: Signal['unit'],
    v: Values,
    missing: string,
    fromAlarms = true,
  ): Signal => {
    const fail = metricsFailed ?? (fromAlarms ? alarmsFailed : undefined);
    return fail
      ? { id, label, unit, unknown: fail }
      : v
        ? { id, label, unit, ...v }
        : { id, label, unit, unknown: missing };
  };
  const known = isUnknown(resources) ? undefined : resources;
  const noAlb = "no load balancer among the environment's alarm metrics";
  const windowed = (fn: (w: 'lastHour' | 'last24h') => number | null) => ({
    lastHour: fn('lastHour'),
    last24h: fn('last24h'),
  });

  const canary = get('canary');
  const signals: Signal[] = [
    signal(
      'availability',
      'Canary availability',
      '%',
      canary && windowed((w) => scale(canary[w], 100)),
      'no canary data',
      false,
    ),
  ];
  for (const p of ['p50', 'p95', 'p99']) {
    const v = get(`latency_${p}`);
    signals.push(signal(`latency-${p}`, `Latency ${p}`, 'ms', v && windowed((w) => scale(v[w], 1000)), noAlb));
  }
  const t5 = get('target5xx');
  const e5 = get('elb5xx');
  const req = get('requests');
  // As the 5xx alarms count it (lib/monitoring/alarm-catalog.ts serverErrorRate): ELB 5xx never reach RequestCount.
  const rate = (w: 'lastHour' | 'last24h') => {
    const errors = (t5?.[w] ?? 0) + (e5?.[w] ?? 0);
    const total = (req?.[w] ?? 0) + (e5?.[w] ?? 0);
    return total > 0 ? (100 * errors) / total : null;
  };
  signals.push(signal('5xx-rate', '5xx rate', '%', req && windowed(rate), noAlb));
  const healthy = known?.targetGroups.map((_, i) => get(`healthy_${i}`)) ?? [];
  const healthySum = (w: 'lastHour' | 'last24h') => {
    const present = healthy.map((h) => h?.[w]).filter((v): v is number => v !== null && v !== undefined);
    return present.length ? present.reduce((a, b) => a + b, 0) : null;
  };
  signals.push(
    signal(
      'healthy-targets',
      'Healthy targets (lowest, blue + green)',
      'count',
      healthy.length ? windowed(healthySum) : undefined,
      "no target group among the environment's alarm metrics",
    ),
  );
  signals.push(
    signal(
      'db-cpu',
      'Database CPU (peak)',
      '%',
      get('db_cpu'),
      "no database cluster among the environment's alarm metrics",
    ),
  );
  signals.push(
    signal(
      'db-connections',
      'Database connections (peak)',
      'count',
      get('db_connections'),
      "no database cluster among the environment's alarm metrics",
    ),
  );
  return signals;
}

function backupsFrom(values: Known<Windowed>, resources: Known<WatchedResources>): Known<BackupAge[]> {
  if (isUnknown(resources)) return { unknown: `alarms unreadable: ${resources.unknown}` };
  if (isUnknown(values)) return values;
  return resources.backupStores.map((store, i) => {
    const age = values.get(`backup_${i}`)?.lastHour ?? null;
    // No measurement in the last hour is stale too: the verifier's alarm treats missing data as breaching.
    return {
      store: store.store,
      ageSeconds: age,
      rpoSeconds: store.rpoSeconds,
      stale: age === null || age > store.rpoSeconds,
    };
  });
}

const summarize = (r: IncidentRecord): IncidentSummary => ({
  id: r.id,
  status: r.status === 'open' ? 'open' : 'resolved',
  severity: r.severity,
  title: r.title,
  onset: r.onset,
  detected: r.detected,
  ...(r.acknowledged ? { acknowledged: r.acknowledged } : {}),
  ...(r.resolved ? { resolved: r.resolved } : {}),
});

async function readIncidents(clients: StatusClients, target: StatusTarget, now: number) {
  const [open, resolved] = await Promise.all([
    loadRecords(clients.incidentStore, target.incidents, 'open'),
    loadRecords(clients.incidentStore, target.incidents, 'resolved', {
      fromIso: new Date(now - WEEK_MS).toISOString(),
    }),
  ]);
  return { open: open.map(summarize), recent: resolved.map(summarize) };
}

async function readDeployments(
  clients: StatusClients,
  target: StatusTarget,
  now: number,
): Promise<Omit<Deployment, 'correlatedIncidents'>[]> {
  const infos = await listDeploymentInfos(clients.codedeploy, target.deploymentGroup, now - WEEK_MS, now);
  return infos
    .map((d: DeploymentInfo) => ({
      id: d.deploymentId ?? '?',
      status: d.status ?? 'unknown',
      created: (d.createTime ?? new Date(0)).toISOString(),
      ...(d.completeTime ? { completed: d.completeTime.toISOString() } : {}),
      ...(d.creator ? { creator: d.creator } : {}),
      ...(d.errorInformation?.message ? { error: d.errorInformation.message } : {}),
      ...(d.rollbackInfo?.rollbackDeploymentId || d.rollbackInfo?.rollbackTriggeringDeploymentId
        ? { rolledBack: true }
        : {}),
    }))
    .sort((a, b) => (a.created < b.created ? 1 : -1));
}

/** The budget's spend as AWS Budgets calculates it (CalculatedSpend: ActualSpend, ForecastedSpend;
 * https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_DescribeBudget.html). */
async function readCost(clients: StatusClients, target: StatusTarget): Promise<Cost> {
  const out = await clients.budgets.send(
    new DescribeBudgetCommand({ AccountId: target.budget.accountId, BudgetName: target.budget.name }),
  );
  const budget = Number(out.Budget?.BudgetLimit?.Amount);
  const actual = Number(out.Budget?.CalculatedSpend?.ActualSpend?.Amount);
  const forecastAmount = out.Budget?.CalculatedSpend?.ForecastedSpend?.Amount;
  if (!Number.isFinite(budget) || !Number.isFinite(actual))
    throw new Error(`budget ${target.budget.name} has no limit or actual spend yet`);
  return {
    currency: out.Budget?.BudgetLimit?.Unit ?? 'USD',
    monthToDate: actual,
    budget,
    forecast: forecastAmount === undefined ? null : Number(forecastAmount),
    percentOfBudget: budget > 0 ? (100 * actual) / budget : 0,
  };
}

async function readSwitches(clients: StatusClients, target: StatusTarget): Promise<SwitchState[]> {
  return Promise.all(
    target.switches.switches.map(async (name): Promise<SwitchState> => {
      const read = await attempt(clients, () =>
        readSwitch({ ssm: clients.ssm }, target.switches, name, { sleep: clients.sleep, attempts: 1 }),
      );
      if (isUnknown(read)) return { name, state: 'unknown', unknown: read.unknown };
      const v = read.value;
      return {
        name,
        state: v.state,
        ...(v.state === 'on' ? { reason: v.reason, changedAt: v.changedAt, changedBy: v.changedBy } : {}),
      };
    }),
  );
}

/**
 * The secondary's replication lag against its bound. The cluster comes from DrRegion's replication-lag alarm, as the
 * other signals come from the environment's alarms: no such alarm means no global database secondary to measure.
 * The bound is the primary's `rds.global_db_rpo` where it sets one (the RPO Aurora enforces by blocking commits,
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html),
 * otherwise the alarm's threshold (the recovery model's lag budget). The newest datapoint of the last ten minutes is
 * judged by the drill's own rule (lambdas/dr-drill/readiness.ts `checkReplicationLag`): none at all is a problem too.
 */
async function readReplication(dr: DrTarget, clients: DrClients, now: number): Promise<DrReplication> {
  const { metricAlarms } = await describeAlarms(clients, dr);
  const lagAlarm = metricAlarms.find(
    (a) => a.Namespace === REPLICATION_LAG_METRIC.namespace && a.MetricName === REPLICATION_LAG_METRIC.metricName,
  );
  const clusterIdentifier = lagAlarm?.Dimensions?.find((d) => d.Name === 'DBClusterIdentifier')?.Value;
  if (!lagAlarm || !clusterIdentifier) {
    throw new Error(`no ${REPLICATION_LAG_METRIC.metricName} alarm among ${dr.alarmNamePrefix}* (no global secondary)`);
  }
  const [boundSeconds, boundSource] =
    dr.globalDbRpoSeconds !== undefined
      ? [dr.globalDbRpoSeconds, "the primary's rds.global_db_rpo"]
      : [(lagAlarm.Threshold ?? NaN) / 1000, `alarm ${lagAlarm.AlarmName}'s threshold`];
  const lag = await checkReplicationLag(clients.cloudwatch, { clusterIdentifier, boundSeconds }, () => now);
  return {
    clusterIdentifier,
    lagSeconds: lag.lagSeconds ?? null,
    ...(lag.measuredAt ? { measuredAt: lag.measuredAt } : {}),
    boundSeconds,
    boundSource,
    problems: lag.problems,
  };
}

/**
 * The Region switch plan's ARN, which ends in a suffix Region switch generates: read from the DrRegion stack, where
 * the plan's physical id is its ARN (aws-cdk-lib's CfnPlan takes `Ref` as `planArn`). Post-mortems use it too.
 */
export async function findPlanArn(
  clients: Pick<DrClients, 'cloudformation'>,
  dr: Pick<DrTarget, 'stackName' | 'region'>,
): Promise<string> {
  const resources = await clients.cloudformation.send(new DescribeStackResourcesCommand({ StackName: dr.stackName }));
  const planArn = resources.StackResources?.find((r) => r.ResourceType === REGION_SWITCH_PLAN_TYPE)?.PhysicalResourceId;
  if (!planArn) throw new Error(`no ${REGION_SWITCH_PLAN_TYPE} in stack ${dr.stackName} (${dr.region})`);
  return planArn;
}

/**
 * The Region switch plan's latest evaluation, judged by the drill's rule (`checkPlanEvaluation`: state `passed`,
 * evaluated within the bound, no active warning).
 */
async function readPlan(dr: DrTarget, clients: DrClients, now: number): Promise<DrPlanReadiness> {
  const planArn = await findPlanArn(clients, dr);
  const readiness = await checkPlanEvaluation(clients.regionSwitch, planArn, dr.planEvaluationMaxAgeSeconds, () => now);
  return {
    planArn,
    ...(readiness.evaluationState ? { evaluationState: readiness.evaluationState } : {}),
    ...(readiness.lastEvaluationTime ? { lastEvaluationTime: readiness.lastEvaluationTime } : {}),
    ...(readiness.evaluationAgeSeconds !== undefined ? { evaluationAgeSeconds: readiness.evaluationAgeSeconds } : {}),
    activeWarnings: readiness.activeWarnings.length,
    problems: readiness.problems,
  };
}

async function readDr(target: StatusTarget, clients: StatusClients, now: number): Promise<DrStatus | undefined> {
  const dr = target.dr;
  if (!dr) return undefined;
  const drClients = clients.dr;
  if (!drClients) {
    const unknown = { unknown: `no clients for the DR region ${dr.region}` };
    return { region: dr.region, replication: unknown, plan: unknown };
  }
  const [replication, plan] = await Promise.all([
    attempt(clients, () => readReplication(dr, drClients, now)),
    attempt(clients, () => readPlan(dr, drClients, now)),
  ]);
  return { region: dr.region, replication, plan };
}

/**
 * Reads everything at once (alarms, switches, incidents, deployments, the budget), then the metrics of the resources
 * the alarms watch in one GetMetricData call, and decides the verdict. `now` is the clock (tests fix it).
 */
export async function gatherStatus(target: StatusTarget, clients: StatusClients, now: number): Promise<StatusReport> {
  const end = Math.floor(now / 60_000) * 60_000;
  const inventoryP = attempt(clients, () => describeAlarms(clients, target));
  const metricsP = inventoryP.then(async (inventory) => {
    const resources: Known<WatchedResources> = isUnknown(inventory)
      ? inventory
      : watchedResources(inventory.metricAlarms, target);
    const values: Known<Windowed> = await attempt(clients, () =>
      getMetricData(
        clients,
        planQueries(target, isUnknown(resources) ? { targetGroups: [], backupStores: [] } : resources),
        end,
      ),
    );
    return { resources, values };
  });
  const [inventory, metrics, switches, incidents, deployments, cost, dr] = await Promise.all([
    inventoryP,
    metricsP,
    readSwitches(clients, target),
    attempt(clients, () => readIncidents(clients, target, now)),
    attempt(clients, () => readDeployments(clients, target, now)),
    attempt(clients, () => readCost(clients, target)),
    readDr(target, clients, now),
  ]);

  const alarms: Known<AlarmInAlarm[]> = isUnknown(inventory) ? inventory : alarmsInAlarm(inventory);
  const backups = backupsFrom(metrics.values, metrics.resources);
  const correlated: Known<Deployment[]> = isUnknown(deployments)
    ? deployments
    : correlateDeployments(
        deployments,
        isUnknown(incidents) ? [] : [...incidents.open, ...incidents.recent],
        target.correlationWindowMs,
      );
  return {
    schemaVersion: 1,
    service: target.service,
    environment: target.environment,
    region: target.region,
    generatedAt: new Date(now).toISOString(),
    verdict: decideVerdict({ backups, switches, alarms, incidents, dr }),
    signals: signalsFrom(metrics.values, metrics.resources),
    backups,
    switches,
    alarms,
    incidents,
    deployments: correlated,
    cost,
    ...(dr ? { dr } : {}),
  };
}
