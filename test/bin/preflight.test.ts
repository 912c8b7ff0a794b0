import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ACMClient, DescribeCertificateCommand } from '@aws-sdk/client-acm';
import { BackupClient, DescribeRegionSettingsCommand } from '@aws-sdk/client-backup';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { CodeStarConnectionsClient, GetConnectionCommand } from '@aws-sdk/client-codestar-connections';
import {
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { Command } from 'commander';
import { ResolvedConfig, validateConfig } from '../../config';
import {
  CheckResult,
  nameCovers,
  parseEcrImage,
  PreflightClients,
  trustsAccount,
} from '../../bin/ops/preflight/checks';
import {
  formatReport,
  preflightClients,
  PreflightFailed,
  registerPreflight,
  runPreflight,
} from '../../bin/ops/preflight/command';
import { PreflightPlan, preflightPlanFor, readRequirements } from '../../bin/ops/preflight/plan';
import { defaultConfigInput } from '../helpers/app';

const mocks = {
  sts: mockClient(STSClient),
  cloudformation: mockClient(CloudFormationClient),
  iam: mockClient(IAMClient),
  lambda: mockClient(LambdaClient),
  backup: mockClient(BackupClient),
  cloudwatch: mockClient(CloudWatchClient),
  route53: mockClient(Route53Client),
  acm: mockClient(ACMClient),
  connections: mockClient(CodeStarConnectionsClient),
  ecr: mockClient(ECRClient),
  ec2: mockClient(EC2Client),
  serviceQuotas: mockClient(ServiceQuotasClient),
};

/** The region of every request for clients, so a test can tell where a call went. */
const regionsAsked: string[] = [];
/**
 * One set of clients per region, as the command keeps them (defaultClients in bin/ops/preflight/command.ts): the
 * checks ask for a region's clients once per call, and making twelve SDK clients each time was over half of this
 * file's CPU. The mocks replace `send` on each client class's prototype, so a kept client answers as they say.
 */
const clientsByRegion = new Map<string, PreflightClients>();
function clients(region: string): PreflightClients {
  regionsAsked.push(region);
  let made = clientsByRegion.get(region);
  if (!made) {
    made = preflightClients({ region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    clientsByRegion.set(region, made);
  }
  return made;
}

const sleeps: number[] = [];
const ctx = { clients, retry: { sleep: async (ms: number) => void sleeps.push(ms) } };

function awsError(name: string, message = name, status = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

const TOOLING_TRUST = encodeURIComponent(
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444444444444:root' }, Action: 'sts:AssumeRole' }],
  }),
);

/** Every call answers as a healthy, bootstrapped, never-deployed Prod account (333333333333) would. */
function healthyAccount(account = '333333333333'): void {
  for (const mock of Object.values(mocks)) mock.reset();
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: account, Arn: `arn:aws:iam::${account}:role/admin` });
  mocks.cloudformation.on(DescribeStacksCommand).rejects(awsError('ValidationError', 'Stack with id X does not exist'));
  mocks.cloudformation.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({
    Stacks: [
      {
        StackName: 'CDKToolkit',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(0),
        Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '21' }],
      },
    ],
  });
  mocks.iam.on(GetRoleCommand).resolves({
    Role: {
      RoleName: 'r',
      Path: '/',
      RoleId: 'x',
      Arn: 'arn',
      CreateDate: new Date(0),
      AssumeRolePolicyDocument: TOOLING_TRUST,
    },
  });
  mocks.lambda
    .on(GetAccountSettingsCommand)
    .resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 } });
  mocks.backup
    .on(DescribeRegionSettingsCommand)
    .resolves({ ResourceTypeOptInPreference: { Aurora: true, RDS: false, S3: false } });
  mocks.cloudwatch
    .on(ListMetricsCommand)
    .resolves({ Metrics: [{ Namespace: 'AWS/Billing', MetricName: 'EstimatedCharges' }] });
  mocks.route53.on(GetHostedZoneCommand).resolves({
    HostedZone: {
      Id: '/hostedzone/Z0123456789ABCDEFGHIJ',
      Name: 'example.com.',
      CallerReference: 'x',
      Config: { PrivateZone: false },
    },
  });
  mocks.acm.on(DescribeCertificateCommand).resolves({
    Certificate: {
      Status: 'ISSUED',
      DomainName: 'orders.example.com',
      SubjectAlternativeNames: ['orders.example.com'],
    },
  });
  mocks.connections
    .on(GetConnectionCommand)
    .resolves({ Connection: { ConnectionName: 'github', ConnectionStatus: 'AVAILABLE' } });
  mocks.ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: 'sha256:abc' }] });
  mocks.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-default' }] });
  mocks.ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
  mocks.ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [] });
  mocks.ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
  mocks.serviceQuotas.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 5 } });
}

/** Credentials of the Dev account (111111111111), the other mocks unchanged. */
function devCredentials(): void {
  mocks.sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: '111111111111', Arn: 'arn:aws:iam::111111111111:role/admin' });
}

