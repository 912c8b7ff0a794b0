import { Match, Template } from 'aws-cdk-lib/assertions';
import { scheduledBackupAgeMinutes } from '../../config/recovery-model';
import { Duration } from 'aws-cdk-lib';
import { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { archiveMaxAge } from '../../lib/backup/environment-backup';
import { synthBulwark } from '../helpers/app';

// The whole app once (cdk-nag on): the copy and replication cross from Prod into DrRegion.
const app = synthBulwark();
const prod = app.template('Prod');
const dev = app.template('Dev');
const dr = app.template('DrRegion');

type Rule = {
  RuleName: string;
  ScheduleExpression: string;
  StartWindowMinutes: number;
  EnableContinuousBackup?: boolean;
  Lifecycle: { DeleteAfterDays: number; MoveToColdStorageAfterDays?: number };
  CopyActions?: Array<{
    DestinationBackupVaultArn: unknown;
    Lifecycle: { DeleteAfterDays: number; MoveToColdStorageAfterDays?: number };
  }>;
};
function rules(template: Template): Record<string, Rule> {
  const plans = Object.values(template.findResources('AWS::Backup::BackupPlan')) as Array<{
    Properties: { BackupPlan: { BackupPlanRule: Rule[] } };
  }>;
  expect(plans).toHaveLength(1);
  return Object.fromEntries(plans[0].Properties.BackupPlan.BackupPlanRule.map((r) => [r.RuleName, r]));
}

describe('AWS Backup plan', () => {
  test('Prod: hourly, daily (continuous, 35 d), weekly (84 d) and monthly (cold after 30 d, kept 365 d) rules', () => {
    const r = rules(prod);
    expect(Object.keys(r).sort()).toEqual(['Daily', 'Frequent', 'Monthly', 'Weekly']);
    expect(r.Frequent).toMatchObject({
      ScheduleExpression: 'cron(15 */1 * * ? *)',
      Lifecycle: { DeleteAfterDays: 7 },
      StartWindowMinutes: 60,
    });
    expect(r.Daily).toMatchObject({ EnableContinuousBackup: true, Lifecycle: { DeleteAfterDays: 35 } });
    expect(r.Weekly).toMatchObject({ ScheduleExpression: 'cron(0 5 ? * SUN *)', Lifecycle: { DeleteAfterDays: 84 } });
    expect(r.Monthly).toMatchObject({
      ScheduleExpression: 'cron(0 5 1 * ? *)',
      Lifecycle: { DeleteAfterDays: 365, MoveToColdStorageAfterDays: 30 },
    });
    expect(r.Monthly.Lifecycle.DeleteAfterDays).toBeGreaterThanOrEqual(
      r.Monthly.Lifecycle.MoveToColdStorageAfterDays! + 90,
    );
  });

  test('Prod copies every rule into the DrRegion vault (a cross-region output), with the same lifecycle', () => {
    for (const rule of Object.values(rules(prod))) {
      expect(rule.CopyActions).toHaveLength(1);
      expect(rule.CopyActions![0].DestinationBackupVaultArn).toEqual({
        'Fn::GetStackOutput': expect.objectContaining({
          StackName: 'DrRegion',
          Region: 'us-west-2',
          OutputName: expect.stringMatching(/DataSinksVault.*BackupVaultArn/),
        }),
      });
      expect(rule.CopyActions![0].Lifecycle).toEqual(rule.Lifecycle);
    }
  });

  test('Dev: every 12 h, no continuous backup, no copies; the schedule meets its 24 h RPO with the start window', () => {
    const r = rules(dev);
    expect(r.Frequent.ScheduleExpression).toBe('cron(15 */12 * * ? *)');
    expect(r.Daily.EnableContinuousBackup).toBeFalsy();
    expect(Object.values(r).every((rule) => rule.CopyActions === undefined)).toBe(true);
    expect(scheduledBackupAgeMinutes(12)).toBeLessThanOrEqual(24 * 60);
  });

  test('selection by the backup tag plus the database cluster ARN', () => {
    prod.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: Match.objectLike({
        ListOfTags: [{ ConditionKey: 'backup', ConditionType: 'STRINGEQUALS', ConditionValue: 'orders-prod' }],
        Resources: [
          {
            'Fn::Join': [
              '',
              Match.arrayWith([
                Match.stringLikeRegexp(':cluster:'),
                { Ref: Match.stringLikeRegexp('DatabaseCluster') },
              ]),
            ],
          },
        ],
      }),
    });
    prod.hasResourceProperties('AWS::RDS::DBCluster', {
      Tags: Match.arrayWith([{ Key: 'backup', Value: 'orders-prod' }]),
    });
  });

  test('vaults are KMS-encrypted; governance lock and deletion-deny only where data is retained', () => {
    prod.hasResource('AWS::Backup::BackupVault', {
      Properties: {
        BackupVaultName: 'orders-prod-backup',
        EncryptionKeyArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
        LockConfiguration: { MinRetentionDays: 7 },
        AccessPolicy: Match.objectLike({
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: Match.arrayWith(['backup:DeleteRecoveryPoint']) }),
          ]),
        }),
      },
      // Retained, except when its own first create rolls back (the fixed name must be free for the retry).
      DeletionPolicy: 'RetainExceptOnCreate',
    });
    const lock = Object.values(prod.findResources('AWS::Backup::BackupVault'))[0] as {
      Properties: { LockConfiguration: Record<string, unknown> };
    };
    expect(lock.Properties.LockConfiguration.ChangeableForDays).toBeUndefined(); // governance: no immutable date
    dr.hasResourceProperties('AWS::Backup::BackupVault', {
      BackupVaultName: 'orders-dr-backup',
      LockConfiguration: { MinRetentionDays: 7 },
    });
    dev.hasResource('AWS::Backup::BackupVault', {
      Properties: { LockConfiguration: Match.absent(), AccessPolicy: Match.absent() },
      DeletionPolicy: 'Delete',
    });
  });
});

