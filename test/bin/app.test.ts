import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');

/** Runs bin/app.ts the way the CDK CLI does (context and output dir through the environment). */
function runApp(context: Record<string, string>) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-app-'));
  return spawnSync(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'bin', 'app.ts')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir, CDK_VALIDATION: 'false' },
  });
}

test('bin/app.ts refuses a bad config file named with -c config=, printing the named error', () => {
  const result = runApp({ config: 'test/fixtures/overlapping-cidr.config.ts' });
  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain('Invalid Bulwark configuration (test/fixtures/overlapping-cidr.config.ts)');
  expect(result.stderr).toContain('Staging.vpc.cidr 10.10.0.0/20 overlaps Dev.vpc.cidr 10.10.0.0/16');
}, 60_000);
