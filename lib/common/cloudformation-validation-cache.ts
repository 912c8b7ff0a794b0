import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import {
  CfnResource,
  CloudFormationValidatePlugin,
  IPolicyValidationContext,
  PolicyValidationPluginReport,
} from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import {
  CloudFormationValidationWorker,
  CloudFormationValidationWorkerOptions,
  plainValidationContext,
} from './cloudformation-validation-worker';
import { KeptEntries, projectCacheDir, pruneOldest } from './kept-entries';

/**
 * aws-cdk-lib's built-in CloudFormation validation, its report kept between synths while no template changed.
 *
 * Why: the plugin builds its WebAssembly validation engine on every synth (about 2 s of CPU before it reads a
 * template, measured in docs/performance.md) and then validates every template (about 3 s), to give the same
 * report for the same templates. It offers no way to keep an engine between processes.
 *
 * How: registering a `CloudFormationValidatePlugin` on the App replaces the one CDK adds by default (aws-cdk-lib
 * 2.276, `CloudFormationValidatePluginProps.includeDefaultRules`; synthesis-validation.js checks `instanceof`),
 * so this subclass runs in its place with the default rules, and the report keeps the plugin's name, which CDK
 * reads to treat its findings. A synth whose templates, stacks, accounts and regions are byte for byte those of
 * a kept report returns that report without building the engine; any difference runs the plugin itself on every
 * template. The key is a SHA-256 over aws-cdk-lib's version, the plugin's code and bundled rules, the validation
 * engine's package (its WebAssembly included), and, per stack in order, its construct path, account, region and
 * template bytes: a stale report would need a SHA-256 collision.
 *
 * Whole-app granularity on purpose: the plugin merges findings across templates, and one engine serves them all;
 * a per-template cache would have to take that merge apart. The common case, nothing changed since the last synth
 * (a `cdk diff` after a `cdk synth`, a second deploy), is what it saves.
 *
 * When no report is kept, `start()` (called by a plugin that runs before this one: `ControlTowerChecks`) runs the
 * validation in a worker thread while that plugin's cfn-guard runs, and `validate()` collects its report
 * (lib/common/cloudformation-validation-worker.ts): the plugin's own `validate()` computes it, so it is the same.
 * `startEngine()`, called when the constructs are built, lets that worker build the engine during synthesis, for a
 * construct tree whose shape has no kept report yet (docs/performance.md, round 5). `startEngineForChangedInputs()`,
 * called before the constructs are built with a digest of the app's inputs, starts it earlier when those inputs
 * changed since the last synth whose report was kept or served (an edit), for the previous synth's templates'
 * types (and can warm it on them: round 7). Both only guess whether a validation will be needed: a wrong guess costs an engine or
 * keeps one from starting early, and the report still follows the templates' key.
 */

const ENTRY_FORMAT = 'bulwark-cfn-validate-2';
/** Entries kept: one per app variant and config; older ones are deleted. */
const ENTRIES_KEPT = 20;

export const DEFAULT_CFN_VALIDATION_CACHE_DIR = projectCacheDir('bulwark-cfn-validation');

/** The marker of a tree shape, or of app inputs, with a kept report (an empty file; its name says it). */
const SHAPE_SUFFIX = '.shape';
/** The previous synth's templates given to the warm-up at most (the five default templates: about 1.3 MB). */
const WARM_UP_BYTES = 2 * 1024 * 1024;
/** The app's own sources: a change in any file under them may change a template. */
const APP_SOURCE_FOLDERS = ['bin', 'lib', 'config', 'lambdas'];

/** Every file under `dir`, sorted, hashed with its path relative to `dir`. */
function hashTree(hash: ReturnType<typeof createHash>, dir: string, prefix = ''): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) hashTree(hash, full, `${prefix}${entry.name}/`);
    else hash.update(`\0${prefix}${entry.name}\0`).update(fs.readFileSync(full));
  }
}

let engineDigestMemo: string | undefined;

/** The SHA-256 of what decides a report besides the templates: computed once per process. */
export function cloudFormationValidationEngineDigest(): string {
  if (engineDigestMemo) return engineDigestMemo;
  const cdkRoot = path.dirname(require.resolve('aws-cdk-lib/package.json'));
  const pluginDir = path.join(cdkRoot, 'core', 'lib', 'validation');
  // The engine package is aws-cdk-lib's own dependency: resolve it from there.
  const engineRoot = path.dirname(
    require.resolve('@aws/cloudformation-validate/package.json', { paths: [path.join(pluginDir)] }),
  );
  const hash = createHash('sha256').update(ENTRY_FORMAT);
  hash.update(fs.readFileSync(path.join(cdkRoot, 'package.json')));
  hash.update(fs.readFileSync(path.join(pluginDir, 'cloudformation-validate-plugin.js')));
  hashTree(hash, path.join(pluginDir, 'rules'), 'rules/');
  hashTree(hash, engineRoot, 'engine/');
  engineDigestMemo = hash.digest('hex');
  return engineDigestMemo;
}

