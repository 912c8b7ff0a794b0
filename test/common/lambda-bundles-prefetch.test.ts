import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bundleLambdas, LambdaBundlePrefetch, LambdaBundleSource } from '../../lib/common/lambda-bundles';

/** A project of one function with its own bundle cache; `code` is its handler's source. */
function project(code: string): LambdaBundleSource {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-prefetch-'));
  const file = path.join(root, 'lambdas', 'gamma', 'index.ts');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, code);
  // Dated a minute ago: the bundler does not keep a build whose inputs changed while it ran.
  const past = new Date(Date.now() - 60_000);
  fs.utimesSync(file, past, past);
  return { projectRoot: root, lambdasDir: path.join(root, 'lambdas'), cacheDir: path.join(root, 'cache') };
}

describe('Lambda bundles built ahead of need on a worker thread', () => {
  test("the worker's build is the cached build the main thread would have made, and is reused after", () => {
    const source = project("export const handler = () => 'prefetched-gamma';\n");
    const prefetched = new LambdaBundlePrefetch(source).collect();
    expect(prefetched?.reused).toBe(false);
    expect(fs.readFileSync(path.join(prefetched!.dir, 'gamma', 'index.js'), 'utf8')).toContain('prefetched-gamma');
    expect(path.dirname(prefetched!.dir)).toBe(source.cacheDir);
    expect(bundleLambdas(source)).toEqual({ dir: prefetched!.dir, reused: true });
  });

  test("a build that fails throws esbuild's error, as the same build on the main thread does", () => {
    const source = project('export const handler = () => {;\n');
    const expected = /Build failed with 1 error:\n.*lambdas\/gamma\/index.ts:2:0: ERROR: Unexpected end of file/;
    expect(() => new LambdaBundlePrefetch(source).collect()).toThrow(expected);
    expect(() => bundleLambdas(source)).toThrow(expected);
  });

  test('no answer within the wait yields nothing (the caller builds instead)', () => {
    const source = project("export const handler = () => 'late';\n");
    // A worker takes well over a millisecond to start, load esbuild and build.
    expect(new LambdaBundlePrefetch(source).collect(1)).toBeUndefined();
  });

  test('a prefetch is collected once', () => {
    const prefetch = new LambdaBundlePrefetch(project("export const handler = () => 'once';\n"));
    prefetch.collect();
    expect(() => prefetch.collect()).toThrow('already collected');
  });

  test('the app starts it before loading anything else', () => {
    const app = fs.readFileSync(path.join(__dirname, '..', '..', 'bin', 'app.ts'), 'utf8');
    const firstImport = app.split('\n').find((line) => line.startsWith('import '));
    expect(firstImport).toBe("import '../lib/common/lambda-bundles-prefetch';");
  });
});
