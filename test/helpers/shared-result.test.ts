import * as fs from 'fs';
import * as path from 'path';
import { defaultConfig, sharedKeyOf } from './app';
import { RUN_DIRECTORY_ENV } from './run-directory';
import { SHARED_ASSEMBLIES_ENV, sharedResultDir } from './shared-assembly';

/** A name no other file of the run uses: the shared directory lives for the whole jest run. */
const unique = (label: string): string => `probe-${label}-${process.pid}-${Date.now()}`;

describe('results shared between the test files of one jest run', () => {
  test('the first caller makes the result; a later caller gets the same directory and makes nothing', () => {
    const name = unique('made');
    const first = sharedResultDir(name, (dir) => {
      fs.writeFileSync(path.join(dir, 'result.txt'), 'made once');
      return 'the claimant keeps what make returned';
    });
    expect(first?.made).toBe('the claimant keeps what make returned');
    const make = jest.fn(() => 'made twice');
    const second = sharedResultDir(name, make);
    expect(make).not.toHaveBeenCalled();
    expect(second).toEqual({ dir: first!.dir, made: undefined });
    expect(fs.readFileSync(path.join(second!.dir, 'result.txt'), 'utf8')).toBe('made once');
  });

  test('a make that throws fails its caller and every later one, with its error; it is not made again', () => {
    const name = unique('failed');
    expect(() =>
      sharedResultDir(name, () => {
        throw new Error('cdk-nag: AwsSolutions-S1 on Prod/Bucket');
      }),
    ).toThrow('cdk-nag: AwsSolutions-S1 on Prod/Bucket');
    const make = jest.fn(() => 'never');
    expect(() => sharedResultDir(name, make)).toThrow(
      new RegExp(`the shared ${name} failed:\\nError: cdk-nag: AwsSolutions-S1 on Prod/Bucket`),
    );
    expect(make).not.toHaveBeenCalled();
  });

  test('outside a run that set up the shared directory there is nothing to share', () => {
    const root = process.env[SHARED_ASSEMBLIES_ENV];
    expect(root).toBeDefined();
    delete process.env[SHARED_ASSEMBLIES_ENV];
    try {
      const make = jest.fn(() => 'x');
      expect(sharedResultDir(unique('none'), make)).toBeUndefined();
      expect(make).not.toHaveBeenCalled();
    } finally {
      process.env[SHARED_ASSEMBLIES_ENV] = root;
    }
  });

  test("the run directory's variable, spelled out for the setup, teardown and moto helpers, is this one", () => {
    expect(SHARED_ASSEMBLIES_ENV).toBe('BULWARK_SHARED_ASSEMBLIES');
    expect(RUN_DIRECTORY_ENV).toBe('BULWARK_SHARED_ASSEMBLIES');
  });

  test('a synthesized app is shared only between identical config, options and context', () => {
    const config = defaultConfig();
    const key = sharedKeyOf(config, { drill: true }, {});
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(sharedKeyOf(defaultConfig(), { drill: true }, {})).toBe(key);
    const otherTier = {
      ...config,
      environments: config.environments.map((env, i) => (i === 2 ? { ...env, tier: 3 as const } : env)),
    };
    expect(sharedKeyOf(otherTier, { drill: true }, {})).not.toBe(key);
    expect(sharedKeyOf(config, { drill: true, nag: false }, {})).not.toBe(key);
    expect(sharedKeyOf(config, { drill: 'switchover' }, {})).not.toBe(key);
    expect(sharedKeyOf(config, { drill: true }, { drill: 'true' })).not.toBe(key);
    // What the key cannot hold is not shared: JSON drops undefined and functions, and turns a Date into text.
    expect(sharedKeyOf(config, { drill: true }, { lookup: undefined })).toBeUndefined();
    expect(sharedKeyOf(config, { drill: true }, { when: new Date(0) })).toBeUndefined();
    // A runbooks directory's files may change between two synths under the same path.
    expect(sharedKeyOf(config, { drill: true, runbooksDir: '/tmp/runbooks' }, {})).toBeUndefined();
  });
});
