import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';

/**
 * Offline guard for the sandbox acceptance app (integ.sandbox.ts) until integ-runner can read this aws-cdk-lib's
 * cloud assembly (README, "Sandbox acceptance tests"): the app synthesizes as integ-runner's offline synth would
 * (CDK_INTEG_ACCOUNT set), its manifest orders the cases and carries their options, and the bad-image deploy of
 * case 2 changes exactly one property of the sandbox stack, so it is an update and not a replacement.
 */
const run = promisify(execFile);
const APP = path.join(__dirname, 'integ.sandbox.ts');

async function synth(context: Record<string, string>): Promise<string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-sandbox-'));
  await run(process.execPath, ['--import', 'tsx', APP], {
    cwd: __dirname,
    env: {
      ...process.env,
      CDK_INTEG_ACCOUNT: '12345678',
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify(context),
      // The built-in CloudFormation validation plugin is a synth-time check of `cdk synth`; not needed here.
      CDK_VALIDATION: 'false',
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  return outdir;
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** Every leaf path where two JSON documents differ. */
function differences(a: unknown, b: unknown, at = ''): string[] {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || a === null || b === null) {
    return a === b ? [] : [at];
  }
  if (typeof a !== 'object') return a === b ? [] : [at];
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  return [...keys].flatMap((key) => differences(left[key], right[key], `${at}/${key}`));
}

describe('integ.sandbox app', () => {
  let good: string;
  let bad: string;

  beforeAll(async () => {
    [good, bad] = await Promise.all([synth({}), synth({ 'integ-sandbox:image': 'bad' })]);
  });

  afterAll(() => {
    for (const dir of [good, bad]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the manifest runs Flows, BadImageUpdate, AfterRollback in that order, with their options', () => {
    const manifest = readJson(path.join(good, 'integ.json')) as { testCases: Record<string, Record<string, unknown>> };
    expect(Object.keys(manifest.testCases)).toEqual([
      'SandboxAcceptance/Flows',
      'SandboxAcceptance/BadImageUpdate',
      'SandboxAcceptance/AfterRollback',
    ]);
    const [flows, badImage, after] = Object.values(manifest.testCases);
    expect(flows).toMatchObject({ stacks: ['Sandbox'], cdkCommandOptions: { destroy: { enabled: false } } });
    expect(badImage).toMatchObject({
      stacks: ['Sandbox'],
      cdkCommandOptions: {
        deploy: {
          args: { context: { 'integ-sandbox:image': 'bad' } },
          expectError: true,
          expectedMessage: 'CodeDeploy deployment d-[A-Z0-9]+ (Failed|Stopped)',
        },
        destroy: { enabled: false },
      },
    });
    expect(after).toMatchObject({ stacks: ['SandboxRollbackProbe'] });
    expect(after.cdkCommandOptions).toBeUndefined();
    for (const testCase of Object.values(manifest.testCases)) expect(testCase.stackUpdateWorkflow).toBe(false);
  });

  test('the bad-image deploy differs from the sandbox stack only in the container image', () => {
    const before = readJson(path.join(good, 'Sandbox.template.json'));
    const after = readJson(path.join(bad, 'Sandbox.template.json'));
    expect(differences(before, after)).toEqual([
      '/Resources/ServiceTaskDefinition55FA0F15/Properties/ContainerDefinitions/0/Image',
    ]);
    const image = (template: Record<string, unknown>) =>
      (template.Resources as Record<string, { Properties: { ContainerDefinitions: { Image: string }[] } }>)
        .ServiceTaskDefinition55FA0F15.Properties.ContainerDefinitions[0].Image;
    expect(image(before)).toBe('public.ecr.aws/nginx/nginx:1.27');
    expect(image(after)).toBe('public.ecr.aws/docker/library/httpd:2.4');
  });

  test('the P1 probe queue is subscribed to the P1 topic for the test alarm only', () => {
    const template = readJson(path.join(good, 'Sandbox.template.json'));
    type Resource = { Type: string; Properties: Record<string, unknown> };
    const resources = Object.values(template.Resources as Record<string, Resource>);
    const queue = resources.find(
      (r) => r.Type === 'AWS::SQS::Queue' && r.Properties.QueueName === 'integ-sandbox-p1-probe',
    );
    expect(queue?.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    const subscription = resources.find((r) => r.Type === 'AWS::SNS::Subscription' && r.Properties.Protocol === 'sqs');
    expect(subscription?.Properties).toMatchObject({
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: { AlarmName: ['integ-sandbox-http-5xx-critical'] },
    });
  });
});
