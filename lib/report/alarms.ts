import { ALARM_DESCRIPTION_PATTERN } from '../monitoring/alarm-spec';
import { CUSTOM_METRIC_DELAY_SECONDS, VENDED_METRIC_DELAY_SECONDS } from './allowances';
import { CfnResource, SourceRef, StackTemplate } from './model';
import { isObject, numberValue, props, refTarget, source } from './templates';

export type TreatMissingData = 'missing' | 'breaching' | 'notBreaching' | 'ignore';

/** What happens when the signal itself disappears (nothing publishes the metric any more). */
export type SignalLoss = 'detected' | 'not-detected' | 'state-held';

export interface AlarmTiming {
  readonly logicalId: string;
  readonly alarmName: string;
  readonly severity?: string;
  readonly summary?: string;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  /** Publication delay allowance added to the evaluation window. */
  readonly allowanceSeconds: number;
  /** N periods + allowance: the M-th breaching datapoint may be the last of an N-period window. */
  readonly worstCaseSeconds: number;
  /** M periods + allowance: a breach that never lets up fires after M datapoints. */
  readonly continuousSeconds: number;
  readonly treatMissingData: TreatMissingData;
  readonly signalLoss: SignalLoss;
  readonly formula: string;
  readonly sources: readonly SourceRef[];
  readonly notes: readonly string[];
}

export type AlarmAssessment =
  | { readonly assessed: true; readonly timing: AlarmTiming }
  | { readonly assessed: false; readonly logicalId: string; readonly alarmName: string; readonly severity?: string; readonly reason: string; readonly fix: string; readonly sources: readonly SourceRef[] };

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
 * Worst-case detection time of one AWS::CloudWatch::Alarm or AWS::CloudWatch::CompositeAlarm. See
 * docs/recovery-model.md for why N (not M) periods is the worst case and what the allowance covers.
 */
export function assessAlarm(stack: StackTemplate, logicalId: string, seen: Set<string> = new Set()): AlarmAssessment {
  const resource = stack.resources[logicalId];
  const p = props(resource);
  const alarmName = typeof p.AlarmName === 'string' ? p.AlarmName : logicalId;
  const { severity, summary } = parseAlarmDescription(p.AlarmDescription);
  if (resource.Type === 'AWS::CloudWatch::CompositeAlarm') return assessComposite(stack, logicalId, resource, seen);
  const fail = (reason: string, fix: string, properties: string[] = []): AlarmAssessment => ({
    assessed: false, logicalId, alarmName, severity, reason, fix, sources: [source(stack, logicalId, properties)],
  });

  const read: string[] = ['EvaluationPeriods'];
  const n = numberValue(p.EvaluationPeriods);
  if (n === undefined) return fail('EvaluationPeriods is not a literal number', 'write EvaluationPeriods as a number', read);
  const m = p.DatapointsToAlarm === undefined ? n : numberValue(p.DatapointsToAlarm);
  if (p.DatapointsToAlarm !== undefined) read.push('DatapointsToAlarm');
  if (m === undefined) return fail('DatapointsToAlarm is not a literal number', 'write DatapointsToAlarm as a number', read);

  const periodInfo = alarmPeriod(p);
  if ('reason' in periodInfo) return fail(periodInfo.reason, 'give the alarm a literal Period (or MetricStat.Period for each metric of its math expression)', [...read, ...periodInfo.properties]);
  read.push(...periodInfo.properties);

  const vended = periodInfo.namespaces.length === 0 || periodInfo.namespaces.some((ns) => ns.startsWith('AWS/'));
  const allowance = vended ? VENDED_METRIC_DELAY_SECONDS : CUSTOM_METRIC_DELAY_SECONDS;
  const treat = (typeof p.TreatMissingData === 'string' ? p.TreatMissingData : 'missing') as TreatMissingData;
  if (p.TreatMissingData !== undefined) read.push('TreatMissingData');
  const period = periodInfo.periodSeconds;

  const notes: string[] = [];
  if (periodInfo.namespaces.length === 0) notes.push(`no metric namespace readable; the larger (AWS-vended) allowance of ${VENDED_METRIC_DELAY_SECONDS} s is used`);
  if (!vended) notes.push(`custom metric: assumes its publisher puts a datapoint every ${period} s; a slower publisher adds its own interval (not in the template)`);
  if (period < 60) notes.push(`high-resolution period (${period} s): CloudWatch evaluates it every ${Math.min(period, 10)} s`);
  if (m < n) notes.push(`${m} of ${n}: a continuous breach fires after ${m} x ${period} s + ${allowance} s = ${m * period + allowance} s; an intermittent one may need all ${n} periods`);
  notes.push(signalLossNote(treat, n, period));

  const worst = n * period + allowance;
  return {
    assessed: true,
    timing: {
      logicalId,
      alarmName,
      severity,
      summary,
      periodSeconds: period,
      evaluationPeriods: n,
      datapointsToAlarm: m,
      allowanceSeconds: allowance,
      worstCaseSeconds: worst,
      continuousSeconds: m * period + allowance,
      treatMissingData: treat,
      signalLoss: treat === 'breaching' ? 'detected' : treat === 'notBreaching' ? 'not-detected' : 'state-held',
      formula: `${n} x ${period} s + ${allowance} s ${vended ? 'AWS-vended' : 'custom'} metric delay = ${worst} s`,
      sources: [source(stack, logicalId, read)],
      notes,
    },
  };
}

