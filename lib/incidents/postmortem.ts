import { MatrixSeverity, SeverityMatrix, incidentTargets } from '../../config/operations';
import { IncidentRecord, TimelineEntry, incidentDurations } from '../../lambdas/incident-recorder/record';

/**
 * The first draft of a post-mortem (issue 17 section 1): the facts a template is filled with, computed from an
 * incident record and the metrics of its window, and the small renderer that fills it. The page's structure lives
 * only in docs/templates/post-mortem.md; this module computes values and knows nothing of headings or order.
 * `npm run ops -- postmortem` (bin/ops/postmortem.ts) reads the record and CloudWatch, then calls these.
 */

/** A figure that could not be read says why instead of pretending to be zero. */
export type Figure = number | { readonly unknown: string };

/** The minutes the impact figures cover: onset rounded down, resolution (or the draft time) rounded up. */
export interface ImpactWindow {
  readonly start: number;
  readonly end: number;
}

export interface ImpactFigures {
  /** The load balancer whose 5xx counts were summed, or why none was. */
  readonly loadBalancer: string | { readonly unknown: string };
  readonly target5xx: Figure;
  readonly elb5xx: Figure;
  readonly requests: Figure;
  /** `<namespace> <metric> <dimensions>` of the canary's overall result. */
  readonly canaryMetric: string;
  readonly canaryFailures: Figure;
  readonly canaryProbes: Figure;
}

/** One step of a Region switch plan execution, as the timeline shows it. */
export interface DrStep {
  readonly time: string;
  readonly text: string;
}

/**
 * The Region switch executions that started in the impact window and their steps (the incident record does not hold
 * them), or why they could not be read. Absent: the environment has no DR region.
 */
export type DrSteps =
  | { readonly planArn: string; readonly executions: number; readonly steps: readonly DrStep[] }
  | { readonly unknown: string };

export interface PostmortemInputs {
  readonly record: IncidentRecord;
  readonly region: string;
  readonly tableName: string;
  readonly tier: number;
  /** The environment's detection target (`targets.detectionSeconds`): what MTTD is held to. */
  readonly detectionTargetSeconds: number;
  readonly severityMatrix: SeverityMatrix;
  readonly window: ImpactWindow;
  readonly impact: ImpactFigures;
  /** The environment's DR region, when it has one. */
  readonly drRegion?: string;
  /** Read from the plan's execution history in the DR region, when there is one. */
  readonly drSteps?: DrSteps;
  /** When the draft is written (the clock; tests fix it). */
  readonly now: number;
}

export type TemplateRow = Readonly<Record<string, string>>;
export type TemplateValues = Readonly<Record<string, string | readonly TemplateRow[]>>;

const MINUTE_MS = 60_000;

/** The window the impact metrics are summed over, in whole minutes (CloudWatch's 60 s datapoints). */
export function impactWindow(record: Pick<IncidentRecord, 'onset' | 'resolved'>, now: number): ImpactWindow {
  const end = record.resolved ? Date.parse(record.resolved) : now;
  return {
    start: Math.floor(Date.parse(record.onset) / MINUTE_MS) * MINUTE_MS,
    end: Math.ceil(end / MINUTE_MS) * MINUTE_MS,
  };
}

/** `postmortems/<date>-<id>.md`'s file name: the date the incident was detected (UTC). */
export function postmortemFileName(record: Pick<IncidentRecord, 'id' | 'detected'>): string {
  return `${record.detected.slice(0, 10)}-${record.id}.md`;
}

/** 0 -> `0 s`, 200 -> `3 min 20 s`, 3725 -> `1 h 2 min 5 s`, 5400 -> `1 h 30 min`. */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.round(totalSeconds);
  const parts: [number, string][] = [
    [Math.floor(seconds / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'min'],
    [seconds % 60, 's'],
  ];
  const shown = parts.filter(([value]) => value > 0).map(([value, unit]) => `${value} ${unit}`);
  return shown.length ? shown.join(' ') : '0 s';
}

