import * as fs from 'fs';
import * as path from 'path';
import { ResolvedConfig } from '../../config/validate';
import { environmentParity, readEnvironmentTemplates } from '../parity/run';
import { buildReport } from './assess';
import { renderHtml } from './html';
import { missLine, renderConsole, renderMarkdown } from './markdown';
import { ResilienceReport } from './model';
import { ParityOutcome } from './readiness/model';
import { assessReadiness, readinessFailure, runbookReader } from './readiness/score';
import { readCloudAssembly } from './templates';

export interface RunOptions {
  readonly cdkOut: string;
  readonly configPath: string;
  readonly config: ResolvedConfig;
  readonly outDir: string;
  /** Where the runbooks the readiness checks read live. @default this repository's runbooks/ */
  readonly runbooksDir?: string;
}

export interface RunResult {
  readonly report: ResilienceReport;
  readonly files: { readonly json: string; readonly markdown: string; readonly html: string };
  /** What the CLI prints: the tables, then each miss. */
  readonly text: string;
  /** 1 when any target is missed or the gating environment's readiness is a no-go, so CI fails. */
  readonly exitCode: number;
}

/** Read cdk.out, build the report, write JSON, Markdown and HTML to outDir. */
export function runReport(options: RunOptions): RunResult {
  const { stacks, skipped } = readCloudAssembly(options.cdkOut);
  if (stacks.length === 0)
    throw new Error(`${options.cdkOut} holds no stack with an environment tag; run \`npx cdk synth\``);
  const resilience = buildReport({
    stacks,
    skipped,
    config: options.config,
    cdkOut: options.cdkOut,
    configPath: options.configPath,
  });
  const parity = parityOf(options);
  const readiness = assessReadiness({
    config: options.config,
    stacks,
    resilience: resilience.environments,
    parity,
    runbook: runbookReader(options.runbooksDir),
  });
  const report: ResilienceReport = { ...resilience, readiness, parity };
  const noGo = readinessFailure(readiness);
  fs.mkdirSync(options.outDir, { recursive: true });
  const files = {
    json: path.join(options.outDir, 'resilience-report.json'),
    markdown: path.join(options.outDir, 'resilience-report.md'),
    html: path.join(options.outDir, 'resilience-report.html'),
  };
  fs.writeFileSync(files.json, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(files.markdown, renderMarkdown(report));
  fs.writeFileSync(files.html, renderHtml(report));
  const verdict = [
    report.misses.length === 0
      ? 'All assessed figures meet their targets.'
      : [`${report.misses.length} target(s) missed:`, ...report.misses.map((m) => `  MISSED ${missLine(m)}`)].join(
          '\n',
        ),
    ...readiness.environments.map(
      (e) => `Readiness ${e.environment}: ${e.score.toFixed(2)}/100, ${e.verdict === 'go' ? 'GO' : 'NO-GO'}`,
    ),
    ...(noGo ? [`  NO-GO ${noGo}`] : []),
    `Wrote ${files.markdown}, ${files.json}, ${files.html}.`,
  ].join('\n');
  const failed = report.misses.length > 0 || noGo !== undefined;
  return { report, files, text: `${renderConsole(report)}\n${verdict}\n`, exitCode: failed ? 1 : 0 };
}

/** lib/parity's comparison of the config's environments from the same cdk.out, or why it could not be made. */
function parityOf(options: RunOptions): ParityOutcome {
  try {
    const names = options.config.environments.map((env) => env.name);
    return { result: environmentParity(options.config, readEnvironmentTemplates(options.cdkOut, names)) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
