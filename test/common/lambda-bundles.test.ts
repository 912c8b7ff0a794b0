import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bundleLambdas, DEFAULT_BUNDLE_SOURCE, LambdaBundleSource } from '../../lib/common/lambda-bundles';
import { sharedAssemblyDir } from '../helpers/shared-assembly';

/** A project of two functions sharing a module, with its own bundle cache, in a temporary folder. */
function fixture(): LambdaBundleSource {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-bundles-'));
  write(
    root,
    'lambdas/alpha/index.ts',
    "import { GREETING } from '../shared/greeting';\nexport const handler = () => GREETING + '-alpha';\n",
  );
  write(root, 'lambdas/beta/index.ts', "export const handler = () => 'beta';\n");
  write(root, 'lambdas/shared/greeting.ts', "export const GREETING = 'hello-one';\n");
  return { projectRoot: root, lambdasDir: path.join(root, 'lambdas'), cacheDir: path.join(root, 'cache') };
}

/** Write a file dated a minute ago: the bundler refuses to cache a build whose inputs changed while it ran. */
function write(root: string, relative: string, text: string): void {
  const file = path.join(root, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  const past = new Date(Date.now() - 60_000);
  fs.utimesSync(file, past, past);
}

const bundleOf = (dir: string, name: string): string => fs.readFileSync(path.join(dir, name, 'index.js'), 'utf8');

describe('Lambda bundles: one esbuild build, reused only while its inputs are unchanged', () => {
  test('a second call with nothing changed reuses the first build', () => {
    const source = fixture();
    const first = bundleLambdas(source);
    const second = bundleLambdas(source);
    expect(first.reused).toBe(false);
    expect(second).toEqual({ dir: first.dir, reused: true });
    expect(bundleOf(first.dir, 'alpha')).toContain('hello-one');
    expect(fs.existsSync(path.join(first.dir, 'alpha', 'index.js.map'))).toBe(true);
    expect(bundleOf(first.dir, 'beta')).toContain('beta');
    // lambdas/shared has no index.ts: a module, not a function.
    expect(fs.existsSync(path.join(first.dir, 'shared'))).toBe(false);
  });

  test('changing a module a function imports (not its entry) gives a new bundle with the new code', () => {
    const source = fixture();
    const before = bundleLambdas(source);
    write(source.projectRoot, 'lambdas/shared/greeting.ts', "export const GREETING = 'hello-two';\n");
    const after = bundleLambdas(source);
    expect(after.reused).toBe(false);
    expect(after.dir).not.toBe(before.dir);
    expect(bundleOf(after.dir, 'alpha')).toContain('hello-two');
    expect(bundleOf(after.dir, 'alpha')).not.toContain('hello-one');
    // Changing it back finds the first build again, by content.
    write(source.projectRoot, 'lambdas/shared/greeting.ts', "export const GREETING = 'hello-one';\n");
    expect(bundleLambdas(source)).toEqual({ dir: before.dir, reused: true });
  });

  test('a new file beside an input (it could change what an import resolves to) means a new build', () => {
    const source = fixture();
    const before = bundleLambdas(source);
    write(source.projectRoot, 'lambdas/shared/greeting.js', "exports.GREETING = 'shadow';\n");
    const after = bundleLambdas(source);
    expect(after.reused).toBe(false);
    expect(after.dir).not.toBe(before.dir);
  });

  test('old entries are deleted after a build, six kept, but never one used in the last half hour', () => {
    const source = fixture();
    const builds = [1, 2, 3, 4, 5, 6, 7].map((n) => {
      write(source.projectRoot, 'lambdas/beta/index.ts', `export const handler = () => 'beta-${n}';\n`);
      return path.basename(bundleLambdas(source).dir);
    });
    expect(new Set(builds).size).toBe(7);
    // Every build was just made: none is deleted yet, whatever the count.
    const entries = () => fs.readdirSync(source.cacheDir).filter((name) => /^[0-9a-f]{64}$/.test(name));
    expect(entries().sort()).toEqual([...builds].sort());
    // Four last used hours ago (the oldest longest ago), but the second of them in use again (a reuse touches it).
    for (const [index, hours] of [
      [0, 4],
      [1, 4],
      [2, 3],
      [3, 2],
    ]) {
      const then = new Date(Date.now() - hours * 3_600_000);
      fs.utimesSync(path.join(source.cacheDir, builds[index]), then, then);
    }
    const now = new Date();
    fs.utimesSync(path.join(source.cacheDir, builds[1]), now, now);
    write(source.projectRoot, 'lambdas/beta/index.ts', "export const handler = () => 'beta-8';\n");
    const eighth = path.basename(bundleLambdas(source).dir);
    // The new one and the five used most recently stay; the two used longest ago go.
    expect(entries().sort()).toEqual([eighth, builds[1], builds[3], builds[4], builds[5], builds[6]].sort());
  });

  test('a new function folder is bundled at once', () => {
    const source = fixture();
    bundleLambdas(source);
    write(source.projectRoot, 'lambdas/gamma/index.ts', "export const handler = () => 'gamma';\n");
    const after = bundleLambdas(source);
    expect(after.reused).toBe(false);
    expect(bundleOf(after.dir, 'gamma')).toContain('gamma');
  });

  test('package-lock.json changing (npm moved a dependency) means a new build', () => {
    const source = fixture();
    write(source.projectRoot, 'package-lock.json', '{"lockfileVersion":3}\n');
    const before = bundleLambdas(source);
    write(source.projectRoot, 'package-lock.json', '{"lockfileVersion":3,"packages":{}}\n');
    const after = bundleLambdas(source);
    expect(after.reused).toBe(false);
    expect(after.dir).not.toBe(before.dir);
  });

  test('a second checkout sharing the cache (one node_modules, linked) gets its own build, not the first one', () => {
    // Source maps name inputs relative to the build's folder after following links: equal inputs, other bundles.
    const first = fixture();
    const second = fixture();
    const built = bundleLambdas(first);
    const other = bundleLambdas({ ...second, cacheDir: first.cacheDir });
    expect(other.reused).toBe(false);
    expect(other.dir).not.toBe(built.dir);
    expect(bundleLambdas({ ...second, cacheDir: first.cacheDir })).toEqual({ dir: other.dir, reused: true });
  });

  test('a build whose inputs were saved while it ran is used once and never reused', () => {
    const source = fixture();
    // Saved just now: as far as the bundler can tell, during the build.
    fs.writeFileSync(path.join(source.lambdasDir, 'beta', 'index.ts'), "export const handler = () => 'beta-now';\n");
    const first = bundleLambdas(source);
    expect(path.basename(first.dir)).toMatch(/^build-/);
    expect(bundleLambdas(source).reused).toBe(false);
  });

  test('every function under lambdas/ gets index.js and its source map', () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-bundles-real-'));
    const { dir } = bundleLambdas({ ...DEFAULT_BUNDLE_SOURCE, cacheDir });
    const expected = [
      'aurora-secondary',
      'backup-verifier',
      'canary',
      'deletion-protection',
      'deploy-hook',
      'deployment-stopper',
      'deployment-trigger',
      'dr-drill',
      'incident-recorder',
      'kill-switch',
      'live-target-groups',
      'plan-health-checks',
      'region-switch-action',
      // Pilot light only: not in the default (warm standby) app below.
      'region-switch-db-instance',
      'weekly-report',
    ];
    const built = fs
      .readdirSync(dir)
      .filter((name) => fs.statSync(path.join(dir, name)).isDirectory())
      .sort();
    expect(built).toEqual(expected);
    for (const name of expected) {
      expect(fs.statSync(path.join(dir, name, 'index.js')).size).toBeGreaterThan(1000);
      expect(fs.existsSync(path.join(dir, name, 'index.js.map'))).toBe(true);
    }
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });
});

