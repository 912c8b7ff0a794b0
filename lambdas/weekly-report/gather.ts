import { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, GetQueryResultsCommand, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { CostExplorerClient, GetCostAndUsageCommand, ResultByTime } from '@aws-sdk/client-cost-explorer';
import { StoreDeps, loadRecords } from '../incident-recorder/store';
import { getMetricSeries, listDeploymentInfos } from '../shared/ops-data';
import { realSleep, withRetry } from '../shared/retry';
import { DeploymentRow, Known, Point, WeeklyIncident, WeeklyInputs, isUnknown } from './model';
import { WeeklyReportSettings } from './settings';
import { DAY_MS, IsoWeek, WEEK_MS, utcDate } from './week';

export interface WeeklyReportClients {
  readonly cloudwatch: CloudWatchClient;
  readonly codedeploy: CodeDeployClient;
  readonly logs: CloudWatchLogsClient;
  /** Cost Explorer has one endpoint, in us-east-1 (https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/ce-api.html). */
  readonly costExplorer: CostExplorerClient;
  readonly incidentStore: StoreDeps;
  /** Injected in tests so retries and polling do not wait. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface GatherOptions {
  /** The load balancer's CloudWatch dimension when the settings do not carry it (the CLI finds it in the alarms). */
  readonly findLoadBalancer?: () => Promise<string | undefined>;
  /** How long to poll the Logs Insights query before giving up on the top errors. @default 120 s */
  readonly queryWaitMs?: number;
}

const WEEK_SECONDS = WEEK_MS / 1000;

/** Cost Explorer answers at one endpoint, ce.us-east-1.amazonaws.com, whatever the caller's region
 * (https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/ce-api.html). */
export const COST_EXPLORER_REGION = 'us-east-1';

/**
 * The canary's period: CloudWatch keeps 1-minute datapoints for 15 days, 5-minute ones for 63 days and hourly
 * ones for 455 days, and returns nothing for a period shorter than the data kept at the request's start
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricStat.html). The request starts
 * a week before the reported week (for the 5xx comparison), so the age is counted from there.
 */
export function canaryPeriodSeconds(requestStart: number, now: number): number {
  const ageDays = (now - requestStart) / DAY_MS;
  return ageDays <= 15 ? 60 : ageDays <= 63 ? 300 : 3600;
}

function describeError(error: unknown): string {
  const e = error as { name?: string; message?: string };
  const message = (e.message ?? String(error)).split('\n')[0].slice(0, 200);
  // A plain Error is ours and its message says it all; an SDK error's name is the fault (AccessDeniedException).
  return e.name && e.name !== 'Error' && !message.startsWith(e.name) ? `${e.name}: ${message}` : message;
}

/** Each source is read on its own: a failure becomes a visible `unknown` for that part, never a crash. */
async function attempt<T>(clients: WeeklyReportClients, read: () => Promise<T>): Promise<Known<T>> {
  try {
    return await withRetry(read, { sleep: clients.sleep, attempts: 3 });
  } catch (error) {
    return { unknown: describeError(error) };
  }
}

const metric = (
  id: string,
  namespace: string,
  metricName: string,
  dimensions: Record<string, string>,
  periodSeconds: number,
  stat: string,
): MetricDataQuery => ({
  Id: id,
  MetricStat: {
    Metric: {
      Namespace: namespace,
      MetricName: metricName,
      Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
    },
    Period: periodSeconds,
    Stat: stat,
  },
  ReturnData: true,
});

interface MetricsRead {
  readonly canary: WeeklyInputs['canary'];
  readonly latencySeconds: WeeklyInputs['latencySeconds'];
  readonly fiveXxDaily: WeeklyInputs['fiveXxDaily'];
}

/**
 * Every metric in one GetMetricData call over [week start - 7 days, week end): the canary's Minimum per period,
 * TargetResponseTime p50/p95/p99 with a one-week period (one true weekly percentile per week), and the target
 * and load-balancer 5xx summed per day. Metric and dimension names are CloudWatch's
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).
 */
async function readMetrics(
  settings: WeeklyReportSettings,
  clients: WeeklyReportClients,
  week: IsoWeek,
  now: number,
  loadBalancer: Known<string | undefined>,
): Promise<MetricsRead> {
  const start = week.start - WEEK_MS;
  const period = canaryPeriodSeconds(start, now);
  const { canary } = settings;
  const queries = [metric('canary', canary.namespace, canary.metricName, canary.dimensions, period, 'Minimum')];
  const lb = !isUnknown(loadBalancer) && loadBalancer ? { LoadBalancer: loadBalancer } : undefined;
  if (lb) {
    for (const p of ['p50', 'p95', 'p99'])
      queries.push(metric(`latency_${p}`, 'AWS/ApplicationELB', 'TargetResponseTime', lb, WEEK_SECONDS, p));
    queries.push(
      metric('target5xx', 'AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', lb, DAY_MS / 1000, 'Sum'),
      metric('elb5xx', 'AWS/ApplicationELB', 'HTTPCode_ELB_5XX_Count', lb, DAY_MS / 1000, 'Sum'),
    );
  }
  const series = await attempt(clients, () => getMetricSeries(clients.cloudwatch, queries, start, week.end));
  if (isUnknown(series)) return { canary: series, latencySeconds: series, fiveXxDaily: series };
  const points = (id: string): Point[] => {
    const s = series.get(id);
    return s ? s.timestamps.map((t, i) => ({ t, v: s.values[i] })) : [];
  };
  const noLb: Known<never> = {
    unknown: isUnknown(loadBalancer)
      ? `load balancer not found: ${loadBalancer.unknown}`
      : "no load balancer among the environment's alarm metrics",
  };
  const inWeek = (id: string): number | null => points(id).find((p) => p.t >= week.start && p.t < week.end)?.v ?? null;
  return {
    canary: { periodSeconds: period, points: points('canary') },
    latencySeconds: lb ? { p50: inWeek('latency_p50'), p95: inWeek('latency_p95'), p99: inWeek('latency_p99') } : noLb,
    fiveXxDaily: lb ? [...points('target5xx'), ...points('elb5xx')] : noLb,
  };
}

async function readIncidents(settings: WeeklyReportSettings, clients: WeeklyReportClients, week: IsoWeek) {
  const store = clients.incidentStore;
  const [open, resolved] = await Promise.all([
    loadRecords(store, settings.incidents, 'open'),
    loadRecords(store, settings.incidents, 'resolved', { fromIso: new Date(week.start).toISOString() }),
  ]);
  const pick = (r: WeeklyIncident): WeeklyIncident => ({
    id: r.id,
    severity: r.severity,
    title: r.title,
    status: r.status,
    onset: r.onset,
    detected: r.detected,
    ...(r.acknowledged ? { acknowledged: r.acknowledged } : {}),
    ...(r.resolved ? { resolved: r.resolved } : {}),
  });
  const inWeek = (r: WeeklyIncident) => Date.parse(r.detected) >= week.start && Date.parse(r.detected) < week.end;
  return { detectedInWeek: [...open, ...resolved].filter(inWeek).map(pick), open: open.map(pick) };
}

async function readDeployments(settings: WeeklyReportSettings, clients: WeeklyReportClients, week: IsoWeek) {
  const infos = await listDeploymentInfos(clients.codedeploy, settings.deploymentGroup, week.start, week.end);
  return infos.map((d): DeploymentRow => ({
    id: d.deploymentId ?? '?',
    status: d.status ?? 'unknown',
    created: (d.createTime ?? new Date(0)).toISOString(),
    ...(d.completeTime ? { completed: d.completeTime.toISOString() } : {}),
    ...(d.errorInformation?.message ? { error: d.errorInformation.message } : {}),
    // DeploymentInfo.rollbackInfo: rollbackDeploymentId on the deployment rolled back, and
    // rollbackTriggeringDeploymentId on the rollback itself
    // (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_RollbackInfo.html).
    ...(d.rollbackInfo?.rollbackTriggeringDeploymentId
      ? { rollbackOf: d.rollbackInfo.rollbackTriggeringDeploymentId }
      : {}),
    ...(d.rollbackInfo?.rollbackDeploymentId ? { rolledBackBy: d.rollbackInfo.rollbackDeploymentId } : {}),
  }));
}

/** `filter @message like /ERROR|Error|FATAL|Exception/`: the words the error-log metric filter counts. */
export function topErrorsQuery(errorTerms: readonly string[], limit = 5): string {
  const alternatives = errorTerms.map((term) => term.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|');
  // `pattern` clusters lines that differ only in ids, numbers and times into one @pattern with its @sampleCount
  // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Pattern.html), so "timeout
  // calling 10.0.3.7 after 3004 ms" lines count as one message rather than one each.
  return `filter @message like /${alternatives}/ | pattern @message | sort @sampleCount desc | limit ${limit}`;
}

/**
 * StartQuery, then GetQueryResults until the query is Complete, backing off from 1 s to 5 s between polls.
 * Failed, Cancelled, Timeout or still running at `waitMs` is an error the section reports. Logs Insights bills
 * the data scanned (https://aws.amazon.com/cloudwatch/pricing/): one query over one log group and one week.
 */
async function readTopErrors(
  settings: WeeklyReportSettings,
  clients: WeeklyReportClients,
  week: IsoWeek,
  waitMs: number,
): Promise<{ pattern: string; count: number }[]> {
  const sleep = clients.sleep ?? realSleep;
  const retry = <T>(op: () => Promise<T>) => withRetry(op, { sleep: clients.sleep });
  const { queryId } = await retry(() =>
    clients.logs.send(
      new StartQueryCommand({
        logGroupName: settings.logGroupName,
        // StartQuery takes epoch seconds, both ends inclusive.
        startTime: week.start / 1000,
        endTime: week.end / 1000 - 1,
        queryString: topErrorsQuery(settings.errorTerms),
      }),
    ),
  );
  if (!queryId) throw new Error('StartQuery returned no queryId');
  let waited = 0;
  for (let delay = 1000; ; delay = Math.min(delay * 2, 5000)) {
    const out = await retry(() => clients.logs.send(new GetQueryResultsCommand({ queryId })));
    if (out.status === 'Complete') {
      return (out.results ?? []).flatMap((row) => {
        const field = (name: string) => row.find((f) => f.field === name)?.value;
        const pattern = field('@pattern');
        const count = Number(field('@sampleCount'));
        return pattern !== undefined && Number.isFinite(count) ? [{ pattern, count }] : [];
      });
    }
    if (out.status !== 'Scheduled' && out.status !== 'Running') {
      throw new Error(`Logs Insights query ${queryId} on ${settings.logGroupName} ended ${out.status}`);
    }
    if (waited >= waitMs)
      throw new Error(
        `Logs Insights query ${queryId} on ${settings.logGroupName} still ${out.status} after ${waitMs} ms`,
      );
    await sleep(delay);
    waited += delay;
  }
}

/**
 * Cost Explorer's daily unblended cost by service over [week start - 7 days, week end) (End is exclusive,
 * https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html), all pages.
 * Each request (each page) costs USD 0.01 (https://aws.amazon.com/aws-cost-management/aws-cost-explorer/pricing/).
 * The account's whole cost, as the environment's budget counts it (no filter).
 */
async function readCost(clients: WeeklyReportClients, week: IsoWeek) {
  const results: ResultByTime[] = [];
  let token: string | undefined;
  do {
    const page = await clients.costExplorer.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: utcDate(week.start - WEEK_MS), End: utcDate(week.end) },
        Granularity: 'DAILY',
        Metrics: ['UnblendedCost'],
        GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
        NextPageToken: token,
      }),
    );
    results.push(...(page.ResultsByTime ?? []));
    token = page.NextPageToken;
  } while (token);
  let currency = 'USD';
  const daily = new Map<string, number>();
  const byService = new Map<string, number>();
  for (const day of results) {
    const date = day.TimePeriod?.Start ?? '';
    // Grouped results carry the amounts in Groups; an ungrouped answer (no usage that day) in Total.
    const amounts = day.Groups?.length
      ? day.Groups.map((g) => ({ service: g.Keys?.[0] ?? '?', metric: g.Metrics?.UnblendedCost }))
      : [{ service: undefined, metric: day.Total?.UnblendedCost }];
    for (const { service, metric: m } of amounts) {
      const amount = Number(m?.Amount ?? 0);
      if (m?.Unit) currency = m.Unit;
      daily.set(date, (daily.get(date) ?? 0) + amount);
      const inWeek = Date.parse(date) >= week.start && Date.parse(date) < week.end;
      if (service && inWeek) byService.set(service, (byService.get(service) ?? 0) + amount);
    }
  }
  return {
    currency,
    daily: [...daily].map(([date, amount]) => ({ date, amount })),
    byService: [...byService].map(([service, amount]) => ({ service, amount })),
  };
}