/**
 * A digest of what the app's templates are built from: the app's sources (`bin/`, `lib/`, `config/`, `lambdas/`),
 * package-lock.json, `files` (a config file outside `config/`), the CDK context the app was given, and the engine.
 * Same digest as a synth whose report was kept: the same templates, most likely. A prediction only, used to decide
 * whether to start the engine early; anything it misses (a file elsewhere, node_modules changed without the lock)
 * costs an early start, never a report (docs/performance.md round 7: about 10 ms of CPU for this project).
 */
export function appInputsDigest(projectRoot: string, context: unknown, files: readonly string[] = []): string {
  const hash = createHash('sha256').update(`${ENTRY_FORMAT}\0${cloudFormationValidationEngineDigest()}\0`);
  hash.update(JSON.stringify(context ?? null) ?? '').update('\0');
  for (const folder of APP_SOURCE_FOLDERS) {
    const dir = path.join(projectRoot, folder);
    if (fs.existsSync(dir)) hashTree(hash, dir, `${folder}/`);
  }
  for (const file of ['package-lock.json', ...files]) {
    const full = path.resolve(projectRoot, file);
    hash.update(`\0${full}\0`).update(fs.existsSync(full) ? fs.readFileSync(full) : 'absent');
  }
  return hash.digest('hex');
}

/**
 * The templates of the synth that wrote `outdir` last (its manifest's stacks, or its `*.template.json` files without
 * one), largest first, as text, up to `maxBytes` in all. Read at once, before this synth overwrites them. A file that
 * cannot be read, or does not end as a JSON object does (a write cut short), is left out: none is an empty list.
 */
export function previousSynthTemplates(outdir: string, maxBytes = WARM_UP_BYTES): string[] {
  let files: string[];
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts?: Record<string, { type?: unknown; properties?: { templateFile?: unknown } }>;
    };
    files = Object.values(manifest.artifacts ?? {})
      .filter((artifact) => artifact?.type === 'aws:cloudformation:stack')
      .map((artifact) => artifact.properties?.templateFile)
      .filter((file): file is string => typeof file === 'string');
  } catch {
    try {
      files = fs.readdirSync(outdir).filter((name) => name.endsWith('.template.json'));
    } catch {
      return []; // no previous synth here
    }
  }
  const sized = files
    .map((file) => {
      try {
        return { file: path.join(outdir, file), bytes: fs.statSync(path.join(outdir, file)).size };
      } catch {
        return undefined;
      }
    })
    .filter((entry) => entry !== undefined)
    .sort((a, b) => b.bytes - a.bytes);
  const templates: string[] = [];
  let total = 0;
  for (const { file, bytes } of sized) {
    if (total + bytes > maxBytes) continue;
    try {
      const text = fs.readFileSync(file, 'utf8');
      if (!text.trimEnd().endsWith('}')) continue;
      templates.push(text);
      total += bytes;
    } catch {
      // gone since the listing: one template fewer to warm on
    }
  }
  return templates;
}

/** The key of a validation of these stacks, in this order, with these template bytes. */
export function cloudFormationValidationKey(engineDigest: string, context: IPolicyValidationContext): string {
  const hash = createHash('sha256').update(`${ENTRY_FORMAT}\0${engineDigest}\0`);
  for (const stack of context.stackTemplates) {
    hash.update(`${stack.stackConstructPath}\0${stack.accountId ?? '?'}\0${stack.region ?? '?'}\0`);
    hash.update(fs.readFileSync(stack.templatePath)).update('\0');
  }
  return hash.digest('hex');
}

/** The report with template paths replaced: by their position in the context (to keep) or back (to return). */
function withTemplatePaths(report: PolicyValidationPluginReport, map: (templatePath: string) => string) {
  return {
    ...report,
    violations: report.violations.map((violation) => ({
      ...violation,
      violatingResources: violation.violatingResources.map((resource) => ({
        ...resource,
        templatePath: resource.templatePath === undefined ? undefined : map(resource.templatePath),
      })),
    })),
  };
}

export interface CachedCloudFormationValidationOptions {
  /** What `start()` runs in its worker thread (lib/common/cloudformation-validation-worker.ts). */
  readonly worker?: CloudFormationValidationWorkerOptions;
}

