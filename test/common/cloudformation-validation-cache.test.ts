import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  App,
  CloudFormationValidatePlugin,
  IPolicyValidationContext,
  PolicyValidationPluginReport,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CachedCloudFormationValidation } from '../../lib/common/cloudformation-validation-cache';
import {
  CloudFormationValidationWorker,
  plainValidationContext,
} from '../../lib/common/cloudformation-validation-worker';
import { ControlTowerChecks } from '../../lib/common/control-tower';

/*
 * What this file pays for, and how it keeps that small (issue 18):
 * - A validation engine costs about 2 s of CPU when the WebAssembly memory it needs is new, and about 0.15 s where
 *   it can reuse the memory of an engine freed before it (measured here, aws-cdk-lib 2.276). So every plugin a test
 *   builds an engine in is freed when the test ends (`disposedAfterTest`), the reference plugin is one instance for
 *   the file, and this thread holds at most those two engines at once.
 * - A worker thread is a new WebAssembly instance: each one that runs aws-cdk-lib's plugin pays the 2 s. Three do
 *   (a run started late, by `start()`; an early engine kept, in a synth; an early engine built again), begun before
 *   the first test so they build on the other core while this thread works. The tests about the hand-over itself
 *   (which report is returned, what is cancelled, what happens on a fault, what a synth reports) use a stand-in
 *   plugin module whose answer no real rule could give, so they show where a report came from.
 * - The Control Tower plugin keeps its cfn-guard reports in one folder for the file: the same template is checked
 *   once, not once per synth (none of these tests is about cfn-guard's cache).
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-cfn-validation-'));
let dirs = 0;
const newDir = (): string => fs.mkdtempSync(path.join(tmp, `d${dirs++}-`));
const guardCacheDir = newDir();

/** aws-cdk-lib's plugin module, found from its package (the module itself is not in the package's exports). */
const REAL_PLUGIN_MODULE = path.join(
  path.dirname(require.resolve('aws-cdk-lib/package.json')),
  'core',
  'lib',
  'validation',
  'cloudformation-validate-plugin.js',
);

const pluginsToDispose: CloudFormationValidatePlugin[] = [];
/** A plugin whose engine (if it builds one here) is freed when the test ends. */
function disposedAfterTest<T extends CloudFormationValidatePlugin>(plugin: T): T {
  pluginsToDispose.push(plugin);
  return plugin;
}
afterEach(() => {
  for (const plugin of pluginsToDispose.splice(0)) plugin._dispose();
  // The plugin CDK runs itself when an App registers none.
  CloudFormationValidatePlugin._disposeSingleton();
});

/** Two stacks' templates; each unknown property is an F3002 schema finding of the validation engine. */
function writeTemplates(dir: string, secondBucketProperties: Record<string, unknown> = { Nope: 1 }) {
  const templates = {
    Alpha: {
      Resources: {
        Archive: { Type: 'AWS::S3::Bucket', Properties: { Nope: 1 } },
        Topic: { Type: 'AWS::SNS::Topic', Properties: { Nope: 2 } },
      },
    },
    Beta: { Resources: { Other: { Type: 'AWS::S3::Bucket', Properties: secondBucketProperties } } },
  };
  return Object.entries(templates).map(([stack, template]) => {
    const templatePath = path.join(dir, `${stack}.template.json`);
    fs.writeFileSync(templatePath, JSON.stringify(template));
    return { stackConstructPath: stack, templatePath, accountId: '111111111111', region: 'us-east-1' };
  });
}

function context(stackTemplates: IPolicyValidationContext['stackTemplates']): IPolicyValidationContext {
  return { templatePaths: stackTemplates.map((s) => s.templatePath), stackTemplates, appConstruct: new App() };
}

/** What CDK runs by default: the plugin itself (one instance, so its engine is built once for the file). */
const plainPlugin = new CloudFormationValidatePlugin();
const plain = (stacks: IPolicyValidationContext['stackTemplates']) => plainPlugin.validate(context(stacks));
afterAll(() => plainPlugin._dispose());