describe('Database', () => {
  test('Prod: Aurora PostgreSQL Serverless v2 in the data subnets, encrypted, 35 d PITR, deletion protection, snapshot on removal', () => {
    // Deletion protection is switched on by Custom::DeletionProtection once the cluster exists (see test/data).
    prod.resourcePropertiesCountIs('Custom::DeletionProtection', { Kind: 'cluster' }, 1);
    prod.hasResource('AWS::RDS::DBCluster', {
      Properties: Match.objectLike({
        Engine: 'aurora-postgresql',
        StorageEncrypted: true,
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('DatabaseKey'), 'Arn'] },
        BackupRetentionPeriod: 35,
        DeletionProtection: Match.absent(),
        EnableCloudwatchLogsExports: ['postgresql'],
        EnableIAMDatabaseAuthentication: true,
        ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 16 },
        DBSubnetGroupName: { Ref: Match.stringLikeRegexp('DatabaseClusterSubnets') },
      }),
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
    });
    prod.resourceCountIs('AWS::RDS::DBInstance', 2); // writer + one reader in another AZ
  });

  test('Dev: destroyable, 7 d PITR, scales to zero', () => {
    dev.hasResource('AWS::RDS::DBCluster', {
      Properties: Match.objectLike({
        BackupRetentionPeriod: 7,
        DeletionProtection: false,
        ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 2 },
      }),
      DeletionPolicy: 'Delete',
    });
  });

  test('credentials in a KMS-encrypted secret rotated by a hosted function on a live runtime', () => {
    prod.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: '/orders/prod/database',
      KmsKeyId: Match.anyValue(),
    });
    prod.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      HostedRotationLambda: Match.objectLike({ RotationType: 'PostgreSQLSingleUser', Runtime: 'python3.12' }),
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
  });

  test('the service reads the database secret and reaches the database port', () => {
    prod.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({
          Secrets: Match.arrayWith([Match.objectLike({ Name: 'DB_HOST' }), Match.objectLike({ Name: 'DB_PASSWORD' })]),
        }),
      ]),
    });
    prod.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      Description: 'Service tasks',
      FromPort: { 'Fn::GetAtt': [Match.stringLikeRegexp('DatabaseCluster'), 'Endpoint.Port'] },
    });
  });
});

