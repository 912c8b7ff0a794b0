import * as fs from 'fs';
import * as path from 'path';
import { ResolvedConfig } from '../../config/validate';
import { buildReport } from './assess';
import { renderHtml } from './html';
import { missLine, renderConsole, renderMarkdown } from './markdown';
import { ResilienceReport } from './model';
import { readCloudAssembly } from './templates';

export interface RunOptions {
  readonly cdkOut: string;
  readonly configPath: string;
  readonly config: ResolvedConfig;
  readonly outDir: string;
}

export interface RunResult {
  readonly report: ResilienceReport;
  readonly files: { readonly json: string; readonly markdown: string; readonly html: string };
  /** What the CLI prints: the tables, then each miss. */
  readonly text: string;
  /** 1 when any target is missed, so CI fails. */
  readonly exitCode: number;
}

/** Read cdk.out, build the report, write JSON, Markdown and HTML to outDir. */
export function runReport(options: RunOptions): RunResult {
  const { stacks, skipped } = readCloudAssembly(options.cdkOut);
  if (stacks.length === 0)
    throw new Error(`${options.cdkOut} holds no stack with an environment tag; run \`npx cdk synth\``);
  const report = buildReport({
    stacks,
    skipped,
    config: options.config,
    cdkOut: options.cdkOut,
    configPath: options.configPath,
  });
  fs.mkdirSync(options.outDir, { recursive: true });
  const files = {
    json: path.join(options.outDir, 'resilience-report.json'),
    markdown: path.join(options.outDir, 'resilience-report.md'),
    html: path.join(options.outDir, 'resilience-report.html'),
  };
  fs.writeFileSync(files.json, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(files.markdown, renderMarkdown(report));
  fs.writeFileSync(files.html, renderHtml(report));
  const verdict =
    report.misses.length === 0
      ? `All assessed figures meet their targets. Wrote ${files.markdown}, ${files.json}, ${files.html}.`
      : [
          `${report.misses.length} target(s) missed:`,
          ...report.misses.map((m) => `  MISSED ${missLine(m)}`),
          `Wrote ${files.markdown}, ${files.json}, ${files.html}.`,
        ].join('\n');
  return { report, files, text: `${renderConsole(report)}\n${verdict}\n`, exitCode: report.misses.length > 0 ? 1 : 0 };
}
