import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError } from '../../config';
import { parseDrillContext } from '../../lib/app';
import { fileRefusal } from '../helpers/config';

const root = path.join(__dirname, '..', '..');

/**
 * bin/app.ts run as the CDK CLI runs it: cdk.json's `app` command (`node --require ./bin/load-typescript.js bin/app.ts`), with the
 * context and the output directory in the environment. Each run loads the whole app's modules (about 0.8 s of
 * CPU), so a run is spent only where the process itself is the point: one per way bin/app.ts can be refused (the
 * config file's loader, the config's validation, the context), and the syntax error, which tsx reports.
 */
function runApp(context: Record<string, string>) {
  const [program, ...args] = (JSON.parse(fs.readFileSync(path.join(root, 'cdk.json'), 'utf8')) as { app: string }).app
    .trim()
    .split(/\s+/);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-app-'));
  return spawnSync(program === 'node' ? process.execPath : program, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir, CDK_VALIDATION: 'false' },
  });
}

/** What a user sees: a named message, exit 1, and no Node stack trace (no "    at ..." frames). */
function expectNamedRefusal(result: ReturnType<typeof runApp>, ...expected: string[]) {
  expect(result.status).toBe(1);
  for (const text of expected) expect(result.stderr).toContain(text);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe('bin/app.ts: malformed input is a named error with exit 1, never a stack trace', () => {
  test('a config that fails validation, named with -c config=', () => {
    expectNamedRefusal(
      runApp({ config: 'test/fixtures/overlapping-cidr.config.ts' }),
      'Invalid Bulwark configuration (test/fixtures/overlapping-cidr.config.ts)',
      'Staging.vpc.cidr 10.10.0.0/20 overlaps Dev.vpc.cidr 10.10.0.0/16',
    );
  }, 60_000);

  test('a config file with a syntax error, as tsx reports it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-app-syntax-'));
    const file = path.join(dir, 'syntax-error.config.ts');
    fs.copyFileSync(path.join(root, 'test', 'fixtures', 'syntax-error.config.ts.txt'), file);
    const result = runApp({ config: file });
    expectNamedRefusal(
      result,
      'syntax-error.config.ts: has a syntax error (line 4:1: ERROR: Expected "}" but found ";")',
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);

  test('-c drill=yes is refused by name instead of being read as false', () => {
    expectNamedRefusal(runApp({ drill: 'yes' }), 'drill "yes": must be true or false');
  }, 60_000);

  // bin/app.ts prints the message of any ConfigError and exits 1 (the runs above); these files are refused with
  // one, whichever loader reads them (their faults happen at run time, not in the loader's transform).
  test.each([
    [
      'a config file that does not exist',
      'test/fixtures/does-not-exist.config.ts',
      'Cannot load the Bulwark configuration test/fixtures/does-not-exist.config.ts: the file does not exist',
    ],
    [
      'a config file that throws',
      'test/fixtures/throws.config.ts',
      'Cannot load the Bulwark configuration test/fixtures/throws.config.ts: ' +
        'throws while loading: BULWARK_FIXTURE_NEVER_SET is not set',
    ],
    ['a config file that exports a Promise', 'test/fixtures/promise.config.ts', 'promise.config.ts: exports a Promise'],
    [
      'an environment in region us-fake-9',
      'test/fixtures/fake-region.config.ts',
      'Staging.region "us-fake-9" is not an AWS region',
    ],
  ])('%s is a ConfigError naming it', (_case, file, expected) => {
    const message = fileRefusal(file);
    expect(message).toContain(expected);
    expect(message).not.toMatch(/^\s+at /m);
  });
});

describe('the drill context', () => {
  test('true and false in any case, or booleans from cdk.json; absent means false', () => {
    expect(parseDrillContext('true')).toBe(true);
    expect(parseDrillContext('TRUE')).toBe(true);
    expect(parseDrillContext('False')).toBe(false);
    expect(parseDrillContext(true)).toBe(true);
    expect(parseDrillContext(false)).toBe(false);
    expect(parseDrillContext(undefined)).toBe(false);
  });

  test('anything else is a ConfigError naming drill and the command', () => {
    expect(() => parseDrillContext('1')).toThrow(ConfigError);
    expect(() => parseDrillContext('on')).toThrow(
      'drill "on": must be true or false; run the DR drill with `npx cdk deploy DrRegion -c drill=true`, or leave -c drill out',
    );
  });
});