/**
 * Rewrites the templates in `dir` with the second bucket's unknown property gone, validates them with `plugin`,
 * and checks it validated them itself: the plugin's own report, one finding fewer. Returns the templates.
 */
function validatesFixedTemplates(plugin: CachedCloudFormationValidation, dir: string) {
  const fixed = writeTemplates(dir, {});
  const report = plugin.validate(context(fixed));
  expect(plugin.lastRun).toEqual({ fromCache: false });
  expect(report).toEqual(plain(fixed));
  expect(report.violations[0].violatingResources.map((r) => r.resourceLogicalId)).toEqual(['Archive', 'Topic']);
  return fixed;
}

/** A stand-in for aws-cdk-lib's plugin module, for the worker thread (plain CommonJS, as the worker loads). */
function fakePluginModule(validateBody: string): string {
  const file = path.join(newDir(), 'fake-plugin.js');
  fs.writeFileSync(file, `exports.CloudFormationValidatePlugin = class { validate() { ${validateBody} } };\n`);
  return file;
}

/** What the stand-in plugin module answers: a rule no real plugin has, so a report holding it came from the worker. */
const STAND_IN_REPORT: PolicyValidationPluginReport = {
  success: false,
  violations: [{ ruleName: 'STAND-IN-WORKER', description: 'the stand-in module answered', violatingResources: [] }],
};
const standInPluginModule = () => fakePluginModule(`return ${JSON.stringify(STAND_IN_REPORT)};`);

/**
 * aws-cdk-lib's own plugin, its report unchanged, that logs the resource types of every engine it builds: whether
 * the worker's early engine was kept or built again, which the report cannot show. The worker reads the plugin's
 * bundled rules index beside the module, so the folder links to the plugin's rules.
 */
function engineLoggingPluginModule(): { readonly module: string; readonly engineBuilds: () => string[][] } {
  const dir = newDir();
  const log = path.join(dir, 'engines.log');
  fs.symlinkSync(path.join(path.dirname(REAL_PLUGIN_MODULE), 'rules'), path.join(dir, 'rules'));
  const module = path.join(dir, 'engine-logging-plugin.js');
  fs.writeFileSync(
    module,
    [
      "const fs = require('fs');",
      `const { CloudFormationValidatePlugin } = require(${JSON.stringify(REAL_PLUGIN_MODULE)});`,
      `const LOG = ${JSON.stringify(log)};`,
      'exports.CloudFormationValidatePlugin = class extends CloudFormationValidatePlugin {',
      '  initializeEngine(types) {',
      '    const before = this.engine;',
      '    const engine = super.initializeEngine(types);',
      "    if (engine !== before) fs.appendFileSync(LOG, JSON.stringify([...types].sort()) + '\\n');",
      '    return engine;',
      '  }',
      '};',
    ].join('\n'),
  );
  const engineBuilds = () =>
    fs.existsSync(log)
      ? fs
          .readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as string[])
      : [];
  return { module, engineBuilds };
}

