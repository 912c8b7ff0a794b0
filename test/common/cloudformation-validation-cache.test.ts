import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CloudFormationValidatePlugin, IPolicyValidationContext, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CachedCloudFormationValidation } from '../../lib/common/cloudformation-validation-cache';

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
