#!/usr/bin/env node
/**
 * `npm run cfn-lint [cdk.out]`: cfn-lint over every synthesized template, informational rules included;
 * exits 1 on any error, where ARN-shape rules (ARN_SHAPE_RULES, I3510 among them) count as errors.
 *
 * cfn-lint is single-threaded and takes about 15 s for the five stacks, so the templates are split into one group per
 * core (balanced by size) and each group is linted by its own cfn-lint process at the same time: every template is
 * still linted once, with the same options; only the wall time shrinks (about 9 s on 2 cores).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnLintFinding, formatFinding, runCfnLint, templatesIn } from '../lib/tooling/cfn-lint';

const GROUP_FLAG = '--findings-json';

/**
 * Split the templates into at most `groups` groups of about equal total size (cfn-lint's time grows with a
 * template's size): largest first, each to the lightest group so far. Every template lands in exactly one group.
 */
export function groupBySize(
  templates: readonly string[],
  sizeOf: (file: string) => number,
  groups: number,
): string[][] {
  const count = Math.max(1, Math.min(groups, templates.length));
  const buckets = Array.from({ length: count }, () => ({ size: 0, files: [] as string[] }));
  const bySizeDescending = [...templates].sort((a, b) => sizeOf(b) - sizeOf(a) || a.localeCompare(b));
  for (const file of bySizeDescending) {
    const lightest = buckets.reduce((min, bucket) => (bucket.size < min.size ? bucket : min));
    lightest.files.push(file);
    lightest.size += sizeOf(file);
  }
  return buckets.filter((bucket) => bucket.files.length > 0).map((bucket) => bucket.files.sort());
}

/**
 * Lint one group in a child process (this file with GROUP_FLAG), which prints its findings as JSON. Each child gets
 * its own TMPDIR: registrySchemasDir() rewrites its patched schema file under os.tmpdir() on every call, and a
 * shared file could be read half-written by the other group's cfn-lint.
 */
function lintGroupInChild(files: string[]): Promise<CfnLintFinding[]> {
  const tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-cfn-lint-group-'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', __filename, GROUP_FLAG, ...files], {
      env: { ...process.env, TMPDIR: tmpdir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      fs.rmSync(tmpdir, { recursive: true, force: true });
      if (code !== 0) reject(new Error(`cfn-lint of ${files.map((f) => path.basename(f)).join(', ')}: exit ${code}`));
      else resolve(JSON.parse(out) as CfnLintFinding[]);
    });
  });
}

async function main(): Promise<void> {
  const assemblyDir = process.argv[2] ?? 'cdk.out';
  const templates = templatesIn(assemblyDir);
  const groups = groupBySize(templates, (file) => fs.statSync(file).size, os.availableParallelism());
  const findings = groups.length > 1 ? (await Promise.all(groups.map(lintGroupInChild))).flat() : runCfnLint(templates);
  // The order one cfn-lint run over all templates would print: by template, then as cfn-lint reported them.
  const order = new Map(templates.map((file, index) => [path.resolve(file), index]));
  const rank = (f: CfnLintFinding): number => order.get(path.resolve(f.file)) ?? templates.length;
  const sorted = findings.map((f, index) => ({ f, index })).sort((a, b) => rank(a.f) - rank(b.f) || a.index - b.index);
  const errors = findings.filter((f) => f.level === 'Error');
  for (const { f } of sorted) console.log(formatFinding(f));
  const count = (level: string): number => findings.filter((f) => f.level === level).length;
  console.log(
    `cfn-lint: ${templates.length} templates in ${groups.length} parallel runs, ${errors.length} errors ` +
      `(informational rules on; ARN-shape rules count as errors), ` +
      `${count('Warning')} warnings, ${count('Informational')} informational (printed, not failing)`,
  );
  process.exit(errors.length > 0 ? 1 : 0);
}

if (require.main === module) {
  if (process.argv[2] === GROUP_FLAG) {
    process.stdout.write(JSON.stringify(runCfnLint(process.argv.slice(3))));
  } else {
    main().catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
  }
}