/** An app of one stack with a planted F3002 finding (an unknown bucket property); `extraTopic` changes its shape. */
function plantedApp(options: { readonly extraTopic?: boolean; readonly analyticsReporting?: boolean } = {}) {
  const app = new App({
    outdir: newDir(),
    analyticsReporting: options.analyticsReporting ?? false,
    context: {
      '@aws-cdk/core:failSynthOnValidationErrors': false,
      '@aws-cdk/core:validateAgainstDefaultRules': true,
    },
  });
  const stack = new Stack(app, 'Planted', { env: { account: '111111111111', region: 'us-east-1' } });
  const bucket = new s3.Bucket(stack, 'Archive');
  (bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride('Nope', 1);
  if (options.extraTopic) new sns.Topic(stack, 'Alerts');
  return app;
}

interface SynthReport {
  readonly outdir: string;
  readonly plugins: string[];
  /** The built-in validation's entries of the validation report (creation stack traces left out). */
  readonly cloudFormation: { pluginName: string; conclusion: string; violations: { ruleName: string }[] }[];
}

/**
 * Synthesizes `app` with `plugins` and reads its validation report. Creation stack traces name the test's own
 * lines, which differ between two apps built by different lines, so they are left out.
 */
function synthReport(app: App, ...plugins: Parameters<ReturnType<typeof Validations.of>['addPlugins']>): SynthReport {
  if (plugins.length > 0) Validations.of(app).addPlugins(...plugins);
  const outdir = app.synth().directory;
  const withoutTraces = (key: string, value: unknown) => (key === 'stackTraces' ? undefined : value);
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'), withoutTraces) as {
    pluginReports: SynthReport['cloudFormation'];
  };
  return {
    outdir,
    plugins: report.pluginReports.map((r) => r.pluginName),
    cloudFormation: report.pluginReports.filter((r) => r.pluginName === CloudFormationValidatePlugin.PLUGIN_NAME),
  };
}

/** The Control Tower plugin, which starts `validation` before its cfn-guard runs, then `validation` itself. */
function controlTowerThen(validation: CachedCloudFormationValidation) {
  return [new ControlTowerChecks({ cacheDir: guardCacheDir, startAlongside: [validation] }), validation] as const;
}

/** `run()` begins the run the first time it is called and returns it then and after. */
function begunOnce<T>(begin: () => T): () => T {
  let run: T | undefined;
  return () => (run ??= begin());
}

/** A run of the real plugin started late, by `start()`, on two stacks' templates: it builds its engine then. */
const lateRun = begunOnce(() => {
  const stacks = writeTemplates(newDir());
  const plugin = new CachedCloudFormationValidation(newDir());
  plugin.start(context(stacks));
  return { stacks, plugin };
});

/** The real plugin's engine started early, for an app whose templates will have one type more than its tree. */
const keptEarlyEngine = begunOnce(() => {
  const logging = engineLoggingPluginModule();
  const validation = new CachedCloudFormationValidation(newDir(), { worker: { pluginModule: logging.module } });
  const app = plantedApp({ extraTopic: true, analyticsReporting: true });
  return { logging, validation, app, startedEngine: validation.startEngine(app) };
});

/** The real plugin's engine started early for S3 buckets, then given a GameLift fleet's template. */
const rebuiltEarlyEngine = begunOnce(() => {
  // The plugin's bundled GameLift rule (CDK-GameLift-001: an inverted port range) is selected only when a
  // GameLift type is present; the early engine is built for S3 buckets only, without it.
  const templatePath = path.join(newDir(), 'Games.template.json');
  const permission = { FromPort: 2000, ToPort: 1000, IpRange: '10.0.0.0/16', Protocol: 'TCP' };
  const fleet = { Type: 'AWS::GameLift::Fleet', Properties: { Name: 'f', EC2InboundPermissions: [permission] } };
  fs.writeFileSync(templatePath, JSON.stringify({ Resources: { Fleet: fleet } }));
  const stacks = [{ stackConstructPath: 'Games', templatePath, accountId: '111111111111', region: 'us-east-1' }];
  const logging = engineLoggingPluginModule();
  const worker = new CloudFormationValidationWorker({ pluginModule: logging.module }, new Set(['AWS::S3::Bucket']));
  worker.begin(plainValidationContext(context(stacks)));
  return { stacks, logging, worker };
});

