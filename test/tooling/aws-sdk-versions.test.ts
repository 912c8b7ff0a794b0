import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/**
 * The README's toolchain rule: every `@aws-sdk/*` package at one version, so they move together and
 * `npm outdated` tells one story. The registry does not publish every client at every SDK release, so the rule
 * names the newest version it has for all clients but two, and those two at their newest release.
 * Moving the SDK: pick the newest version `npm view @aws-sdk/<pkg> versions` lists for every package, update
 * SDK_VERSION here, the exceptions and the README in the same commit.
 */
const SDK_VERSION = '3.1108.0';
const EXCEPTIONS: Record<string, string> = {
  // The registry's newest releases of these two clients are older than SDK_VERSION.
  '@aws-sdk/client-codestar-connections': '3.1017.0',
  '@aws-sdk/client-backup': '3.1092.0',
};

interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const root = path.join(__dirname, '..', '..');
const packageJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;

function sdkDependencies(): [string, string][] {
  return [packageJson.dependencies, packageJson.devDependencies]
    .flatMap((deps) => Object.entries(deps ?? {}))
    .filter(([name]) => name.startsWith('@aws-sdk/'));
}

describe('@aws-sdk/* versions', () => {
  test('every @aws-sdk/* dependency is pinned at the one SDK version, or at its documented exception', () => {
    const off = sdkDependencies()
      .filter(([name, version]) => version !== (EXCEPTIONS[name] ?? SDK_VERSION))
      .map(
        ([name, version]) =>
          `${name} is ${version}; pin it at ${EXCEPTIONS[name] ?? SDK_VERSION} (README, ` +
          'Toolchain choices), or, if the registry has no such version, add it to the exceptions with its newest',
      );
    expect(off).toEqual([]);
  });

  test('the rule covers the SDK clients the project uses (the test reads the real package.json)', () => {
    const names = sdkDependencies().map(([name]) => name);
    expect(names).toEqual(
      expect.arrayContaining([
        '@aws-sdk/client-s3',
        '@aws-sdk/client-dynamodb',
        '@aws-sdk/lib-dynamodb',
        '@aws-sdk/client-backup',
        '@aws-sdk/client-codestar-connections',
      ]),
    );
  });

  test('every exception is still a dependency, so the list cannot silently go stale', () => {
    const names = new Set(sdkDependencies().map(([name]) => name));
    expect(Object.keys(EXCEPTIONS).filter((name) => !names.has(name))).toEqual([]);
  });

  test('the lockfile installs exactly the pinned versions', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    const off = sdkDependencies()
      .filter(([name, version]) => lock.packages[`node_modules/${name}`]?.version !== version)
      .map(
        ([name, version]) => `${name}: package.json ${version}, lock ${lock.packages[`node_modules/${name}`]?.version}`,
      );
    expect(off).toEqual([]);
  });

  test('npm ls finds no invalid, missing or unmet peer dependency (util-dynamodb held by an override)', () => {
    // lib-dynamodb 3.1108.0 asks for util-dynamodb ^3.996.8; npm picks 3.996.9, whose peer range is
    // client-dynamodb ^3.1111.0, which 3.1108.0 is not: `npm ls` then exits 1. package.json's `overrides`
    // holds util-dynamodb at 3.996.8, which declares ^3.1108.0.
    const result = spawnSync('npm', ['ls', '--all', '--json'], { cwd: root, encoding: 'utf8' });
    const problems = (JSON.parse(result.stdout) as { problems?: string[] }).problems ?? [];
    expect(problems).toEqual([]);
    expect(result.status).toBe(0);
  });
});
