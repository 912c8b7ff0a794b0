import { PathResult } from './flows';

/**
 * The path table: one line per flow per stack with PASS / FAIL / N/A, then, indented under it, the rules to add
 * (FAIL) or why the flow does not apply (N/A). Plain text, so it reads the same in a terminal and a build log.
 */
export function formatPathTable(results: readonly PathResult[]): string {
  const header = ['stack', 'flow', 'from', 'to', 'result'];
  const rows = results.map((r) => [r.stack, r.flow, r.from, r.to, r.status]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const out = ['Network paths (from the synthesized templates)', line(header), line(widths.map((w) => '-'.repeat(w)))];
  results.forEach((result, i) => {
    out.push(line(rows[i]));
    if (result.status === 'PASS' && result.via.length) out.push(`    via ${result.via.join('; ')}`);
    for (const need of result.needs) out.push(`    ${result.status === 'N/A' ? 'n/a' : 'needs'}: ${need}`);
  });
  const failed = results.filter((r) => r.status === 'FAIL').length;
  out.push('', `${results.length} paths: ${results.filter((r) => r.status === 'PASS').length} pass, ${failed} fail`);
  return `${out.join('\n')}\n`;
}
