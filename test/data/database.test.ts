import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BulwarkStack } from '../../lib/common/bulwark-stack';
import { Naming } from '../../lib/common/naming';
import { auroraPostgresMaxConnections, Database, DatabaseProps } from '../../lib/data/database';
import { Network, SUBNET_GROUPS } from '../../lib/network/network';
import { testApp } from '../helpers/app';

function databaseStack(overrides: Partial<DatabaseProps> = {}): { template: Template; database: Database } {
  const app = testApp();
  const stack = new BulwarkStack(app, 'DatabaseTest', { env: { account: '111111111111', region: 'us-east-1' }, availabilityZones: ['us-east-1a', 'us-east-1b'], tags: {} });
  const network = new Network(stack, 'Network', { cidr: '10.30.0.0/16', availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1, interfaceEndpoints: ['secretsmanager'], flowLogRetentionDays: 30, protection: { retain: true } });
  const database = new Database(stack, 'Database', {
    config: { minCapacityAcu: 0.5, maxCapacityAcu: 4, backupRetentionDays: 35, readers: 0, iamAuthentication: true },
    naming: new Naming('orders', 'Prod'),
    protection: { retain: true },
    vpc: network.vpc,
    dataSubnetGroupName: SUBNET_GROUPS.data,
    rotationSubnetGroupName: SUBNET_GROUPS.private,
    backupTag: { key: 'backup', value: 'orders-prod' },
    ...overrides,
  });
  return { template: Template.fromStack(stack as Stack), database };
}

describe('Database', () => {
  const { template, database } = databaseStack();

  test('lives in the isolated data subnets only', () => {
    const groups = Object.values(template.findResources('AWS::RDS::DBSubnetGroup')) as Array<{ Properties: { SubnetIds: Array<{ Ref: string }> } }>;
    expect(groups).toHaveLength(1);
    expect(groups[0].Properties.SubnetIds.every((s) => /dataSubnet/.test(s.Ref))).toBe(true);
  });

  test('the PostgreSQL log group exists before the cluster, with a retention (no log-retention Lambda)', () => {
    template.hasResource('AWS::Logs::LogGroup', { Properties: { LogGroupName: '/aws/rds/cluster/orders-prod-db/postgresql', RetentionInDays: 30 }, DeletionPolicy: 'Retain' });
    template.hasResource('AWS::RDS::DBCluster', { DependsOn: Match.arrayWith([Match.stringLikeRegexp('DatabasePostgresqlLogs')]) });
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Handler: 'index.handler', Runtime: Match.anyValue() }, 0);
  });

  test('the rotation function runs in the private subnets and the database admits it on its port', () => {
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      HostedRotationLambda: Match.objectLike({ VpcSubnetIds: { 'Fn::Join': ['', Match.arrayWith([{ Ref: Match.stringLikeRegexp('privateSubnet') }])] } }),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { Description: 'Secret rotation function' });
  });

  test('the credentials secret is retained with the data', () => {
    template.hasResource('AWS::SecretsManager::Secret', { Properties: { Name: '/orders/prod/database' }, DeletionPolicy: 'Retain' });
  });

  test('the key that encrypts storage, secret and insights is rotated and retained', () => {
    template.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true, Description: Match.stringLikeRegexp('orders-prod-db') }, DeletionPolicy: 'Retain' });
  });

  test('signals for the monitoring alarms: the cluster and its max_connections', () => {
    expect(database.signals.cluster).toBe(database.cluster);
    // min < 1 ACU caps Aurora PostgreSQL at 2,000; otherwise memory of the max capacity / 9,531,392 bytes.
    expect(database.signals.maxConnections).toBe(auroraPostgresMaxConnections(0.5, 4));
    expect(auroraPostgresMaxConnections(0.5, 4)).toBe(901);
    expect(auroraPostgresMaxConnections(0, 64)).toBe(2000);
    expect(auroraPostgresMaxConnections(1, 64)).toBe(5000);
  });

  test('IAM authentication can be turned off by config', () => {
    databaseStack({ config: { minCapacityAcu: 0.5, maxCapacityAcu: 4, backupRetentionDays: 7, readers: 0, iamAuthentication: false } }).template.hasResourceProperties('AWS::RDS::DBCluster', {
      EnableIAMDatabaseAuthentication: false,
    });
  });

  test('refuses a minimum capacity above the maximum', () => {
    expect(() => databaseStack({ config: { minCapacityAcu: 8, maxCapacityAcu: 4, backupRetentionDays: 7, readers: 0, iamAuthentication: true } })).toThrow(
      'database.minCapacityAcu 8 exceeds maxCapacityAcu 4',
    );
  });
});
