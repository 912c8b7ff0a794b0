import { MODEL_TERMS } from './allowances';
import { EnvironmentReport, Figure, FigureUnit, Headline, ResilienceReport } from './model';
import { parityMarkdown, readinessMarkdown } from './readiness/render';

const UNIT_SUFFIX: Record<FigureUnit, string> = { seconds: 's', minutes: 'min', percent: '%' };

export function formatValue(value: number | undefined, unit: FigureUnit): string {
  if (value === undefined) return 'not assessed';
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(1);
  const long =
    unit === 'minutes' && value >= 120
      ? ` (${+(value / 60).toFixed(1)} h)`
      : unit === 'seconds' && value >= 120
        ? ` (${+(value / 60).toFixed(1)} min)`
        : '';
  return `${shown} ${UNIT_SUFFIX[unit]}${long}`;
}

/** How far inside (or outside) the target a figure is: `120 s (67 %) to spare`. */
export function formatMargin(value: number | undefined, target: number | undefined, unit: FigureUnit): string {
  if (value === undefined || target === undefined) return '';
  const diff = target - value;
  const pct = target > 0 ? Math.round((Math.abs(diff) / target) * 100) : 0;
  const amount = `${+Math.abs(diff).toFixed(1)} ${UNIT_SUFFIX[unit]} (${pct} %)`;
  return diff >= 0 ? `${amount} to spare` : `${amount} over`;
}

const STATUS_TEXT: Record<Figure['status'], string> = {
  met: 'met',
  missed: '**MISSED**',
  info: '',
  'not-assessed': 'not assessed',
};

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The headline table of one environment: each target, the figure that sets it, and the margin. */
export function headlineTable(env: EnvironmentReport): string {
  const rows = env.headlines.map((h: Headline) => {
    const figure = env.figures.find((f) => f.id === h.figureId);
    const partial = h.notAssessed > 0 && h.status !== 'not-assessed' ? ` (${h.notAssessed} not assessed)` : '';
    return `| ${h.label} | ${formatValue(h.value, h.unit)} | ${formatValue(h.target, h.unit)} | ${formatMargin(h.value, h.target, h.unit)} | ${STATUS_TEXT[h.status]}${partial} | ${cell(figure?.name ?? '')} |`;
  });
  return [
    '| Target | Worst case | Target | Margin | Status | Set by |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

function sourcesText(f: Figure): string {
  return f.sources
    .map((s) => `${s.template} ${s.logicalId}${s.properties.length ? ` (${s.properties.join(', ')})` : ''}`)
    .join('; ');
}

/** Every figure of one environment with how it was computed and where it came from. */
export function figureTable(env: EnvironmentReport): string {
  const rows = env.figures.map((f) => {
    const how =
      f.value === undefined
        ? `not assessed: ${f.reason ?? ''}${f.acknowledged ? ` (acknowledged: ${f.acknowledged})` : ''}`
        : [f.formula ?? '', ...(f.notes ?? [])].filter(Boolean).join('; ');
    return `| ${cell(f.name)} | ${formatValue(f.value, f.unit)} | ${f.target === undefined ? '' : formatValue(f.target, f.unit)} | ${STATUS_TEXT[f.status]} | ${cell(how)} | ${cell(sourcesText(f))} |`;
  });
  return ['| Figure | Value | Target | Status | How | Source |', '| --- | --- | --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}

function environmentTitle(env: EnvironmentReport): string {
  const from = env.targetsFrom !== env.name ? `, ${env.targetsFrom}'s targets` : '';
  return `${env.name} (tier ${env.tier ?? '?'}${from}, ${env.template})`;
}

/** The whole report in Markdown, for a pull request or the pipeline's approval. */
export function renderMarkdown(report: ResilienceReport): string {
  const out: string[] = ['# Resilience report', ''];
  out.push(
    report.misses.length === 0
      ? 'Every assessed figure meets its target.'
      : `**${report.misses.length} target(s) missed.**`,
    '',
  );
  out.push(
    `Computed from the templates in \`${report.cdkOut}\` against the targets in \`${report.config}\`. Worst cases, as defined in docs/recovery-model.md.`,
    '',
  );
  if (report.misses.length > 0) {
    out.push('## Missed targets', '');
    for (const m of report.misses) out.push(`- ${missLine(m)}`);
    out.push('');
  }
  out.push('## Summary', '');
  for (const env of report.environments) out.push(`### ${environmentTitle(env)}`, '', headlineTable(env), '');
  out.push('## Figures', '');
  for (const env of report.environments) {
    out.push(`### ${env.name}`, '', figureTable(env), '');
    if (env.excluded.length > 0)
      out.push(`Not data stores: ${env.excluded.map((e) => `${e.logicalId} (${e.reason})`).join('; ')}.`, '');
  }
  const notAssessed = report.environments.flatMap((env) =>
    env.figures
      .filter((f) => f.status === 'not-assessed')
      .map(
        (f) =>
          `- ${env.name}: ${f.name}: ${f.reason ?? ''}${f.acknowledged ? ` (acknowledged: ${f.acknowledged})` : ''}`,
      ),
  );
  if (notAssessed.length > 0)
    out.push(
      '## Not assessed',
      '',
      'The report could not derive these from the templates and does not guess them.',
      '',
      ...notAssessed,
      '',
    );
  if (report.readiness) out.push(readinessMarkdown(report.readiness));
  if (report.parity) out.push(parityMarkdown(report.parity));
  out.push(
    '## Model terms',
    '',
    'Terms added to what the templates say. Documented ones cite the AWS page; the others are assumptions.',
    '',
    '| Term | Value | Kind | Source |',
    '| --- | --- | --- | --- |',
    ...MODEL_TERMS.map(
      (t) =>
        `| ${cell(t.name)} | ${t.value} ${UNIT_SUFFIX[t.unit]} | ${t.documented ? 'documented' : 'assumption'} | ${cell(t.source)} |`,
    ),
    '',
  );
  if (report.warnings.length > 0) out.push('## Warnings', '', ...report.warnings.map((w) => `- ${w}`), '');
  return out.join('\n');
}

export function missLine(m: ResilienceReport['misses'][number]): string {
  const target =
    m.target === undefined ? 'an alarm of its severity' : `target ${m.targetKey} ${formatValue(m.target, m.unit)}`;
  const where = m.resources.length ? `change ${m.resources.join(', ')}: ` : '';
  return `${m.environment}: ${m.figure} is ${formatValue(m.value, m.unit)}, ${target}; ${where}${m.fix}`;
}

/** What the CLI prints: the summary table of each environment, then its figures in short. */
export function renderConsole(report: ResilienceReport): string {
  const out: string[] = [];
  for (const env of report.environments) {
    out.push(`== ${environmentTitle(env)}`, headlineTable(env), '');
    const rows = env.figures.map(
      (f) =>
        `| ${cell(f.name)} | ${formatValue(f.value, f.unit)} | ${f.target === undefined ? '' : formatValue(f.target, f.unit)} | ${STATUS_TEXT[f.status] || 'info'} |`,
    );
    out.push(['| Figure | Value | Target | Status |', '| --- | --- | --- | --- |', ...rows].join('\n'), '');
  }
  for (const w of report.warnings) out.push(`warning: ${w}`);
  return out.join('\n');
}
