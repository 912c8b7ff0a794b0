import { MATRIX_SEVERITIES, ResolvedConfig, SeverityMatrix } from '../../config';
import { Naming } from '../common/naming';
import { severityTopicName } from '../monitoring/severity-topics';

/**
 * The tables of the people's guides that restate the config: written by `npm run docs` between markers, and
 * checked by test/docs/operations-docs.test.ts, so the guide and the config never hold two different matrices.
 * Everything outside the markers is prose a person writes.
 */

/** `<!-- generated:severity-matrix (npm run docs; edit config/bulwark.config.ts, not this block) -->` */
export function startMarker(id: string): string {
  return `<!-- generated:${id} (npm run docs; edit config/bulwark.config.ts, not this block) -->`;
}
export function endMarker(id: string): string {
  return `<!-- end generated:${id} -->`;
}

/** Put `content` between the markers of block `id`; the markers must be there, once each. */
export function replaceGeneratedBlock(markdown: string, id: string, content: string, file: string): string {
  const start = startMarker(id);
  const end = endMarker(id);
  const from = markdown.indexOf(start);
  const to = markdown.indexOf(end);
  if (from < 0 || to < from || markdown.indexOf(start, from + 1) >= 0) {
    throw new Error(`${file}: the generated block "${id}" needs its markers once each, in order:\n${start}\n${end}`);
  }
  return `${markdown.slice(0, from + start.length)}\n${content.trimEnd()}\n${markdown.slice(to)}`;
}

/** `15 min`, `4 h`, `1 d`: the unit a person reads fastest. */
export function duration(minutes: number | undefined, absent: string): string {
  if (minutes === undefined) return absent;
  if (minutes % 1440 === 0) return `${minutes / 1440} d`;
  if (minutes % 60 === 0) return `${minutes / 60} h`;
  return `${minutes} min`;
}

/** The on-call severity matrix: what each severity means, respond, resolve, updates, status page. */
export function severityMatrixTable(matrix: SeverityMatrix): string {
  const rows = MATRIX_SEVERITIES.map((s) => {
    const row = matrix[s];
    return (
      `| ${s} | ${row.meaning} | ${duration(row.respondMinutes, '-')} | ` +
      `${duration(row.resolveMinutes, 'best effort')} | ` +
      `${duration(row.updateEveryMinutes, 'at each change of phase')} | ${row.statusPage ? 'yes' : 'no'} |`
    );
  });
  return [
    '| Severity | Meaning | Respond (acknowledge) within | Resolve within | Internal updates every | Status page |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/**
 * What each severity topic reaches, per environment: the topic (lib/monitoring/severity-topics.ts names it), its
 * email subscribers (`notifications` in the config) and the functions that act on it (the kill switch on P1; the
 * incident recorder on the P1 and P2 alarms through EventBridge, lib/incidents/).
 */
export function pagesTable(config: ResolvedConfig): string {
  const rows: string[] = [];
  for (const env of config.environments) {
    const naming = new Naming(config.service.name, env.name);
    for (const s of MATRIX_SEVERITIES) {
      const people = env.notifications[s] ?? [];
      const machines = [
        ...(s === 'P1' ? ['kill switch (turns on the switches its alarm names)'] : []),
        ...(s === 'P1' || s === 'P2' ? ['incident recorder (opens an incident)'] : []),
      ];
      rows.push(
        `| ${env.name} | ${s} | \`${severityTopicName(naming, s)}\` | ` +
          `${people.length > 0 ? people.join(', ') : `nobody subscribed: add \`notifications.${s}\``} | ` +
          `${machines.length > 0 ? machines.join('; ') : '-'} |`,
      );
    }
  }
  const pipelineNaming = new Naming(config.service.name, 'pipeline');
  for (const s of MATRIX_SEVERITIES) {
    const people = config.pipeline.notifications[s] ?? [];
    const what = s === 'P3' ? 'failed pipeline executions' : '-';
    rows.push(
      `| Pipeline | ${s} | \`${severityTopicName(pipelineNaming, s)}\` | ` +
        `${people.length > 0 ? people.join(', ') : `nobody subscribed: add \`pipeline.notifications.${s}\``} | ` +
        `${what} |`,
    );
  }
  const header = '| Stack | Severity | Topic | Emails (people paged) | Also acts on it |';
  return [header, '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

/** The communications cadence: when customers and the company hear, per severity and phase. */
export function communicationCadenceTable(matrix: SeverityMatrix): string {
  const rows = MATRIX_SEVERITIES.map((s) => {
    const row = matrix[s];
    const respond = duration(row.respondMinutes, '-');
    const statusPage = row.statusPage ? `within ${respond} of the page (Investigating)` : 'no';
    const updates = duration(row.updateEveryMinutes, 'at each change of phase');
    return `| ${s} | ${statusPage} | ${updates} | ${row.statusPage ? `every ${updates}` : '-'} |`;
  });
  return [
    '| Severity | Status page opened | Internal update every | Status page update every |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** Every generated block of every guide: file (relative to the repository) -> block id -> content. */
export function generatedBlocks(config: ResolvedConfig): Record<string, Record<string, string>> {
  const matrix = config.operations.severityMatrix;
  return {
    'docs/on-call.md': { 'severity-matrix': severityMatrixTable(matrix), pages: pagesTable(config) },
    'docs/communications.md': { cadence: communicationCadenceTable(matrix) },
  };
}

/** A guide with every generated block rewritten from the config. */
export function renderGuide(markdown: string, file: string, blocks: Record<string, string>): string {
  return Object.entries(blocks).reduce(
    (text, [id, content]) => replaceGeneratedBlock(text, id, content, file),
    markdown,
  );
}
