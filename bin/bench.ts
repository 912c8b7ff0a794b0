#!/usr/bin/env node
/**
 * `npm run bench`: prints figures, asserts nothing. The median of several cold synths of every stack (the CLI,
 * with the built-in CloudFormation validation, cdk-nag and the Control Tower rules on, as a user runs it) and where
 * the time went (aws-cdk-lib's own performance counters), the time of one esbuild build of every Lambda, the
 * unit-test time, resources and template bytes per stack, and Lambda bundle sizes.
 * Options: `--runs N` (default 3); `--cold-bundles` empties the Lambda bundle cache before each synth (a first
 * synth after a clone or a change to a function); `--skip-tests` skips the jest run.
 * Each synth is a new process (cold: nothing of the previous run is in memory); the Lambda bundle cache on disk
 * is kept unless `--cold-bundles`. Figures depend on the machine's load: note it (`uptime`) beside them.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bundleLambdas, DEFAULT_BUNDLE_SOURCE, lambdaEntryPoints } from '../lib/common/lambda-bundles';

function timed(label: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', ...env },
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) {
    console.error(result.stdout, result.stderr);
    throw new Error(`${label} failed (exit ${result.status})`);
  }
  return seconds;
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
const coldBundles = process.argv.includes('--cold-bundles');
const app = (JSON.parse(fs.readFileSync('cdk.json', 'utf8')) as { app: string }).app;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-bench-'));
const outdir = path.join(work, 'cdk.out');

/** aws-cdk-lib's counters of one synth (ms): the CLI deletes its file, so the app command copies it out. */
type Counters = Record<string, number>;
const synthSeconds: number[] = [];
const counters: Counters[] = [];
console.log(
  `load before: ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (1, 5, 15 min) on ${os.cpus().length} cores`,
);
for (let run = 0; run < runs; run++) {
  if (coldBundles) fs.rmSync(DEFAULT_BUNDLE_SOURCE.cacheDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
  const countersFile = path.join(work, `counters-${run}.json`);
  const wrapped = `sh -c '${app} && cp "$CDK_PERF_COUNTERS_FILE" ${countersFile}'`;
  // aws-cdk-lib writes its counters only for a synth slower than this per stack (default 10 s): always, here.
  const always = ['-c', '@aws-cdk/core.slowSynthThreshold=0'];
  synthSeconds.push(
    timed('cdk synth', 'npx', [
      'cdk',
      'synth',
      '--quiet',
      '--no-notices',
      ...always,
      '--output',
      outdir,
      '--app',
      wrapped,
    ]),
  );
  counters.push((JSON.parse(fs.readFileSync(countersFile, 'utf8')) as { counters: Counters }).counters);
  console.log(`synth ${run + 1}/${runs}: ${synthSeconds[run].toFixed(1)} s`);
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

console.log(
  `\ncold synth, all stacks (validation, cdk-nag, Control Tower rules on${coldBundles ? ', empty Lambda bundle cache' : ''}): ` +
    `median ${median(synthSeconds).toFixed(1)} s of ${runs} (${synthSeconds.map((t) => t.toFixed(1)).join(', ')})`,
);
const breakdown: [string, string][] = [
  ['phase:Load', 'load the app (tsx, aws-cdk-lib, the config)'],
  ['phase:Construction', 'construct the stacks (Lambda bundles, Aspects run later)'],
  ['phase:Synthesis', 'synthesis: Aspects, token resolution, templates, validation'],
  ['Stack.resolve', '  of which token resolution'],
  ['validateTemplates', '  of which validation plugins'],
  ['CloudFormationValidate.validate', '    built-in CloudFormation validation'],
  ['child_process.spawnSync', '    cfn-guard (Control Tower rules): the only process spawned'],
];
console.log('\n| median of the runs (aws-cdk-lib counters) | s |\n| --- | ---: |');
for (const [counter, label] of breakdown) {
  const values = counters.map((c) => c[counter]).filter((v): v is number => typeof v === 'number');
  if (values.length > 0) console.log(`| ${label} | ${(median(values) / 1000).toFixed(1)} |`);
}
const nag = counters.map(
  (c) => (c.validateTemplates ?? 0) - (c['CloudFormationValidate.validate'] ?? 0) - (c['child_process.spawnSync'] ?? 0),
);
console.log(`|     the rest of validation: cdk-nag, acknowledgements, report | ${(median(nag) / 1000).toFixed(1)} |`);

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
  const testSeconds = timed('jest', 'npx', ['jest', '--silent']);
  console.log(`\nunit and integration tests (jest): ${testSeconds.toFixed(1)} s`);
}
fs.rmSync(work, { recursive: true, force: true });