const utc = (iso: string) => `${iso.slice(0, 19).replace('T', ' ')}`;
const utcMinute = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}`;
/** A Markdown table cell: pipes escaped, one line. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
const figure = (value: Figure) => (typeof value === 'number' ? String(value) : `unknown (${value.unknown})`);

/** Took / target / result of one measure: `met (5 min to spare)`, `missed by 2 min`, or why it is not judged. */
function judge(
  took: number | undefined,
  target: number | undefined,
  notYet: string,
): { took: string; target: string; result: string } {
  const targetText = target === undefined ? 'none (best effort)' : formatDuration(target);
  if (took === undefined) return { took: '-', target: targetText, result: notYet };
  if (target === undefined) return { took: formatDuration(took), target: targetText, result: 'not judged' };
  const result =
    took <= target ? `met (${formatDuration(target - took)} to spare)` : `missed by ${formatDuration(took - target)}`;
  return { took: formatDuration(took), target: targetText, result };
}

/** The timeline's kind column: what the record's entry is, in a reader's words. */
function kindOf(entry: TimelineEntry): string {
  if (entry.kind === 'switch') return 'kill switch';
  if (entry.kind !== 'manual') return entry.kind;
  if (entry.text.startsWith('acknowledged')) return 'acknowledgement';
  if (entry.text.startsWith('resolved')) return 'resolution';
  return 'note';
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** The DR steps line: what was read from the plan's execution history, or why nothing was. */
function describeDrSteps(inputs: PostmortemInputs, environment: string): string {
  const { drSteps, drRegion } = inputs;
  if (!drRegion) return `none: ${environment} has no DR region.`;
  const copy =
    `copy the steps from the plan's execution history in ${drRegion} ` +
    '(`aws arc-region-switch list-plan-executions`) if it ran.';
  if (!drSteps) return `not read; ${copy}`;
  if ('unknown' in drSteps) return `not read (${drSteps.unknown}); ${copy}`;
  if (drSteps.executions === 0) return `none: the Region switch plan did not run between onset and resolution.`;
  return (
    `${plural(drSteps.executions, 'Region switch execution', 'Region switch executions')} of ` +
    `\`${drSteps.planArn}\` started in the window; ${plural(drSteps.steps.length, 'step', 'steps')} in the timeline.`
  );
}

/** Every value docs/templates/post-mortem.md names, computed from the record, the matrix and the metrics. */
export function postmortemValues(inputs: PostmortemInputs): TemplateValues {
  const { record, impact, window } = inputs;
  const open = record.status !== 'resolved';
  const durations = incidentDurations(record);
  const targets = incidentTargets(inputs.severityMatrix, record.severity as MatrixSeverity);
  const detect = judge(durations.detectSeconds, inputs.detectionTargetSeconds, '-');
  const acknowledge = judge(
    durations.acknowledgeSeconds,
    targets.acknowledgeSeconds,
    open ? 'not acknowledged yet' : 'never acknowledged',
  );
  const resolveSoFar = (inputs.now - Date.parse(record.onset)) / 1000;
  const resolve = judge(
    durations.resolveSeconds,
    targets.resolveSeconds,
    `open at the draft (${formatDuration(resolveSoFar)} since onset)`,
  );
  const firstUnknown = (...figures: Figure[]) => figures.find((f) => typeof f !== 'number');
  const requestsFailed =
    firstUnknown(impact.target5xx, impact.elb5xx) ?? (impact.target5xx as number) + (impact.elb5xx as number);
  const canaryUnknown = firstUnknown(impact.canaryFailures, impact.canaryProbes);
  const canaryFailed = canaryUnknown ? figure(canaryUnknown) : `${impact.canaryFailures} of ${impact.canaryProbes}`;

  const entries = record.timeline;
  const count = (kind: TimelineEntry['kind']) => entries.filter((e) => e.kind === kind).length;
  const drRows = inputs.drSteps && !('unknown' in inputs.drSteps) ? inputs.drSteps.steps : [];
  const timelineCounts =
    `${plural(entries.length + drRows.length, 'event', 'events')}: ` +
    `${plural(count('alarm'), 'alarm state change', 'alarm state changes')}, ` +
    `${plural(count('deployment'), 'deployment event', 'deployment events')}, ` +
    `${plural(count('switch'), 'kill-switch change', 'kill-switch changes')}, ` +
    `${plural(drRows.length, 'DR step', 'DR steps')}, ` +
    `${plural(count('manual'), 'action or note by a person', 'actions or notes by people')}.`;
  const timeline = [
    ...entries.map((entry) => ({ time: entry.time, kind: kindOf(entry), text: entry.text })),
    ...drRows.map((step) => ({ time: step.time, kind: 'DR step', text: step.text })),
  ]
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time))
    .map((row) => ({ time: utc(row.time), kind: row.kind, text: cell(row.text) }));
  const drSteps = describeDrSteps(inputs, record.environment);

  const resolvedHow =
    record.resolvedBy === 'quiet-period' ? 'every alarm OK for the quiet period' : `by ${record.resolvedBy}`;

  return {
    id: record.id,
    title: cell(record.title),
    environment: record.environment,
    region: inputs.region,
    table: inputs.tableName,
    drafted: `${utc(new Date(inputs.now).toISOString())} UTC`,
    severity: record.severity,
    tier: String(inputs.tier),
    status: open
      ? 'open at the draft: the figures run to the draft time; draft again once it is resolved'
      : `resolved (${resolvedHow})`,
    members: cell(
      Object.entries(record.members)
        .map(([name, m]) => `[${m.severity}] ${name}${m.composite ? ' (composite)' : ''}`)
        .join(', '),
    ),
    impactWindow: `${utcMinute(window.start)} to ${utcMinute(window.end)} UTC (whole minutes around onset and ${
      open ? 'the draft time' : 'resolution'
    })`,
    duration: open ? `${formatDuration(resolveSoFar)} so far (open)` : formatDuration(durations.resolveSeconds ?? 0),
    requestsFailed: figure(requestsFailed),
    loadBalancer:
      typeof impact.loadBalancer === 'string' ? impact.loadBalancer : `unknown (${impact.loadBalancer.unknown})`,
    target5xx: figure(impact.target5xx),
    elb5xx: figure(impact.elb5xx),
    requests: figure(impact.requests),
    canaryFailed,
    canaryMetric: impact.canaryMetric,
    onset: utc(record.onset),
    detected: utc(record.detected),
    acknowledged: record.acknowledged ? `${utc(record.acknowledged)} by ${cell(record.acknowledgedBy ?? '?')}` : '-',
    resolved: record.resolved ? utc(record.resolved) : '-',
    mttd: detect.took,
    mttdTarget: detect.target,
    mttdResult: detect.result,
    mtta: acknowledge.took,
    mttaTarget: acknowledge.target,
    mttaResult: acknowledge.result,
    mttr: resolve.took,
    mttrTarget: resolve.target,
    mttrResult: resolve.result,
    timelineCounts,
    timeline,
    drSteps,
  };
}

