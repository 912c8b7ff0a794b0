import { ALARM_DESCRIPTION_PATTERN } from '../monitoring/alarm-spec';
import {
  CUSTOM_METRIC_DELAY_SECONDS,
  HIGH_RESOLUTION_EVALUATION_INTERVAL_SECONDS,
  SCHEDULE_PRECISION_SECONDS,
  STANDARD_EVALUATION_INTERVAL_SECONDS,
  VENDED_METRIC_DELAY_SECONDS,
} from './allowances';
import { CfnResource, SourceRef, StackTemplate } from './model';
import { scheduleIntervalMinutes } from './schedule';
import { isObject, numberValue, props, refTarget, resourcesOfType, source } from './templates';

export type TreatMissingData = 'missing' | 'breaching' | 'notBreaching' | 'ignore';

/** What happens when the signal itself disappears (nothing publishes the metric any more). */
export type SignalLoss = 'detected' | 'not-detected' | 'state-held';

export interface AlarmTiming {
  readonly logicalId: string;
  readonly alarmName: string;
  readonly severity?: string;
  readonly summary?: string;
  /** The runbook id from the description (`.../<id>.md`): what the failure-mode table matches on. */
  readonly runbook?: string;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  /** Publication delay allowance (an assumption, see allowances.ts). */
  readonly allowanceSeconds: number;
  /**
   * partial period (non-extreme statistics) + M periods + publisher lag + publication delay + evaluation
   * interval: a sustained breach fires after M breaching datapoints (DatapointsToAlarm), not N.
   */
  readonly worstCaseSeconds: number;
  readonly treatMissingData: TreatMissingData;
  readonly signalLoss: SignalLoss;
  readonly formula: string;
  readonly sources: readonly SourceRef[];
  readonly notes: readonly string[];
}

export type AlarmAssessment =
  | { readonly assessed: true; readonly timing: AlarmTiming }
  | {
      readonly assessed: false;
      readonly logicalId: string;
      readonly alarmName: string;
      readonly severity?: string;
      readonly reason: string;
      readonly fix: string;
      readonly sources: readonly SourceRef[];
    };

/** Severity and summary from a Bulwark alarm description (`[P1] summary | Runbook: <url>/<id>.md`). */
export function parseAlarmDescription(description: unknown): { severity?: string; summary?: string } {
  if (typeof description !== 'string') return {};
  const match = ALARM_DESCRIPTION_PATTERN.exec(description);
  if (match) return { severity: match[1], summary: match[2] };
  // Descriptions that carry a severity but no runbook are still worth classifying.
  const loose = /^\[(P[1-4])\]\s*(.*)$/.exec(description);
  return loose ? { severity: loose[1], summary: loose[2] } : {};
}

/**
 * Worst-case detection time of one AWS::CloudWatch::Alarm or AWS::CloudWatch::CompositeAlarm, for a
 * breach that starts at any instant and lasts (docs/recovery-model.md, "Detection"):
 *
 *   partial period (non-extreme statistics only) + M x period + publisher lag + publication delay
 *   + evaluation interval (60 s; 10 s for 10/30-s periods)
 */