describe('Archive bucket and replica', () => {
  test('versioned, SSE-KMS, public access blocked, access logs, object lock governance in Prod', () => {
    prod.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketName: 'orders-prod-archive-333333333333-us-east-1',
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
        ObjectLockEnabled: true,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 35 } },
        },
      }),
      DeletionPolicy: 'RetainExceptOnCreate',
    });
    dev.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketName: Match.stringLikeRegexp('orders-dev-archive'),
        ObjectLockEnabled: true,
        ObjectLockConfiguration: Match.absent(),
      }),
      DeletionPolicy: 'Delete',
    });
  });

  test('TLS only', () => {
    prod.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('lifecycle: Standard-IA at 30 d, Glacier Flexible Retrieval at 90 d, Deep Archive at 180 d, noncurrent expiry', () => {
    prod.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: Match.stringLikeRegexp('archive'),
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            Status: 'Enabled',
            Transitions: [
              { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
              { StorageClass: 'GLACIER', TransitionInDays: 90 },
              { StorageClass: 'DEEP_ARCHIVE', TransitionInDays: 180 },
            ],
            NoncurrentVersionExpiration: { NoncurrentDays: 365 },
          }),
        ],
      },
    });
  });

  test('Prod replicates to the DrRegion replica with RTC, re-encrypting with the DR key; Dev does not replicate', () => {
    prod.hasResourceProperties('AWS::S3::Bucket', {
      ReplicationConfiguration: {
        Role: Match.anyValue(),
        Rules: [
          Match.objectLike({
            Status: 'Enabled',
            SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
            Destination: Match.objectLike({
              Bucket: 'arn:aws:s3:::orders-dr-archive-333333333333-us-west-2',
              EncryptionConfiguration: {
                ReplicaKmsKeyID: { 'Fn::GetStackOutput': Match.objectLike({ StackName: 'DrRegion' }) },
              },
              ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
              Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
            }),
          }),
        ],
      },
    });
    const roles = Object.values(
      prod.findResources('AWS::IAM::Role', {
        Properties: {
          AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 's3.amazonaws.com' } })] },
        },
      }),
    ) as Array<{
      Properties: { Policies: Array<{ PolicyDocument: { Statement: Array<{ Action: string | string[] }> } }> };
    }>;
    expect(roles).toHaveLength(1);
    const actions = roles[0].Properties.Policies[0].PolicyDocument.Statement.flatMap((s) => s.Action);
    expect(actions).toEqual(
      expect.arrayContaining(['kms:Decrypt', 'kms:Encrypt', 's3:ReplicateObject', 's3:GetObjectRetention']),
    );
    expect(
      Object.values(dev.findResources('AWS::S3::Bucket')).some(
        (b) => (b as { Properties: Record<string, unknown> }).Properties.ReplicationConfiguration,
      ),
    ).toBe(false);
    dr.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'orders-dr-archive-333333333333-us-west-2',
      VersioningConfiguration: { Status: 'Enabled' },
      ObjectLockEnabled: true,
    });
  });
});

