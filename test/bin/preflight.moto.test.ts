import { spawnSync } from 'child_process';
import { ACMClient, RequestCertificateCommand } from '@aws-sdk/client-acm';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateNatGatewayCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import {
  checkBillingAlerts,
  checkBootstrap,
  checkCertificate,
  checkCredentials,
  checkDeployRoleTrust,
  checkHostedZone,
  checkImage,
  checkNetworkQuotas,
  PreflightClients,
} from '../../bin/ops/preflight/checks';
import { preflightClients } from '../../bin/ops/preflight/command';
import { PreflightTarget } from '../../bin/ops/preflight/plan';
import { MotoServer } from '../helpers/moto';

/**
 * The checks whose APIs moto 5.2 implements, against a moto server: STS, CloudFormation DescribeStacks, IAM
 * GetRole, Route 53 GetHostedZone, ACM DescribeCertificate, CloudWatch ListMetrics, ECR DescribeImages, EC2
 * DescribeVpcs/Addresses/NatGateways/Subnets and Service Quotas for the vpc codes. Not in moto 5.2, so covered by
 * test/bin/preflight.test.ts only: Lambda GetAccountSettings, Backup DescribeRegionSettings, CodeStar Connections,
 * and the ec2 Elastic IP quota code.
 */
// moto issues a requested certificate once this many seconds have passed (default 60).
const moto = new MotoServer({ MOTO_ACM_VALIDATION_WAIT: '0' });
const MOTO_ACCOUNT = '123456789012';

beforeAll(() => moto.start(), 30_000);
afterAll(() => moto.stop());
beforeEach(() => moto.reset());

function clients(region: string): PreflightClients {
  const config = moto.clientConfig(region);
  return preflightClients(config);
}
const ctx = { clients, retry: { attempts: 1 } };

const target = (change: Partial<PreflightTarget> = {}): PreflightTarget => ({
  stackName: 'Prod',
  account: MOTO_ACCOUNT,
  region: 'us-east-1',
  workload: true,
  costAlarm: true,
  deployRoleName: `cdk-hnb659fds-deploy-role-${MOTO_ACCOUNT}-us-east-1`,
  trustedToolingAccount: '444444444444',
  availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  natGateways: 3,
  usesHostedZone: true,
  ...change,
});
const TARGET = `Prod ${MOTO_ACCOUNT} us-east-1`;
const requirements = { bootstrapVersion: 8, reservedConcurrency: 0, source: 'cdk.out' };
const service = { domainName: 'orders.example.com', hostedZoneName: 'example.com', image: 'unused' };

test("credentials: the account STS answers must be the target's", async () => {
  expect(await checkCredentials(ctx, target())).toMatchObject({
    status: 'PASS',
    message: expect.stringContaining(`credentials of account ${MOTO_ACCOUNT}`),
  });
  expect(await checkCredentials(ctx, target({ account: '333333333333' }))).toMatchObject({
    status: 'FAIL',
    message: expect.stringContaining(`the credentials are of account ${MOTO_ACCOUNT}`),
  });
});

test('bootstrap: FAIL before CDKToolkit exists, PASS once its BootstrapVersion output is new enough', async () => {
  expect(await checkBootstrap(ctx, target(), requirements)).toMatchObject({
    status: 'FAIL',
    message: `${MOTO_ACCOUNT}/us-east-1 is not bootstrapped (no CDKToolkit stack)`,
  });
  const template = {
    Resources: {
      CdkBootstrapVersion: {
        Type: 'AWS::SSM::Parameter',
        Properties: { Type: 'String', Name: '/cdk-bootstrap/hnb659fds/version', Value: '21' },
      },
    },
    Outputs: { BootstrapVersion: { Value: '21' } },
  };
  await new CloudFormationClient(moto.clientConfig('us-east-1')).send(
    new CreateStackCommand({ StackName: 'CDKToolkit', TemplateBody: JSON.stringify(template) }),
  );
  expect(await checkBootstrap(ctx, target(), requirements)).toEqual({
    check: 'bootstrap',
    target: TARGET,
    status: 'PASS',
    message: 'CDKToolkit version 21 >= 8 required (cdk.out)',
  });
  expect(await checkBootstrap(ctx, target(), { ...requirements, bootstrapVersion: 30 })).toMatchObject({
    status: 'FAIL',
    message: 'bootstrap version 21 < 30 required (cdk.out)',
  });
});