export function assessAlarm(stack: StackTemplate, logicalId: string, seen: Set<string> = new Set()): AlarmAssessment {
  const resource = stack.resources[logicalId];
  const p = props(resource);
  const alarmName = typeof p.AlarmName === 'string' ? p.AlarmName : logicalId;
  const { severity, summary } = parseAlarmDescription(p.AlarmDescription);
  if (resource.Type === 'AWS::CloudWatch::CompositeAlarm') return assessComposite(stack, logicalId, resource, seen);
  const fail = (reason: string, fix: string, properties: string[] = []): AlarmAssessment => ({
    assessed: false,
    logicalId,
    alarmName,
    severity,
    reason,
    fix,
    sources: [source(stack, logicalId, properties)],
  });

  const read: string[] = ['EvaluationPeriods'];
  const n = numberValue(p.EvaluationPeriods);
  if (n === undefined)
    return fail('EvaluationPeriods is not a literal number', 'write EvaluationPeriods as a number', read);
  const m = p.DatapointsToAlarm === undefined ? n : numberValue(p.DatapointsToAlarm);
  if (p.DatapointsToAlarm !== undefined) read.push('DatapointsToAlarm');
  if (m === undefined)
    return fail('DatapointsToAlarm is not a literal number', 'write DatapointsToAlarm as a number', read);

  const periodInfo = alarmPeriod(p);
  if ('reason' in periodInfo)
    return fail(
      periodInfo.reason,
      'give the alarm a literal Period (or MetricStat.Period for each metric of its math expression)',
      [...read, ...periodInfo.properties],
    );
  read.push(...periodInfo.properties);

  const vended = periodInfo.metrics.length === 0 || periodInfo.metrics.some((x) => x.namespace.startsWith('AWS/'));
  const allowance = vended ? VENDED_METRIC_DELAY_SECONDS : CUSTOM_METRIC_DELAY_SECONDS;
  const treat = (typeof p.TreatMissingData === 'string' ? p.TreatMissingData : 'missing') as TreatMissingData;
  if (p.TreatMissingData !== undefined) read.push('TreatMissingData');
  const period = periodInfo.periodSeconds;

  // Custom metrics: who publishes them, and how far apart, is read from the same template.
  const custom = periodInfo.metrics.filter((x) => !x.namespace.startsWith('AWS/'));
  const publishers: Publisher[] = [];
  for (const metric of custom) {
    const found = metricPublisher(stack, metric.namespace, metric.name);
    if (!found) {
      return fail(
        `nothing in ${stack.file} publishes ${metric.namespace}/${metric.name} (no metric filter, no scheduled function with METRIC_NAMESPACE ${metric.namespace}): the alarm can never fire`,
        `create the metric filter or publisher of ${metric.name} in this stack, or alarm on a metric it has`,
        read,
      );
    }
    publishers.push(found);
  }
  const publisher = publishers.reduce<Publisher | undefined>(
    (a, b) => (!a || b.lagSeconds > a.lagSeconds ? b : a),
    undefined,
  );

  const extreme = isExtreme(periodInfo.statistics, p.ComparisonOperator);
  if (periodInfo.statistics.length > 0)
    read.push(...(p.Metrics === undefined ? ['Statistic'] : []), 'ComparisonOperator');
  const partial = extreme ? 0 : period;
  const evaluation = period < 60 ? HIGH_RESOLUTION_EVALUATION_INTERVAL_SECONDS : STANDARD_EVALUATION_INTERVAL_SECONDS;
  const lag = publisher?.lagSeconds ?? 0;
  const worst = partial + m * period + lag + allowance + evaluation;

  const notes: string[] = [];
  if (periodInfo.metrics.length === 0)
    notes.push(
      `no metric namespace readable; the larger (AWS-vended) allowance of ${VENDED_METRIC_DELAY_SECONDS} s is used`,
    );
  if (!extreme)
    notes.push(
      `${periodInfo.statistics.join('/') || 'the statistic'} is not an extreme (Minimum below / Maximum above): a breach starting mid-period may not breach that period, so one partial period is added`,
    );
  if (m < n)
    notes.push(
      `${m} of ${n}: a sustained breach fires after ${m} breaching datapoints; N only widens the window that counts them`,
    );
  if (publisher) notes.push(`published by ${publisher.formula}`);
  notes.push(signalLossNote(treat, m, period));

  const terms = [
    ...(partial ? [`${partial} s partial period`] : []),
    `${m} x ${period} s`,
    ...(publisher ? [`${lag} s publisher lag`] : []),
    `${allowance} s ${vended ? 'AWS-vended' : 'custom'} metric delay`,
    `${evaluation} s evaluation interval`,
  ];
  return {
    assessed: true,
    timing: {
      logicalId,
      alarmName,
      severity,
      summary,
      runbook: runbookId(p.AlarmDescription),
      periodSeconds: period,
      evaluationPeriods: n,
      datapointsToAlarm: m,
      allowanceSeconds: allowance,
      worstCaseSeconds: worst,
      treatMissingData: treat,
      signalLoss: treat === 'breaching' ? 'detected' : treat === 'notBreaching' ? 'not-detected' : 'state-held',
      formula: `${terms.join(' + ')} = ${worst} s`,
      sources: [source(stack, logicalId, read), ...(publisher?.sources ?? [])],
      notes,
    },
  };
}