describe('Freshness verifier', () => {
  test('runs every 15 minutes and checks the database, the vault and the archive', () => {
    prod.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('BackupVerifierFunction'), 'Arn'] } })],
    });
    const fn = Object.values(
      prod.findResources('AWS::Lambda::Function', {
        Properties: { Description: Match.stringLikeRegexp('backup freshness') },
      }),
    )[0] as { Properties: { Runtime: string; Environment: { Variables: Record<string, unknown> } } };
    expect(fn.Properties.Runtime).toBe('nodejs24.x');
    expect(JSON.stringify(fn.Properties.Environment.Variables.STORES)).toMatch(/rds-cluster.*backup-vault.*s3-bucket/);
  });

  test.each([
    { env: 'Prod', rpoMinutes: 15 },
    { env: 'Dev', rpoMinutes: 1440 },
  ])(
    '$env: one P2 alarm per store at the RPO ($rpoMinutes min), missing data breaching, with the backup-stale runbook',
    ({ env, rpoMinutes }) => {
      const template = app.template(env);
      for (const store of ['database', 'vault']) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          AlarmName: `orders-${env.toLowerCase()}-backup-stale-${store}`,
          AlarmDescription: Match.stringLikeRegexp('^\\[P2\\] .* \\| Runbook: .*/backup-stale\\.md$'),
          MetricName: 'BackupAgeSeconds',
          Namespace: 'Bulwark/orders',
          Dimensions: [
            { Name: 'environment', Value: env },
            { Name: 'store', Value: store },
          ],
          Threshold: rpoMinutes * 60,
          TreatMissingData: 'breaching',
          ComparisonOperator: 'GreaterThanThreshold',
          Period: 1800,
          Statistic: 'Maximum',
        });
      }
    },
  );

  test('DrRegion checks the copied recovery points (warm standby: copies held to schedule + copy)', () => {
    dr.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-dr-backup-stale-dr-vault',
      Threshold: (60 + 60 + 60) * 60,
      TreatMissingData: 'breaching',
    });
  });

  test('the archive and its replica are measured but not alarmed while no writer cadence is configured', () => {
    for (const [template, name] of [
      [prod, 'orders-prod-backup-stale-archive'],
      [dr, 'orders-dr-backup-stale-replica'],
    ] as const) {
      expect(
        Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: name } })),
      ).toHaveLength(0);
    }
    const verifierStores = Object.values(prod.findResources('AWS::Lambda::Function'))
      .map((fn) =>
        JSON.stringify(
          (fn as { Properties: { Environment?: { Variables?: { STORES?: unknown } } } }).Properties.Environment
            ?.Variables?.STORES ?? '',
        ),
      )
      .find((stores) => stores.includes('archive'));
    expect(verifierStores).toContain('\\"store\\":\\"archive\\"');
  });

  test('with a writer cadence, the archive is held to it (or the RPO, if longer) and the replica adds the replication lag', () => {
    expect(archiveMaxAge(undefined, Duration.minutes(15))).toBeUndefined();
    expect(archiveMaxAge(24, Duration.minutes(15))?.toMinutes()).toBe(24 * 60);
    expect(archiveMaxAge(0.1, Duration.minutes(15))?.toMinutes()).toBe(15);
  });

  test('reads only what it checks, and publishes only into its namespace', () => {
    prod.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('BackupVerifierFunctionRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'backup:ListRecoveryPointsByBackupVault' }),
          Match.objectLike({ Action: 's3:ListBucket' }),
          Match.objectLike({
            Action: 'cloudwatch:PutMetricData',
            Resource: '*',
            Condition: { StringEquals: { 'cloudwatch:namespace': 'Bulwark/orders' } },
          }),
        ]),
      },
    });
  });
});

describe('Prod depends on DrRegion for its data sinks', () => {
  test('the dependency is declared', () => {
    // Read from the assembly's manifest (what `cdk deploy` orders stacks by), not the Stack object: building the
    // constructs again would cost this file a whole-app construction.
    const dependencies = app.assembly.getStackArtifact('Prod').dependencies;
    expect(dependencies.filter((a) => a instanceof CloudFormationStackArtifact).map((a) => a.stackName)).toContain(
      'DrRegion',
    );
  });
});