describe('the synthesized app: every Bulwark function ships its current bundle', () => {
  interface LambdaResource {
    Type: string;
    Properties: { Handler?: string; Code?: { S3Key?: unknown } };
  }
  const everyFunction = [
    'aurora-secondary',
    'backup-verifier',
    'canary',
    'deletion-protection',
    'deploy-hook',
    'deployment-stopper',
    'deployment-trigger',
    'incident-recorder',
    'kill-switch',
    'live-target-groups',
    'plan-health-checks',
    'region-switch-action',
    'weekly-report',
  ];

  test.each([
    ['default', everyFunction],
    // `-c drill=true` adds the drill's function to DrRegion.
    ['drill', [...everyFunction, 'dr-drill'].sort()],
  ] as const)(
    '%s app: the code of each function folder it uses is in the assembly, staged once',
    (variant, expected) => {
      const dir = sharedAssemblyDir(variant);
      if (!dir) throw new Error('no shared assembly: run through jest, whose globalSetup provides it');
      const bundles = bundleLambdas(DEFAULT_BUNDLE_SOURCE).dir;
      const nameByCode = new Map(
        fs
          .readdirSync(bundles)
          .filter((name) => fs.existsSync(path.join(bundles, name, 'index.js')))
          .map((name) => [bundleOf(bundles, name), name]),
      );
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
        artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
      };
      const assetsByName = new Map<string, Set<string>>();
      for (const artifact of Object.values(manifest.artifacts)) {
        if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
        const template = JSON.parse(fs.readFileSync(path.join(dir, artifact.properties.templateFile), 'utf8')) as {
          Resources: Record<string, LambdaResource>;
        };
        for (const resource of Object.values(template.Resources)) {
          const key = resource.Properties.Code?.S3Key;
          if (resource.Type !== 'AWS::Lambda::Function' || resource.Properties.Handler !== 'index.handler') continue;
          // The asset's S3 key is `<asset hash>.zip`; the assembly holds its folder as `asset.<asset hash>`.
          expect(typeof key).toBe('string');
          const asset = `asset.${String(key).replace(/\.zip$/, '')}`;
          // CDK's own providers (S3 auto-delete) also use index.handler; they match no Bulwark bundle.
          const name = nameByCode.get(fs.readFileSync(path.join(dir, asset, 'index.js'), 'utf8'));
          if (name) assetsByName.set(name, new Set([...(assetsByName.get(name) ?? []), asset]));
        }
      }
      expect([...assetsByName.keys()].sort()).toEqual(expected);
      // One asset per function folder: the same handler in several stacks is bundled and staged once.
      expect([...assetsByName.values()].map((assets) => assets.size)).toEqual(expected.map(() => 1));
    },
  );
});
