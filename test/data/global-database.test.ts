import { Match } from 'aws-cdk-lib/assertions';
import { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { AURORA_GLOBAL_SECONDARY_TYPE } from '../../lib/data/global-database';
import { GLOBAL_SECONDARY_TYPE } from '../../lib/report/recovery';
import { synthBulwark } from '../helpers/app';

/** The default config: Prod in warm standby, retaining its data; cdk-nag on (a finding fails the synth). */
const bulwark = synthBulwark();
const prod = bulwark.template('Prod');
const drRegion = bulwark.template('DrRegion');

const stackOutput = (outputPrefix: string) => ({
  'Fn::GetStackOutput': Match.objectLike({
    StackName: 'DrRegion',
    Region: 'us-west-2',
    OutputName: Match.stringLikeRegexp(`^PublishOutput.*${outputPrefix}`),
  }),
});

describe('Prod: the global cluster and its secondary', () => {
  test("the global cluster is created from Prod's cluster, retained, and protected once it exists", () => {
    const clusterId = Object.keys(prod.findResources('AWS::RDS::DBCluster'))[0];
    prod.hasResource('AWS::RDS::GlobalCluster', {
      Properties: {
        GlobalClusterIdentifier: 'orders-global',
        SourceDBClusterIdentifier: {
          'Fn::Join': [
            '',
            [Match.stringLikeRegexp('^arn:aws:rds:us-east-1:333333333333:cluster:$'), { Ref: clusterId }],
          ],
        },
        // Switched on by Custom::DeletionProtection after creation, so a failed first create can roll back.
        DeletionProtection: Match.absent(),
        // Engine, version and encryption come from the source cluster.
        Engine: Match.absent(),
      },
      DeletionPolicy: 'RetainExceptOnCreate',
    });
    const globalId = Object.keys(prod.findResources('AWS::RDS::GlobalCluster'))[0];
    prod.hasResourceProperties('Custom::DeletionProtection', { Kind: 'global-cluster', Identifier: { Ref: globalId } });
    prod.hasResourceProperties('Custom::DeletionProtection', { Kind: 'cluster', Identifier: { Ref: clusterId } });
    prod.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'rds:ModifyGlobalCluster',
            Resource: { 'Fn::Join': ['', ['arn:aws:rds::333333333333:global-cluster:', { Ref: globalId }]] },
          }),
        ]),
      },
    });
  });

  test("the secondary's handlers may read their own stack's status (a create rollback deletes the new secondary)", () => {
    prod.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'ReadThisStacksStatus',
            Action: 'cloudformation:DescribeStacks',
            Resource: { Ref: 'AWS::StackId' },
          }),
        ]),
      },
    });
  });

  test("the secondary names its region, global cluster and identifiers, in DrRegion's subnet group, security group and key", () => {
    const globalId = Object.keys(prod.findResources('AWS::RDS::GlobalCluster'))[0];
    prod.hasResourceProperties(AURORA_GLOBAL_SECONDARY_TYPE, {
      SecondaryRegion: 'us-west-2',
      GlobalClusterIdentifier: { Ref: globalId },
      DBClusterIdentifier: 'orders-dr-db',
      DBInstanceIdentifier: 'orders-dr-db-1',
      Engine: 'aurora-postgresql',
      EngineVersion: '17.9',
      MinCapacity: 1,
      MaxCapacity: 16,
      DBSubnetGroupName: stackOutput('DatabaseSiteSubnetGroup'),
      VpcSecurityGroupIds: [stackOutput('DatabaseSiteSecurityGroup')],
      KmsKeyId: stackOutput('DatabaseSiteKey'),
      DeletionProtection: true,
      Retain: true,
    });
  });

  test('the report reads the type the construct writes', () => {
    expect(GLOBAL_SECONDARY_TYPE).toBe(AURORA_GLOBAL_SECONDARY_TYPE);
  });

  test('the handlers may act on the DR cluster, instance, global cluster and subnet group by name only', () => {
    const policies = prod.findResources('AWS::IAM::Policy', {
      Properties: {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'CreateAndChangeTheSecondary' })]) },
      },
    });
    const statements = (
      Object.values(policies)[0] as {
        Properties: { PolicyDocument: { Statement: Array<{ Sid: string; Resource: unknown }> } };
      }
    ).Properties.PolicyDocument.Statement;
    const create = statements.find((s) => s.Sid === 'CreateAndChangeTheSecondary')!;
    expect(create.Resource).toEqual(
      expect.arrayContaining([
        'arn:aws:rds:us-west-2:333333333333:cluster:orders-dr-db',
        'arn:aws:rds:us-west-2:333333333333:db:orders-dr-db-1',
        'arn:aws:rds::333333333333:global-cluster:orders-global',
        'arn:aws:rds:us-west-2:333333333333:subgrp:orders-dr-db',
      ]),
    );
    expect(JSON.stringify(create.Resource)).not.toContain('*');
    expect(JSON.stringify(statements.find((s) => s.Sid === 'UseTheDrKey')!.Resource)).toMatch(
      /"StackName":"DrRegion".*"OutputName":"PublishOutputFnGetAttDatabaseSiteKey/,
    );
  });

  test("the DR zone's database name points at the secondary's endpoint", () => {
    const secondaryId = Object.keys(prod.findResources(AURORA_GLOBAL_SECONDARY_TYPE))[0];
    prod.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'db.orders-dr.internal.',
      Type: 'CNAME',
      HostedZoneId: stackOutput('DatabaseSiteZone'),
      ResourceRecords: [{ 'Fn::GetAtt': [secondaryId, 'Endpoint'] }],
    });
  });

  test('the credentials secret is replicated to the DR region', () => {
    prod.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: '/orders/prod/database',
      ReplicaRegions: [{ Region: 'us-west-2' }],
    });
  });

  test('Prod deploys after DrRegion, which holds what the secondary is created into', () => {
    // The assembly's manifest (what `cdk deploy` orders stacks by), not the Stack object: no construct rebuilt.
    const dependencies = bulwark.assembly.getStackArtifact('Prod').dependencies;
    expect(dependencies.filter((a) => a instanceof CloudFormationStackArtifact).map((a) => a.stackName)).toContain(
      'DrRegion',
    );
  });
});