/** A block (a line `{{#rows}}` to a line `{{/rows}}`) or a field (`{{name}}`), matched in one pass. */
const TOKEN = /^\{\{#(\w+)\}\}\n([\s\S]*?)^\{\{\/\1\}\}\n|\{\{(\w+)\}\}/gm;
const FIELD = /\{\{(\w+)\}\}/g;

/**
 * Fill a template: `{{name}}` takes a value; a block from a line `{{#rows}}` to a line `{{/rows}}` repeats its lines
 * once per row, with the row's values. One pass, so a value that happens to contain `{{...}}` is never filled again.
 * Strict both ways, so template and code cannot drift apart unnoticed: a field without a value throws, and so does
 * a value the template never uses.
 */
export function fillTemplate(template: string, values: TemplateValues): string {
  const unused = new Set(Object.keys(values));
  const valueOf = (scope: Readonly<Record<string, unknown>>, name: string, where: string): string => {
    const value = scope[name];
    if (typeof value !== 'string') throw new Error(`template field {{${name}}}${where} has no value`);
    return value;
  };
  const result = template.replace(TOKEN, (_, block: string | undefined, body: string, field: string | undefined) => {
    if (field !== undefined) {
      unused.delete(field);
      return valueOf(values, field, '');
    }
    const name = block!;
    const rows = values[name];
    if (!Array.isArray(rows)) throw new Error(`template block {{#${name}}} has no list of rows`);
    unused.delete(name);
    for (const key of new Set(rows.flatMap((row) => Object.keys(row)))) {
      if (!body.includes(`{{${key}}}`)) throw new Error(`template block {{#${name}}} does not use {{${key}}}`);
    }
    const where = ` (in block ${name})`;
    return rows.map((row) => body.replace(FIELD, (__, key: string) => valueOf(row, key, where))).join('');
  });
  if (unused.size) throw new Error(`the template does not use ${[...unused].map((n) => `{{${n}}}`).join(', ')}`);
  return result;
}
