import * as fs from 'fs';
import * as path from 'path';
import { formatMargin, formatValue, missLine } from './markdown';
import { EnvironmentReport, Figure, ResilienceReport } from './model';
import { parityHtml, readinessHtml } from './readiness/render';

/** Chart.js's UMD build, read from the installed package so the page needs no network at view time. */
export function chartJsSource(): string {
  const dist = path.dirname(require.resolve('chart.js'));
  return fs.readFileSync(path.join(dist, 'chart.umd.js'), 'utf8');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Data for one environment's chart: each target's worst case as a percentage of the target. */
export interface ChartData {
  readonly environment: string;
  readonly canvasId: string;
  readonly title: string;
  readonly labels: string[][];
  readonly percent: (number | null)[];
  readonly status: string[];
}

export function chartData(env: EnvironmentReport): ChartData {
  return {
    environment: env.name,
    canvasId: `chart-${env.name}`,
    title: `${env.name}: worst case as % of target${env.targetsFrom !== env.name ? ` (${env.targetsFrom}'s targets)` : ''}`,
    labels: env.headlines.map((h) => [
      h.label,
      h.value === undefined ? 'not assessed' : `${formatValue(h.value, h.unit)} of ${formatValue(h.target, h.unit)}`,
    ]),
    percent: env.headlines.map((h) => (h.value === undefined ? null : Math.round((h.value / h.target) * 1000) / 10)),
    status: env.headlines.map((h) => h.status),
  };
}

const STATUS_CLASS: Record<Figure['status'], string> = {
  met: 'met',
  missed: 'missed',
  info: 'info',
  'not-assessed': 'na',
};

function figureRows(env: EnvironmentReport): string {
  return env.figures
    .map((f) => {
      const how =
        f.status === 'not-assessed'
          ? `not assessed: ${f.reason ?? ''}`
          : [f.formula ?? '', ...(f.notes ?? [])].filter(Boolean).join('; ');
      const src = f.sources
        .map((s) => `${s.template} ${s.logicalId}${s.properties.length ? ` (${s.properties.join(', ')})` : ''}`)
        .join('<br>');
      return `<tr class="${STATUS_CLASS[f.status]}"><td>${escapeHtml(f.name)}</td><td>${escapeHtml(formatValue(f.value, f.unit))}</td><td>${f.target === undefined ? '' : escapeHtml(formatValue(f.target, f.unit))}</td><td>${f.status === 'info' ? '' : escapeHtml(f.status)}</td><td>${escapeHtml(how)}</td><td class="src">${src.split('<br>').map(escapeHtml).join('<br>')}</td></tr>`;
    })
    .join('\n');
}

function headlineRows(env: EnvironmentReport): string {
  return env.headlines
    .map(
      (h) =>
        `<tr class="${STATUS_CLASS[h.status]}"><td>${escapeHtml(h.label)}</td><td>${escapeHtml(formatValue(h.value, h.unit))}</td><td>${escapeHtml(formatValue(h.target, h.unit))}</td><td>${escapeHtml(formatMargin(h.value, h.target, h.unit))}</td><td>${escapeHtml(h.status)}${h.notAssessed && h.status !== 'not-assessed' ? ` (${h.notAssessed} not assessed)` : ''}</td></tr>`,
    )
    .join('\n');
}

/**
 * A standalone page: the report's data, Chart.js inlined, one chart per environment (each target's
 * worst case as a percentage of the target, with the 100 % line), and the tables with sources.
 * It sets `data-charts-rendered` on <body> once every chart is drawn, for the browser test.
 */
export function renderHtml(report: ResilienceReport, chartJs: string = chartJsSource()): string {
  const charts = report.environments.map(chartData);
  const json = JSON.stringify(charts).replace(/</g, '\\u003c');
  const sections = report.environments
    .map(
      (env, i) => `
<section>
  <h2>${escapeHtml(env.name)} <small>tier ${env.tier ?? '?'}${env.targetsFrom !== env.name ? `, ${escapeHtml(env.targetsFrom)}'s targets` : ''} &middot; ${escapeHtml(env.template)}</small></h2>
  <div class="chart"><canvas id="${escapeHtml(charts[i].canvasId)}" aria-label="${escapeHtml(charts[i].title)}" role="img"></canvas></div>
  <table><thead><tr><th>Target</th><th>Worst case</th><th>Target</th><th>Margin</th><th>Status</th></tr></thead><tbody>${headlineRows(env)}</tbody></table>
  <details><summary>All ${env.figures.length} figures of ${escapeHtml(env.name)}, with sources</summary>
  <table><thead><tr><th>Figure</th><th>Value</th><th>Target</th><th>Status</th><th>How</th><th>Source</th></tr></thead><tbody>${figureRows(env)}</tbody></table></details>
</section>`,
    )
    .join('\n');
  const misses =
    report.misses.length === 0
      ? '<p class="verdict met">Every assessed figure meets its target.</p>'
      : `<p class="verdict missed">${report.misses.length} target(s) missed.</p><ul>${report.misses.map((m) => `<li>${escapeHtml(missLine(m))}</li>`).join('')}</ul>`;

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Resilience report</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1b1f24; background: #fff; }
h1 { margin-top: 0; } h2 small { font-weight: normal; color: #57606a; font-size: 13px; }
.chart { position: relative; height: 300px; max-width: 900px; }
table { border-collapse: collapse; margin: 12px 0; } td, th { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
tr.missed td { background: #ffebe9; } tr.na td { color: #57606a; font-style: italic; } td.src { font-size: 12px; color: #57606a; }
.verdict.met { color: #1a7f37; font-weight: bold; } .verdict.missed { color: #cf222e; font-weight: bold; }
</style></head>
<body>
<h1>Resilience report</h1>
<p>Worst cases computed from <code>${escapeHtml(report.cdkOut)}</code> against the targets in <code>${escapeHtml(report.config)}</code> (model: docs/recovery-model.md). Bars: worst case as % of target; the line is the target (100 %).</p>
${misses}
${sections}
${report.readiness ? readinessHtml(report.readiness) : ''}
${report.parity ? parityHtml(report.parity) : ''}
<script id="report-data" type="application/json">${json}</script>
<script>${chartJs.replace(/<\/script/gi, '<\\/script')}</script>
<script>
(function () {
  var COLORS = { met: '#2da44e', missed: '#cf222e', 'not-assessed': '#8c959f', info: '#0969da' };
  var charts = JSON.parse(document.getElementById('report-data').textContent);
  charts.forEach(function (c) {
    new Chart(document.getElementById(c.canvasId), {
      type: 'bar',
      data: {
        labels: c.labels,
        datasets: [
          { label: 'Worst case (% of target)', data: c.percent, backgroundColor: c.status.map(function (s) { return COLORS[s] || COLORS.info; }), order: 2 },
          { label: 'Target (100 %)', type: 'line', data: c.labels.map(function () { return 100; }), borderColor: '#1b1f24', borderDash: [6, 4], pointRadius: 0, fill: false, order: 1 }
        ]
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { title: { display: true, text: c.title }, legend: { position: 'bottom' } },
        scales: { y: { beginAtZero: true, suggestedMax: 120, title: { display: true, text: '% of target' } } }
      }
    });
  });
  document.body.setAttribute('data-charts-rendered', String(charts.length));
})();
</script>
</body></html>
`;
}
