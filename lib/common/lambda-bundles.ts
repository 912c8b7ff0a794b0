import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { BuildOptions, buildSync, Metafile, version as esbuildVersion } from 'esbuild';
import { BlockingWorker } from './blocking-worker';
import { projectCacheDir } from './kept-entries';

/**
 * Every Lambda under lambdas/ bundled by ONE esbuild build of many entry points, and reused while nothing that
 * build read has changed.
 *
 * Why: `NodejsFunction` spawns `npx esbuild` once per function (npx alone costs a Node start), and every synth,
 * jest file and bench run paid it again for code that had not changed.
 *
 * Why a cached bundle cannot be stale: a cache entry is named by a SHA-256 over everything that decides the
 * output: esbuild's version and options, the entry points, the content of every file the build read (esbuild's
 * metafile lists them, dependencies in node_modules included), package-lock.json and tsconfig.json, and the
 * names of the files in every project folder a read file sits in (so a new `helper.js` beside `helper.ts`, which
 * could change what an import resolves to, changes the key too). Before reusing an entry, the key is computed
 * again from the files as they are now; any difference means a new build. What this does not see: a file added
 * inside node_modules by hand, outside npm (npm changes package-lock.json).
 */

/** The esbuild options of every bundle (what NodejsFunction ran: minified, source-mapped, SDK v3 from the runtime). */
export const BUNDLE_OPTIONS: Readonly<BuildOptions> = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  minify: true,
  sourcemap: true,
  // Lambda's Node.js runtimes include the AWS SDK for JavaScript v3
  // (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html#nodejs-sdk-included).
  external: ['@aws-sdk/*'],
  logLevel: 'warning',
};

export interface LambdaBundleSource {
  /** The project root: esbuild's working directory; package-lock.json and tsconfig.json are read from here. */
  readonly projectRoot: string;
  /** Holds one folder per function, each with `index.ts`. */
  readonly lambdasDir: string;
  /** Where bundles are kept between runs. */
  readonly cacheDir: string;
}

/** The bundles of one build: `<dir>/<lambda name>/index.js` (+ `.map`). */
export interface LambdaBundles {
  readonly dir: string;
  /** True when an existing entry was reused, false when this call ran esbuild. */
  readonly reused: boolean;
}

const INPUTS_FILE = 'inputs.json';
/** Entries kept; older ones are deleted after a build (a few MB each). */
const ENTRIES_KEPT = 6;
/**
 * An entry used this recently is never deleted, however many there are: another process may be reading it (a
 * long-lived jest synth process keeps its entry for the whole run, and checkouts sharing node_modules share this
 * folder with entries of their own).
 */
const IN_USE_MS = 30 * 60_000;

interface RecordedInputs {
  /** Files the build read, relative to the project root. */
  readonly inputs: string[];
}

/** The function folders: every folder of lambdasDir with an index.ts (lambdas/shared holds modules, no handler). */
export function lambdaEntryPoints(lambdasDir: string): string[] {
  return fs
    .readdirSync(lambdasDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(lambdasDir, entry.name, 'index.ts')))
    .map((entry) => entry.name)
    .sort();
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function fileDigest(file: string): string {
  return fs.existsSync(file) ? sha256(fs.readFileSync(file)) : 'absent';
}

/** The cache key of a build that read `inputs` (project-relative), computed from the files as they are now. */
export function bundleKey(source: LambdaBundleSource, entries: string[], inputs: string[]): string {
  const projectFolders = [
    ...new Set(
      inputs.filter((input) => !input.split('/').includes('node_modules')).map((input) => path.dirname(input)),
    ),
  ].sort();
  return sha256(
    JSON.stringify({
      esbuildVersion,
      options: BUNDLE_OPTIONS,
      // Where it is built: a source map names each input relative to its output folder, after following symbolic
      // links, so two checkouts sharing one node_modules (a symbolic link) build different bundles from equal
      // inputs, and one must not be served the other's (their asset hashes, so their templates, would differ).
      projectRoot: source.projectRoot,
      cacheDir: source.cacheDir,
      lambdasDir: path.relative(source.projectRoot, source.lambdasDir),
      entries,
      inputs: [...inputs].sort().map((input) => [input, fileDigest(path.join(source.projectRoot, input))]),
      lock: fileDigest(path.join(source.projectRoot, 'package-lock.json')),
      tsconfig: fileDigest(path.join(source.projectRoot, 'tsconfig.json')),
      folders: projectFolders.map((folder) => {
        const abs = path.join(source.projectRoot, folder);
        return [folder, fs.existsSync(abs) ? fs.readdirSync(abs).sort() : 'absent'];
      }),
    }),
  );
}