test('bootstrap trust: the deploy role must trust the tooling account', async () => {
  const iam = new IAMClient(moto.clientConfig('us-east-1'));
  const trust = (account: string) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }],
    });
  expect(await checkDeployRoleTrust(ctx, target())).toMatchObject({
    status: 'FAIL',
    message: expect.stringContaining('does not exist'),
  });
  await iam.send(
    new CreateRoleCommand({
      RoleName: `cdk-hnb659fds-deploy-role-${MOTO_ACCOUNT}-us-east-1`,
      AssumeRolePolicyDocument: trust('444444444444'),
    }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: `cdk-hnb659fds-deploy-role-${MOTO_ACCOUNT}-us-west-2`,
      AssumeRolePolicyDocument: trust(MOTO_ACCOUNT),
    }),
  );
  expect(await checkDeployRoleTrust(ctx, target())).toMatchObject({
    status: 'PASS',
    message: `cdk-hnb659fds-deploy-role-${MOTO_ACCOUNT}-us-east-1 trusts the tooling account 444444444444`,
  });
  const west = target({ region: 'us-west-2', deployRoleName: `cdk-hnb659fds-deploy-role-${MOTO_ACCOUNT}-us-west-2` });
  expect(await checkDeployRoleTrust(ctx, west)).toMatchObject({
    status: 'FAIL',
    message: expect.stringContaining('does not trust the tooling account 444444444444'),
  });
});

test('hosted zone: the public zone of the config passes; a private one and a missing id fail', async () => {
  const route53 = new Route53Client(moto.clientConfig('us-east-1'));
  const zone = await route53.send(new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: 'public' }));
  const zoneId = zone.HostedZone!.Id!.replace('/hostedzone/', '');
  expect(await checkHostedZone(ctx, target(), { ...service, hostedZoneId: zoneId })).toMatchObject({
    status: 'PASS',
    message: `public hosted zone ${zoneId} is example.com and holds orders.example.com`,
  });

  const vpc = await new EC2Client(moto.clientConfig('us-east-1')).send(
    new CreateVpcCommand({ CidrBlock: '10.99.0.0/16' }),
  );
  const privateZone = await route53.send(
    new CreateHostedZoneCommand({
      Name: 'example.com',
      CallerReference: 'private',
      VPC: { VPCId: vpc.Vpc!.VpcId, VPCRegion: 'us-east-1' },
      HostedZoneConfig: { PrivateZone: true },
    }),
  );
  const privateId = privateZone.HostedZone!.Id!.replace('/hostedzone/', '');
  expect(await checkHostedZone(ctx, target(), { ...service, hostedZoneId: privateId })).toMatchObject({
    status: 'FAIL',
    message: expect.stringContaining('is private'),
  });
  expect(await checkHostedZone(ctx, target(), { ...service, hostedZoneId: 'ZNOSUCHZONE00000' })).toMatchObject({
    status: 'FAIL',
    message: `no hosted zone ZNOSUCHZONE00000 in account ${MOTO_ACCOUNT}`,
  });
});

test('certificate: an issued one covering the domain passes; one for another name fails', async () => {
  const acm = new ACMClient(moto.clientConfig('us-east-1'));
  const covering = await acm.send(
    new RequestCertificateCommand({
      DomainName: 'example.com',
      SubjectAlternativeNames: ['example.com', '*.example.com'],
      ValidationMethod: 'DNS',
    }),
  );
  const other = await acm.send(
    new RequestCertificateCommand({ DomainName: 'shop.example.com', ValidationMethod: 'DNS' }),
  );
  expect(
    await checkCertificate(ctx, target({ certificateArn: covering.CertificateArn }), 'orders.example.com'),
  ).toMatchObject({
    status: 'PASS',
    message: `certificate ${covering.CertificateArn} is ISSUED and covers orders.example.com`,
  });
  expect(
    await checkCertificate(ctx, target({ certificateArn: other.CertificateArn }), 'orders.example.com'),
  ).toMatchObject({
    status: 'FAIL',
    message: `certificate ${other.CertificateArn} covers shop.example.com, not orders.example.com`,
  });
  const missing = covering.CertificateArn!.replace(
    /certificate\/.*/,
    'certificate/00000000-0000-0000-0000-000000000000',
  );
  expect(await checkCertificate(ctx, target({ certificateArn: missing }), 'orders.example.com')).toMatchObject({
    status: 'FAIL',
    message: expect.stringContaining('still the placeholder?'),
  });
});