describe('DrRegion: where the secondary is created', () => {
  test('a P2 alarm guards the regional RPO: replication lag above 1 min, or no secondary reporting at all', () => {
    drRegion.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-dr-db-replication-lag',
      AlarmDescription: Match.stringLikeRegexp('^\\[P2\\] .* \\| Runbook: .*/dr-replication-lag\\.md$'),
      Namespace: 'AWS/RDS',
      MetricName: 'AuroraGlobalDBReplicationLag',
      Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'orders-dr-db' }],
      Threshold: 60000,
      EvaluationPeriods: 3,
      TreatMissingData: 'breaching',
    });
  });

  test('a subnet group of the isolated data subnets, named for the secondary', () => {
    drRegion.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      DBSubnetGroupName: 'orders-dr-db',
      SubnetIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^NetworkVpcdataSubnet') }]),
    });
  });

  test('a security group that admits the standby tasks on 5432 and initiates nothing', () => {
    drRegion.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupName: 'orders-dr-db',
      SecurityGroupEgress: Match.arrayWith([Match.objectLike({ CidrIp: '255.255.255.255/32' })]),
    });
    drRegion.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 5432,
      ToPort: 5432,
      IpProtocol: 'tcp',
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StandbyService'), 'GroupId'] },
    });
  });

  test('a rotating KMS key with a deterministic alias, retained', () => {
    drRegion.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/orders-dr-db' });
    drRegion.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true, Description: Match.stringLikeRegexp('orders-dr-db') },
      DeletionPolicy: 'RetainExceptOnCreate',
    });
  });

  test('a private zone in the DR VPC and no cluster of its own (Prod creates the secondary)', () => {
    drRegion.hasResourceProperties('AWS::Route53::HostedZone', {
      Name: 'orders-dr.internal.',
      VPCs: [Match.objectLike({ VPCRegion: 'us-west-2' })],
    });
    drRegion.resourceCountIs('AWS::RDS::DBCluster', 0);
  });

  test('the standby tasks read the replicated secret at run time (not ECS-injected: it appears only after Prod deploys) and connect to the DR name', () => {
    const [taskDefinition] = Object.values(drRegion.findResources('AWS::ECS::TaskDefinition')) as Array<{
      Properties: {
        ContainerDefinitions: Array<{
          Secrets?: Array<{ Name: string; ValueFrom: unknown }>;
          Environment?: Array<{ Name: string; Value: string }>;
        }>;
      };
    }>;
    const container = taskDefinition.Properties.ContainerDefinitions[0];
    expect(container.Environment).toEqual(
      expect.arrayContaining([{ Name: 'DB_HOST', Value: 'db.orders-dr.internal' }]),
    );
    expect(container.Environment).toEqual(
      expect.arrayContaining([{ Name: 'DB_SECRET_NAME', Value: '/orders/prod/database' }]),
    );
    // No ECS secret: a task whose secret does not exist yet never starts, and CloudFormation would wait on it.
    expect(
      (container.Secrets ?? []).filter((s) => JSON.stringify(s.ValueFrom).includes('/orders/prod/database')),
    ).toEqual([]);
    const taskRolePolicies = JSON.stringify(
      drRegion.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^StandbyTaskRole') }] },
      }),
    );
    expect(taskRolePolicies).toContain('secretsmanager:GetSecretValue');
    expect(taskRolePolicies).toContain('secret:/orders/prod/database');
  });
});
