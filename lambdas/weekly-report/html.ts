import { formatChange, formatDuration, formatMoney, round } from './markdown';
import { Known, WeeklyReport, isUnknown } from './model';

/*
 * The weekly report as one standalone HTML page in the resilience report's style (lib/report/html.ts: the same
 * font, table and status colours). Its charts are inline SVG drawn here rather than Chart.js: the page is made
 * in a Lambda whose bundle has no chart.umd.js file to inline, it is kept for years in the archive (a 200 KB
 * script in every copy), and SVG needs no script to show in a mail client or S3's preview. Every bar carries
 * its series, category and value as data attributes, which the browser test reads.
 */

export const COLORS = { met: '#2da44e', missed: '#cf222e', na: '#8c959f', thisWeek: '#0969da', lastWeek: '#afb8c1' };

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface BarSeries {
  readonly name: string;
  readonly values: readonly (number | null)[];
  /** One colour for the series, or one per bar. */
  readonly color: string | readonly string[];
}

export interface BarChartSpec {
  readonly id: string;
  readonly title: string;
  readonly categories: readonly string[];
  readonly series: readonly BarSeries[];
  readonly unit: string;
  readonly yMin?: number;
  readonly yMax?: number;
  /** A dashed horizontal line (a target). */
  readonly line?: { readonly value: number; readonly label: string };
}

const W = 720;
const H = 260;
const M = { left: 56, right: 16, top: 30, bottom: 44 };

/** A grouped bar chart as SVG: axes, five ticks, bars (null is no bar), an optional target line, a legend. */
export function barChart(spec: BarChartSpec): string {
  const values = spec.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const yMin = spec.yMin ?? 0;
  const top = Math.max(spec.yMax ?? 0, ...values, spec.line?.value ?? 0, yMin + 1);
  const yMax = spec.yMax ?? niceCeiling(top);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const y = (v: number) => M.top + plotH - ((Math.min(Math.max(v, yMin), yMax) - yMin) / (yMax - yMin)) * plotH;
  const groupW = plotW / Math.max(1, spec.categories.length);
  const barW = (groupW * 0.7) / Math.max(1, spec.series.length);
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = yMin + ((yMax - yMin) * i) / 4;
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${y(v)}" y2="${y(v)}" stroke="#d0d7de"/>`,
      `<text x="${M.left - 6}" y="${y(v) + 4}" text-anchor="end" class="tick">${round(v, 2)}</text>`,
    );
  }
  spec.categories.forEach((category, c) => {
    const x0 = M.left + c * groupW + groupW * 0.15;
    parts.push(
      `<text x="${M.left + c * groupW + groupW / 2}" y="${H - M.bottom + 16}" text-anchor="middle" class="tick">` +
        `${escapeHtml(category)}</text>`,
    );
    spec.series.forEach((s, k) => {
      const v = s.values[c];
      if (v === null || v === undefined) return;
      const color = typeof s.color === 'string' ? s.color : (s.color[c] ?? COLORS.na);
      const yTop = y(v);
      const height = Math.max(1, y(yMin) - yTop);
      parts.push(
        `<rect class="bar" x="${round(x0 + k * barW, 2)}" y="${round(yTop, 2)}" width="${round(barW - 2, 2)}" ` +
          `height="${round(height, 2)}" fill="${color}" data-series="${escapeHtml(s.name)}" ` +
          `data-category="${escapeHtml(category)}" data-value="${v}"><title>${escapeHtml(s.name)}, ` +
          `${escapeHtml(category)}: ${round(v, 3)} ${escapeHtml(spec.unit)}</title></rect>`,
      );
    });
  });
  if (spec.line) {
    const ly = y(spec.line.value);
    parts.push(
      `<line class="target" x1="${M.left}" x2="${W - M.right}" y1="${ly}" y2="${ly}" stroke="#1b1f24" ` +
        `stroke-dasharray="6 4"/><text x="${W - M.right}" y="${ly - 4}" text-anchor="end" class="tick">` +
        `${escapeHtml(spec.line.label)}</text>`,
    );
  }
  const legend = spec.series
    .map((s, k) => {
      const color = typeof s.color === 'string' ? s.color : COLORS.met;
      const x = M.left + k * 160;
      return `<rect x="${x}" y="${H - 14}" width="10" height="10" fill="${color}"/><text x="${x + 14}" y="${H - 5}" class="tick">${escapeHtml(s.name)}</text>`;
    })
    .join('');
  return (
    `<svg id="${escapeHtml(spec.id)}" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" ` +
    `aria-label="${escapeHtml(spec.title)}" xmlns="http://www.w3.org/2000/svg">` +
    `<text x="${W / 2}" y="16" text-anchor="middle" class="title">${escapeHtml(spec.title)}</text>` +
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}" stroke="#57606a"/>` +
    `${parts.join('')}${legend}<text x="12" y="${M.top + plotH / 2}" class="tick" transform="rotate(-90 12 ` +
    `${M.top + plotH / 2})" text-anchor="middle">${escapeHtml(spec.unit)}</text></svg>`
  );
}