function config(change: (input: ReturnType<typeof defaultConfigInput>) => void = () => undefined): ResolvedConfig {
  const input = defaultConfigInput();
  change(input);
  return validateConfig(input);
}

const prodPlan = (c: ResolvedConfig = config()) => preflightPlanFor(c, 'Prod');
const find = (results: readonly CheckResult[], check: string, target: string) => {
  const found = results.find((r) => r.check === check && r.target === target);
  if (!found)
    throw new Error(`no ${check} result for ${target} in ${JSON.stringify(results.map((r) => [r.check, r.target]))}`);
  return found;
};
const PROD = 'Prod 333333333333 us-east-1';
const DR = 'DrRegion 333333333333 us-west-2';

beforeEach(() => {
  healthyAccount();
  regionsAsked.length = 0;
  sleeps.length = 0;
});

describe('preflight plan', () => {
  test('Prod covers DrRegion too (cdk deploy Prod deploys it first), with the names lib/ gives', () => {
    const plan = prodPlan();
    expect(
      plan.targets.map((t) => [
        t.stackName,
        t.account,
        t.region,
        t.deployRoleName,
        t.trustedToolingAccount,
        t.natGateways,
        t.costAlarm,
        t.usesHostedZone,
      ]),
    ).toEqual([
      [
        'DrRegion',
        '333333333333',
        'us-west-2',
        'cdk-hnb659fds-deploy-role-333333333333-us-west-2',
        '444444444444',
        2,
        false,
        true,
      ],
      [
        'Prod',
        '333333333333',
        'us-east-1',
        'cdk-hnb659fds-deploy-role-333333333333-us-east-1',
        '444444444444',
        3,
        true,
        true,
      ],
    ]);
    expect(plan.targets.map((t) => t.certificateArn)).toEqual([
      'arn:aws:acm:us-west-2:333333333333:certificate/00000000-0000-0000-0000-000000000000',
      'arn:aws:acm:us-east-1:333333333333:certificate/00000000-0000-0000-0000-000000000000',
    ]);
  });

  test('Dev alone; DrRegion alone; Pipeline in the tooling account with the connection', () => {
    const c = config();
    expect(
      preflightPlanFor(c, 'Dev').targets.map((t) => [
        t.stackName,
        t.account,
        t.region,
        t.usesHostedZone,
        t.certificateArn,
      ]),
    ).toEqual([['Dev', '111111111111', 'us-east-1', false, undefined]]);
    expect(preflightPlanFor(c, 'DrRegion').targets.map((t) => t.stackName)).toEqual(['DrRegion']);
    const pipeline = preflightPlanFor(c, 'Pipeline');
    expect(
      pipeline.targets.map((t) => [t.stackName, t.account, t.region, t.workload, t.trustedToolingAccount]),
    ).toEqual([['Pipeline', '444444444444', 'us-east-1', false, undefined]]);
    expect(pipeline.connectionArn).toBe(
      'arn:aws:codeconnections:us-east-1:444444444444:connection/00000000-0000-0000-0000-000000000000',
    );
  });

  test('an unknown environment is refused with the names it accepts', () => {
    expect(() => preflightPlanFor(config(), 'Qa')).toThrow(
      'no environment "Qa" in the config; choose one of Dev, Staging, Prod, DrRegion, Pipeline',
    );
  });

  test(
    'requirements come from cdk.out: the highest bootstrap version of stack, assets and lookup role; reserved ' +
      'concurrency summed',
    () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-cdk-out-'));
      fs.writeFileSync(
        path.join(dir, 'manifest.json'),
        JSON.stringify({
          artifacts: {
            'Prod.assets': { type: 'cdk:asset-manifest', properties: { requiresBootstrapStackVersion: 6 } },
            // As aws-cdk-lib writes it: no stackName when it equals the artifact id.
            Prod: {
              type: 'aws:cloudformation:stack',
              dependencies: ['Prod.assets'],
              properties: {
                templateFile: 'Prod.template.json',
                requiresBootstrapStackVersion: 6,
                lookupRole: { requiresBootstrapStackVersion: 8 },
              },
            },
            Renamed: {
              type: 'aws:cloudformation:stack',
              properties: {
                stackName: 'orders-renamed',
                templateFile: 'Prod.template.json',
                requiresBootstrapStackVersion: 21,
              },
            },
          },
        }),
      );
      fs.writeFileSync(
        path.join(dir, 'Prod.template.json'),
        JSON.stringify({
          Resources: {
            A: { Type: 'AWS::Lambda::Function', Properties: { ReservedConcurrentExecutions: 1 } },
            B: { Type: 'AWS::Lambda::Function', Properties: { ReservedConcurrentExecutions: 2 } },
            C: { Type: 'AWS::Lambda::Function', Properties: {} },
          },
        }),
      );
      expect(readRequirements('Prod', dir)).toMatchObject({ bootstrapVersion: 8, reservedConcurrency: 3 });
      expect(readRequirements('orders-renamed', dir)).toMatchObject({ bootstrapVersion: 21, reservedConcurrency: 3 });
      expect(readRequirements('Dev', dir)).toMatchObject({ bootstrapVersion: 8, reservedConcurrency: 0 });
      expect(readRequirements('Prod', path.join(dir, 'missing'))).toMatchObject({
        bootstrapVersion: 8,
        reservedConcurrency: 0,
      });
    },
  );
});

