import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BulwarkStack } from '../../lib/common/bulwark-stack';
import { Naming } from '../../lib/common/naming';
import { auroraPostgresMaxConnections, Database, DatabaseProps } from '../../lib/data/database';
import { Network, SUBNET_GROUPS } from '../../lib/network/network';
import { testApp } from '../helpers/app';

function databaseStack(overrides: Partial<DatabaseProps> = {}): { template: Template; database: Database } {
  const app = testApp();
  const stack = new BulwarkStack(app, 'DatabaseTest', {
    env: { account: '111111111111', region: 'us-east-1' },
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    tags: {},
  });
  const network = new Network(stack, 'Network', {
    cidr: '10.30.0.0/16',
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    natGateways: 1,
    interfaceEndpoints: ['secretsmanager'],
    flowLogRetentionDays: 30,
    protection: { retain: true },
  });
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

  test('created without deletion protection, which a custom resource switches on once cluster and instances exist', () => {
    const clusters = template.findResources('AWS::RDS::DBCluster');
    const [clusterId, cluster] = Object.entries(clusters)[0];
    // Absent, not false: CloudFormation's later cluster updates then never send it (false would switch it off).
    expect(cluster.Properties.DeletionProtection).toBeUndefined();
    expect(cluster.DeletionPolicy).toBe('Snapshot');
    template.hasResourceProperties('Custom::DeletionProtection', { Kind: 'cluster', Identifier: { Ref: clusterId } });
    const latch = Object.values(template.findResources('Custom::DeletionProtection'))[0] as { DependsOn: string[] };
    const instanceIds = Object.keys(template.findResources('AWS::RDS::DBInstance'));
    expect(instanceIds.length).toBeGreaterThan(0);
    expect(latch.DependsOn).toEqual(expect.arrayContaining([clusterId, ...instanceIds]));
    // Its handler may change this cluster's protection and read its own stack's status, nothing else.
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'rds:ModifyDBCluster',
            Resource: { 'Fn::Join': ['', ['arn:aws:rds:us-east-1:111111111111:cluster:', { Ref: clusterId }]] },
          }),
          Match.objectLike({ Action: 'cloudformation:DescribeStacks', Resource: { Ref: 'AWS::StackId' } }),
        ]),
      },
    });
  });

  test('an environment that keeps no data: explicitly unprotected, no latch', () => {
    const { template: dev } = databaseStack({ protection: { retain: false } });
    dev.hasResourceProperties('AWS::RDS::DBCluster', { DeletionProtection: false });
    dev.resourceCountIs('Custom::DeletionProtection', 0);
  });

  test('the backup tag is on the cluster only: AWS Backup protects Aurora per cluster, never its instances', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      Tags: Match.arrayWith([{ Key: 'backup', Value: 'orders-prod' }]),
    });
    const instances = Object.values(template.findResources('AWS::RDS::DBInstance')) as {
      Properties: { Tags?: { Key: string }[] };
    }[];
    expect(instances.length).toBeGreaterThan(0);
    for (const instance of instances)
      expect((instance.Properties.Tags ?? []).map((t) => t.Key)).not.toContain('backup');
    const tagged = Object.entries(
      template.toJSON().Resources as Record<string, { Type: string; Properties?: { Tags?: unknown } }>,
    )
      .filter(([, r]) => JSON.stringify(r.Properties?.Tags ?? []).includes('"Key":"backup"'))
      .map(([, r]) => r.Type);
    expect(tagged).toEqual(['AWS::RDS::DBCluster']);
  });

  test('lives in the isolated data subnets only', () => {
    const groups = Object.values(template.findResources('AWS::RDS::DBSubnetGroup')) as Array<{
      Properties: { SubnetIds: Array<{ Ref: string }> };
    }>;
    expect(groups).toHaveLength(1);
    expect(groups[0].Properties.SubnetIds.every((s) => /dataSubnet/.test(s.Ref))).toBe(true);
  });

  test('the PostgreSQL log group exists before the cluster, with a retention (no log-retention Lambda)', () => {
    // Data is retained here, so the 30-day default is raised to the 365-day floor for retained logs (b8c662d).
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: '/aws/rds/cluster/orders-prod-db/postgresql', RetentionInDays: 365 },
      DeletionPolicy: 'RetainExceptOnCreate',
    });
    template.hasResource('AWS::RDS::DBCluster', {
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('DatabasePostgresqlLogs')]),
    });
    // CDK's log-retention function is a singleton whose logical id starts with LogRetention.
    expect(
      Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => /^LogRetention/.test(id)),
    ).toEqual([]);
  });

  test('the rotation function runs in the private subnets and the database admits it on its port', () => {
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      HostedRotationLambda: Match.objectLike({
        VpcSubnetIds: { 'Fn::Join': ['', Match.arrayWith([{ Ref: Match.stringLikeRegexp('privateSubnet') }])] },
      }),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { Description: 'Secret rotation function' });
  });

  test('the credentials secret is retained with the data (except when its own first create rolls back)', () => {
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: { Name: '/orders/prod/database' },
      DeletionPolicy: 'RetainExceptOnCreate',
    });
  });

  test('the key that encrypts storage, secret and insights is rotated and retained', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true, Description: Match.stringLikeRegexp('orders-prod-db') },
      DeletionPolicy: 'RetainExceptOnCreate',
    });
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
    databaseStack({
      config: { minCapacityAcu: 0.5, maxCapacityAcu: 4, backupRetentionDays: 7, readers: 0, iamAuthentication: false },
    }).template.hasResourceProperties('AWS::RDS::DBCluster', {
      EnableIAMDatabaseAuthentication: false,
    });
  });

  test('refuses a minimum capacity above the maximum', () => {
    expect(() =>
      databaseStack({
        config: { minCapacityAcu: 8, maxCapacityAcu: 4, backupRetentionDays: 7, readers: 0, iamAuthentication: true },
      }),
    ).toThrow('database.minCapacityAcu 8 exceeds maxCapacityAcu 4');
  });
});