/** An entry whose recorded inputs still hash to its name. */
function findValidEntry(source: LambdaBundleSource, entries: string[]): string | undefined {
  if (!fs.existsSync(source.cacheDir)) return undefined;
  const candidates = fs
    .readdirSync(source.cacheDir)
    .filter((name) => /^[0-9a-f]{64}$/.test(name))
    .map((name) => ({ name, mtime: fs.statSync(path.join(source.cacheDir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { name } of candidates) {
    const recordFile = path.join(source.cacheDir, name, INPUTS_FILE);
    if (!fs.existsSync(recordFile)) continue;
    const recorded = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as RecordedInputs;
    if (bundleKey(source, entries, recorded.inputs) === name) return name;
  }
  return undefined;
}

/** Build into the cache; returns the entry's name (its key, or a one-off `build-*` folder, see below). */
function build(source: LambdaBundleSource, entries: string[]): string {
  fs.mkdirSync(source.cacheDir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(source.cacheDir, 'build-'));
  const started = Date.now();
  try {
    const result = buildSync({
      ...BUNDLE_OPTIONS,
      absWorkingDir: source.projectRoot,
      entryPoints: entries.map((name) => path.join(source.lambdasDir, name, 'index.ts')),
      outbase: source.lambdasDir,
      outdir: staging,
      metafile: true,
    });
    const inputs = Object.keys((result.metafile as Metafile).inputs).sort();
    // A file saved while esbuild ran may differ from what it read: such a build is used once and never cached.
    const changedMeanwhile = inputs.some(
      (input) => fs.statSync(path.join(source.projectRoot, input)).mtimeMs >= started - 1000,
    );
    if (changedMeanwhile) return path.basename(staging);
    const key = bundleKey(source, entries, inputs);
    fs.writeFileSync(path.join(staging, INPUTS_FILE), JSON.stringify({ inputs } satisfies RecordedInputs, null, 1));
    const target = path.join(source.cacheDir, key);
    try {
      fs.renameSync(staging, target);
    } catch (error) {
      // Another process (a second jest worker) built the same key first: its entry is identical, keep it.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      fs.rmSync(staging, { recursive: true, force: true });
    }
    return key;
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

function prune(cacheDir: string, keep: string): void {
  const entries = fs
    .readdirSync(cacheDir)
    .filter((name) => /^[0-9a-f]{64}$/.test(name) && name !== keep)
    .map((name) => ({ name, mtime: fs.statSync(path.join(cacheDir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  const oneOffs = fs
    .readdirSync(cacheDir)
    .filter((name) => name.startsWith('build-') && name !== keep)
    .filter((name) => Date.now() - fs.statSync(path.join(cacheDir, name)).mtimeMs > 3_600_000)
    .map((name) => ({ name }));
  const unused = entries.slice(ENTRIES_KEPT - 1).filter(({ mtime }) => Date.now() - mtime > IN_USE_MS);
  for (const { name } of [...unused, ...oneOffs]) {
    fs.rmSync(path.join(cacheDir, name), { recursive: true, force: true });
  }
}

/** Bundle every function under `source.lambdasDir`, or reuse the entry built from the very same inputs. */
export function bundleLambdas(source: LambdaBundleSource): LambdaBundles {
  const entries = lambdaEntryPoints(source.lambdasDir);
  const valid = findValidEntry(source, entries);
  if (valid) {
    const dir = path.join(source.cacheDir, valid);
    const now = new Date();
    fs.utimesSync(dir, now, now);
    return { dir, reused: true };
  }
  const name = build(source, entries);
  prune(source.cacheDir, name);
  return { dir: path.join(source.cacheDir, name), reused: false };
}

const PROJECT_ROOT = path.join(__dirname, '..', '..');
export const DEFAULT_BUNDLE_SOURCE: LambdaBundleSource = {
  projectRoot: PROJECT_ROOT,
  lambdasDir: path.join(PROJECT_ROOT, 'lambdas'),
  cacheDir: projectCacheDir('bulwark-lambda-bundles'),
};

/**
 * `bundleLambdas` run on a worker thread, started before the constructs need it and collected synchronously.
 *
 * Why: on a cache miss (the first synth after a clone, or after a Lambda's code changed) the build blocked the main
 * thread for about 0.5 s in the middle of construction, while the second core was idle (docs/performance.md, round
 * 7). Started as the app starts loading, the build runs beside the loading of aws-cdk-lib and the first constructs.
 *
 * How: the worker runs this very module's `bundleLambdas`, and `collect()` takes its answer synchronously
 * (lib/common/blocking-worker.ts). A build that fails fails the same way (esbuild's messages, then its error thrown
 * at the first construct that needs a bundle); a worker that cannot load the module or does not answer in time
 * yields undefined, and the caller builds on its own thread as before.
 */
export class LambdaBundlePrefetch {
  private readonly worker: BlockingWorker<{ bundles?: LambdaBundles; buildError?: string; loadError?: string }>;
  private collected = false;

  constructor(readonly source: LambdaBundleSource) {
    this.worker = new BlockingWorker(PREFETCH_WORKER_SOURCE, {
      modulePath: __filename,
      // This module is TypeScript when run by tsx (the CLI's app command) or by jest: the worker loads it with
      // tsx's require hook, whatever the process was started with.
      typeScriptLoader: __filename.endsWith('.ts') ? require.resolve('tsx/cjs') : undefined,
      source,
    });
  }

  /**
   * The worker's bundles; undefined when it could not load this module or gave no answer within `timeoutMs`.
   * Throws the build's own error (esbuild has printed its messages already, as a build on this thread does).
   * Once only.
   */
  collect(timeoutMs = PREFETCH_TIMEOUT_MS): LambdaBundles | undefined {
    if (this.collected) throw new Error('This Lambda bundle prefetch was already collected');
    this.collected = true;
    const { answer } = this.worker.takeAnswer(timeoutMs);
    if (answer?.buildError !== undefined) throw new Error(answer.buildError);
    return answer?.bundles;
  }
}

/** Longer than any build measured (0.5 s alone, a few seconds on a loaded machine); past it the caller builds. */
const PREFETCH_TIMEOUT_MS = 120_000;

const PREFETCH_WORKER_SOURCE = `
const { workerData } = require('worker_threads');
const { modulePath, typeScriptLoader, source } = workerData;
let answer;
let bundleLambdas;
try {
  if (typeScriptLoader) require(typeScriptLoader);
  bundleLambdas = require(modulePath).bundleLambdas;
} catch (error) {
  answer = { loadError: String((error && error.message) || error) };
}
if (bundleLambdas) {
  try {
    answer = { bundles: bundleLambdas(source) };
  } catch (error) {
    answer = { buildError: String((error && error.message) || error) };
  }
}
answerWith(answer);
`;

/** Checked once per process: every BulwarkFunction of every stack of a synth shares one build (or one check). */
let projectBundles: LambdaBundles | undefined;
let projectPrefetch: LambdaBundlePrefetch | undefined;

/**
 * Start bundling the project's Lambdas on a worker thread; the first `lambdaBundleDir` takes its result. For an
 * entry point (bin/app.ts) to call before it loads the rest of the app.
 */
export function prefetchLambdaBundles(): void {
  if (projectBundles || projectPrefetch) return;
  projectPrefetch = new LambdaBundlePrefetch(DEFAULT_BUNDLE_SOURCE);
}

/** The folder holding `index.js` of lambdas/<lambdaName>, ready for `lambda.Code.fromAsset`. */
export function lambdaBundleDir(lambdaName: string): string {
  projectBundles ??= projectPrefetch?.collect() ?? bundleLambdas(DEFAULT_BUNDLE_SOURCE);
  const dir = path.join(projectBundles.dir, lambdaName);
  if (!fs.existsSync(path.join(dir, 'index.js'))) {
    throw new Error(`no Lambda bundle for "${lambdaName}": expected lambdas/${lambdaName}/index.ts exporting handler`);
  }
  return dir;
}