/** What the last `validate()` did. */
export interface CloudFormationValidationOutcome {
  /** The kept report was returned. */
  readonly fromCache: boolean;
  /** The report came from the worker `start()` began on these very templates (absent: computed here, or kept). */
  readonly fromStartedRun?: true;
  /** That worker had built its engine since `startEngine()`, before the templates existed. */
  readonly engineStartedEarly?: true;
  /** Pieces of the previous synth's templates that worker validated, result discarded, to warm its engine. */
  readonly warmUpPieces?: number;
}

/**
 * The construct tree's shape: every construct's path and every CloudFormation resource's type, with the engine.
 * Templates come from the tree, so the same templates (a kept report) mean the same shape; a shape never seen
 * with a kept report predicts a validation. A prediction only: the report still follows the templates' key.
 */
export function constructTreeShapeDigest(scope: IConstruct): string {
  const hash = createHash('sha256').update(`${ENTRY_FORMAT}\0${cloudFormationValidationEngineDigest()}\0`);
  for (const construct of scope.node.findAll()) {
    hash.update(construct.node.path).update('\0');
    if (CfnResource.isCfnResource(construct)) hash.update(construct.cfnResourceType).update('\0');
  }
  return hash.digest('hex');
}

export class CachedCloudFormationValidation extends CloudFormationValidatePlugin {
  lastRun?: CloudFormationValidationOutcome;
  /** The worker `startEngine()` or `startEngineForChangedInputs()` created, waiting for templates. */
  private early?: CloudFormationValidationWorker;
  /** The shape of the tree `startEngine()` saw, recorded beside the report kept for its templates. */
  private shape?: string;
  /** The app inputs' digest `startEngineForChangedInputs()` was given, recorded the same way. */
  private inputsDigest?: string;
  /** The run `start()` began, and the key of the templates it reads. */
  private started?: {
    readonly key: string;
    readonly worker: CloudFormationValidationWorker;
    readonly engineStartedEarly: boolean;
  };

  /** The kept reports, with template paths as positions in the context (withTemplatePaths). */
  private readonly entries?: KeptEntries<PolicyValidationPluginReport>;

  constructor(
    private readonly cacheDir: string | false = DEFAULT_CFN_VALIDATION_CACHE_DIR,
    private readonly options: CachedCloudFormationValidationOptions = {},
  ) {
    super();
    if (cacheDir !== false) {
      this.entries = new KeptEntries(cacheDir, ENTRY_FORMAT, ENTRIES_KEPT, (report) =>
        Array.isArray((report as PolicyValidationPluginReport | undefined)?.violations),
      );
    }
  }

  /**
   * Called before the app's constructs are built, with `appInputsDigest()` of this synth and its output folder:
   * when no report was kept or served for these inputs (an edit since the last synth, a first synth), builds the
   * validation engine in a worker thread for the resource types of the templates the previous synth left in
   * `outdir` (and, given a warm-up budget, warms it on those templates, result discarded), while the main thread
   * builds the constructs and writes the new templates; the worker then waits for `start()`. Inputs with a kept report start nothing (the
   * report will serve), and so does a folder without templates (`startEngine()` then starts from the tree).
   * Returns whether it started.
   *
   * `outdir` is the App's: under the CLI, its `--output` folder, passed as CDK_OUTDIR
   * (https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.AppProps.html, `outdir`). That the CLI leaves the
   * previous synth's templates there until the app writes its own is not documented: an assumption, which
   * `npm run bench -- --edit` shows holding for aws-cdk 2.1148 (the warm-up's pieces counted). Were it not, there
   * would be nothing to warm on, and the engine would start from the tree as before.
   */
  startEngineForChangedInputs(inputsDigest: string, outdir: string): boolean {
    try {
      this.inputsDigest = inputsDigest;
      if (this.cacheDir !== false && fs.existsSync(this.markerFile('inputs', inputsDigest))) return false;
      const previous = previousSynthTemplates(outdir);
      if (previous.length === 0) return false;
      this.cancelEarly();
      this.early = new CloudFormationValidationWorker(this.options.worker, undefined, previous);
      return true;
    } catch {
      return false; // only a head start: startEngine(), start() and validate() work without it
    }
  }

