import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CloudFormationValidatePlugin, IPolicyValidationContext, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CachedCloudFormationValidation } from '../../lib/common/cloudformation-validation-cache';
import {
  CloudFormationValidationWorker,
  plainValidationContext,
} from '../../lib/common/cloudformation-validation-worker';
import { ControlTowerChecks } from '../../lib/common/control-tower';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-cfn-validation-'));
let dirs = 0;
const newDir = (): string => fs.mkdtempSync(path.join(tmp, `d${dirs++}-`));

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

describe('built-in CloudFormation validation, its report kept while no template changed', () => {
  test('the same report as the plugin itself, from the engine and then from the cache, under any output directory', () => {
    const stacks = writeTemplates(newDir());
    const expected = plain(stacks);
    // Three findings in two templates, merged by the plugin into one violation: not a comparison of empty reports.
    expect(expected.violations.map((v) => [v.ruleName, v.violatingResources.length])).toEqual([['F3002', 3]]);

    const plugin = new CachedCloudFormationValidation(newDir());
    expect(plugin.validate(context(stacks))).toEqual(expected);
    expect(plugin.lastRun).toEqual({ fromCache: false });
    expect(plugin.validate(context(stacks))).toEqual(expected);
    expect(plugin.lastRun).toEqual({ fromCache: true });

    const moved = writeTemplates(newDir());
    expect(plugin.validate(context(moved))).toEqual(plain(moved));
    expect(plugin.lastRun).toEqual({ fromCache: true });
  });

  test('a changed template, account or region validates again: a stale report is never returned', () => {
    const dir = newDir();
    const plugin = new CachedCloudFormationValidation(newDir());
    plugin.validate(context(writeTemplates(dir)));

    // The second bucket loses its unknown property: one finding fewer, and the report says so.
    const fixed = writeTemplates(dir, {});
    const report = plugin.validate(context(fixed));
    expect(plugin.lastRun).toEqual({ fromCache: false });
    expect(report).toEqual(plain(fixed));
    expect(report.violations[0].violatingResources.map((r) => r.resourceLogicalId)).toEqual(['Archive', 'Topic']);

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
    const damaged = new CachedCloudFormationValidation(cacheDir);
    damaged.validate(context(stacks));
    const [entry] = fs.readdirSync(cacheDir);
    fs.writeFileSync(path.join(cacheDir, entry), '{"format":"bulwark-cfn-validate-1","report":{"viol');
    expect(damaged.validate(context(stacks))).toEqual(expected);
    expect(damaged.lastRun).toEqual({ fromCache: false });

    const blocker = path.join(newDir(), 'a-file');
    fs.writeFileSync(blocker, '');
    for (const dir of [path.join(blocker, 'cache'), false as const]) {
      const plugin = new CachedCloudFormationValidation(dir);
      expect(plugin.validate(context(stacks))).toEqual(expected);
      expect(plugin.validate(context(stacks))).toEqual(expected);
      expect(plugin.lastRun).not.toEqual({ fromCache: true });
    }
  });

  test('registered on the App, it replaces the default plugin: the validation runs once, its findings intact', () => {
    const build = (withCache: boolean) => {
      const app = new App({
        outdir: newDir(),
        context: {
          '@aws-cdk/core:failSynthOnValidationErrors': false,
          '@aws-cdk/core:validateAgainstDefaultRules': true,
        },
      });
      const stack = new Stack(app, 'Planted', { env: { account: '111111111111', region: 'us-east-1' } });
      const bucket = new s3.Bucket(stack, 'Archive');
      (bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride('Nope', 1);
      if (withCache) Validations.of(app).addPlugins(new CachedCloudFormationValidation(newDir()));
      const outdir = app.synth().directory;
      const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as {
        pluginReports: { pluginName: string; violations: { ruleName: string }[] }[];
      };
      return report.pluginReports
        .filter((r) => r.pluginName === CloudFormationValidatePlugin.PLUGIN_NAME)
        .map((r) => r.violations.map((v) => v.ruleName));
    };
    const withCache = build(true);
    expect(withCache).toEqual([['F3002']]);
    expect(withCache).toEqual(build(false));
  });
});

/** A stand-in for aws-cdk-lib's plugin module, for the worker thread's faults (plain CommonJS, as the worker loads). */
function fakePluginModule(validateBody: string): string {
  const file = path.join(newDir(), 'fake-plugin.js');
  fs.writeFileSync(file, `exports.CloudFormationValidatePlugin = class { validate() { ${validateBody} } };\n`);
  return file;
}

describe('started alongside an earlier plugin: validated in a worker thread, collected by validate()', () => {
  test('the report from the worker is the plugin’s own, with or without a cache; then the kept report serves', () => {
    const stacks = writeTemplates(newDir());
    const expected = plain(stacks);
    expect(expected.violations.map((v) => [v.ruleName, v.violatingResources.length])).toEqual([['F3002', 3]]);

    const plugin = new CachedCloudFormationValidation(newDir());
    plugin.start(context(stacks));
    expect(plugin.validate(context(stacks))).toEqual(expected);
    expect(plugin.lastRun).toEqual({ fromCache: false, fromStartedRun: true });
    // What the worker computed was kept: the next synth of the same templates starts nothing and reads it.
    plugin.start(context(stacks));
    expect(plugin.validate(context(stacks))).toEqual(expected);
    expect(plugin.lastRun).toEqual({ fromCache: true });

    const uncached = new CachedCloudFormationValidation(false);
    uncached.start(context(stacks));
    expect(uncached.validate(context(stacks))).toEqual(expected);
    expect(uncached.lastRun).toEqual({ fromCache: false, fromStartedRun: true });
  });

  test('started on other templates, stacks or regions than validated: validates what it is given', () => {
    const dir = newDir();
    const plugin = new CachedCloudFormationValidation(false);
    plugin.start(context(writeTemplates(dir)));
    // The second bucket loses its unknown property after the start: the report must not have its finding.
    const fixed = writeTemplates(dir, {});
    const report = plugin.validate(context(fixed));
    expect(plugin.lastRun).toEqual({ fromCache: false });
    expect(report).toEqual(plain(fixed));
    expect(report.violations[0].violatingResources.map((r) => r.resourceLogicalId)).toEqual(['Archive', 'Topic']);

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

  test('a run started and never collected does not keep the process alive; one collected prints its report', () => {
    const script = path.join(newDir(), 'start-only.ts');
    const moduleUnderTest = path.join(__dirname, '..', '..', 'lib', 'common', 'cloudformation-validation-cache');
    const stacks = writeTemplates(newDir());
    fs.writeFileSync(
      script,
      [
        `const { CachedCloudFormationValidation } = require(${JSON.stringify(moduleUnderTest)});`,
        `const stacks = ${JSON.stringify(stacks)};`,
        'const context = { templatePaths: stacks.map((s) => s.templatePath), stackTemplates: stacks };',
        `const worker = { pluginModule: process.argv[2] === 'stuck' ? ${JSON.stringify(
          fakePluginModule('for (;;) {}'),
        )} : undefined };`,
        'const plugin = new CachedCloudFormationValidation(false, { worker });',
        'plugin.start(context);',
        "if (process.argv[2] === 'collect') console.log(JSON.stringify(plugin.validate(context)));",
        "else console.log('started');",
      ].join('\n'),
    );
    const run = (mode: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', script, mode], { encoding: 'utf8', timeout: 60_000 });

    const stuck = run('stuck');
    expect({ status: stuck.status, signal: stuck.signal, stdout: stuck.stdout }).toEqual({
      status: 0,
      signal: null,
      stdout: 'started\n',
    });
    const collected = run('collect');
    expect(collected.status).toBe(0);
    expect(JSON.parse(collected.stdout)).toEqual(plain(stacks));
  });

  test('in a synth, the Control Tower plugin starts it first; the report keeps its plugins, order and finding', () => {
    const build = (startAlongside: boolean) => {
      const app = new App({
        outdir: newDir(),
        context: {
          '@aws-cdk/core:failSynthOnValidationErrors': false,
          '@aws-cdk/core:validateAgainstDefaultRules': true,
        },
      });
      const stack = new Stack(app, 'Planted', { env: { account: '111111111111', region: 'us-east-1' } });
      const bucket = new s3.Bucket(stack, 'Archive');
      (bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride('Nope', 1);
      const validation = new CachedCloudFormationValidation(false);
      const controlTower = new ControlTowerChecks({
        cacheDir: false,
        startAlongside: startAlongside ? [validation] : [],
      });
      Validations.of(app).addPlugins(controlTower, validation);
      const outdir = app.synth().directory;
      // Creation stack traces name the test's own lines, which differ between the two builds.
      const withoutTraces = (key: string, value: unknown) => (key === 'stackTraces' ? undefined : value);
      const reportFile = path.join(outdir, 'validation-report.json');
      const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'), withoutTraces) as {
        pluginReports: { pluginName: string; violations: { ruleName: string }[] }[];
      };
      return {
        lastRun: validation.lastRun,
        plugins: report.pluginReports.map((r) => r.pluginName),
        cloudFormation: report.pluginReports
          .filter((r) => r.pluginName === CloudFormationValidatePlugin.PLUGIN_NAME)
          .map((r) => r.violations),
      };
    };
    const started = build(true);
    expect(started.lastRun).toEqual({ fromCache: false, fromStartedRun: true });
    expect(started.plugins).toEqual(['cdk-validator-cfnguard', 'CloudFormation Validate']);
    expect(started.cloudFormation.map((violations) => violations.map((v) => v.ruleName))).toEqual([['F3002']]);
    const notStarted = build(false);
    expect(notStarted.lastRun).toEqual({ fromCache: false });
    expect(started.cloudFormation).toEqual(notStarted.cloudFormation);
  });
});

describe('the engine started when the constructs are built, before the templates exist', () => {
  /** An app of one stack with a planted F3002 finding; `extraTopic` changes the tree's shape. */
  function plantedApp(extraTopic: boolean) {
    const app = new App({
      outdir: newDir(),
      context: {
        '@aws-cdk/core:failSynthOnValidationErrors': false,
        '@aws-cdk/core:validateAgainstDefaultRules': true,
      },
    });
    const stack = new Stack(app, 'Planted', { env: { account: '111111111111', region: 'us-east-1' } });
    const bucket = new s3.Bucket(stack, 'Archive');
    (bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride('Nope', 1);
    if (extraTopic) new sns.Topic(stack, 'Alerts');
    return app;
  }

  function synthWith(app: App, validation: CachedCloudFormationValidation) {
    Validations.of(app).addPlugins(
      new ControlTowerChecks({ cacheDir: false, startAlongside: [validation] }),
      validation,
    );
    const outdir = app.synth().directory;
    const withoutTraces = (key: string, value: unknown) => (key === 'stackTraces' ? undefined : value);
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'), withoutTraces) as {
      pluginReports: { pluginName: string; violations: unknown[] }[];
    };
    return report.pluginReports.filter((r) => r.pluginName === CloudFormationValidatePlugin.PLUGIN_NAME);
  }

  test('a tree never seen with a kept report starts it; the same tree again starts nothing; the report is the same', () => {
    const cacheDir = newDir();
    const first = new CachedCloudFormationValidation(cacheDir);
    const firstApp = plantedApp(false);
    expect(first.startEngine(firstApp)).toBe(true);
    const firstReport = synthWith(firstApp, first);
    expect(first.lastRun).toEqual({ fromCache: false, fromStartedRun: true, engineStartedEarly: true });
    expect(firstReport.map((r) => r.violations.length)).toEqual([1]);

    // The same app again (a synth after another): no engine is started, and the kept report serves.
    const again = new CachedCloudFormationValidation(cacheDir);
    const againApp = plantedApp(false);
    expect(again.startEngine(againApp)).toBe(false);
    expect(synthWith(againApp, again)).toEqual(firstReport);
    expect(again.lastRun).toEqual({ fromCache: true });

    // A resource added: another shape, so the engine starts early again; the report is the plugin's own.
    const grown = new CachedCloudFormationValidation(cacheDir);
    const grownApp = plantedApp(true);
    expect(grown.startEngine(grownApp)).toBe(true);
    const grownReport = synthWith(grownApp, grown);
    expect(grown.lastRun).toEqual({ fromCache: false, fromStartedRun: true, engineStartedEarly: true });
    const plainApp = plantedApp(true);
    const plainValidation = new CachedCloudFormationValidation(false);
    Validations.of(plainApp).addPlugins(plainValidation);
    const plainDir = plainApp.synth().directory;
    const plainReport = JSON.parse(fs.readFileSync(path.join(plainDir, 'validation-report.json'), 'utf8'), (k, v) =>
      k === 'stackTraces' ? undefined : v,
    ) as { pluginReports: { pluginName: string }[] };
    expect(plainValidation.lastRun).toEqual({ fromCache: false });
    expect(grownReport).toEqual(
      plainReport.pluginReports.filter((r) => r.pluginName === CloudFormationValidatePlugin.PLUGIN_NAME),
    );
  });

  test('without a plugin to start it, validate() itself uses the engine started early: the same report', () => {
    const app = plantedApp(false);
    const validation = new CachedCloudFormationValidation(false);
    expect(validation.startEngine(app)).toBe(true);
    Validations.of(app).addPlugins(validation);
    const outdir = app.synth().directory;
    expect(validation.lastRun).toEqual({ fromCache: false, fromStartedRun: true, engineStartedEarly: true });
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; violations: { ruleName: string }[] }[];
    };
    const [cloudFormation] = report.pluginReports.filter(
      (r) => r.pluginName === CloudFormationValidatePlugin.PLUGIN_NAME,
    );
    expect(cloudFormation.violations.map((v) => v.ruleName)).toEqual(['F3002']);
  });

  test('an engine built for types that select other rules is built again: the rule it lacked still reports', () => {
    // The plugin's bundled GameLift rule (CDK-GameLift-001: an inverted port range) is selected only when a
    // GameLift type is present; the early engine was built for S3 buckets only, without it.
    const dir = newDir();
    const templatePath = path.join(dir, 'Games.template.json');
    const permission = { FromPort: 2000, ToPort: 1000, IpRange: '10.0.0.0/16', Protocol: 'TCP' };
    const fleet = { Type: 'AWS::GameLift::Fleet', Properties: { Name: 'f', EC2InboundPermissions: [permission] } };
    fs.writeFileSync(templatePath, JSON.stringify({ Resources: { Fleet: fleet } }));
    const stacks = [{ stackConstructPath: 'Games', templatePath, accountId: '111111111111', region: 'us-east-1' }];
    const expected = plain(stacks);
    expect(expected.violations.map((v) => v.ruleName)).toContain('CDK-GameLift-001');

    const early = new CloudFormationValidationWorker({}, new Set(['AWS::S3::Bucket']));
    early.begin(plainValidationContext(context(stacks)));
    expect(early.collect()).toEqual(expected);

    // Types that select the same rules (none bundled for S3 or SNS) keep the early engine: the same report.
    const s3Stacks = writeTemplates(newDir());
    const same = new CloudFormationValidationWorker({}, new Set(['AWS::S3::Bucket']));
    same.begin(plainValidationContext(context(s3Stacks)));
    expect(same.collect()).toEqual(plain(s3Stacks));
  });
});
