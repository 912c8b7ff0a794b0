#!/usr/bin/env node
/**
 * `npm run bench`: prints figures, asserts nothing. The median of several cold synths of every stack (the CLI,
 * with the built-in CloudFormation validation, cdk-nag and the Control Tower rules on, as a user runs it), wall
 * and CPU time (user + system of the synth and every process it started), and where the time went (aws-cdk-lib's
 * own performance counters), the time of one esbuild build of every Lambda, the unit-test time, resources and
 * template bytes per stack, and Lambda bundle sizes.
 * Options: `--runs N` (default 3); `--cold-caches` empties the caches on disk before each synth (the Lambda
 * bundles, the Control Tower reports and the CloudFormation validation report: a first synth after a clone);
 * without it, one untimed synth first fills them (a synth after another with the same templates);
 * `--skip-tests` skips the jest run; `--edit` measures the synth after an edit: in a temporary copy of the project
 * (its node_modules linked, so the caches are this checkout's), one untimed synth leaves its templates in the
 * output folder, then each timed run first gives Dev's monthly budget a value no earlier run gave it (a change
 * of values, not of the construct tree: the usual edit-then-synth loop) and synthesizes into the same folder.
 * Each synth is a new process (cold: nothing of the previous run is in memory). Wall time depends on the machine's
 * load, printed before and after; CPU time much less so: compare CPU time on a busy machine.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_CFN_VALIDATION_CACHE_DIR } from '../lib/common/cloudformation-validation-cache';
import { WORKER_WAIT_COUNTER } from '../lib/common/cloudformation-validation-worker';
import { DEFAULT_GUARD_CACHE_DIR } from '../lib/common/guard-result-cache';
import { bundleLambdas, DEFAULT_BUNDLE_SOURCE, lambdaEntryPoints } from '../lib/common/lambda-bundles';

interface Timing {
  readonly wall: number;
  /** User + system CPU seconds of the command and every process it started (the shell's `times`). */
  readonly cpu: number;
}