test('billing alerts: WARN until AWS/Billing EstimatedCharges exists in us-east-1', async () => {
  expect(await checkBillingAlerts(ctx, target())).toMatchObject({ status: 'WARN' });
  await new CloudWatchClient(moto.clientConfig('us-east-1')).send(
    new PutMetricDataCommand({
      Namespace: 'AWS/Billing',
      MetricData: [{ MetricName: 'EstimatedCharges', Dimensions: [{ Name: 'Currency', Value: 'USD' }], Value: 12.5 }],
    }),
  );
  expect(await checkBillingAlerts(ctx, target())).toMatchObject({ status: 'PASS' });
});

test('image: an ECR image that exists passes, a missing tag fails', async () => {
  const ecr = new ECRClient(moto.clientConfig('us-east-1'));
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'orders' }));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      digest: `sha256:${'1'.repeat(64)}`,
      size: 1,
      mediaType: 'application/vnd.docker.container.image.v1+json',
    },
    layers: [],
  });
  await ecr.send(new PutImageCommand({ repositoryName: 'orders', imageManifest: manifest, imageTag: '1.0.0' }));
  const image = (tag: string) => `${MOTO_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/orders:${tag}`;
  expect(await checkImage(ctx, target(), image('1.0.0'))).toMatchObject({ status: 'PASS' });
  expect(await checkImage(ctx, target(), image('9.9.9'))).toMatchObject({
    status: 'FAIL',
    message: `${image('9.9.9')} does not exist (ImageNotFoundException)`,
  });
});

test('network quotas: usage counted from EC2, quotas from Service Quotas, plus what the stack adds', async () => {
  const ec2 = new EC2Client(moto.clientConfig('us-east-1'));
  // moto starts every region with its default VPC; add one VPC with a NAT gateway in us-east-1a.
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.98.0.0/16' }));
  const subnet = await ec2.send(
    new CreateSubnetCommand({ VpcId: vpc.Vpc!.VpcId, CidrBlock: '10.98.0.0/24', AvailabilityZone: 'us-east-1a' }),
  );
  await ec2.send(new CreateNatGatewayCommand({ SubnetId: subnet.Subnet!.SubnetId, ConnectivityType: 'private' }));

  const results = await checkNetworkQuotas(ctx, target());
  const byCheck = Object.fromEntries(results.map((r) => [r.check, r]));
  expect(byCheck['quota-vpcs']).toMatchObject({
    status: 'PASS',
    message: 'VPCs per Region 5 in us-east-1: 2 in use + 1 from Prod = 3',
  });
  expect(byCheck['quota-nat-gateways']).toMatchObject({
    status: 'PASS',
    message: 'NAT gateways per Availability Zone 5: us-east-1a 2, us-east-1b 1, us-east-1c 1 after the deploy',
  });

  for (const cidr of ['10.97.0.0/16', '10.96.0.0/16', '10.95.0.0/16'])
    await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }));
  const full = Object.fromEntries((await checkNetworkQuotas(ctx, target())).map((r) => [r.check, r]));
  expect(full['quota-vpcs']).toMatchObject({
    status: 'FAIL',
    message: 'VPCs per Region 5 in us-east-1: 5 in use + 1 from Prod = 6',
    fix:
      'aws service-quotas request-service-quota-increase --service-code vpc --quota-code L-F678F1CE ' +
      '--desired-value 6 --region us-east-1 (VPCs per Region)',
  });
});

test("the CLI exits 1 on a FAIL and prints JSON with --json (credentials of moto's account, not Dev's)", () => {
  // `npm run ops -- preflight ...` (`tsx bin/ops.ts`) as node with tsx's loader: the same program, without the
  // processes and CPU of npx and the tsx launcher.
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'bin/ops.ts',
      'preflight',
      'Dev',
      '--json',
      '--endpoint',
      moto.endpoint,
      '--cdk-out',
      'no-such-dir',
    ],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: 'us-east-1',
        AWS_MAX_ATTEMPTS: '1',
      },
      timeout: 90_000,
    },
  );
  expect(run.status).toBe(1);
  const report = JSON.parse(run.stdout);
  expect(report).toMatchObject({ environment: 'Dev', ok: false, counts: { PASS: 0, WARN: 0, FAIL: 1 } });
  expect(report.checks[0]).toMatchObject({
    check: 'credentials',
    target: 'Dev 111111111111 us-east-1',
    status: 'FAIL',
  });
  expect(run.stderr).toContain('error: preflight Dev: 1 check(s) FAIL');
});