describe('preflight Prod against a healthy account', () => {
  test('every check passes except the public image, which cannot be checked', async () => {
    const report = await runPreflight(prodPlan(), ctx);
    expect(report.checks.map((c) => [c.check, c.target, c.status])).toEqual([
      ['credentials', DR, 'PASS'],
      ['bootstrap', DR, 'PASS'],
      ['bootstrap-trust', DR, 'PASS'],
      ['lambda-concurrency', DR, 'PASS'],
      ['backup-opt-in', DR, 'PASS'],
      ['hosted-zone', DR, 'PASS'],
      ['certificate', DR, 'PASS'],
      ['image', DR, 'WARN'],
      ['quota-vpcs', DR, 'PASS'],
      ['quota-eips', DR, 'PASS'],
      ['quota-nat-gateways', DR, 'PASS'],
      ['credentials', PROD, 'PASS'],
      ['bootstrap', PROD, 'PASS'],
      ['bootstrap-trust', PROD, 'PASS'],
      ['lambda-concurrency', PROD, 'PASS'],
      ['backup-opt-in', PROD, 'PASS'],
      ['billing-alerts', PROD, 'PASS'],
      ['hosted-zone', PROD, 'PASS'],
      ['certificate', PROD, 'PASS'],
      ['image', PROD, 'WARN'],
      ['quota-vpcs', PROD, 'PASS'],
      ['quota-eips', PROD, 'PASS'],
      ['quota-nat-gateways', PROD, 'PASS'],
    ]);
    expect(report).toMatchObject({ environment: 'Prod', ok: true, counts: { PASS: 21, WARN: 2, FAIL: 0 } });
    expect(find(report.checks, 'bootstrap', PROD).message).toBe(
      'CDKToolkit version 21 >= 8 required (aws-cdk-lib 2.276 defaults (no cdk.out; run npx cdk synth for the ' +
        'exact figures))',
    );
    expect(find(report.checks, 'quota-eips', PROD).message).toBe(
      'EC2-VPC Elastic IPs 5 in us-east-1: 0 in use + 3 from Prod = 3',
    );
    expect(find(report.checks, 'image', PROD).message).toContain(
      'not checked: public.ecr.aws/nginx/nginx:1.27 is not in a private ECR registry',
    );
    // The billing metric is read in us-east-1 whatever the target; the DR checks ran in us-west-2.
    expect(mocks.cloudwatch.commandCalls(ListMetricsCommand)[0].args[0].input).toEqual({
      Namespace: 'AWS/Billing',
      MetricName: 'EstimatedCharges',
    });
    expect(regionsAsked).toContain('us-west-2');
  });

  test('the quota checks ask Service Quotas for the VPC, EIP and NAT gateway codes', async () => {
    devCredentials();
    await runPreflight(preflightPlanFor(config(), 'Dev'), { ...ctx, clients: (r) => clients(r) });
    const asked = mocks.serviceQuotas
      .commandCalls(GetServiceQuotaCommand)
      .map((c) => `${c.args[0].input.ServiceCode}/${c.args[0].input.QuotaCode}`);
    expect(asked.sort()).toEqual(['ec2/L-0263D0A3', 'vpc/L-F678F1CE', 'vpc/L-FE5A380F']);
  });
});