/** The runbook id of a Bulwark alarm description (`... | Runbook: <url>/<id>.md`). */
export function runbookId(description: unknown): string | undefined {
  if (typeof description !== 'string') return undefined;
  return /Runbook: \S*?([A-Za-z0-9-]+)\.md/.exec(description)?.[1];
}

/**
 * Minimum compared below a threshold, or Maximum above one: the first datapoint inside a period already
 * makes that period breach, so no partial period is lost. Any other statistic (Sum, Average, a
 * percentile, a ratio of them) is over the whole period.
 */
function isExtreme(statistics: readonly string[], operator: unknown): boolean {
  if (statistics.length === 0 || typeof operator !== 'string') return false;
  if (statistics.every((s) => s === 'Minimum')) return operator.startsWith('LessThan');
  if (statistics.every((s) => s === 'Maximum')) return operator.startsWith('GreaterThan');
  return false;
}

/** Who puts a custom metric, and the longest it can go without a new datapoint. */
export interface Publisher {
  readonly lagSeconds: number;
  readonly formula: string;
  readonly sources: readonly SourceRef[];
}

/** Metric names the canary function publishes (lambdas/canary: metricData). */
const CANARY_METRICS = ['Success', 'LatencyMs'];

/**
 * The publisher of a custom metric in the same stack: a log metric filter (publishes as lines arrive),
 * the canary (a scheduled function probing PROBE_EVERY_SECONDS apart), or another scheduled function
 * with METRIC_NAMESPACE (one datapoint per run).
 */
