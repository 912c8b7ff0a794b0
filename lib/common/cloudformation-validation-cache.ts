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
 * construct tree whose shape has no kept report yet (docs/performance.md, round 4).
 */

const ENTRY_FORMAT = 'bulwark-cfn-validate-2';
/** Entries kept: one per app variant and config; older ones are deleted. */
const ENTRIES_KEPT = 20;

export const DEFAULT_CFN_VALIDATION_CACHE_DIR = projectCacheDir('bulwark-cfn-validation');

/** The marker of a tree shape with a kept report (an empty file; its name says it). */
const SHAPE_SUFFIX = '.shape';

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

let packageVersion: string | undefined;

/** @aws/cloudformation-validate's version, as aws-cdk-lib resolves the package, from its package.json. */
export function cloudFormationValidatePackageVersion(): string {
  if (packageVersion === undefined) {
    const cdkRoot = path.dirname(require.resolve('aws-cdk-lib/package.json'));
    const entry = require.resolve('@aws/cloudformation-validate', { paths: [cdkRoot] });
    const manifest = path.join(path.dirname(entry), 'package.json');
    packageVersion = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version;
  }
  return packageVersion;
}

export class CachedCloudFormationValidation extends CloudFormationValidatePlugin {
  lastRun?: CloudFormationValidationOutcome;
  /** The worker `startEngine()` created, waiting for templates, and the tree shape it was created for. */
  private early?: { readonly worker: CloudFormationValidationWorker; readonly shape: string };
  /** The shape of the tree `startEngine()` saw, recorded beside the report kept for its templates. */
  private shape?: string;
  /** The run `start()` began, and the key of the templates it reads. */
  private started?: {
    readonly key: string;
    readonly worker: CloudFormationValidationWorker;
    readonly engineStartedEarly: boolean;
  };

  /** The kept reports, with template paths as positions in the context (withTemplatePaths). */
  private readonly entries?: KeptEntries<PolicyValidationPluginReport>;

  /**
   * The validation package's version, which the plugin reports for the CDKMetadata analytics (aws-cdk-lib's
   * stack-metadata.js reads `version` and `ruleIds` of every validation plugin), read from the package's
   * package.json. The plugin's own getters ask the WebAssembly module (`version()` of @aws/cloudformation-validate),
   * which loads and instantiates the 9 MB module on the main thread, about 0.1-0.15 s of every synth, for a string
   * (docs/performance.md, round 8). A test holds it equal to what the plugin's getters answer.
   */
  override get version(): string {
    return cloudFormationValidatePackageVersion();
  }

  override get ruleIds(): string[] {
    return [cloudFormationValidatePackageVersion()];
  }

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
   * Called when the app's constructs are built, before synthesis: when no kept report is known for a tree of this
   * shape (a first synth after a clone, a resource added or removed), builds the validation engine in a worker
   * thread from the tree's resource types, while the main thread resolves tokens and writes the templates; the
   * worker then waits for `start()`. A tree whose shape has a kept report (a synth after another with the same
   * templates) starts nothing, so it costs no CPU where the kept report will serve. Returns whether it started.
   */
  startEngine(scope: IConstruct): boolean {
    try {
      this.shape = constructTreeShapeDigest(scope);
      if (this.cacheDir !== false && fs.existsSync(this.shapeFile(this.shape))) return false;
      const types = new Set(
        scope.node
          .findAll()
          .filter((construct) => CfnResource.isCfnResource(construct))
          .map((resource) => (resource as CfnResource).cfnResourceType),
      );
      this.early?.worker.cancel();
      this.early = { worker: new CloudFormationValidationWorker(this.options.worker, types), shape: this.shape };
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
      const worker = early?.worker ?? new CloudFormationValidationWorker(this.options.worker);
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
    this.lastRun = started
      ? { fromCache: false, fromStartedRun: true, ...(started.engineStartedEarly ? { engineStartedEarly: true } : {}) }
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
    this.early?.worker.cancel();
    this.early = undefined;
  }

  private shapeFile(shape: string): string {
    return path.join(this.cacheDir || '', `tree-${shape}${SHAPE_SUFFIX}`);
  }

  /** A report is kept for templates of the tree startEngine() saw: its next synth need not start an engine. */
  private recordShape(): void {
    if (!this.cacheDir || !this.shape) return;
    try {
      fs.mkdirSync(this.cacheDir, { recursive: true });
      fs.writeFileSync(this.shapeFile(this.shape), '');
      pruneOldest(this.cacheDir, SHAPE_SUFFIX, ENTRIES_KEPT);
    } catch {
      // read-only or full disk: the next synth starts an engine it may not need, nothing more
    }
  }
}
