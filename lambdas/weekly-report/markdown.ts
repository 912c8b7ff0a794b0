import { Known, WeeklyReport, isUnknown } from './model';

/** `45 s`, `2.5 min`, `1.2 h`: seconds in the unit a person reads fastest. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return 'n/a';
  if (seconds < 120) return `${round(seconds, 0)} s`;
  if (seconds < 7200) return `${round(seconds / 60, 1)} min`;
  return `${round(seconds / 3600, 1)} h`;
}

export function formatMoney(amount: number, currency: string): string {
  const symbol = currency === 'USD' ? '$' : `${currency} `;
  return `${symbol}${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** `+5.0 %`, `-15.0 %`, or `n/a` when there was nothing the week before. */
export function formatChange(percent: number | null): string {
  if (percent === null) return 'n/a (nothing the week before)';
  return `${percent >= 0 ? '+' : ''}${round(percent, 1).toFixed(1)} %`;
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

const verdict = (met: boolean | null) => (met === null ? 'no data' : met ? 'met' : 'MISSED');

function section<T>(title: string, value: Known<T>, body: (known: T) => string[]): string[] {
  return ['', `## ${title}`, ...(isUnknown(value) ? [`Not available: ${value.unknown}`] : body(value))];
}

/** The seeds' weekly ops report in Markdown: availability, incidents, performance, errors, cost, changes, actions. */
export function renderWeeklyMarkdown(report: WeeklyReport): string {
  const lines: string[] = [
    `# Weekly ops report: ${report.service} ${report.environment}, ${report.week}`,
    '',
    `${report.from} to ${report.to} (UTC), ${report.region}. Generated ${report.generatedAt}.`,
  ];
  lines.push(
    ...section('Availability', report.availability, (a) => [
      `- Uptime: ${a.uptimePercent === null ? 'no canary data' : `${round(a.uptimePercent, 3)} %`} ` +
        `(target ${a.targetPercent} %): ${verdict(a.met)}`,
      `- Downtime: ${a.downtimeMinutes} min (canary periods of ${a.periodSeconds} s with a failed journey)`,
      `- Canary silent: ${a.noDataMinutes} min of the week's ${a.measuredMinutes + a.noDataMinutes}`,
    ]),
  );
  lines.push(
    ...section('Incidents', report.incidents, (i) => [
      `- Incidents: ${i.bySeverity.map((s) => `${s.count} ${s.severity}`).join(', ')}`,
      '',
      '| Severity | Count | Still open | MTTD | MTTR |',
      '| --- | --- | --- | --- | --- |',
      ...i.bySeverity.map(
        (s) =>
          `| ${s.severity} | ${s.count} | ${s.open} | ${formatDuration(s.mttdSeconds)} | ${formatDuration(s.mttrSeconds)} |`,
      ),
      ...(i.list.length
        ? [
            '',
            '| Incident | Severity | Title | Onset | Detected | Resolved | MTTD | MTTR |',
            '| --- | --- | --- | --- | --- | --- | --- | --- |',
            ...i.list.map(
              (x) =>
                `| ${x.id} | ${x.severity} | ${x.title} | ${x.onset} | ${x.detected} | ${x.resolved ?? 'open'} | ` +
                `${formatDuration(x.detectSeconds)} | ${formatDuration(x.resolveSeconds)} |`,
            ),
          ]
        : []),
    ]),
  );
  lines.push(
    ...section('Performance', report.latency, (percentiles) =>
      percentiles.map(
        (p) =>
          `- ${p.name}: ${p.ms === null ? 'no data' : `${round(p.ms, 0)} ms`} ` +
          `(${p.targetMs === null ? 'no target configured' : `target ${round(p.targetMs, 0)} ms: ${verdict(p.met)}`})`,
      ),
    ),
  );
  lines.push(
    ...section('Errors', report.errors, (e) => [
      `- 5xx responses: ${e.total5xx} (week before: ${e.previousWeek5xx}, ${formatChange(e.changePercent)})`,
    ]),
  );
  if (isUnknown(report.topErrors)) {
    lines.push(`- Top error messages: not available: ${report.topErrors.unknown}`);
  } else if (report.topErrors.length === 0) {
    lines.push('- Top error messages: no error lines in the service log this week');
  } else {
    lines.push('- Top error messages (Logs Insights patterns):', '');
    lines.push('| Occurrences | Message pattern |', '| --- | --- |');
    for (const e of report.topErrors) lines.push(`| ${e.count} | \`${e.pattern.replace(/[|`]/g, ' ')}\` |`);
  }
  lines.push(
    ...section('Cost', report.cost, (c) => [
      `- Spend: ${formatMoney(c.weekSpend, c.currency)} (budget ${formatMoney(c.weeklyBudget, c.currency)}/week ` +
        `from ${formatMoney(c.monthlyBudget, c.currency)}/month): ${round(c.percentOfBudget, 1)} %`,
      `- Trend: ${formatChange(c.changePercent)} from last week (${formatMoney(c.previousWeekSpend, c.currency)})`,
      ...(c.largest
        ? [`- Largest line item: ${c.largest.service} (${formatMoney(c.largest.amount, c.currency)})`]
        : []),
    ]),
  );
  lines.push(
    ...section('Deployments', report.deployments, (d) => [
      `- ${d.total} deployments: ${d.succeeded} succeeded, ${d.failed} failed, ${d.stopped} stopped, ` +
        `${d.rolledBack} rolled back`,
      ...d.list.map(
        (x) =>
          `- ${x.created} ${x.id}: ${x.status}${x.rollbackOf ? ` (rollback of ${x.rollbackOf})` : ''}` +
          `${x.rolledBackBy ? ` (rolled back by ${x.rolledBackBy})` : ''}${x.error ? `: ${x.error}` : ''}`,
      ),
    ]),
  );
  lines.push(
    ...section('Action items', report.actionItems, (items) =>
      items.length ? items.map((item) => `- [ ] ${item}`) : ['- None: no incident is open.'],
    ),
  );
  return `${lines.join('\n')}\n`;
}

/** The P3 notice: a few lines, and where the full report is. */
export function renderNotice(report: WeeklyReport, links: readonly string[]): string {
  const a = report.availability;
  const i = report.incidents;
  const c = report.cost;
  return [
    `Weekly ops report ${report.service} ${report.environment} ${report.week} (${report.from} to ${report.to})`,
    `Uptime: ${isUnknown(a) || a.uptimePercent === null ? 'unknown' : `${round(a.uptimePercent, 3)} %`}`,
    `Incidents: ${isUnknown(i) ? 'unknown' : i.bySeverity.map((s) => `${s.count} ${s.severity}`).join(', ')}`,
    `Spend: ${isUnknown(c) ? 'unknown' : `${formatMoney(c.weekSpend, c.currency)} (${formatChange(c.changePercent)})`}`,
    `Open action items: ${isUnknown(report.actionItems) ? 'unknown' : report.actionItems.length}`,
    ...links.map((link) => `Report: ${link}`),
  ].join('\n');
}