export function metricPublisher(stack: StackTemplate, namespace: string, name: string): Publisher | undefined {
  for (const [id, filter] of resourcesOfType(stack, 'AWS::Logs::MetricFilter')) {
    const transforms = props(filter).MetricTransformations;
    if (
      Array.isArray(transforms) &&
      transforms.some((t) => isObject(t) && t.MetricNamespace === namespace && t.MetricName === name)
    ) {
      return {
        lagSeconds: 0,
        formula: `log metric filter ${id} (as lines arrive)`,
        sources: [source(stack, id, ['MetricTransformations'])],
      };
    }
  }
  for (const [fnId, fn] of resourcesOfType(stack, 'AWS::Lambda::Function')) {
    const env =
      isObject(props(fn).Environment) && isObject((props(fn).Environment as Record<string, unknown>).Variables)
        ? (props(fn).Environment as { Variables: Record<string, unknown> }).Variables
        : {};
    if (env.METRIC_NAMESPACE !== namespace) continue;
    const canary = env.PROBE_EVERY_SECONDS !== undefined;
    if (canary !== CANARY_METRICS.includes(name)) continue;
    const schedule = scheduleOf(stack, fnId);
    if (!schedule) return undefined;
    const fnSource = (properties: string[]) => source(stack, fnId, properties);
    if (!canary) {
      const timeout = numberValue(props(fn).Timeout) ?? 3;
      const lag = schedule.seconds + SCHEDULE_PRECISION_SECONDS + timeout;
      return {
        lagSeconds: lag,
        formula: `${fnId} on ${schedule.expression}: ${schedule.seconds} s + ${SCHEDULE_PRECISION_SECONDS} s schedule precision + ${timeout} s timeout = ${lag} s`,
        sources: [fnSource(['Timeout', 'Environment.Variables.METRIC_NAMESPACE']), schedule.source],
      };
    }
    const every = numberValue(env.PROBE_EVERY_SECONDS);
    const probes = numberValue(env.PROBES_PER_RUN);
    const timeoutMs = numberValue(env.REQUEST_TIMEOUT_MS);
    let journeys: number | undefined;
    try {
      journeys = typeof env.JOURNEYS === 'string' ? (JSON.parse(env.JOURNEYS) as unknown[]).length : undefined;
    } catch {
      journeys = undefined;
    }
    if (every === undefined || probes === undefined || timeoutMs === undefined || journeys === undefined)
      return undefined;
    const parallel = env.JOURNEYS_IN_PARALLEL === 'true';
    // Runs may start up to interval + precision apart; a run probes (probes - 1) x every after its start.
    const runGap = schedule.seconds + SCHEDULE_PRECISION_SECONDS - (probes - 1) * every;
    const gap = Math.max(every, runGap);
    // A probe walks the journeys (in turn, or all at once) and confirms a failure once: two timeouts each.
    const probe = (2 * (parallel ? 1 : journeys) * timeoutMs) / 1000;
    const lag = gap + probe;
    return {
      lagSeconds: lag,
      formula:
        `canary ${fnId} on ${schedule.expression}, ${probes} probes ${every} s apart: longest gap max(${every}, ${schedule.seconds} + ${SCHEDULE_PRECISION_SECONDS} - ${probes - 1} x ${every}) = ${gap} s` +
        ` + probe 2 x ${parallel ? `${journeys} journeys at once` : `${journeys} journeys in turn`} x ${timeoutMs} ms = ${lag} s`,
      sources: [
        fnSource([
          'Environment.Variables.PROBE_EVERY_SECONDS',
          'Environment.Variables.PROBES_PER_RUN',
          'Environment.Variables.REQUEST_TIMEOUT_MS',
          'Environment.Variables.JOURNEYS',
        ]),
        schedule.source,
      ],
    };
  }
  return undefined;
}

/** The scheduled rule that invokes a function, with its longest gap between runs. */
function scheduleOf(
  stack: StackTemplate,
  fnId: string,
): { seconds: number; expression: string; source: SourceRef } | undefined {
  for (const [ruleId, rule] of resourcesOfType(stack, 'AWS::Events::Rule')) {
    const r = props(rule);
    if (typeof r.ScheduleExpression !== 'string' || r.State === 'DISABLED' || !Array.isArray(r.Targets)) continue;
    if (!r.Targets.some((t) => isObject(t) && refTarget(t.Arn) === fnId)) continue;
    const minutes = scheduleIntervalMinutes(r.ScheduleExpression);
    if (minutes === undefined) continue;
    return {
      seconds: minutes * 60,
      expression: r.ScheduleExpression,
      source: source(stack, ruleId, ['ScheduleExpression', 'Targets']),
    };
  }
  return undefined;
}

function signalLossNote(treat: TreatMissingData, m: number, period: number): string {
  switch (treat) {
    case 'breaching':
      return `missing data counts as breaching: losing the signal itself fires within ${m} x ${period} s`;
    case 'notBreaching':
      return 'missing data counts as OK: a failure that stops the metric being published (nothing serves, nothing reports) is not detected by this alarm';
    case 'ignore':
    case 'missing':
      return `missing data ${treat === 'ignore' ? 'is ignored' : 'is left missing'}: gaps stretch the evaluation window, so the figure holds only while the metric is published every ${period} s`;
  }
}

interface PeriodInfo {
  readonly periodSeconds: number;
  readonly properties: string[];
  /** Metrics the alarm reads (name may be '' when the template does not say). */
  readonly metrics: { readonly namespace: string; readonly name: string }[];
  /** Statistic of each metric read (Statistic, or each MetricStat.Stat); extended statistics as written. */
  readonly statistics: string[];
}