/** `0m25.310s` (POSIX `times` output) in seconds. */
function shellSeconds(text: string): number {
  const match = /^(\d+)m([\d.]+)s$/.exec(text);
  if (!match) throw new Error(`unexpected times output: ${text}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

function timed(label: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Timing {
  const timesFile = path.join(os.tmpdir(), `bulwark-bench-times-${process.pid}`);
  const start = process.hrtime.bigint();
  // The shell's `times` prints the CPU time of its children, which include every descendant they waited for.
  const result = spawnSync(
    'sh',
    ['-c', `"$@"; status=$?; times > ${timesFile}; exit $status`, 'sh', command, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      cwd,
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', ...env },
    },
  );
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) {
    console.error(result.stdout, result.stderr);
    throw new Error(`${label} failed (exit ${result.status})`);
  }
  const [, children] = fs.readFileSync(timesFile, 'utf8').trim().split('\n');
  fs.rmSync(timesFile, { force: true });
  const [user, system] = children.trim().split(/\s+/).map(shellSeconds);
  return { wall, cpu: user + system };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

function dirBytes(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => {
    const full = path.join(dir, e.name);
    return sum + (e.isDirectory() ? dirBytes(full) : fs.statSync(full).size);
  }, 0);
}

const runs = option('--runs', 3);
const coldCaches = process.argv.includes('--cold-caches');
const edit = process.argv.includes('--edit');
if (edit && coldCaches) throw new Error('--edit measures a synth after another: it cannot empty the caches');
const CACHE_DIRS = [DEFAULT_BUNDLE_SOURCE.cacheDir, DEFAULT_GUARD_CACHE_DIR, DEFAULT_CFN_VALIDATION_CACHE_DIR];
const app = (JSON.parse(fs.readFileSync('cdk.json', 'utf8')) as { app: string }).app;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-bench-'));
const outdir = path.join(work, 'cdk.out');
/** Where `--edit` synthesizes: a copy of the project, whose config each run edits (never this checkout's). */
const editCopy = edit ? fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-bench-edit-')) : undefined;
const counterFiles = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-bench-counters-'));
if (editCopy) {
  for (const entry of fs.readdirSync('.')) {
    if (['node_modules', 'cdk.out', '.git', 'reports'].includes(entry)) continue;
    fs.cpSync(entry, path.join(editCopy, entry), { recursive: true });
  }
  fs.symlinkSync(path.resolve('node_modules'), path.join(editCopy, 'node_modules'));
}
/** Dev's budget, the first `monthlyUsd` of the config, set to a value that depends on the time: new every run. */
function editOneEnvironment(projectDir: string): void {
  const configFile = path.join(projectDir, 'config', 'bulwark.config.ts');
  const text = fs.readFileSync(configFile, 'utf8');
  const budget = /budget: \{ monthlyUsd: \d+ \}/;
  if (!budget.test(text)) throw new Error(`--edit found no "budget: { monthlyUsd: N }" in ${configFile}`);
  const value = 1000 + (Date.now() % 1_000_000);
  fs.writeFileSync(configFile, text.replace(budget, `budget: { monthlyUsd: ${value} }`));
}

/** aws-cdk-lib's counters of one synth (ms): the CLI deletes its file, so the app command copies it out. */
type Counters = Record<string, number>;
const synths: Timing[] = [];
const counters: Counters[] = [];
console.log(
  `load before: ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (1, 5, 15 min) on ${os.cpus().length} cores`,
);
function synth(countersFile: string): Timing {
  const wrapped = `sh -c '${app} && cp "$CDK_PERF_COUNTERS_FILE" ${countersFile}'`;
  // aws-cdk-lib writes its counters only for a synth slower than this per stack (default 10 s): always, here.
  const always = ['-c', '@aws-cdk/core.slowSynthThreshold=0'];
  const args = ['cdk', 'synth', '--quiet', '--no-notices', ...always, '--output', outdir, '--app', wrapped];
  return timed('cdk synth', 'npx', args, {}, editCopy);
}

if (!coldCaches) {
  fs.rmSync(outdir, { recursive: true, force: true });
  const warmUp = synth(path.join(counterFiles, 'counters-warm-up.json'));
  console.log(
    `warm-up synth (fills the caches, not counted): ${warmUp.wall.toFixed(1)} s, CPU ${warmUp.cpu.toFixed(1)} s`,
  );
}
for (let run = 0; run < runs; run++) {
  if (coldCaches) for (const dir of CACHE_DIRS) fs.rmSync(dir, { recursive: true, force: true });
  // After an edit the previous templates are still in the output folder, as they are for a user.
  if (editCopy) editOneEnvironment(editCopy);
  else fs.rmSync(outdir, { recursive: true, force: true });
  const countersFile = path.join(counterFiles, `counters-${run}.json`);
  synths.push(synth(countersFile));
  counters.push((JSON.parse(fs.readFileSync(countersFile, 'utf8')) as { counters: Counters }).counters);
  console.log(`synth ${run + 1}/${runs}: ${synths[run].wall.toFixed(1)} s, CPU ${synths[run].cpu.toFixed(1)} s`);
}
console.log(
  `load after: ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
  artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
};

const walls = synths.map((t) => t.wall);
const cpus = synths.map((t) => t.cpu);
console.log(
  `\ncold synth, all stacks (validation, cdk-nag, Control Tower rules on; ` +
    `${coldCaches ? 'empty caches' : edit ? 'after editing one environment' : 'warm caches'}): ` +
    `median ${median(walls).toFixed(1)} s of ${runs} (${walls.map((t) => t.toFixed(1)).join(', ')}); ` +
    `CPU median ${median(cpus).toFixed(1)} s (${cpus.map((t) => t.toFixed(1)).join(', ')})`,
);
const breakdown: [string, string][] = [
  ['phase:Load', 'load the app (tsx, aws-cdk-lib, the config)'],
  ['phase:Construction', 'construct the stacks (Lambda bundles, Aspects run later)'],
  ['phase:Synthesis', 'synthesis: Aspects, token resolution, templates, validation'],
  ['Stack.resolve', '  of which token resolution'],
  ['validateTemplates', '  of which validation plugins'],
  ['CloudFormationValidate.validate', '    built-in CloudFormation validation: validating (0 when its report is kept)'],
  [WORKER_WAIT_COUNTER, '    of that, waited for after cfn-guard (the rest ran in a worker thread beside it)'],
  ['child_process.spawnSync', '    cfn-guard (Control Tower rules) on templates without a kept report, in parallel'],
];
console.log('\n| median of the runs (aws-cdk-lib counters) | s |\n| --- | ---: |');
for (const [counter, label] of breakdown) {
  const values = counters.map((c) => c[counter]).filter((v): v is number => typeof v === 'number');
  if (values.length > 0) console.log(`| ${label} | ${(median(values) / 1000).toFixed(1)} |`);
}
// In a worker thread, the validation overlaps cfn-guard: what the main thread spent on it is its wait.
const mainThreadValidation = (c: Counters) => c[WORKER_WAIT_COUNTER] ?? c['CloudFormationValidate.validate'] ?? 0;
const nag = counters.map(
  (c) => (c.validateTemplates ?? 0) - mainThreadValidation(c) - (c['child_process.spawnSync'] ?? 0),
);
const rest =
  '    the rest: cdk-nag, cache keys, acknowledgements, report, CloudFormation engine setup if not in a worker';
console.log(`| ${rest} | ${(median(nag) / 1000).toFixed(1)} |`);

const bundleCache = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-bench-bundles-'));
const bundleStart = process.hrtime.bigint();
bundleLambdas({ ...DEFAULT_BUNDLE_SOURCE, cacheDir: bundleCache });
const bundleSeconds = Number(process.hrtime.bigint() - bundleStart) / 1e9;
fs.rmSync(bundleCache, { recursive: true, force: true });
console.log(
  `\none esbuild build of all ${lambdaEntryPoints(DEFAULT_BUNDLE_SOURCE.lambdasDir).length} Lambdas ` +
    `(what a synth pays when the bundle cache misses): ${bundleSeconds.toFixed(1)} s`,
);
console.log('\n| stack | resources | template bytes |\n| --- | ---: | ---: |');
for (const [id, artifact] of Object.entries(manifest.artifacts)) {
  if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
  const file = path.join(outdir, artifact.properties.templateFile);
  const template = JSON.parse(fs.readFileSync(file, 'utf8')) as { Resources?: Record<string, unknown> };
  console.log(`| ${id} | ${Object.keys(template.Resources ?? {}).length} | ${fs.statSync(file).size} |`);
}

/** Which functions use each asset: `Code.S3Key` is `<asset hash>.zip`. */
const usersOfAsset = new Map<string, string[]>();
for (const [id, artifact] of Object.entries(manifest.artifacts)) {
  if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
  const template = JSON.parse(fs.readFileSync(path.join(outdir, artifact.properties.templateFile), 'utf8')) as {
    Resources?: Record<string, { Type: string; Properties?: { Code?: { S3Key?: unknown } } }>;
  };
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const key = resource.Properties?.Code?.S3Key;
    if (resource.Type !== 'AWS::Lambda::Function' || typeof key !== 'string') continue;
    const hash = key.replace(/\.zip$/, '');
    usersOfAsset.set(hash, [...(usersOfAsset.get(hash) ?? []), `${id}/${logicalId}`]);
  }
}
const assets = fs
  .readdirSync(outdir)
  .filter((name) => name.startsWith('asset.') && fs.statSync(path.join(outdir, name)).isDirectory());
if (assets.length > 0) {
  console.log(
    '\n| Lambda bundle (first user) | functions | code bytes | with source map |\n| --- | ---: | ---: | ---: |',
  );
  for (const asset of assets) {
    const dir = path.join(outdir, asset);
    const code = fs
      .readdirSync(dir)
      .filter((f) => !f.endsWith('.map'))
      .reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
    const users = usersOfAsset.get(asset.slice('asset.'.length)) ?? [];
    console.log(`| ${users[0] ?? asset.slice(0, 18)} | ${users.length} | ${code} | ${dirBytes(dir)} |`);
  }
}

if (!process.argv.includes('--skip-tests')) {
  const tests = timed('jest', 'npx', ['jest', '--silent']);
  console.log(`\nunit and integration tests (jest): ${tests.wall.toFixed(1)} s, CPU ${tests.cpu.toFixed(1)} s`);
}
for (const dir of [work, counterFiles, ...(editCopy ? [editCopy] : [])])
  fs.rmSync(dir, { recursive: true, force: true });