  /**
   * Called when the app's constructs are built, before synthesis: when no kept report is known for these app inputs
   * (given to `startEngineForChangedInputs()`, which found no previous templates to start from) or, without them, for
   * a tree of this shape (a first synth after a clone, a resource added or removed), builds the validation engine
   * in a worker thread from the tree's resource types, while the main thread resolves tokens and writes the
   * templates; the worker then waits for `start()`. Inputs or a shape with a kept report (a synth after another
   * with the same templates) start nothing, so they cost no CPU where the kept report will serve. An engine already
   * started stays. Returns whether one is started.
   */
  startEngine(scope: IConstruct): boolean {
    try {
      if (this.early) return true;
      const seen =
        this.inputsDigest !== undefined
          ? this.markerFile('inputs', this.inputsDigest)
          : this.markerFile('tree', (this.shape = constructTreeShapeDigest(scope)));
      if (this.cacheDir !== false && fs.existsSync(seen)) return false;
      const types = new Set(
        scope.node
          .findAll()
          .filter((construct) => CfnResource.isCfnResource(construct))
          .map((resource) => (resource as CfnResource).cfnResourceType),
      );
      this.early = new CloudFormationValidationWorker(this.options.worker, types);
      return true;
    } catch {
      return false; // only a head start: start() and validate() work without it
    }
  }

  /**
   * Starts validating these templates in a worker thread, unless a report is kept for them, and returns at once:
   * a plugin that runs before this one calls it first, so the validation runs while that plugin works, and
   * `validate()` collects it. Only a speed-up: anything going wrong here leaves `validate()` to run as without it.
   */
  start(context: IPolicyValidationContext): void {
    try {
      const key = cloudFormationValidationKey(cloudFormationValidationEngineDigest(), context);
      if (this.started?.key === key) return;
      this.cancelStarted();
      if (this.entries?.get(key)) {
        this.cancelEarly(); // its engine is not needed: the kept report serves
        return;
      }
      const early = this.early;
      this.early = undefined;
      const worker = early ?? new CloudFormationValidationWorker(this.options.worker);
      worker.begin(plainValidationContext(context));
      this.started = { key, worker, engineStartedEarly: early !== undefined };
    } catch {
      this.cancelStarted(); // a template that cannot be read now fails validate() with its own error
    }
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    // No plugin before this one started it (no ControlTowerChecks): the engine built early still serves.
    if (this.early) this.start(context);
    this.cancelEarly(); // left when a run was already started on these templates, or a report is kept
    const key = cloudFormationValidationKey(cloudFormationValidationEngineDigest(), context);
    const started = this.started?.key === key ? this.started : undefined;
    if (!started) this.cancelStarted(); // begun on other templates, stacks, accounts or regions: not this report
    this.started = undefined;
    const paths = context.stackTemplates.map((stack) => stack.templatePath);
    const kept = this.entries?.get(key);
    if (kept) {
      started?.worker.cancel();
      this.lastRun = { fromCache: true };
      this.recordShape();
      return withTemplatePaths(kept, (position) => paths[Number(position)]);
    }
    const report = started ? started.worker.collect() : super.validate(context);
    const warmUpPieces = started?.worker.warmUpPieces ?? 0;
    this.lastRun = started
      ? {
          fromCache: false,
          fromStartedRun: true,
          ...(started.engineStartedEarly ? { engineStartedEarly: true } : {}),
          ...(warmUpPieces > 0 ? { warmUpPieces } : {}),
        }
      : { fromCache: false };
    // Templates rewritten since the key was computed (another synth into the same directory) are not kept; for a
    // started run that is since start(), before the worker read them.
    if (this.entries && cloudFormationValidationKey(cloudFormationValidationEngineDigest(), context) === key) {
      this.entries.put(
        key,
        withTemplatePaths(report, (templatePath) => String(paths.indexOf(templatePath))),
      );
      this.recordShape();
    }
    return report;
  }

  private cancelStarted(): void {
    this.started?.worker.cancel();
    this.started = undefined;
  }

  private cancelEarly(): void {
    this.early?.cancel();
    this.early = undefined;
  }

  private markerFile(kind: 'tree' | 'inputs', digest: string): string {
    return path.join(this.cacheDir || '', `${kind}-${digest}${SHAPE_SUFFIX}`);
  }

  /**
   * A report is kept (or served) for templates of the tree startEngine() saw and of the inputs it was given: their
   * next synth need not start an engine.
   */
  private recordShape(): void {
    if (!this.cacheDir || (!this.shape && this.inputsDigest === undefined)) return;
    try {
      fs.mkdirSync(this.cacheDir, { recursive: true });
      if (this.shape) fs.writeFileSync(this.markerFile('tree', this.shape), '');
      if (this.inputsDigest !== undefined) fs.writeFileSync(this.markerFile('inputs', this.inputsDigest), '');
      pruneOldest(this.cacheDir, SHAPE_SUFFIX, 2 * ENTRIES_KEPT);
    } catch {
      // read-only or full disk: the next synth starts an engine it may not need, nothing more
    }
  }
}