/**
 * The period that paces an alarm's datapoints. A single metric has Period. A metric math alarm
 * evaluates one expression whose datapoints cannot come faster than its slowest input, so the
 * slowest MetricStat period (or the expression's own Period, if longer) is used.
 */
export function alarmPeriod(p: Record<string, unknown>): PeriodInfo | { reason: string; properties: string[] } {
  if (p.Metrics === undefined) {
    const period = numberValue(p.Period);
    if (period === undefined) return { reason: 'Period is missing or not a literal number', properties: ['Period'] };
    const statistic =
      typeof p.Statistic === 'string'
        ? p.Statistic
        : typeof p.ExtendedStatistic === 'string'
          ? p.ExtendedStatistic
          : undefined;
    return {
      periodSeconds: period,
      properties: ['Period'],
      metrics:
        typeof p.Namespace === 'string'
          ? [{ namespace: p.Namespace, name: typeof p.MetricName === 'string' ? p.MetricName : '' }]
          : [],
      statistics: statistic ? [statistic] : [],
    };
  }
  if (!Array.isArray(p.Metrics)) return { reason: 'Metrics is not a list', properties: ['Metrics'] };
  const entries = p.Metrics.filter(isObject);
  const returned = entries.filter((e) => e.ReturnData !== false);
  if (returned.length !== 1)
    return {
      reason: `Metrics has ${returned.length} entries with ReturnData true; an alarm evaluates exactly one`,
      properties: ['Metrics[].ReturnData'],
    };
  const periods: number[] = [];
  const properties: string[] = [];
  const metrics: PeriodInfo['metrics'] = [];
  const statistics: string[] = [];
  for (const [i, entry] of entries.entries()) {
    const stat = entry.MetricStat;
    if (isObject(stat)) {
      const period = numberValue(stat.Period);
      if (period === undefined)
        return {
          reason: `Metrics[${i}].MetricStat.Period is not a literal number`,
          properties: [`Metrics[${i}].MetricStat.Period`],
        };
      periods.push(period);
      properties.push(`Metrics[${i}].MetricStat.Period`);
      const ns = isObject(stat.Metric) ? stat.Metric.Namespace : undefined;
      const name = isObject(stat.Metric) && typeof stat.Metric.MetricName === 'string' ? stat.Metric.MetricName : '';
      if (typeof ns === 'string' && !metrics.some((x) => x.namespace === ns && x.name === name))
        metrics.push({ namespace: ns, name });
      statistics.push(typeof stat.Stat === 'string' ? stat.Stat : '');
    } else if (entry.Period !== undefined) {
      const period = numberValue(entry.Period);
      if (period === undefined)
        return { reason: `Metrics[${i}].Period is not a literal number`, properties: [`Metrics[${i}].Period`] };
      periods.push(period);
      properties.push(`Metrics[${i}].Period`);
    }
  }
  if (periods.length === 0)
    return {
      reason: 'no period found in Metrics (an expression without MetricStat inputs or Period)',
      properties: ['Metrics'],
    };
  return { periodSeconds: Math.max(...periods), properties, metrics, statistics };
}

/**
 * A composite alarm fires once its rule holds; for OR and AND alike the worst case is the slowest
 * child it names (for AND, every child must be in ALARM), plus the actions suppressor wait period:
 * actions are held up to that long waiting for the suppressor.
 */