// Begun before the first test: their engines build on the other core while this thread runs the tests before
// theirs. Each is collected by its own test, which would begin it itself if run alone.
beforeAll(() => {
  lateRun();
  keptEarlyEngine();
  rebuiltEarlyEngine();
});
afterAll(() => {
  lateRun().plugin._dispose();
  rebuiltEarlyEngine().worker.cancel();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('built-in CloudFormation validation, its report kept while no template changed', () => {
  test('the same report as the plugin itself, from the engine, then from the cache under any output directory', () => {
    const stacks = writeTemplates(newDir());
    const moved = writeTemplates(newDir());
    const expected = plain(stacks);
    const expectedMoved = plain(moved);
    // Three findings in two templates, merged by the plugin into one violation: not a comparison of empty reports.
    expect(expected.violations.map((v) => [v.ruleName, v.violatingResources.length])).toEqual([['F3002', 3]]);

    const plugin = disposedAfterTest(new CachedCloudFormationValidation(newDir()));
    expect(plugin.validate(context(stacks))).toEqual(expected);
    expect(plugin.lastRun).toEqual({ fromCache: false });
    expect(plugin.validate(context(stacks))).toEqual(expected);
    expect(plugin.lastRun).toEqual({ fromCache: true });

    expect(plugin.validate(context(moved))).toEqual(expectedMoved);
    expect(plugin.lastRun).toEqual({ fromCache: true });
  });

  test('a changed template, account or region validates again: a stale report is never returned', () => {
    const dir = newDir();
    const plugin = disposedAfterTest(new CachedCloudFormationValidation(newDir()));
    plugin.validate(context(writeTemplates(dir)));

    // The second bucket loses its unknown property: one finding fewer, and the report says so.
    const fixed = validatesFixedTemplates(plugin, dir);

    const elsewhere = fixed.map((stack, index) => (index === 1 ? { ...stack, region: 'us-west-2' } : stack));
    plugin.validate(context(elsewhere));
    expect(plugin.lastRun).toEqual({ fromCache: false });
    const otherAccount = fixed.map((stack, index) => (index === 0 ? { ...stack, accountId: '222222222222' } : stack));
    plugin.validate(context(otherAccount));
    expect(plugin.lastRun).toEqual({ fromCache: false });
  });

  test('a damaged entry validates again; a cache that cannot be written, or none, still validates', () => {
    const stacks = writeTemplates(newDir());
    const expected = plain(stacks);
    const cacheDir = newDir();
    const damaged = disposedAfterTest(new CachedCloudFormationValidation(cacheDir));
    damaged.validate(context(stacks));
    const [entry] = fs.readdirSync(cacheDir);
    fs.writeFileSync(path.join(cacheDir, entry), '{"format":"bulwark-cfn-validate-2","value":{"viol');
    expect(damaged.validate(context(stacks))).toEqual(expected);
    expect(damaged.lastRun).toEqual({ fromCache: false });
    damaged._dispose(); // its memory serves the next plugin's engine

    const blocker = path.join(newDir(), 'a-file');
    fs.writeFileSync(blocker, '');
    for (const dir of [path.join(blocker, 'cache'), false as const]) {
      const plugin = disposedAfterTest(new CachedCloudFormationValidation(dir));
      expect(plugin.validate(context(stacks))).toEqual(expected);
      expect(plugin.validate(context(stacks))).toEqual(expected);
      expect(plugin.lastRun).not.toEqual({ fromCache: true });
      plugin._dispose();
    }
  });

  test('registered on the App, it replaces the default plugin: the validation runs once, its findings intact', () => {
    const cached = disposedAfterTest(new CachedCloudFormationValidation(newDir()));
    const withCache = synthReport(plantedApp(), cached);
    expect(withCache.cloudFormation.map((r) => r.violations.map((v) => v.ruleName))).toEqual([['F3002']]);
    cached._dispose(); // its memory serves the default plugin's engine
    const asDefault = synthReport(plantedApp());
    expect(withCache.cloudFormation).toEqual(asDefault.cloudFormation);
  });
});

describe('started alongside an earlier plugin: validated in a worker thread, collected by validate()', () => {
  test('the report from the worker is the plugin’s own; then the kept report serves', () => {
    const { stacks, plugin } = lateRun();
    const expected = plain(stacks);
    expect(expected.violations.map((v) => [v.ruleName, v.violatingResources.length])).toEqual([['F3002', 3]]);
    expect(plugin.validate(context(stacks))).toEqual(expected);
    expect(plugin.lastRun).toEqual({ fromCache: false, fromStartedRun: true });
    // What the worker computed was kept: the next synth of the same templates starts nothing and reads it.
    plugin.start(context(stacks));
    expect(plugin.validate(context(stacks))).toEqual(expected);
    expect(plugin.lastRun).toEqual({ fromCache: true });
  });

  test('without a cache, the report validate() returns is the worker’s', () => {
    const stacks = writeTemplates(newDir());
    const uncached = new CachedCloudFormationValidation(false, { worker: { pluginModule: standInPluginModule() } });
    uncached.start(context(stacks));
    expect(uncached.validate(context(stacks))).toEqual(STAND_IN_REPORT);
    expect(uncached.lastRun).toEqual({ fromCache: false, fromStartedRun: true });
  });

  test('in a synth, the Control Tower plugin starts it first; the worker’s report is reported in its place', () => {
    // That the worker's report is the plugin's own in a synth: 'built for fewer types than the templates ...' below.
    const validation = new CachedCloudFormationValidation(false, { worker: { pluginModule: standInPluginModule() } });
    const started = synthReport(plantedApp(), ...controlTowerThen(validation));
    expect(validation.lastRun).toEqual({ fromCache: false, fromStartedRun: true });
    expect(started.plugins).toEqual(['cdk-validator-cfnguard', 'CloudFormation Validate']);
    expect(started.cloudFormation.map((r) => r.violations.map((v) => v.ruleName))).toEqual([['STAND-IN-WORKER']]);
  });

  test('started on other templates, stacks or regions than validated: validates what it is given', () => {
    const dir = newDir();
    // Whatever the worker answers is not these templates' report: it must never be returned.
    const plugin = disposedAfterTest(
      new CachedCloudFormationValidation(false, { worker: { pluginModule: standInPluginModule() } }),
    );
    plugin.start(context(writeTemplates(dir)));
    // The second bucket loses its unknown property after the start: the report must not have its finding.
    const fixed = validatesFixedTemplates(plugin, dir);

    plugin.start(context(fixed));
    const elsewhere = fixed.map((stack, index) => (index === 1 ? { ...stack, region: 'us-west-2' } : stack));
    expect(plugin.validate(context(elsewhere))).toEqual(plain(elsewhere));
    expect(plugin.lastRun).toEqual({ fromCache: false });

    plugin.start(context(fixed));
    expect(plugin.validate(context(fixed.slice(0, 1)))).toEqual(plain(fixed.slice(0, 1)));
    expect(plugin.lastRun).toEqual({ fromCache: false });
  });

  test('a failure in the worker fails validation with its error, and nothing is kept', () => {
    const stacks = writeTemplates(newDir());
    const cacheDir = newDir();
    const failing = new CachedCloudFormationValidation(cacheDir, {
      worker: { pluginModule: fakePluginModule("throw new Error('engine exploded on Alpha');") },
    });
    failing.start(context(stacks));
    expect(() => failing.validate(context(stacks))).toThrow(
      'CloudFormation validation failed in its worker thread: engine exploded on Alpha',
    );
    expect(fs.readdirSync(cacheDir)).toEqual([]);

    const missing = new CachedCloudFormationValidation(false, {
      worker: { pluginModule: path.join(newDir(), 'no-such-module.js') },
    });
    missing.start(context(stacks));
    expect(() => missing.validate(context(stacks))).toThrow(/worker thread: Cannot find module .*no-such-module\.js/);

    // A worker that never answers is ended after the timeout instead of hanging the synth.
    const stuck = new CachedCloudFormationValidation(false, {
      worker: { pluginModule: fakePluginModule('for (;;) {}'), timeoutMs: 300 },
    });
    stuck.start(context(stacks));
    expect(() => stuck.validate(context(stacks))).toThrow(
      'The CloudFormation validation worker thread gave no answer within 300 ms',
    );
  });

  test('in a process of its own, a collected run prints its report, and a run never collected lets it exit', () => {
    // One Node process (tsx, outside jest) does both: it collects one run and prints its report, then starts one
    // whose worker never answers and ends its script. It exits by itself only if that worker does not keep it alive.
    const script = path.join(newDir(), 'collect-then-start-only.ts');
    const moduleUnderTest = path.join(__dirname, '..', '..', 'lib', 'common', 'cloudformation-validation-cache');
    const stacks = writeTemplates(newDir());
    const worker = (pluginModule: string) => JSON.stringify({ worker: { pluginModule } });
    fs.writeFileSync(
      script,
      [
        `const { CachedCloudFormationValidation } = require(${JSON.stringify(moduleUnderTest)});`,
        `const stacks = ${JSON.stringify(stacks)};`,
        'const context = { templatePaths: stacks.map((s) => s.templatePath), stackTemplates: stacks };',
        `const collected = new CachedCloudFormationValidation(false, ${worker(standInPluginModule())});`,
        'collected.start(context);',
        'console.log(JSON.stringify(collected.validate(context)));',
        `const stuck = new CachedCloudFormationValidation(false, ${worker(fakePluginModule('for (;;) {}'))});`,
        'stuck.start(context);',
        "console.log('started');",
      ].join('\n'),
    );
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
    expect({ status: run.status, signal: run.signal, stderr: run.stderr }).toEqual({
      status: 0,
      signal: null,
      stderr: '',
    });
    const [report, started, ...rest] = run.stdout.split('\n');
    expect(JSON.parse(report)).toEqual(STAND_IN_REPORT);
    expect([started, ...rest]).toEqual(['started', '']);
  });
});

describe('the engine started when the constructs are built, before the templates exist', () => {
  test('a tree never seen with a kept report starts it; the same tree again does not; a grown one does', () => {
    const cacheDir = newDir();
    const first = new CachedCloudFormationValidation(cacheDir, { worker: { pluginModule: standInPluginModule() } });
    const firstApp = plantedApp();
    expect(first.startEngine(firstApp)).toBe(true);
    const firstReport = synthReport(firstApp, ...controlTowerThen(first)).cloudFormation;
    expect(first.lastRun).toEqual({ fromCache: false, fromStartedRun: true, engineStartedEarly: true });
    expect(firstReport.map((r) => r.violations.map((v) => v.ruleName))).toEqual([['STAND-IN-WORKER']]);

    // The same app again (a synth after another): no engine is started, and the kept report serves.
    const again = new CachedCloudFormationValidation(cacheDir);
    const againApp = plantedApp();
    expect(again.startEngine(againApp)).toBe(false);
    expect(synthReport(againApp, ...controlTowerThen(again)).cloudFormation).toEqual(firstReport);
    expect(again.lastRun).toEqual({ fromCache: true });

    // A resource added: another shape, so the engine starts early again, and its report is the one returned. (That
    // report is the plugin's own: the next test, with the real plugin in the worker.)
    const grown = new CachedCloudFormationValidation(cacheDir, { worker: { pluginModule: standInPluginModule() } });
    const grownApp = plantedApp({ extraTopic: true });
    expect(grown.startEngine(grownApp)).toBe(true);
    const grownReport = synthReport(grownApp, ...controlTowerThen(grown)).cloudFormation;
    expect(grown.lastRun).toEqual({ fromCache: false, fromStartedRun: true, engineStartedEarly: true });
    expect(grownReport).toEqual(firstReport);
  });

  test('built for fewer types than the templates have but the same rules, it is kept: the plugin’s report', () => {
    // With analytics reporting on, CDK adds each stack's AWS::CDK::Metadata resource during synthesis, after the
    // constructs were built: the templates have a type the early engine was not built for. No bundled rule names
    // it, so the engine's rules are those the templates select, and the worker keeps it.
    const { logging, validation, app, startedEngine } = keptEarlyEngine();
    expect(startedEngine).toBe(true);
    const reference = disposedAfterTest(new CachedCloudFormationValidation(false));
    const expected = synthReport(plantedApp({ extraTopic: true, analyticsReporting: true }), reference);
    expect(reference.lastRun).toEqual({ fromCache: false });

    const report = synthReport(app, ...controlTowerThen(validation));
    expect(validation.lastRun).toEqual({ fromCache: false, fromStartedRun: true, engineStartedEarly: true });
    expect(report.plugins).toEqual(['cdk-validator-cfnguard', 'CloudFormation Validate']);
    expect(report.cloudFormation.map((r) => r.violations.map((v) => v.ruleName))).toEqual([['F3002']]);
    expect(report.cloudFormation).toEqual(expected.cloudFormation);
    const template = JSON.parse(fs.readFileSync(path.join(report.outdir, 'Planted.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    expect([...new Set(Object.values(template.Resources).map((r) => r.Type))].sort()).toEqual([
      'AWS::CDK::Metadata',
      'AWS::S3::Bucket',
      'AWS::SNS::Topic',
    ]);
    // One engine, built before the templates existed, for the tree's types: kept.
    expect(logging.engineBuilds()).toEqual([['AWS::S3::Bucket', 'AWS::SNS::Topic']]);
  });

  test('without a plugin to start it, validate() itself uses the engine started early', () => {
    const app = plantedApp();
    const validation = new CachedCloudFormationValidation(false, { worker: { pluginModule: standInPluginModule() } });
    expect(validation.startEngine(app)).toBe(true);
    const { cloudFormation } = synthReport(app, validation);
    expect(validation.lastRun).toEqual({ fromCache: false, fromStartedRun: true, engineStartedEarly: true });
    expect(cloudFormation.map((r) => r.violations.map((v) => v.ruleName))).toEqual([['STAND-IN-WORKER']]);
  });

  test('an engine built for types that select other rules is built again: the rule it lacked still reports', () => {
    const { stacks, logging, worker } = rebuiltEarlyEngine();
    const expected = plain(stacks);
    expect(expected.violations.map((v) => v.ruleName)).toContain('CDK-GameLift-001');
    expect(worker.collect()).toEqual(expected);
    // Built for S3 buckets before the template was given, then again for the template's GameLift fleet.
    expect(logging.engineBuilds()).toEqual([['AWS::S3::Bucket'], ['AWS::GameLift::Fleet']]);
  });
});

describe('the version the plugin reports for the CDKMetadata analytics', () => {
  test("is the plugin's own, read without loading the WebAssembly module on the app's thread", () => {
    // A fresh process: jest's module registry would hide whether the module was loaded.
    const root = path.join(__dirname, '..', '..');
    const script = `
      const { CachedCloudFormationValidation } = require('./lib/common/cloudformation-validation-cache');
      const plugin = new CachedCloudFormationValidation(false);
      const ours = { version: plugin.version, ruleIds: plugin.ruleIds };
      const wasmLoaded = Object.keys(require.cache).some((file) => file.includes('bindings_wasm'));
      const { CloudFormationValidatePlugin } = require('aws-cdk-lib');
      const own = new CloudFormationValidatePlugin();
      process.stdout.write(JSON.stringify({ ours, wasmLoaded, own: { version: own.version, ruleIds: own.ruleIds } }));`;
    const run = spawnSync(process.execPath, ['--require', './bin/load-typescript.js', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    const { ours, wasmLoaded, own } = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(wasmLoaded).toBe(false);
    expect(ours).toEqual(own);
    expect(own).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), ruleIds: [expect.any(String)] });
  });
});