describe('each check fails with the fix', () => {
  test("credentials of another account: FAIL, and the account's other checks are skipped", async () => {
    mocks.sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '999999999999', Arn: 'arn:aws:iam::999999999999:user/me' });
    const report = await runPreflight(preflightPlanFor(config(), 'Dev'), ctx);
    expect(report.checks).toEqual([
      {
        check: 'credentials',
        target: 'Dev 111111111111 us-east-1',
        status: 'FAIL',
        message:
          'the credentials are of account 999999999999 (arn:aws:iam::999999999999:user/me), not 111111111111: the ' +
          'other checks of Dev were skipped',
        fix:
          'run with credentials of account 111111111111, e.g. AWS_PROFILE=<a profile of 111111111111> npm run ' +
          'ops -- preflight ...',
      },
    ]);
    expect(mocks.lambda.calls()).toHaveLength(0);
  });

  test('bootstrap: no CDKToolkit stack, an old version, no version output', async () => {
    mocks.cloudformation
      .on(DescribeStacksCommand, { StackName: 'CDKToolkit' })
      .rejects(awsError('ValidationError', 'Stack with id CDKToolkit does not exist'));
    let report = await runPreflight(prodPlan(), ctx);
    expect(find(report.checks, 'bootstrap', PROD)).toMatchObject({
      status: 'FAIL',
      message: '333333333333/us-east-1 is not bootstrapped (no CDKToolkit stack)',
      fix:
        'npx cdk bootstrap aws://333333333333/us-east-1 --trust 444444444444 ' +
        '--cloudformation-execution-policies <policy ARN (README)>',
    });

    mocks.cloudformation.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({
      Stacks: [
        {
          StackName: 'CDKToolkit',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(0),
          Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '6' }],
        },
      ],
    });
    report = await runPreflight(prodPlan(), ctx);
    expect(find(report.checks, 'bootstrap', PROD)).toMatchObject({
      status: 'FAIL',
      message: expect.stringMatching(/^bootstrap version 6 < 8 required/),
    });

    mocks.cloudformation.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({
      Stacks: [{ StackName: 'CDKToolkit', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(0), Outputs: [] }],
    });
    report = await runPreflight(prodPlan(), ctx);
    expect(find(report.checks, 'bootstrap', PROD)).toMatchObject({
      status: 'FAIL',
      message: 'CDKToolkit has no BootstrapVersion output (a legacy or custom bootstrap)',
    });
  });

  test(
    'bootstrap trust: a deploy role that does not trust the tooling account; a missing role; an unreadable ' + 'one',
    async () => {
      const ownAccountOnly = encodeURIComponent(
        JSON.stringify({
          Statement: [
            { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::333333333333:root' }, Action: 'sts:AssumeRole' },
          ],
        }),
      );
      mocks.iam.on(GetRoleCommand).resolves({
        Role: {
          RoleName: 'r',
          Path: '/',
          RoleId: 'x',
          Arn: 'arn',
          CreateDate: new Date(0),
          AssumeRolePolicyDocument: ownAccountOnly,
        },
      });
      let report = await runPreflight(prodPlan(), ctx);
      expect(find(report.checks, 'bootstrap-trust', PROD)).toMatchObject({
        status: 'FAIL',
        message:
          'cdk-hnb659fds-deploy-role-333333333333-us-east-1 does not trust the tooling account 444444444444: the ' +
          'pipeline cannot deploy Prod',
        fix: expect.stringContaining('--trust 444444444444'),
      });
      expect(
        mocks.iam
          .commandCalls(GetRoleCommand)
          .map((c) => c.args[0].input.RoleName)
          .sort(),
      ).toEqual([
        'cdk-hnb659fds-deploy-role-333333333333-us-east-1',
        'cdk-hnb659fds-deploy-role-333333333333-us-west-2',
      ]);

      mocks.iam
        .on(GetRoleCommand)
        .rejects(awsError('NoSuchEntityException', 'The role with name x cannot be found.', 404));
      report = await runPreflight(prodPlan(), ctx);
      expect(find(report.checks, 'bootstrap-trust', PROD)).toMatchObject({
        status: 'FAIL',
        message: expect.stringContaining('does not exist'),
      });

      mocks.iam
        .on(GetRoleCommand)
        .rejects(awsError('AccessDenied', 'User is not authorized to perform: iam:GetRole', 403));
      report = await runPreflight(prodPlan(), ctx);
      expect(find(report.checks, 'bootstrap-trust', PROD)).toMatchObject({
        status: 'WARN',
        fix: expect.stringContaining('iam:GetRole'),
      });
    },
  );

  test("Lambda: a new account's quota of 10 is a WARN; leaving < 100 unreserved FAILs", async () => {
    mocks.lambda
      .on(GetAccountSettingsCommand)
      .resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });
    const report = await runPreflight(prodPlan(), ctx);
    expect(find(report.checks, 'lambda-concurrency', PROD)).toMatchObject({
      status: 'WARN',
      message: expect.stringContaining('concurrency quota 10 (10 unreserved): the stacks reserve 0, so they deploy'),
      fix: expect.stringContaining('Concurrent executions'),
    });

    mocks.lambda
      .on(GetAccountSettingsCommand)
      .resolves({ AccountLimit: { ConcurrentExecutions: 150, UnreservedConcurrentExecutions: 102 } });
    const plan: PreflightPlan = {
      ...prodPlan(),
      requirements: {
        Prod: { bootstrapVersion: 8, reservedConcurrency: 4, source: 'test' },
        DrRegion: { bootstrapVersion: 8, reservedConcurrency: 0, source: 'test' },
      },
    };
    const reserved = await runPreflight(plan, ctx);
    // 102 unreserved - 4 reserved = 98 < 100.
    expect(find(reserved.checks, 'lambda-concurrency', PROD)).toMatchObject({
      status: 'FAIL',
      message: expect.stringContaining('reserve 4 concurrent executions; the account has 102 unreserved of 150'),
    });
    expect(find(reserved.checks, 'lambda-concurrency', DR).status).toBe('PASS');
  });

  test('AWS Backup: Aurora not opted in FAILs with the CLI fix for that region', async () => {
    mocks.backup
      .on(DescribeRegionSettingsCommand)
      .resolves({ ResourceTypeOptInPreference: { Aurora: false, RDS: true } });
    const report = await runPreflight(prodPlan(), ctx);
    expect(find(report.checks, 'backup-opt-in', DR)).toEqual({
      check: 'backup-opt-in',
      target: DR,
      status: 'FAIL',
      message: 'AWS Backup is not opted in to Aurora in us-west-2: the plan would skip the database',
      fix: 'aws backup update-region-settings --resource-type-opt-in-preference Aurora=true --region us-west-2',
    });
    expect(find(report.checks, 'backup-opt-in', PROD).fix).toBe(
      'aws backup update-region-settings --resource-type-opt-in-preference Aurora=true --region us-east-1',
    );
    expect(report.ok).toBe(false);
  });

  test('billing alerts off: no EstimatedCharges metric is a WARN with the console path', async () => {
    mocks.cloudwatch.on(ListMetricsCommand).resolves({ Metrics: [] });
    const report = await runPreflight(prodPlan(), ctx);
    expect(find(report.checks, 'billing-alerts', PROD)).toMatchObject({
      status: 'WARN',
      fix: expect.stringContaining('Receive CloudWatch billing alerts'),
    });
    expect(report.checks.filter((c) => c.check === 'billing-alerts').map((c) => c.target)).toEqual([PROD]);
  });

  test('hosted zone: missing, another name, private', async () => {
    mocks.route53
      .on(GetHostedZoneCommand)
      .rejects(awsError('NoSuchHostedZone', 'No hosted zone found with ID: Z0123456789ABCDEFGHIJ', 404));
    expect(find((await runPreflight(prodPlan(), ctx)).checks, 'hosted-zone', PROD)).toMatchObject({
      status: 'FAIL',
      message: 'no hosted zone Z0123456789ABCDEFGHIJ in account 333333333333',
    });

    mocks.route53.on(GetHostedZoneCommand).resolves({
      HostedZone: { Id: 'z', Name: 'example.org.', CallerReference: 'x', Config: { PrivateZone: false } },
    });
    expect(find((await runPreflight(prodPlan(), ctx)).checks, 'hosted-zone', PROD)).toMatchObject({
      status: 'FAIL',
      message: 'hosted zone Z0123456789ABCDEFGHIJ is "example.org", the config says "example.com"',
    });

    mocks.route53
      .on(GetHostedZoneCommand)
      .resolves({ HostedZone: { Id: 'z', Name: 'example.com.', CallerReference: 'x', Config: { PrivateZone: true } } });
    expect(find((await runPreflight(prodPlan(), ctx)).checks, 'hosted-zone', PROD)).toMatchObject({
      status: 'FAIL',
      message: expect.stringContaining('is private'),
    });
  });

  test('certificate: pending validation, not covering the domain, missing', async () => {
    mocks.acm
      .on(DescribeCertificateCommand)
      .resolves({ Certificate: { Status: 'PENDING_VALIDATION', DomainName: 'orders.example.com' } });
    expect(find((await runPreflight(prodPlan(), ctx)).checks, 'certificate', PROD)).toMatchObject({
      status: 'FAIL',
      message:
        'certificate arn:aws:acm:us-east-1:333333333333:certificate/00000000-0000-0000-0000-000000000000 is ' +
        'PENDING_VALIDATION, not ISSUED',
      fix: expect.stringContaining('DNS validation records'),
    });

    mocks.acm.on(DescribeCertificateCommand).resolves({
      Certificate: {
        Status: 'ISSUED',
        DomainName: 'example.com',
        SubjectAlternativeNames: ['example.com', '*.api.example.com'],
      },
    });
    expect(find((await runPreflight(prodPlan(), ctx)).checks, 'certificate', PROD)).toMatchObject({
      status: 'FAIL',
      message: expect.stringContaining('covers example.com, *.api.example.com, not orders.example.com'),
    });

    mocks.acm.on(DescribeCertificateCommand).resolves({
      Certificate: {
        Status: 'ISSUED',
        DomainName: 'example.com',
        SubjectAlternativeNames: ['example.com', '*.example.com'],
      },
    });
    expect(find((await runPreflight(prodPlan(), ctx)).checks, 'certificate', PROD).status).toBe('PASS');

    mocks.acm
      .on(DescribeCertificateCommand)
      .rejects(awsError('ResourceNotFoundException', 'Could not find certificate'));
    expect(find((await runPreflight(prodPlan(), ctx)).checks, 'certificate', DR)).toMatchObject({
      status: 'FAIL',
      message: expect.stringContaining('still the placeholder?'),
    });
  });

  test('wildcards cover exactly one label (RFC 6125)', () => {
    expect(nameCovers('*.example.com', 'orders.example.com')).toBe(true);
    expect(nameCovers('*.example.com', 'ORDERS.Example.com')).toBe(true);
    expect(nameCovers('*.example.com', 'example.com')).toBe(false);
    expect(nameCovers('*.example.com', 'a.orders.example.com')).toBe(false);
    expect(nameCovers('*.com', 'orders.example.com')).toBe(false);
    expect(nameCovers('orders.example.com', 'orders.example.com')).toBe(true);
    expect(nameCovers('orders.example.com', 'www.orders.example.com')).toBe(false);
  });

  test('connection (Pipeline): PENDING FAILs with the console step; AVAILABLE passes', async () => {
    healthyAccount('444444444444');
    mocks.connections
      .on(GetConnectionCommand)
      .resolves({ Connection: { ConnectionName: 'github', ConnectionStatus: 'PENDING' } });
    const plan = preflightPlanFor(config(), 'Pipeline');
    let report = await runPreflight(plan, ctx);
    expect(report.checks.map((c) => [c.check, c.status])).toEqual([
      ['credentials', 'PASS'],
      ['bootstrap', 'PASS'],
      ['lambda-concurrency', 'PASS'],
      ['connection', 'FAIL'],
    ]);
    expect(find(report.checks, 'connection', 'Pipeline 444444444444 us-east-1').fix).toContain(
      'Update pending connection',
    );
    expect(mocks.connections.commandCalls(GetConnectionCommand)[0].args[0].input.ConnectionArn).toBe(
      'arn:aws:codeconnections:us-east-1:444444444444:connection/00000000-0000-0000-0000-000000000000',
    );

    mocks.connections
      .on(GetConnectionCommand)
      .resolves({ Connection: { ConnectionName: 'github', ConnectionStatus: 'AVAILABLE' } });
    report = await runPreflight(plan, ctx);
    expect(report.ok).toBe(true);
  });

  test('image in ECR: found passes, missing FAILs with the push fix; tag and digest parsed', async () => {
    devCredentials();
    const image = '333333333333.dkr.ecr.us-east-1.amazonaws.com/orders:1.4.2';
    expect(parseEcrImage(image)).toEqual({
      registryId: '333333333333',
      region: 'us-east-1',
      repositoryName: 'orders',
      tag: '1.4.2',
      digest: undefined,
    });
    expect(parseEcrImage('333333333333.dkr.ecr.eu-west-1.amazonaws.com/team/orders')).toMatchObject({
      repositoryName: 'team/orders',
      tag: 'latest',
    });
    expect(parseEcrImage(`333333333333.dkr.ecr.us-east-1.amazonaws.com/orders@sha256:${'a'.repeat(64)}`)).toMatchObject(
      { tag: undefined, digest: `sha256:${'a'.repeat(64)}` },
    );
    expect(parseEcrImage('nginx:1.27')).toBeUndefined();

    const c = config((input) => {
      input.service.image = image;
    });
    let report = await runPreflight(preflightPlanFor(c, 'Dev'), ctx);
    expect(find(report.checks, 'image', 'Dev 111111111111 us-east-1')).toMatchObject({
      status: 'PASS',
      message: `${image} exists in ECR`,
    });
    expect(mocks.ecr.commandCalls(DescribeImagesCommand)[0].args[0].input).toEqual({
      registryId: '333333333333',
      repositoryName: 'orders',
      imageIds: [{ imageTag: '1.4.2' }],
    });

    mocks.ecr
      .on(DescribeImagesCommand)
      .rejects(awsError('ImageNotFoundException', "The image with imageId {imageTag:'1.4.2'} does not exist"));
    report = await runPreflight(preflightPlanFor(c, 'Dev'), ctx);
    expect(find(report.checks, 'image', 'Dev 111111111111 us-east-1')).toMatchObject({
      status: 'FAIL',
      fix: `push the image (docker push ${image}) or fix service.image in the config`,
    });
  });

  test('quotas: the VPC that does not fit, a full AZ for NAT gateways, EIPs over the quota', async () => {
    mocks.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [1, 2, 3, 4, 5].map((i) => ({ VpcId: `vpc-${i}` })) });
    mocks.ec2
      .on(DescribeAddressesCommand)
      .resolves({ Addresses: [{ AllocationId: 'a' }, { AllocationId: 'b' }, { AllocationId: 'c' }] });
    mocks.ec2
      .on(DescribeNatGatewaysCommand)
      .resolves({ NatGateways: [1, 2, 3, 4, 5].map((i) => ({ NatGatewayId: `nat-${i}`, SubnetId: 'subnet-b' })) });
    mocks.ec2
      .on(DescribeSubnetsCommand)
      .resolves({ Subnets: [{ SubnetId: 'subnet-b', AvailabilityZone: 'us-east-1b' }] });
    const report = await runPreflight(prodPlan(), ctx);
    expect(find(report.checks, 'quota-vpcs', PROD)).toEqual({
      check: 'quota-vpcs',
      target: PROD,
      status: 'FAIL',
      message: 'VPCs per Region 5 in us-east-1: 5 in use + 1 from Prod = 6',
      fix:
        'aws service-quotas request-service-quota-increase --service-code vpc --quota-code L-F678F1CE ' +
        '--desired-value 6 --region us-east-1 (VPCs per Region)',
    });
    // Prod's 3 NAT gateways (us-east-1a, b, c) need 3 EIPs: 3 + 3 = 6 > 5.
    expect(find(report.checks, 'quota-eips', PROD)).toMatchObject({
      status: 'FAIL',
      message: 'EC2-VPC Elastic IPs 5 in us-east-1: 3 in use + 3 from Prod = 6',
    });
    expect(find(report.checks, 'quota-nat-gateways', PROD)).toMatchObject({
      status: 'FAIL',
      message: 'NAT gateways per Availability Zone 5 in us-east-1b: 5 in use + 1 from Prod = 6',
      fix: expect.stringContaining('--quota-code L-FE5A380F --desired-value 6'),
    });
  });

  test(
    'quotas: a stack that exists adds nothing; an unknown quota is a WARN; a default quota is read when none is ' +
      'applied',
    async () => {
      mocks.cloudformation
        .on(DescribeStacksCommand, { StackName: 'Prod' })
        .resolves({ Stacks: [{ StackName: 'Prod', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(0) }] });
      mocks.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [1, 2, 3, 4, 5].map((i) => ({ VpcId: `vpc-${i}` })) });
      mocks.serviceQuotas.on(GetServiceQuotaCommand).rejects(awsError('NoSuchResourceException', 'no applied value'));
      mocks.serviceQuotas.on(GetAWSDefaultServiceQuotaCommand).resolves({ Quota: { Value: 5 } });
      mocks.serviceQuotas
        .on(GetAWSDefaultServiceQuotaCommand, { QuotaCode: 'L-0263D0A3' })
        .rejects(awsError('NoSuchResourceException', 'unknown'));
      const report = await runPreflight(prodPlan(), ctx);
      expect(find(report.checks, 'quota-vpcs', PROD)).toMatchObject({
        status: 'PASS',
        message: 'VPCs per Region 5 in us-east-1: 5 in use + 0 from Prod = 5',
      });
      expect(find(report.checks, 'quota-eips', PROD)).toMatchObject({
        status: 'WARN',
        message: expect.stringContaining('is unknown to Service Quotas here'),
      });
      expect(find(report.checks, 'quota-nat-gateways', PROD)).toMatchObject({
        status: 'PASS',
        message: 'Prod exists: it adds no NAT gateway (0 in the region)',
      });
      expect(mocks.cloudformation.commandCalls(DescribeStacksCommand, { StackName: 'Prod' })).toHaveLength(1);
      // DrRegion does not exist yet: its VPC counts.
      expect(find(report.checks, 'quota-vpcs', DR)).toMatchObject({
        status: 'FAIL',
        message: 'VPCs per Region 5 in us-west-2: 5 in use + 1 from DrRegion = 6',
      });
    },
  );
});