function assessComposite(
  stack: StackTemplate,
  logicalId: string,
  resource: CfnResource,
  seen: Set<string>,
): AlarmAssessment {
  const p = props(resource);
  const alarmName = typeof p.AlarmName === 'string' ? p.AlarmName : logicalId;
  const { severity, summary } = parseAlarmDescription(p.AlarmDescription);
  const runbook = runbookId(p.AlarmDescription);
  const fail = (reason: string, fix: string): AlarmAssessment => ({
    assessed: false,
    logicalId,
    alarmName,
    severity,
    reason,
    fix,
    sources: [source(stack, logicalId, ['AlarmRule'])],
  });
  const text = ruleText(p.AlarmRule);
  if (/\bNOT\b/.test(text))
    return fail(
      'the rule uses NOT, whose timing depends on another alarm leaving ALARM',
      'assess the child alarms directly',
    );
  if (/arn:aws/.test(text))
    return fail(
      'the rule names alarms by literal ARN, outside this template',
      'reference the child alarms from this stack',
    );
  const children = [...new Set([...text.matchAll(/\{ref:([A-Za-z0-9]+)\}/g)].map((m) => m[1]))];
  if (children.length === 0)
    return fail('no child alarms found in AlarmRule', 'reference the child alarms with Fn::GetAtt <Alarm>.Arn');
  if (seen.has(logicalId)) return fail('the composite alarm refers to itself', 'remove the cycle');
  const timings: AlarmTiming[] = [];
  for (const child of children) {
    if (!stack.resources[child])
      return fail(`child ${child} is not in ${stack.file}`, 'reference alarms from this stack');
    const assessed = assessAlarm(stack, child, new Set([...seen, logicalId]));
    if (!assessed.assessed) return fail(`child ${child} is not assessed: ${assessed.reason}`, assessed.fix);
    timings.push(assessed.timing);
  }
  const slowest = timings.reduce((a, b) => (b.worstCaseSeconds > a.worstCaseSeconds ? b : a));
  const wait = p.ActionsSuppressor !== undefined ? (numberValue(p.ActionsSuppressorWaitPeriod) ?? 0) : 0;
  const worst = slowest.worstCaseSeconds + wait;
  const read = ['AlarmRule', ...(wait > 0 ? ['ActionsSuppressor', 'ActionsSuppressorWaitPeriod'] : [])];
  return {
    assessed: true,
    timing: {
      ...slowest,
      logicalId,
      alarmName,
      severity,
      summary,
      runbook,
      worstCaseSeconds: worst,
      formula: `slowest child ${slowest.logicalId} (${slowest.formula})${wait > 0 ? ` + ${wait} s actions suppressor wait` : ''} = ${worst} s`,
      sources: [source(stack, logicalId, read), ...timings.flatMap((t) => t.sources)],
      notes: [`composite of ${children.join(', ')}`, ...slowest.notes],
    },
  };
}

/** An AlarmRule as text, with references written `{ref:LogicalId}` (CDK writes it as Fn::Join). */
function ruleText(rule: unknown): string {
  if (typeof rule === 'string') return rule;
  if (Array.isArray(rule)) return rule.map(ruleText).join('');
  if (isObject(rule)) {
    const join = rule['Fn::Join'];
    if (Array.isArray(join) && Array.isArray(join[1]))
      return join[1].map(ruleText).join(typeof join[0] === 'string' ? join[0] : '');
    const id = refTarget(rule);
    if (id) return `{ref:${id}}`;
  }
  return '';
}

/** Every alarm of a stack, assessed. */
export function assessAlarms(stack: StackTemplate): AlarmAssessment[] {
  return Object.entries(stack.resources)
    .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm' || r.Type === 'AWS::CloudWatch::CompositeAlarm')
    .map(([id]) => assessAlarm(stack, id));
}

/** Find an alarm by the name a CodeDeploy AlarmConfiguration gives (a Ref to the alarm or its literal AlarmName). */
export function findAlarm(stack: StackTemplate, name: unknown): string | undefined {
  const ref = refTarget(name);
  if (ref && stack.resources[ref]) return ref;
  if (typeof name === 'string') {
    return Object.entries(stack.resources).find(
      ([, r]) => r.Type.startsWith('AWS::CloudWatch::') && props(r).AlarmName === name,
    )?.[0];
  }
  return undefined;
}
