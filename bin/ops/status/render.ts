import { DrStatus, Known, Signal, StatusReport, isUnknown } from './model';

/**
 * The status as a person reads it: the seeds' /prodstatus order (overall verdict, signals, what needs attention,
 * cost, recent changes and their correlation), as plain text for a terminal or as Markdown for a ticket or chat.
 */

function number(value: number | null | undefined, unit: Signal['unit']): string {
  if (value === null || value === undefined) return 'no data';
  if (unit === '%') return `${value.toFixed(value >= 99 && value < 100 ? 2 : 1)} %`;
  if (unit === 'ms') return `${Math.round(value)} ms`;
  if (unit === 's') return duration(value);
  return `${Math.round(value * 10) / 10}`;
}

/** 5400 -> `1.5 h`, 90 -> `1.5 min`, 42 -> `42 s`. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds >= 86_400) return `${(seconds / 86_400).toFixed(1)} d`;
  if (seconds >= 3_600) return `${(seconds / 3_600).toFixed(1)} h`;
  if (seconds >= 60) return `${(seconds / 60).toFixed(1)} min`;
  return `${Math.round(seconds)} s`;
}

const time = (iso: string | undefined) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '?');
const money = (amount: number, currency: string) => `${currency === 'USD' ? '$' : `${currency} `}${amount.toFixed(2)}`;

function table(markdown: boolean, header: string[], rows: string[][]): string[] {
  if (markdown) {
    const escape = (cell: string) => cell.replace(/\|/g, '\\|');
    return [
      `| ${header.join(' | ')} |`,
      `|${header.map(() => '---').join('|')}|`,
      ...rows.map((r) => `| ${r.map(escape).join(' | ')} |`),
    ];
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function section<T>(value: Known<T>, body: (v: T) => string[]): string[] {
  return isUnknown(value) ? [`unknown: ${value.unknown}`] : body(value);
}

function replicationLine(replication: DrStatus['replication']): string {
  if (isUnknown(replication)) return `not checked (${replication.unknown})`;
  const { lagSeconds, measuredAt, clusterIdentifier, boundSeconds, boundSource, problems } = replication;
  const lag = lagSeconds === null ? 'no data' : duration(lagSeconds);
  const when = measuredAt ? ` at ${time(measuredAt)}` : '';
  const bound = `bound ${duration(boundSeconds)} (${boundSource})`;
  return `${lag}${when} of ${clusterIdentifier}, ${bound}: ${problems.length ? 'OVER' : 'ok'}`;
}

function planLine(plan: DrStatus['plan']): string {
  if (isUnknown(plan)) return `not checked (${plan.unknown})`;
  const age = plan.evaluationAgeSeconds === undefined ? '' : `, evaluated ${duration(plan.evaluationAgeSeconds)} ago`;
  const warnings = `${plan.activeWarnings} active warning${plan.activeWarnings === 1 ? '' : 's'}`;
  const verdict = plan.problems.length ? 'NOT READY' : 'ready';
  return `${plan.evaluationState ?? 'never evaluated'}${age}, ${warnings}: ${verdict}`;
}

export function renderStatus(report: StatusReport, options: { markdown: boolean }): string {
  const md = options.markdown;
  const heading = (text: string, level = 3) =>
    md ? `${'#'.repeat(level)} ${text}` : `${text}\n${'-'.repeat(text.length)}`;
  const bullet = (text: string) => `- ${text}`;
  const { verdict } = report;
  const out: string[] = [];

  out.push(heading(`${report.service} ${report.environment} status: ${time(report.generatedAt)}`, 2), '');
  out.push(`${md ? '**Overall:** ' : 'Overall: '}${verdict.status}: ${verdict.rule}`);
  for (const reason of verdict.reasons.slice(1)) out.push(bullet(`also: ${reason}`));
  for (const missing of verdict.notChecked) out.push(bullet(`not checked: ${missing}`));
  out.push('');

  out.push(heading('Signals'), '');
  out.push(
    ...table(
      md,
      ['Signal', 'Last hour', 'Last 24 h'],
      report.signals.map((s) =>
        s.unknown
          ? [s.label, `unknown: ${s.unknown}`, '']
          : [s.label, number(s.lastHour, s.unit), number(s.last24h, s.unit)],
      ),
    ),
  );
  out.push('');

  out.push(heading('Backups (age of the newest restorable point)'), '');
  out.push(
    ...section(report.backups, (backups) =>
      backups.length === 0
        ? ['no backup-stale alarm found for this environment']
        : table(
            md,
            ['Store', 'Age', 'RPO (alarm)', 'State'],
            backups.map((b) => [
              b.store,
              b.ageSeconds === null ? 'no data' : duration(b.ageSeconds),
              duration(b.rpoSeconds),
              b.stale ? 'STALE' : 'ok',
            ]),
          ),
    ),
  );
  out.push('');

  if (report.dr) {
    const { dr } = report;
    out.push(heading(`Disaster recovery (${dr.region})`), '');
    out.push(bullet(`Replication lag: ${replicationLine(dr.replication)}`));
    out.push(bullet(`Plan readiness: ${planLine(dr.plan)}`));
    const problems = [dr.replication, dr.plan].flatMap((part) => (isUnknown(part) ? [] : part.problems));
    out.push(...problems.map((problem) => `  - ${problem}`), '');
  }

  out.push(heading('Kill switches'), '');
  const switchLine = (s: StatusReport['switches'][number]): string => {
    if (s.state === 'unknown') return `${s.name}: unknown (${s.unknown})`;
    if (s.state === 'off') return `${s.name}: off`;
    return `${s.name}: on since ${time(s.changedAt)} by ${s.changedBy}: ${s.reason}`;
  };
  out.push(...report.switches.map((s) => bullet(switchLine(s))));
  out.push('');

  out.push(heading('Alarms in ALARM'), '');
  out.push(
    ...section(report.alarms, (alarms) =>
      alarms.length === 0
        ? ['none']
        : alarms.map((a) => bullet(`[${a.severity}] ${a.name} since ${time(a.since)}: ${a.summary}`)),
    ),
  );
  out.push('');

  out.push(heading('Incidents'), '');
  out.push(
    ...section(report.incidents, ({ open, recent }) => [
      ...(open.length === 0
        ? ['no open incident']
        : open.map((i) =>
            bullet(
              `OPEN [${i.severity}] ${i.id} ${i.title}: onset ${time(i.onset)}` +
                (i.acknowledged ? `, acknowledged ${time(i.acknowledged)}` : ', not acknowledged'),
            ),
          )),
      ...recent.map((i) =>
        bullet(`resolved [${i.severity}] ${i.id} ${i.title}: onset ${time(i.onset)}, resolved ${time(i.resolved)}`),
      ),
    ]),
  );
  out.push('');

  out.push(heading('Deployments, last 7 days'), '');
  out.push(
    ...section(report.deployments, (deployments) =>
      deployments.length === 0
        ? ['none']
        : table(
            md,
            ['Deployment', 'Started', 'Status', 'Correlation'],
            deployments.map((d) => [
              d.id,
              time(d.created),
              `${d.status}${d.rolledBack ? ' (rolled back)' : ''}`,
              d.correlatedIncidents.length ? `STARTED BEFORE ${d.correlatedIncidents.join(', ')}` : '-',
            ]),
          ),
    ),
  );
  out.push('');

  out.push(heading('Cost, month to date'), '');
  out.push(
    ...section(report.cost, (c) => [
      `${money(c.monthToDate, c.currency)} of ${money(c.budget, c.currency)} budget` +
        ` (${c.percentOfBudget.toFixed(0)} %)` +
        `, forecast ${c.forecast === null ? 'not available' : money(c.forecast, c.currency)}`,
    ]),
  );
  return out.join('\n').trimEnd();
}
