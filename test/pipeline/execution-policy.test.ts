import * as fs from 'fs';
import * as path from 'path';
import { synthBulwark } from '../helpers/app';

// docs/cdk-execution-policy.json is the scoped alternative to AdministratorAccess for `cdk bootstrap
// --cloudformation-execution-policies` (README, pipeline section; issue 12 item 13). CloudFormation creates every
// resource with it, so it must allow the service of every resource type the app synthesizes, and no more than that.
const root = path.join(__dirname, '..', '..');
const policy = JSON.parse(fs.readFileSync(path.join(root, 'docs', 'cdk-execution-policy.json'), 'utf8')) as {
  Statement: { Sid: string; Effect: string; Action: string[]; Resource: string | string[] }[];
};
const allowed = policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action);
const denied = policy.Statement.filter((s) => s.Effect === 'Deny').flatMap((s) => s.Action);
const allows = (action: string) =>
  allowed.some((a) => a === action || (a.endsWith(':*') && action.startsWith(a.slice(0, -1))));

/** The IAM service prefix of a CloudFormation namespace, where the two differ or need saying (written by hand). */
const SERVICE_OF: Record<string, string> = {
  ApplicationAutoScaling: 'application-autoscaling',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_arc-region-switch.html
  ARCRegionSwitch: 'arc-region-switch',
  Backup: 'backup',
  Budgets: 'budgets',
  CloudWatch: 'cloudwatch',
  CodeBuild: 'codebuild',
  CodeDeploy: 'codedeploy',
  CodePipeline: 'codepipeline',
  CodeStarNotifications: 'codestar-notifications',
  DynamoDB: 'dynamodb',
  EC2: 'ec2',
  ECS: 'ecs',
  ElasticLoadBalancingV2: 'elasticloadbalancing',
  Events: 'events',
  IAM: 'iam',
  KMS: 'kms',
  Lambda: 'lambda',
  Logs: 'logs',
  RDS: 'rds',
  Route53: 'route53',
  S3: 's3',
  SNS: 'sns',
  SSM: 'ssm',
  SecretsManager: 'secretsmanager',
  StepFunctions: 'states',
};

const bulwark = synthBulwark();
const templates = bulwark.assembly.stacks.map((s) => ({ stack: s.stackName, template: s.template }));

describe('the scoped CloudFormation execution policy', () => {
  test('allows the service of every resource type in every stack (custom resources: invoking their Lambda)', () => {
    const missing: string[] = [];
    for (const { stack, template } of templates) {
      for (const { Type: type } of Object.values(template.Resources as Record<string, { Type: string }>)) {
        // The CDK's usage-data resource (https://docs.aws.amazon.com/cdk/v2/guide/usage-data.html), written by
        // `cdk synth`'s default version reporting: CloudFormation records it without calling any service, so no
        // action of the policy applies (an assumption: AWS documents no IAM action for AWS::CDK::Metadata).
        if (type === 'AWS::CDK::Metadata') continue;
        const namespace = type.startsWith('Custom::') ? 'Lambda' : type.split('::')[1];
        const service = SERVICE_OF[namespace];
        const needed = type.startsWith('Custom::') ? 'lambda:InvokeFunction' : `${service}:CreateSomething`;
        if (!service || !allows(needed)) missing.push(`${stack}: ${type}`);
      }
    }
    expect([...new Set(missing)]).toEqual([]);
  });

  test("allows reading the DR region stack's outputs where a template reads them (Fn::GetStackOutput)", () => {
    const readsOutputs = templates.some(({ template }) => JSON.stringify(template).includes('Fn::GetStackOutput'));
    expect(readsOutputs).toBe(true);
    expect(allows('cloudformation:DescribeStacks')).toBe(true);
    expect(allows('cloudformation:CreateStack')).toBe(false);
  });

  test('is not administrator access: no `*` action, no long-lived IAM credentials, bootstrap roles untouchable', () => {
    expect(allowed).not.toContain('*');
    expect(allowed.filter((a) => !a.includes(':'))).toEqual([]);
    expect(denied).toEqual(expect.arrayContaining(['iam:CreateUser', 'iam:CreateAccessKey', 'iam:CreateLoginProfile']));
    const bootstrapGuard = policy.Statement.find((s) => s.Sid === 'LeaveTheBootstrapRolesAlone');
    expect(bootstrapGuard?.Effect).toBe('Deny');
    expect(bootstrapGuard?.Resource).toBe('arn:aws:iam::*:role/cdk-hnb659fds-*');
    const roleChanges = ['iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:AttachRolePolicy'];
    expect(bootstrapGuard?.Action).toEqual(expect.arrayContaining(roleChanges));
  });

  test('the README shows how to bootstrap with it', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    expect(readme).toContain('--policy-document file://docs/cdk-execution-policy.json');
    const scoped = '--cloudformation-execution-policies arn:aws:iam::333333333333:policy/bulwark-cdk-execution';
    expect(readme).toContain(scoped);
  });
});
