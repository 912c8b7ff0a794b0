#!/usr/bin/env node
/**
 * `npm run bench`: prints figures, asserts nothing. Cold synth wall time of every stack (the CLI, with
 * the built-in CloudFormation validation and cdk-nag on, as a user runs it), the unit-test time,
 * resources and template bytes per stack, and Lambda bundle sizes. `--skip-tests` skips the jest run.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

function timed(label: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', ...env } });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) {
    console.error(result.stdout, result.stderr);
    throw new Error(`${label} failed (exit ${result.status})`);
  }
  return seconds;
}

function dirBytes(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => {
    const full = path.join(dir, e.name);
    return sum + (e.isDirectory() ? dirBytes(full) : fs.statSync(full).size);
  }, 0);
}

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-bench-'));
const synthSeconds = timed('cdk synth', 'npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', outdir]);
const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { type: string; properties?: { templateFile?: string } }> };

console.log(`cold synth, all stacks (validation + cdk-nag on): ${synthSeconds.toFixed(1)} s`);
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
  const template = JSON.parse(fs.readFileSync(path.join(outdir, artifact.properties.templateFile), 'utf8')) as { Resources?: Record<string, { Type: string; Properties?: { Code?: { S3Key?: unknown } } }> };
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const key = resource.Properties?.Code?.S3Key;
    if (resource.Type !== 'AWS::Lambda::Function' || typeof key !== 'string') continue;
    const hash = key.replace(/\.zip$/, '');
    usersOfAsset.set(hash, [...(usersOfAsset.get(hash) ?? []), `${id}/${logicalId}`]);
  }
}
const assets = fs.readdirSync(outdir).filter((name) => name.startsWith('asset.') && fs.statSync(path.join(outdir, name)).isDirectory());
if (assets.length > 0) {
  console.log('\n| Lambda bundle (first user) | functions | code bytes | with source map |\n| --- | ---: | ---: | ---: |');
  for (const asset of assets) {
    const dir = path.join(outdir, asset);
    const code = fs.readdirSync(dir).filter((f) => !f.endsWith('.map')).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
    const users = usersOfAsset.get(asset.slice('asset.'.length)) ?? [];
    console.log(`| ${users[0] ?? asset.slice(0, 18)} | ${users.length} | ${code} | ${dirBytes(dir)} |`);
  }
}

if (!process.argv.includes('--skip-tests')) {
  const testSeconds = timed('jest', 'npx', ['jest', '--silent']);
  console.log(`\nunit and integration tests (jest): ${testSeconds.toFixed(1)} s`);
}
fs.rmSync(outdir, { recursive: true, force: true });