describe('faults', () => {
  test('throttling is retried with backoff and the check still passes', async () => {
    devCredentials();
    mocks.lambda
      .on(GetAccountSettingsCommand)
      .rejectsOnce(awsError('TooManyRequestsException', 'Rate exceeded', 429))
      .resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 } });
    const report = await runPreflight(preflightPlanFor(config(), 'Dev'), ctx);
    expect(find(report.checks, 'lambda-concurrency', 'Dev 111111111111 us-east-1').status).toBe('PASS');
    expect(mocks.lambda.commandCalls(GetAccountSettingsCommand)).toHaveLength(2);
    expect(sleeps.length).toBeGreaterThanOrEqual(1);
  });

  test('throttling that never ends FAILs the check after the retries, naming the error', async () => {
    devCredentials();
    mocks.backup.on(DescribeRegionSettingsCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
    const report = await runPreflight(preflightPlanFor(config(), 'Dev'), ctx);
    expect(find(report.checks, 'backup-opt-in', 'Dev 111111111111 us-east-1')).toMatchObject({
      status: 'FAIL',
      message: 'could not check: ThrottlingException: Rate exceeded',
    });
    expect(mocks.backup.commandCalls(DescribeRegionSettingsCommand)).toHaveLength(5);
  });

  test('an error of several lines (an SDK deserialization error) stays one line', async () => {
    devCredentials();
    const twoLines = 'Unexpected token <\n  Deserialization error: see $response.';
    mocks.lambda.on(GetAccountSettingsCommand).rejects(awsError('SyntaxError', twoLines));
    const report = await runPreflight(preflightPlanFor(config(), 'Dev'), ctx);
    expect(find(report.checks, 'lambda-concurrency', 'Dev 111111111111 us-east-1').message).toBe(
      'could not check: SyntaxError: Unexpected token < Deserialization error: see $response',
    );
    for (const line of formatReport(report)) expect(line).not.toContain('\n');
  });

  test('access denied is a WARN naming the permission, never a PASS', async () => {
    devCredentials();
    mocks.lambda
      .on(GetAccountSettingsCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform: lambda:GetAccountSettings', 403));
    mocks.ec2
      .on(DescribeVpcsCommand)
      .rejects(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403));
    const report = await runPreflight(preflightPlanFor(config(), 'Dev'), ctx);
    expect(find(report.checks, 'lambda-concurrency', 'Dev 111111111111 us-east-1')).toMatchObject({
      status: 'WARN',
      message:
        'not checked: access denied (AccessDeniedException: not authorized to perform: lambda:GetAccountSettings)',
      fix: "run with credentials allowed lambda:GetAccountSettings (the account's ReadOnlyAccess covers them)",
    });
    expect(find(report.checks, 'quota-vpcs', 'Dev 111111111111 us-east-1')).toMatchObject({
      status: 'WARN',
      fix: expect.stringContaining('ec2:DescribeVpcs'),
    });
    expect(mocks.lambda.commandCalls(GetAccountSettingsCommand)).toHaveLength(1);
  });

  test('trust policies: the account id or its root ARN as principal counts; Deny or another account does not', () => {
    const doc = (statement: object) => encodeURIComponent(JSON.stringify({ Statement: [statement] }));
    expect(trustsAccount(doc({ Effect: 'Allow', Principal: { AWS: '444444444444' } }), '444444444444')).toBe(true);
    expect(
      trustsAccount(
        doc({
          Effect: 'Allow',
          Principal: { AWS: ['arn:aws:iam::111111111111:root', 'arn:aws:iam::444444444444:root'] },
        }),
        '444444444444',
      ),
    ).toBe(true);
    expect(
      trustsAccount(doc({ Effect: 'Deny', Principal: { AWS: 'arn:aws:iam::444444444444:root' } }), '444444444444'),
    ).toBe(false);
    expect(
      trustsAccount(doc({ Effect: 'Allow', Principal: { Service: 'cloudformation.amazonaws.com' } }), '444444444444'),
    ).toBe(false);
    // Not URL-encoded, with a '%' that decodeURIComponent would refuse.
    const raw = JSON.stringify({ Statement: { Effect: 'Allow', Principal: { AWS: '444444444444' }, Sid: '100%' } });
    expect(trustsAccount(raw, '444444444444')).toBe(true);
  });
});

