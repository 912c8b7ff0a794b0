import * as fs from 'fs';
import * as path from 'path';
import { Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { formatFinding, runCfnLint, templatesIn } from '../lib/tooling/cfn-lint';
import { synthBulwark, testApp } from './helpers/app';
import { runCfnLintShared } from './helpers/cfn-lint-shared';

// The shared default synth (test/helpers/shared-assembly.ts), with cdk-nag and Control Tower's controls on.
const bulwark = synthBulwark();

describe('the Bulwark app', () => {
  test('creates top-level stacks whose ids and names are exactly Dev, Staging, Prod and DrRegion', () => {
    const stacks = bulwark.assembly.stacks.map((s) => ({ id: s.hierarchicalId, name: s.stackName }));
    expect(stacks).toEqual(
      expect.arrayContaining([
        { id: 'Dev', name: 'Dev' },
        { id: 'Staging', name: 'Staging' },
        { id: 'Prod', name: 'Prod' },
        { id: 'DrRegion', name: 'DrRegion' },
      ]),
    );
  });

  test('places each stack in its configured account and region, DrRegion in the DR region', () => {
    const env = (id: string) => bulwark.assembly.getStackArtifact(id).environment;
    expect(env('Prod')).toMatchObject({ account: '333333333333', region: 'us-east-1' });
    expect(env('DrRegion')).toMatchObject({ account: '333333333333', region: 'us-west-2' });
    expect(env('Dev')).toMatchObject({ account: '111111111111', region: 'us-east-1' });
  });

  test('needs no context lookups, so synth works without credentials', () => {
    const missing = bulwark.assembly.manifest.missing ?? [];
    expect(missing).toEqual([]);
  });

  test('Prod depends on DrRegion, so a first deploy of Prod brings the DR data sinks up first', () => {
    const prod = bulwark.assembly.getStackArtifact('Prod');
    expect(prod.dependencies.map((d) => d.id)).toContain('DrRegion');
  });

  test('protects Prod and DrRegion from deletion, not Dev', () => {
    expect(bulwark.assembly.getStackArtifact('Prod').terminationProtection).toBe(true);
    expect(bulwark.assembly.getStackArtifact('DrRegion').terminationProtection).toBe(true);
    expect(bulwark.assembly.getStackArtifact('Dev').terminationProtection).toBeFalsy();
  });

  test('tags every stack with service, environment and tier', () => {
    expect(bulwark.assembly.getStackArtifact('Prod').tags).toMatchObject({
      service: 'orders',
      environment: 'Prod',
      tier: '1',
    });
    expect(bulwark.assembly.getStackArtifact('Staging').tags).toMatchObject({ environment: 'Staging', tier: '2' });
    bulwark.template('Prod').hasResourceProperties('AWS::EC2::VPC', {
      Tags: Match.arrayWith([{ Key: 'environment', Value: 'Prod' }]),
    });
  });

  test('passes cdk-nag AwsSolutions: the synth above would have thrown on any unacknowledged finding', () => {
    const report = JSON.parse(
      fs.readFileSync(path.join(bulwark.assembly.directory, 'validation-report.json'), 'utf8'),
    ) as {
      pluginReports: Array<{ pluginName: string; summary?: { status?: string }; violations?: unknown[] }>;
    };
    type Violation = { ruleName: string; severity?: string; violatingConstructs: Array<{ constructPath: string }> };
    const violations = report.pluginReports
      .filter((r) => r.summary?.status !== 'success')
      .flatMap((r) => (r.violations ?? []) as Violation[]);
    // Bulwark's own deliberate warnings: without a certificate, Dev's and Staging's probes skip the journeys that
    // carry a bearer token rather than send it over HTTP. Anything else is a finding.
    const deliberate = (v: Violation) =>
      v.ruleName === 'Annotation::bulwark:probe-authenticated-journeys-skipped' && v.severity === 'warning';
    expect(violations.filter((v) => !deliberate(v))).toEqual([]);
    expect(
      violations
        .filter(deliberate)
        .flatMap((v) => v.violatingConstructs.map((c) => c.constructPath))
        .sort(),
    ).toEqual(['Dev/Canary', 'Dev/Service', 'Staging/Canary', 'Staging/Service']);
  });

  test('Lambda functions run only on live runtimes (nodejs22.x or nodejs24.x)', () => {
    for (const stack of bulwark.assembly.stacks) {
      for (const [id, resource] of Object.entries(
        stack.template.Resources as Record<string, { Type: string; Properties?: { Runtime?: string } }>,
      )) {
        if (resource.Type === 'AWS::Lambda::Function' && resource.Properties?.Runtime) {
          expect(`${stack.stackName}/${id} ${resource.Properties.Runtime}`).toMatch(/ nodejs(22|24)\.x$/);
        }
      }
    }
  });

  test('every synthesized template passes cfn-lint with zero errors', () => {
    const findings = runCfnLintShared(templatesIn(bulwark.assembly.directory));
    expect(findings.filter((f) => f.level === 'Error').map(formatFinding)).toEqual([]);
  });

  test('passes the AWS Control Tower proactive controls: it ran, and every finding is acknowledged with a reason', () => {
    const report = JSON.parse(
      fs.readFileSync(path.join(bulwark.assembly.directory, 'validation-report.json'), 'utf8'),
    ) as {
      pluginReports: Array<{
        pluginName: string;
        violations?: unknown[];
        suppressedViolations?: Array<{ ruleName: string; reason?: string }>;
      }>;
    };
    const guard = report.pluginReports.find((r) => r.pluginName === 'cdk-validator-cfnguard');
    expect(guard?.violations ?? []).toEqual([]);
    expect((guard?.suppressedViolations ?? []).length).toBeGreaterThan(0);
    const withoutReason = (guard?.suppressedViolations ?? [])
      .filter((v) => (v.reason ?? '').length < 40)
      .map((v) => v.ruleName);
    expect(withoutReason).toEqual([]);
  });

  test('the service container runs as a non-root user, on a read-only root filesystem, with a memory hard limit', () => {
    bulwark.template('Prod').hasResourceProperties('AWS::ECS::TaskDefinition', {
      Memory: '2048',
      ContainerDefinitions: [Match.objectLike({ User: '1000:1000', ReadonlyRootFilesystem: true, Memory: 2048 })],
    });
  });

  test('Prod keeps every log group at least a year; Dev keeps its function logs as configured (30 days)', () => {
    const short = Object.entries(bulwark.template('Prod').findResources('AWS::Logs::LogGroup'))
      .filter(([, r]) => (r as { Properties?: { RetentionInDays?: number } }).Properties?.RetentionInDays !== undefined)
      .filter(([, r]) => (r as { Properties: { RetentionInDays: number } }).Properties.RetentionInDays < 365)
      .map(([id]) => id);
    expect(short).toEqual([]);
    bulwark.template('Dev').hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });
});

describe('the checks can fail', () => {
  test('cdk-nag fails synth on a planted finding (an unencrypted, unlogged bucket)', () => {
    const app = testApp();
    const stack = new Stack(app, 'Planted', { env: { account: '111111111111', region: 'us-east-1' } });
    new s3.Bucket(stack, 'PlantedBucket', { encryption: s3.BucketEncryption.UNENCRYPTED });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });

  test('an acknowledgement with a reason clears exactly that finding', () => {
    const app = testApp();
    const stack = new Stack(app, 'Acknowledged', { env: { account: '111111111111', region: 'us-east-1' } });
    const bucket = new s3.Bucket(stack, 'Bucket', { enforceSSL: true });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Test fixture: this bucket would itself be the access-log target.',
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  test('cfn-lint reports an error on a planted template with a retired Lambda runtime', () => {
    const dir = fs.mkdtempSync(path.join(bulwark.assembly.directory, '..', 'planted-'));
    const file = path.join(dir, 'Planted.template.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        Resources: {
          Fn: {
            Type: 'AWS::Lambda::Function',
            Properties: {
              Runtime: 'nodejs16.x',
              Handler: 'index.handler',
              Role: 'arn:aws:iam::111111111111:role/x',
              Code: { ZipFile: 'exports.handler=()=>1' },
            },
          },
        },
      }),
    );
    const errors = runCfnLint([file]).filter((f) => f.level === 'Error');
    expect(errors.map((e) => e.rule)).toContain('E2533');
  });
});
