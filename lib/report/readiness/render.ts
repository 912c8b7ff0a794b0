import { parityText } from '../../parity/run';
import { CheckResult, EnvironmentReadiness, formatScore, ParityOutcome, ReadinessReport } from './model';

const STATUS_TEXT: Record<CheckResult['status'], string> = {
  pass: 'pass',
  fail: '**FAIL**',
  'not-applicable': 'n/a',
};

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function verdictText(env: EnvironmentReadiness): string {
  return `${formatScore(env.score)}, ${env.verdict === 'go' ? 'GO' : 'NO-GO'} (threshold ${env.threshold})`;
}

/** Markdown: the scores of every environment, then each environment's categories and checks. */
export function readinessMarkdown(readiness: ReadinessReport): string {
  const out: string[] = ['## Readiness', ''];
  const gate = readiness.environments.find((e) => e.gates);
  out.push(
    'Operational readiness computed from the templates and the config (lib/report/readiness/): each check weighs ' +
      "1 to 3; a category's score is the weight passed over the weight that applies. Go at " +
      `${readiness.threshold}/100 (operations.readinessThreshold)` +
      `${gate ? `; ${gate.environment}'s no-go fails the report` : ''}.`,
    '',
    '| Environment | Score | Verdict | Failed checks |',
    '| --- | --- | --- | --- |',
    ...readiness.environments.map(
      (e) =>
        `| ${e.environment} | ${formatScore(e.score)} | ${e.verdict === 'go' ? 'GO' : '**NO-GO**'} | ` +
        `${cell(
          e.checks
            .filter((c) => c.status === 'fail')
            .map((c) => c.id)
            .join(', ') || 'none',
        )} |`,
    ),
    '',
  );
  for (const env of readiness.environments) {
    out.push(`### ${env.environment} readiness: ${verdictText(env)}`, '');
    out.push('| Category | Score | Passed | Failed | Not applicable |', '| --- | --- | --- | --- | --- |');
    for (const c of env.categories)
      out.push(`| ${c.category} | ${formatScore(c.score)} | ${c.passed} | ${c.failed} | ${c.notApplicable} |`);
    out.push('', '| Check | Category | Weight | Status | Resources | Why |', '| --- | --- | --- | --- | --- | --- |');
    for (const c of env.checks) {
      const row = [c.id, c.category, String(c.weight), STATUS_TEXT[c.status], shortList(c.resources), c.why];
      out.push(`| ${row.map(cell).join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** Markdown: lib/parity's own text of the comparison (the same as `npm run parity` prints). */
export function parityMarkdown(parity: ParityOutcome): string {
  if ('error' in parity) return ['## Parity', '', `Not computed: ${parity.error}`, ''].join('\n');
  const verdict =
    parity.result.unexplained.length === 0
      ? 'Every difference between the environments is one the config asks for.'
      : `**${parity.result.unexplained.length} difference(s) nothing in the config explains.**`;
  return ['## Parity', '', verdict, '', '```text', parityText(parity.result).trimEnd(), '```', ''].join('\n');
}

function shortList(resources: readonly string[], limit = 6): string {
  return resources.length <= limit
    ? resources.join(', ')
    : `${resources.slice(0, limit).join(', ')} and ${resources.length - limit} more`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A table row of cells that are already HTML. */
function row(cells: readonly (string | number)[], attributes = ''): string {
  return `<tr${attributes}>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
}

function table(headings: readonly string[], rows: readonly string[]): string {
  const head = headings.map((h) => `<th>${h}</th>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

const ROW_CLASS: Record<CheckResult['status'], string> = { pass: 'met', fail: 'missed', 'not-applicable': 'na' };

/** HTML: one section per environment with its score, verdict, categories and checks (data-* for the browser test). */
export function readinessHtml(readiness: ReadinessReport): string {
  const sections = readiness.environments.map((env) => {
    const name = escapeHtml(env.environment);
    const categories = env.categories.map((c) =>
      row([escapeHtml(c.category), formatScore(c.score), c.passed, c.failed, c.notApplicable]),
    );
    const checks = env.checks.map((c) =>
      row(
        [
          escapeHtml(c.id),
          escapeHtml(c.title),
          c.weight,
          c.status,
          `<span class="src">${c.resources.map(escapeHtml).join('<br>')}</span>`,
          escapeHtml(c.why),
        ],
        ` class="${ROW_CLASS[c.status]}" data-check="${escapeHtml(c.id)}" data-status="${c.status}"`,
      ),
    );
    const failed = env.checks.filter((c) => c.status === 'fail').length;
    const verdictClass = env.verdict === 'go' ? 'met' : 'missed';
    return [
      `<section class="readiness" id="readiness-${name}" data-score="${env.score.toFixed(2)}" ` +
        `data-verdict="${env.verdict}">`,
      `<h3>${name} readiness: <span class="verdict ${verdictClass}">${escapeHtml(verdictText(env))}</span></h3>`,
      table(['Category', 'Score', 'Passed', 'Failed', 'Not applicable'], categories),
      `<details${failed ? ' open' : ''}>`,
      `<summary>All ${env.checks.length} checks of ${name} (${failed} failed)</summary>`,
      table(['Check', 'Asks', 'Weight', 'Status', 'Resources', 'Why'], checks),
      '</details>',
      '</section>',
    ].join('\n');
  });
  return [
    '<section id="readiness">',
    '<h2>Readiness</h2>',
    `<p>Computed from the templates and the config; go at ${readiness.threshold}/100 ` +
      '(operations.readinessThreshold).</p>',
    ...sections,
    '</section>',
  ].join('\n');
}

/** HTML: the parity verdict and lib/parity's text. */
export function parityHtml(parity: ParityOutcome): string {
  if ('error' in parity)
    return [
      '<section id="parity" data-unexplained="unknown"><h2>Parity</h2>',
      `<p>Not computed: ${escapeHtml(parity.error)}</p></section>`,
    ].join('\n');
  const n = parity.result.unexplained.length;
  const verdict =
    n === 0
      ? '<p class="verdict met">Every difference between the environments is one the config asks for.</p>'
      : `<p class="verdict missed">${n} difference(s) nothing in the config explains.</p>`;
  return [
    `<section id="parity" data-unexplained="${n}">`,
    '<h2>Parity</h2>',
    verdict,
    `<details><summary>The comparison (npm run parity)</summary><pre>${escapeHtml(parityText(parity.result))}</pre>`,
    '</details>',
    '</section>',
  ].join('\n');
}