function signalLossNote(treat: TreatMissingData, n: number, period: number): string {
  switch (treat) {
    case 'breaching':
      return `missing data counts as breaching: losing the signal itself fires within ${n} x ${period} s`;
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
  readonly namespaces: string[];
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
    return { periodSeconds: period, properties: ['Period'], namespaces: typeof p.Namespace === 'string' ? [p.Namespace] : [] };
  }
  if (!Array.isArray(p.Metrics)) return { reason: 'Metrics is not a list', properties: ['Metrics'] };
  const entries = p.Metrics.filter(isObject);
  const returned = entries.filter((e) => e.ReturnData !== false);
  if (returned.length !== 1) return { reason: `Metrics has ${returned.length} entries with ReturnData true; an alarm evaluates exactly one`, properties: ['Metrics[].ReturnData'] };
  const periods: number[] = [];
  const properties: string[] = [];
  const namespaces: string[] = [];
  for (const [i, entry] of entries.entries()) {
    const stat = entry.MetricStat;
    if (isObject(stat)) {
      const period = numberValue(stat.Period);
      if (period === undefined) return { reason: `Metrics[${i}].MetricStat.Period is not a literal number`, properties: [`Metrics[${i}].MetricStat.Period`] };
      periods.push(period);
      properties.push(`Metrics[${i}].MetricStat.Period`);
      const ns = isObject(stat.Metric) ? stat.Metric.Namespace : undefined;
      if (typeof ns === 'string') namespaces.push(ns);
    } else if (entry.Period !== undefined) {
      const period = numberValue(entry.Period);
      if (period === undefined) return { reason: `Metrics[${i}].Period is not a literal number`, properties: [`Metrics[${i}].Period`] };
      periods.push(period);
      properties.push(`Metrics[${i}].Period`);
    }
  }
  if (periods.length === 0) return { reason: 'no period found in Metrics (an expression without MetricStat inputs or Period)', properties: ['Metrics'] };
  return { periodSeconds: Math.max(...periods), properties, namespaces: [...new Set(namespaces)] };
}

/**
 * A composite alarm fires once its rule holds; for OR and AND alike the worst case is the slowest
 * child it names (for AND, every child must be in ALARM), plus the actions suppressor wait period:
 * actions are held up to that long waiting for the suppressor.
 */
function assessComposite(stack: StackTemplate, logicalId: string, resource: CfnResource, seen: Set<string>): AlarmAssessment {
  const p = props(resource);
  const alarmName = typeof p.AlarmName === 'string' ? p.AlarmName : logicalId;
  const { severity, summary } = parseAlarmDescription(p.AlarmDescription);
  const fail = (reason: string, fix: string): AlarmAssessment => ({
    assessed: false, logicalId, alarmName, severity, reason, fix, sources: [source(stack, logicalId, ['AlarmRule'])],
  });
  const text = ruleText(p.AlarmRule);
  if (/\bNOT\b/.test(text)) return fail('the rule uses NOT, whose timing depends on another alarm leaving ALARM', 'assess the child alarms directly');
  if (/arn:aws/.test(text)) return fail('the rule names alarms by literal ARN, outside this template', 'reference the child alarms from this stack');
  const children = [...new Set([...text.matchAll(/\{ref:([A-Za-z0-9]+)\}/g)].map((m) => m[1]))];
  if (children.length === 0) return fail('no child alarms found in AlarmRule', 'reference the child alarms with Fn::GetAtt <Alarm>.Arn');
  if (seen.has(logicalId)) return fail('the composite alarm refers to itself', 'remove the cycle');
  const timings: AlarmTiming[] = [];
  for (const child of children) {
    if (!stack.resources[child]) return fail(`child ${child} is not in ${stack.file}`, 'reference alarms from this stack');
    const assessed = assessAlarm(stack, child, new Set([...seen, logicalId]));
    if (!assessed.assessed) return fail(`child ${child} is not assessed: ${assessed.reason}`, assessed.fix);
    timings.push(assessed.timing);
  }
  const slowest = timings.reduce((a, b) => (b.worstCaseSeconds > a.worstCaseSeconds ? b : a));
  const wait = p.ActionsSuppressor !== undefined ? numberValue(p.ActionsSuppressorWaitPeriod) ?? 0 : 0;
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
      worstCaseSeconds: worst,
      continuousSeconds: Math.max(...timings.map((t) => t.continuousSeconds)) + wait,
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
    if (Array.isArray(join) && Array.isArray(join[1])) return join[1].map(ruleText).join(typeof join[0] === 'string' ? join[0] : '');
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
    return Object.entries(stack.resources).find(([, r]) => r.Type.startsWith('AWS::CloudWatch::') && props(r).AlarmName === name)?.[0];
  }
  return undefined;
}