describe('preflight command', () => {
  function program(lines: string[]): Command {
    return registerPreflight(new Command('ops').exitOverride(), {
      clients,
      print: (l) => lines.push(l),
      retry: ctx.retry,
    });
  }

  test('--json prints the whole report and resolves when nothing FAILs', async () => {
    devCredentials();
    const lines: string[] = [];
    await program(lines).parseAsync(['node', 'ops', 'preflight', 'Dev', '--json', '--cdk-out', 'no-such-dir']);
    const report = JSON.parse(lines.join('\n'));
    expect(Object.keys(report)).toEqual(['environment', 'ok', 'counts', 'checks']);
    expect(report).toMatchObject({ environment: 'Dev', ok: true, counts: { PASS: 9, WARN: 1, FAIL: 0 } });
    expect(report.checks[0]).toEqual({
      check: 'credentials',
      target: 'Dev 111111111111 us-east-1',
      status: 'PASS',
      message: 'credentials of account 111111111111 (arn:aws:iam::111111111111:role/admin)',
    });
    for (const check of report.checks)
      expect(Object.keys(check).filter((k) => k !== 'fix')).toEqual(['check', 'target', 'status', 'message']);
  });

  test('a FAIL prints one line per check with its fix and rejects (bin/ops.ts then exits 1)', async () => {
    const lines: string[] = [];
    healthyAccount('111111111111');
    mocks.backup.on(DescribeRegionSettingsCommand).resolves({ ResourceTypeOptInPreference: {} });
    await expect(
      program(lines).parseAsync(['node', 'ops', 'preflight', 'Dev', '--cdk-out', 'no-such-dir']),
    ).rejects.toThrow(PreflightFailed);
    expect(lines).toHaveLength(11);
    expect(lines).toContain(
      'FAIL backup-opt-in      [Dev 111111111111 us-east-1] AWS Backup is not opted in to Aurora in us-east-1: the ' +
        'plan would skip the database. Fix: aws backup update-region-settings --resource-type-opt-in-preference ' +
        'Aurora=true --region us-east-1',
    );
    expect(lines[lines.length - 1]).toBe('preflight Dev: 8 PASS, 1 WARN, 1 FAIL: fix the FAIL lines before cdk deploy');
  });
});