/** 1, 2, 5 x 10^n at or above the value, so the axis reads in round numbers. */
function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((f) => f * magnitude).find((n) => n >= value) ?? value;
}

const weekday = (date: string) =>
  ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][(new Date(date).getUTCDay() + 6) % 7];

function block<T>(title: string, value: Known<T>, body: (known: T) => string): string {
  const content = isUnknown(value) ? `<p class="na">Not available: ${escapeHtml(value.unknown)}</p>` : body(value);
  return `<section><h2>${escapeHtml(title)}</h2>${content}</section>`;
}

const row = (cells: readonly (string | number)[], cls = '') =>
  `<tr${cls ? ` class="${cls}"` : ''}>${cells.map((c) => `<td>${escapeHtml(String(c))}</td>`).join('')}</tr>`;
const table = (head: readonly string[], rows: string) =>
  `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`;

/** The ids of the charts a complete report draws, in page order (the browser test expects these). */
export const CHART_IDS = ['chart-availability', 'chart-latency', 'chart-5xx', 'chart-cost'] as const;

export function renderWeeklyHtml(report: WeeklyReport): string {
  const availability = block('Availability', report.availability, (a) => {
    const daily = a.daily.map((d) => d.uptimePercent);
    const lowest = Math.min(a.targetPercent, ...daily.filter((v): v is number => v !== null));
    return (
      `<p class="${a.met === false ? 'missed' : 'met'}">Uptime ${a.uptimePercent === null ? 'no canary data' : `${round(a.uptimePercent, 3)} %`} ` +
      `(target ${a.targetPercent} %), ${a.downtimeMinutes} min of downtime, canary silent ${a.noDataMinutes} min.</p>` +
      barChart({
        id: CHART_IDS[0],
        title: 'Uptime per day (canary)',
        categories: a.daily.map((d) => weekday(d.date)),
        series: [
          {
            name: 'Uptime (%)',
            values: daily,
            color: daily.map((v) => (v === null ? COLORS.na : v >= a.targetPercent ? COLORS.met : COLORS.missed)),
          },
        ],
        unit: '%',
        yMin: Math.max(0, Math.floor(lowest - 0.5)),
        yMax: 100,
        line: { value: a.targetPercent, label: `target ${a.targetPercent} %` },
      })
    );
  });
  const incidents = block(
    'Incidents',
    report.incidents,
    (i) =>
      table(
        ['Severity', 'Count', 'Still open', 'MTTD', 'MTTR'],
        i.bySeverity
          .map((s) => row([s.severity, s.count, s.open, formatDuration(s.mttdSeconds), formatDuration(s.mttrSeconds)]))
          .join(''),
      ) +
      (i.list.length
        ? table(
            ['Incident', 'Severity', 'Title', 'Onset', 'Detected', 'Resolved', 'MTTD', 'MTTR'],
            i.list
              .map((x) =>
                row(
                  [
                    x.id,
                    x.severity,
                    x.title,
                    x.onset,
                    x.detected,
                    x.resolved ?? 'open',
                    formatDuration(x.detectSeconds),
                    formatDuration(x.resolveSeconds),
                  ],
                  x.status === 'open' ? 'missed' : '',
                ),
              )
              .join(''),
          )
        : ''),
  );
  const latency = block('Performance', report.latency, (percentiles) => {
    const percent = percentiles.map((p) =>
      p.ms === null || p.targetMs === null ? null : round((100 * p.ms) / p.targetMs, 1),
    );
    return (
      table(
        ['Percentile', 'This week', 'Target', 'Status'],
        percentiles
          .map((p) =>
            row(
              [
                p.name,
                p.ms === null ? 'no data' : `${round(p.ms, 0)} ms`,
                p.targetMs === null ? 'none configured' : `${round(p.targetMs, 0)} ms`,
                p.met === null ? 'n/a' : p.met ? 'met' : 'missed',
              ],
              p.met === false ? 'missed' : p.met === null ? 'na' : '',
            ),
          )
          .join(''),
      ) +
      barChart({
        id: CHART_IDS[1],
        title: 'Latency as % of target',
        categories: percentiles.map((p) => p.name),
        series: [
          {
            name: 'Latency (% of target)',
            values: percent,
            color: percentiles.map((p) => (p.met === null ? COLORS.na : p.met ? COLORS.met : COLORS.missed)),
          },
        ],
        unit: '% of target',
        line: { value: 100, label: 'target (100 %)' },
      })
    );
  });
  const topErrors = isUnknown(report.topErrors)
    ? `<p class="na">Top error messages not available: ${escapeHtml(report.topErrors.unknown)}</p>`
    : report.topErrors.length === 0
      ? '<p>No error lines in the service log this week.</p>'
      : table(['Occurrences', 'Message pattern'], report.topErrors.map((e) => row([e.count, e.pattern])).join(''));
  const errors = block('Errors', report.errors, (e) => {
    const pairs = e.daily;
    return (
      `<p>5xx responses: ${e.total5xx} (week before: ${e.previousWeek5xx}, ${escapeHtml(formatChange(e.changePercent))}).</p>` +
      barChart({
        id: CHART_IDS[2],
        title: '5xx responses per day',
        categories: pairs.map((d) => weekday(d.date)),
        series: [
          { name: 'This week', values: pairs.map((d) => d.thisWeek), color: COLORS.thisWeek },
          { name: 'Week before', values: pairs.map((d) => d.lastWeek), color: COLORS.lastWeek },
        ],
        unit: 'responses',
      })
    );
  }).replace(/<\/section>$/, `${topErrors}</section>`);
  const cost = block('Cost', report.cost, (c) => {
    const perDay = c.weeklyBudget / 7;
    return (
      `<p class="${c.percentOfBudget > 100 ? 'missed' : 'met'}">Spend ${formatMoney(c.weekSpend, c.currency)} of ` +
      `${formatMoney(c.weeklyBudget, c.currency)} (${round(c.percentOfBudget, 1)} % of the week's share of ` +
      `${formatMoney(c.monthlyBudget, c.currency)}/month); ${escapeHtml(formatChange(c.changePercent))} from last week` +
      `${c.largest ? `; largest: ${escapeHtml(c.largest.service)} (${formatMoney(c.largest.amount, c.currency)})` : ''}.</p>` +
      barChart({
        id: CHART_IDS[3],
        title: 'Spend per day',
        categories: c.daily.map((d) => weekday(d.date)),
        series: [
          { name: 'This week', values: c.daily.map((d) => round(d.thisWeek, 2)), color: COLORS.thisWeek },
          { name: 'Week before', values: c.daily.map((d) => round(d.lastWeek, 2)), color: COLORS.lastWeek },
        ],
        unit: c.currency,
        line: { value: round(perDay, 2), label: `budget/day ${formatMoney(perDay, c.currency)}` },
      })
    );
  });
  const deployments = block(
    'Deployments',
    report.deployments,
    (d) =>
      `<p>${d.total} deployments: ${d.succeeded} succeeded, ${d.failed} failed, ${d.stopped} stopped, ` +
      `${d.rolledBack} rolled back.</p>` +
      (d.list.length
        ? table(
            ['Created', 'Deployment', 'Status', 'Rollback'],
            d.list
              .map((x) =>
                row(
                  [
                    x.created,
                    x.id,
                    x.status,
                    x.rollbackOf
                      ? `rollback of ${x.rollbackOf}`
                      : x.rolledBackBy
                        ? `rolled back by ${x.rolledBackBy}`
                        : '',
                  ],
                  x.status === 'Failed' || x.status === 'Stopped' ? 'missed' : '',
                ),
              )
              .join(''),
          )
        : ''),
  );
  const actions = block('Action items', report.actionItems, (items) =>
    items.length
      ? `<ul>${items.map((item) => `<li><input type="checkbox" disabled> ${escapeHtml(item)}</li>`).join('')}</ul>`
      : '<p>None: no incident is open.</p>',
  );
  const title = `Weekly ops report: ${report.service} ${report.environment}, ${report.week}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1b1f24; background: #fff; }
h1 { margin-top: 0; } h1 small { font-weight: normal; color: #57606a; font-size: 13px; }
table { border-collapse: collapse; margin: 12px 0; } td, th { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
tr.missed td { background: #ffebe9; } tr.na td { color: #57606a; font-style: italic; } p.na { color: #57606a; font-style: italic; }
p.met { color: #1a7f37; font-weight: bold; } p.missed { color: #cf222e; font-weight: bold; }
svg.chart { display: block; max-width: 100%; height: auto; margin: 8px 0; }
svg .tick { font-size: 11px; fill: #57606a; } svg .title { font-size: 13px; font-weight: bold; fill: #1b1f24; }
</style></head>
<body>
<h1>${escapeHtml(title)} <small>${escapeHtml(report.from)} to ${escapeHtml(report.to)} (UTC), ${escapeHtml(report.region)}, generated ${escapeHtml(report.generatedAt)}</small></h1>
${availability}
${incidents}
${latency}
${errors}
${cost}
${deployments}
${actions}
</body></html>
`;
}
