import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { config as userConfig } from '../../config/bulwark.config';
import { BulwarkConfigInput, ResolvedConfig, validateConfig } from '../../config';
import { BulwarkAppOptions, BulwarkStacks, buildBulwarkApp } from '../../lib/app';
import { CLI_CONTEXT, SharedVariant, sharedAssemblyDir, sharedResultDir } from './shared-assembly';
import { synthInServer } from './synth-server';

const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

/**
 * An App with cdk.json's context: jest's `new App()` does not read cdk.json, and without its
 * feature flags the templates would differ from what `cdk synth` produces.
 */
export function testApp(
  extraContext: Record<string, unknown> = {},
  outdir: string = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-test-')),
): App {
  return new App({
    outdir,
    context: { ...CLI_CONTEXT, ...cdkJson.context, ...extraContext },
    builtinCloudFormationValidation: false,
  });
}

/** A fresh copy of the default config input, for tests that change one field. */
export function defaultConfigInput(): BulwarkConfigInput {
  return structuredClone(userConfig);
}

export function defaultConfig(): ResolvedConfig {
  return validateConfig(defaultConfigInput());
}

export interface SynthesizedBulwark {
  readonly app: App;
  readonly stacks: BulwarkStacks;
  readonly assembly: CloudAssembly;
  /** Template of a stack by id (Dev, Staging, Prod, DrRegion, Pipeline). */
  template(stackId: string): Template;
  stack(stackId: string): Stack;
}

/**
 * Build and synthesize the whole app once, with cdk-nag on: synth throws ValidationFailed (and the
 * test fails with the report) on any unacknowledged finding. Call it once per test file and share it.
 * The default config (as `cdk synth` makes it, or with the drill) comes from the run's shared assembly
 * (test/helpers/shared-assembly.ts), synthesized once for all files. Any other config, options and context are
 * shared the same way within the run, keyed by their content (sharedKeyOf): several files synthesize the same
 * variant (a manual-approval or pilot-light Prod, say), and a whole-app synth is seconds of CPU each time. Both are
 * synthesized by the worker's long-lived synth process (synth-server.ts), which pays loading aws-cdk-lib once per
 * worker instead of once per synth; a failed synth fails the test with the synth's own error. Every caller,
 * the claimant too, then reads the assembly: the constructs behind `app`, `stacks` and `stack()` are built in
 * this process only if a test asks for them.
 */
export function synthBulwark(
  config: ResolvedConfig = defaultConfig(),
  options: BulwarkAppOptions = {},
  context: Record<string, unknown> = {},
): SynthesizedBulwark {
  const shared = sharedVariantOf(config, options, context);
  const sharedDir = shared && sharedAssemblyDir(shared);
  if (sharedDir) return fromSharedAssembly(sharedDir, () => build(config, options, context));
  const key = sharedKeyOf(config, options, context);
  const name = key && `app-${key}`;
  const keyed =
    name &&
    sharedResultDir(name, (outdir) =>
      synthInServer({ app: { config, options, context } }, outdir, `the shared synth of ${name}`),
    );
  if (keyed) return fromSharedAssembly(keyed.dir, () => build(config, options, context));
  const built = build(config, options, context);
  return withTemplates(built.app, built.stacks, built.app.synth());
}

/**
 * A key naming exactly these inputs, or undefined when they cannot be shared: something JSON does not carry (the
 * key is their JSON text, so it must hold all of them), or a runbooks directory, whose files a test may change
 * between two synths under the same path.
 */
export function sharedKeyOf(
  config: ResolvedConfig,
  options: BulwarkAppOptions,
  context: Record<string, unknown>,
): string | undefined {
  if (options.runbooksDir !== undefined) return undefined;
  const inputs = { config, options, context };
  const text = JSON.stringify(inputs);
  if (!isDeepStrictEqual(JSON.parse(text), inputs)) return undefined;
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** Synthesize an app of this config, options and context into `outdir`, as synthBulwark's own synth would. */
export function synthKeyedApp(
  config: ResolvedConfig,
  options: BulwarkAppOptions,
  context: Record<string, unknown>,
  outdir: string,
): void {
  build(config, options, context, outdir).app.synth();
}

function build(
  config: ResolvedConfig,
  options: BulwarkAppOptions,
  context: Record<string, unknown>,
  outdir?: string,
): { app: App; stacks: BulwarkStacks } {
  const app = testApp(context, outdir);
  // Control Tower's checks cost about 4 s of CPU per whole-app synth with cold caches (docs/performance.md, round
  // 6): they run once per variant in the shared synths (shared-assembly.ts), which test/app.test.ts and the drill
  // tests read; `cdk synth` always runs them.
  const stacks = buildBulwarkApp(app, config, { nag: true, controlTower: false, ...options });
  return { app, stacks };
}

/**
 * The shared variant these arguments ask for, if any: the default config, no extra context, and no option beyond
 * the drill and cdk-nag (cdk-nag only checks; its acknowledgements add nothing to the templates).
 */
function sharedVariantOf(
  config: ResolvedConfig,
  options: BulwarkAppOptions,
  context: Record<string, unknown>,
): SharedVariant | undefined {
  if (Object.keys(context).length > 0) return undefined;
  if (Object.keys(options).some((key) => key !== 'drill' && key !== 'nag' && key !== 'controlTower')) return undefined;
  if (JSON.stringify(config) !== JSON.stringify(defaultConfig())) return undefined;
  if (options.drill === 'switchover') return 'switchover';
  return options.drill ? 'drill' : 'default';
}

function fromSharedAssembly(
  directory: string,
  buildApp: () => { app: App; stacks: BulwarkStacks },
): SynthesizedBulwark {
  let built: { app: App; stacks: BulwarkStacks } | undefined;
  const constructs = () => (built ??= buildApp());
  const assembly = new CloudAssembly(directory);
  const templates = new Map<string, Template>();
  return {
    get app() {
      return constructs().app;
    },
    get stacks() {
      return constructs().stacks;
    },
    assembly,
    stack: (stackId: string) => findStack(constructs().app, stackId),
    template(stackId: string): Template {
      if (!templates.has(stackId))
        templates.set(stackId, Template.fromJSON(assembly.getStackArtifact(stackId).template));
      return templates.get(stackId)!;
    },
  };
}

function withTemplates(app: App, stacks: BulwarkStacks, assembly: CloudAssembly): SynthesizedBulwark {
  const templates = new Map<string, Template>();
  const stack = (stackId: string): Stack => findStack(app, stackId);
  return {
    app,
    stacks,
    assembly,
    stack,
    template(stackId: string): Template {
      if (!templates.has(stackId))
        templates.set(stackId, Template.fromJSON(assembly.getStackByName(stack(stackId).stackName).template));
      return templates.get(stackId)!;
    },
  };
}

function findStack(app: App, stackId: string): Stack {
  const found = app.node.tryFindChild(stackId);
  if (!(found instanceof Stack))
    throw new Error(`no stack with id ${stackId}; have ${app.node.children.map((c) => c.node.id).join(', ')}`);
  return found;
}
