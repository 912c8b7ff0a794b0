import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BulwarkStack } from '../../lib/common/bulwark-stack';
import { Network, retentionDays } from '../../lib/network/network';
import { testApp } from '../helpers/app';

function networkTemplate(overrides: Partial<ConstructorParameters<typeof Network>[2]> = {}): Template {
  const app = testApp();
  const stack = new BulwarkStack(app, 'NetworkTest', {
    env: { account: '111111111111', region: 'us-east-1' },
    availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    tags: {},
  });
  new Network(stack, 'Network', {
    cidr: '10.30.0.0/16',
    availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    natGateways: 3,
    interfaceEndpoints: ['ecr.api', 'ecr.dkr', 'logs'],
    flowLogRetentionDays: 90,
    protection: { retain: true },
    ...overrides,
  });
  return Template.fromStack(stack as Stack);
}

describe('Network', () => {
  const template = networkTemplate();

  test('builds the VPC from the configured CIDR', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.30.0.0/16' });
  });

  test('has public, private-with-egress and isolated data subnets in every configured AZ', () => {
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet')) as Array<{
      Properties: { AvailabilityZone: string; Tags: Array<{ Key: string; Value: string }> };
    }>;
    const byTier = (tier: string) =>
      subnets
        .filter((s) => s.Properties.Tags.some((t) => t.Key === 'aws-cdk:subnet-name' && t.Value === tier))
        .map((s) => s.Properties.AvailabilityZone)
        .sort();
    const azs = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
    expect(byTier('public')).toEqual(azs);
    expect(byTier('private')).toEqual(azs);
    expect(byTier('data')).toEqual(azs);
    template.hasResourceProperties('AWS::EC2::Subnet', {
      Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-type', Value: 'Isolated' }]),
    });
  });

  test('places one NAT gateway per AZ when configured so, and one when configured so', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 3);
    networkTemplate({ natGateways: 1 }).resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  test('isolated subnets have no route to the internet', () => {
    const routes = Object.values(template.findResources('AWS::EC2::Route')) as Array<{
      Properties: { RouteTableId: { Ref: string } };
    }>;
    const dataTables = Object.keys(template.findResources('AWS::EC2::RouteTable')).filter((id) => id.includes('data'));
    expect(dataTables.length).toBe(3);
    expect(routes.filter((r) => dataTables.includes(r.Properties.RouteTableId.Ref))).toEqual([]);
  });

  test('sends all flow logs to a KMS-encrypted log group with retention, retained in production', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      MaxAggregationInterval: 60,
    });
    template.hasResource('AWS::Logs::LogGroup', {
      // Data is retained here, so the configured 90 days are raised to the 365-day floor for retained logs (b8c662d).
      Properties: { RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('FlowLogKey'), 'Arn'] } },
      // Retained on update and stack delete; a rolled-back first create deletes it so the retry can recreate it.
      DeletionPolicy: 'RetainExceptOnCreate',
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'logs.us-east-1.amazonaws.com' } })]),
      },
    });
  });

  test('destroys the flow log group with the stack when data is not retained', () => {
    // Without retained data the configured retention is used as given.
    networkTemplate({ protection: { retain: false } }).hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 90 },
      DeletionPolicy: 'Delete',
    });
  });

  test('has the S3 gateway endpoint and the configured interface endpoints in the private subnets', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({}),
    });
    const interfaces = Object.values(
      template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }),
    ) as Array<{ Properties: { ServiceName: string; PrivateDnsEnabled: boolean } }>;
    expect(interfaces.map((e) => e.Properties.ServiceName).sort()).toEqual([
      'com.amazonaws.us-east-1.ecr.api',
      'com.amazonaws.us-east-1.ecr.dkr',
      'com.amazonaws.us-east-1.logs',
    ]);
    expect(interfaces.every((e) => e.Properties.PrivateDnsEnabled)).toBe(true);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '10.30.0.0/16', FromPort: 443, ToPort: 443 })],
    });
  });

  test('closes the default security group', () => {
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  test('rounds log retention up to a value CloudWatch accepts', () => {
    expect(retentionDays(90)).toBe(90);
    expect(retentionDays(100)).toBe(120);
    expect(retentionDays(45)).toBe(60);
  });
});