/** Reads every source at once for one ISO week; `now` is the clock (tests fix it). */
export async function gatherWeekly(
  settings: WeeklyReportSettings,
  clients: WeeklyReportClients,
  week: IsoWeek,
  now: number,
  options: GatherOptions = {},
): Promise<WeeklyInputs> {
  const loadBalancerP: Promise<Known<string | undefined>> = settings.loadBalancer
    ? Promise.resolve(settings.loadBalancer)
    : options.findLoadBalancer
      ? attempt(clients, options.findLoadBalancer)
      : Promise.resolve(undefined);
  const [metrics, incidents, deployments, topErrors, cost] = await Promise.all([
    loadBalancerP.then((lb) => readMetrics(settings, clients, week, now, lb)),
    attempt(clients, () => readIncidents(settings, clients, week)),
    attempt(clients, () => readDeployments(settings, clients, week)),
    // Polling has its own deadline; one attempt (its calls are retried inside).
    readTopErrors(settings, clients, week, options.queryWaitMs ?? 120_000).catch(
      (error: unknown) => ({ unknown: describeError(error) }) as const,
    ),
    attempt(clients, () => readCost(clients, week)),
  ]);
  return {
    service: settings.service,
    environment: settings.environment,
    region: settings.region,
    week,
    generatedAt: now,
    targets: settings.targets,
    monthlyBudgetUsd: settings.monthlyBudgetUsd,
    ...metrics,
    incidents,
    deployments,
    topErrors,
    cost,
  };
}
