import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_CFN_VALIDATION_CACHE_DIR } from '../../lib/common/cloudformation-validation-cache';
import { DEFAULT_GUARD_CACHE_DIR } from '../../lib/common/guard-result-cache';
import { KeptEntries, projectCacheDir } from '../../lib/common/kept-entries';
import { DEFAULT_BUNDLE_SOURCE } from '../../lib/common/lambda-bundles';
import { DEFAULT_CFN_LINT_CACHE_DIR } from '../../lib/tooling/cfn-lint';
import { DEFAULT_CFN_LINT_SCHEMA_CACHE_DIR } from '../../lib/tooling/cfn-lint-schema-patches';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-kept-entries-'));
let dirs = 0;
const newDir = (): string => fs.mkdtempSync(path.join(tmp, `d${dirs++}-`));
const isList = (value: unknown) => Array.isArray(value);

/** Dates an entry's file, as if last used `secondsAgo` ago. */
function age(dir: string, key: string, secondsAgo: number): void {
  const when = new Date(Date.now() - secondsAgo * 1000);
  fs.utimesSync(path.join(dir, `${key}.json`), when, when);
}

describe('KeptEntries: values kept by key in a folder', () => {
  test('a kept value comes back; another format, another shape or a damaged file does not', () => {
    const dir = newDir();
    const entries = new KeptEntries<string[]>(dir, 'format-a', 10, isList);
    entries.put('k1', ['one', 'two']);
    expect(entries.get('k1')).toEqual(['one', 'two']);
    expect(entries.get('absent')).toBeUndefined();
    expect(new KeptEntries<string[]>(dir, 'format-b', 10, isList).get('k1')).toBeUndefined();
    fs.writeFileSync(path.join(dir, 'k2.json'), JSON.stringify({ format: 'format-a', value: 'not a list' }));
    expect(entries.get('k2')).toBeUndefined();
    fs.writeFileSync(path.join(dir, 'k3.json'), '{"format":"format-a","value":["cut sho');
    expect(entries.get('k3')).toBeUndefined();
    // Written whole, then renamed: no partial file is left beside the entries.
    expect(fs.readdirSync(dir).filter((name) => name.includes('partial'))).toEqual([]);
  });

  test('the folder keeps the most recently used entries; reading one counts as use', () => {
    const dir = newDir();
    const entries = new KeptEntries<string[]>(dir, 'format-a', 2, isList);
    entries.put('old', ['o']);
    entries.put('used', ['u']);
    age(dir, 'old', 60);
    age(dir, 'used', 120);
    expect(entries.get('used')).toEqual(['u']); // now the most recent
    entries.put('new', ['n']);
    expect(fs.readdirSync(dir).sort()).toEqual(['new.json', 'used.json']);
  });

  test('a folder that cannot be written keeps nothing and throws nothing', () => {
    const blocker = path.join(newDir(), 'a-file');
    fs.writeFileSync(blocker, '');
    const entries = new KeptEntries<string[]>(path.join(blocker, 'cache'), 'format-a', 10, isList);
    expect(() => entries.put('k', ['v'])).not.toThrow();
    expect(entries.get('k')).toBeUndefined();
  });
});

test("every cache is a folder of this checkout's node_modules/.cache, one name each (README: rm -rf ...bulwark-*)", () => {
  const cacheRoot = path.resolve(__dirname, '..', '..', 'node_modules', '.cache');
  expect(projectCacheDir('bulwark-x')).toBe(path.join(cacheRoot, 'bulwark-x'));
  expect([
    DEFAULT_BUNDLE_SOURCE.cacheDir,
    DEFAULT_GUARD_CACHE_DIR,
    DEFAULT_CFN_VALIDATION_CACHE_DIR,
    DEFAULT_CFN_LINT_CACHE_DIR,
    DEFAULT_CFN_LINT_SCHEMA_CACHE_DIR,
  ]).toEqual([
    path.join(cacheRoot, 'bulwark-lambda-bundles'),
    path.join(cacheRoot, 'bulwark-guard-results'),
    path.join(cacheRoot, 'bulwark-cfn-validation'),
    path.join(cacheRoot, 'bulwark-cfn-lint'),
    path.join(cacheRoot, 'bulwark-cfn-lint-schemas'),
  ]);
});
