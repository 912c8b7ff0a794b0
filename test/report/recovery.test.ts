import {
  AURORA_GLOBAL_LAG_MINUTES,
  BACKUP_JOB_DURATION_MINUTES,
  CONTINUOUS_BACKUP_LAG_MINUTES,
  CROSS_REGION_COPY_DURATION_MINUTES,
  FAILOVER_DECISION_MINUTES,
  PITR_RESTORE_LAG_MINUTES,
  S3_REPLICATION_LAG_MINUTES,
  S3_RTC_REPLICATION_LAG_MINUTES,
  STANDBY_RECOVERY_MINUTES,
  STANDBY_RECOVERY_PARTS,
} from '../../config/recovery-model';
import { DEFAULT_BACKUP_START_WINDOW_MINUTES } from '../../lib/report/allowances';
import { dnsFailovers } from '../../lib/report/dns';
import { CfnResource, Figure, StackTemplate } from '../../lib/report/model';
import {
  dataStores,
  GLOBAL_SECONDARY_TYPE,
  rpoFigures,
  rtoFigure,
  standbyShape,
  unmodelledStoreFigures,
} from '../../lib/report/recovery';
import { scheduleIntervalMinutes } from '../../lib/report/schedule';
import { stackOf } from './helpers';

const cluster = (props: Record<string, unknown> = {}): CfnResource => ({
  Type: 'AWS::RDS::DBCluster',
  Properties: { Engine: 'aurora-postgresql', MasterUsername: 'admin', ...props },
});
const bucket = (props: Record<string, unknown> = {}): CfnResource => ({ Type: 'AWS::S3::Bucket', Properties: props });
const plan = (rules: Record<string, unknown>[]): CfnResource => ({
  Type: 'AWS::Backup::BackupPlan',
  Properties: { BackupPlan: { BackupPlanName: 'p', BackupPlanRule: rules } },
});
const selection = (resources: unknown[]): CfnResource => ({
  Type: 'AWS::Backup::BackupSelection',
  Properties: {
    BackupPlanId: { 'Fn::GetAtt': ['Plan', 'BackupPlanId'] },
    BackupSelection: { SelectionName: 's', IamRoleArn: 'x', Resources: resources },
  },
});
const copyToDr = {
  DestinationBackupVaultArn: { 'Fn::GetStackOutput': { StackName: 'DrRegion', OutputName: 'VaultArn' } },
};

function dr(resources: Record<string, CfnResource> = {}): StackTemplate {
  return stackOf(
    { Vault: { Type: 'AWS::Backup::BackupVault' }, ...resources },
    {
      environment: 'DrRegion',
      stackId: 'DrRegion',
      file: 'DrRegion.template.json',
      region: 'us-west-2',
      standbyFor: 'Prod',
      outputs: { VaultArn: { Value: { 'Fn::GetAtt': ['Vault', 'BackupVaultArn'] } } },
    },
  );
}

function rpo(primary: StackTemplate, others: StackTemplate[] = [dr()]): Record<string, Figure> {
  const { stores } = dataStores(primary, [primary, ...others]);
  return Object.fromEntries(rpoFigures(stores, 'Prod').map((f) => [f.id, f]));
}

describe('schedule intervals', () => {
  test.each([
    ['cron(0 * ? * * *)', 60],
    ['cron(0 5 ? * * *)', 1440],
    ['cron(0 5,17 ? * * *)', 720],
    ['cron(0 */4 ? * * *)', 240],
    ['cron(0 5 ? * SUN *)', 7 * 1440],
    ['cron(0 5 1 * ? *)', 31 * 1440],
    ['rate(1 minute)', 1],
    ['rate(12 hours)', 720],
  ])('%s runs at most %i minutes apart', (expression, minutes) => {
    expect(scheduleIntervalMinutes(expression)).toBe(minutes);
  });
  test('what it cannot read exactly is undefined', () => {
    expect(scheduleIntervalMinutes('cron(0 5 L * ? *)')).toBeUndefined();
    expect(scheduleIntervalMinutes('at(2027-01-01T00:00:00)')).toBeUndefined();
  });
});

describe('RPO per data store', () => {
  test('Aurora PITR in region, global database across regions', () => {
    const primary = stackOf({
      Db: cluster({ BackupRetentionPeriod: 35 }),
      Global: {
        Type: 'AWS::RDS::GlobalCluster',
        Properties: { GlobalClusterIdentifier: 'orders-global', SourceDBClusterIdentifier: { Ref: 'Db' } },
      },
    });
    const figures = rpo(primary, [
      dr({ Replica: cluster({ MasterUsername: undefined, GlobalClusterIdentifier: 'orders-global' }) }),
    ]);
    expect(figures['rpo-in-region/Prod/Db']).toMatchObject({
      value: PITR_RESTORE_LAG_MINUTES,
      targetKey: 'rpoMinutes',
    });
    expect(figures['rpo-in-region/Prod/Db'].sources[0].properties).toEqual(['BackupRetentionPeriod']);
    expect(figures['rpo-regional/Prod/Db'].value).toBe(AURORA_GLOBAL_LAG_MINUTES);
    expect(figures['rpo-regional/Prod/Db'].sources.map((s) => `${s.template}#${s.logicalId}`)).toEqual([
      'Prod.template.json#Db',
      'Prod.template.json#Global',
      'DrRegion.template.json#Replica',
    ]);
  });

  describe("a secondary created by Custom::AuroraGlobalSecondary in the primary's own stack", () => {
    const globalCluster: CfnResource = {
      Type: 'AWS::RDS::GlobalCluster',
      Properties: {
        GlobalClusterIdentifier: 'orders-global',
        SourceDBClusterIdentifier: { 'Fn::Join': ['', ['arn:aws:rds:us-east-1:333333333333:cluster:', { Ref: 'Db' }]] },
      },
    };
    const secondary = (props: Record<string, unknown> = {}): CfnResource => ({
      Type: GLOBAL_SECONDARY_TYPE,
      Properties: {
        SecondaryRegion: 'us-west-2',
        GlobalClusterIdentifier: { Ref: 'Global' },
        DBClusterIdentifier: 'orders-dr-db',
        ...props,
      },
    });

    test('counts as the regional copy: the global replication lag, with the custom resource as a source', () => {
      const primary = stackOf({
        Db: cluster({ BackupRetentionPeriod: 35 }),
        Global: globalCluster,
        Secondary: secondary(),
      });
      const figure = rpo(primary)['rpo-regional/Prod/Db'];
      expect(figure.value).toBe(AURORA_GLOBAL_LAG_MINUTES);
      expect(figure.formula).toMatch(/secondary in us-west-2 \(Prod#Secondary\)/);
      expect(figure.sources.map((s) => `${s.template}#${s.logicalId}`)).toEqual([
        'Prod.template.json#Db',
        'Prod.template.json#Global',
        'Prod.template.json#Secondary',
      ]);
      expect(figure.sources[2].properties).toEqual([
        'SecondaryRegion',
        'GlobalClusterIdentifier',
        'DBClusterIdentifier',
      ]);
    });

    test("rds.global_db_rpo on the primary's cluster parameter group is the regional RPO: 20 s = 0.33 min", () => {
      const primary = stackOf({
        Db: cluster({ BackupRetentionPeriod: 35, DBClusterParameterGroupName: { Ref: 'Params' } }),
        Params: {
          Type: 'AWS::RDS::DBClusterParameterGroup',
          Properties: { Family: 'aurora-postgresql17', Parameters: { 'rds.global_db_rpo': '20' } },
        },
        Global: globalCluster,
        Secondary: secondary({ Headless: true }),
      });
      const figure = rpo(primary)['rpo-regional/Prod/Db'];
      expect(figure.value).toBe(0.33);
      expect(figure.formula).toMatch(/rds\.global_db_rpo 20 s: the primary blocks commits/);
      expect(figure.sources).toContainEqual(
        expect.objectContaining({ logicalId: 'Params', properties: ['Parameters.rds.global_db_rpo'] }),
      );
    });

    test('the global cluster named by literal identifier also joins', () => {
      const primary = stackOf({
        Db: cluster({ BackupRetentionPeriod: 35 }),
        Global: globalCluster,
        Secondary: secondary({ GlobalClusterIdentifier: 'orders-global' }),
      });
      expect(rpo(primary)['rpo-regional/Prod/Db'].value).toBe(AURORA_GLOBAL_LAG_MINUTES);
    });

    test("a secondary in the primary's own region is no regional copy", () => {
      const primary = stackOf({
        Db: cluster({ BackupRetentionPeriod: 35 }),
        Global: globalCluster,
        Secondary: secondary({ SecondaryRegion: 'us-east-1' }),
      });
      expect(rpo(primary)['rpo-regional/Prod/Db'].status).toBe('not-assessed');
    });

    test('a secondary of another global cluster does not count', () => {
      const primary = stackOf({
        Db: cluster({ BackupRetentionPeriod: 35 }),
        Global: globalCluster,
        Secondary: secondary({ GlobalClusterIdentifier: 'someone-else' }),
      });
      expect(rpo(primary)['rpo-regional/Prod/Db'].status).toBe('not-assessed');
    });

    test('without a global cluster, the custom resource alone proves nothing', () => {
      const primary = stackOf({ Db: cluster({ BackupRetentionPeriod: 35 }), Secondary: secondary() });
      expect(rpo(primary)['rpo-regional/Prod/Db'].status).toBe('not-assessed');
    });
  });

  test('the secondary cluster in the DR stack is a replica, not a store of its own', () => {
    const standby = dr({ Replica: cluster({ MasterUsername: undefined, GlobalClusterIdentifier: 'orders-global' }) });
    const { stores, excluded } = dataStores(standby, [standby]);
    expect(stores).toHaveLength(0);
    expect(excluded[0].reason).toMatch(/secondary cluster/);
  });

  test('scheduled backup: interval + start window + job; cross-region copy: interval + start window + copy', () => {
    const primary = stackOf({
      Db: cluster({ BackupRetentionPeriod: 0 }),
      Plan: plan([
        {
          RuleName: 'hourly',
          ScheduleExpression: 'cron(0 * ? * * *)',
          StartWindowMinutes: 60,
          CopyActions: [copyToDr],
        },
      ]),
      Selection: selection([{ 'Fn::Join': ['', ['arn:aws:rds:us-east-1:333333333333:cluster:', { Ref: 'Db' }]] }]),
    });
    const figures = rpo(primary);
    expect(figures['rpo-in-region/Prod/Db'].value).toBe(60 + 60 + BACKUP_JOB_DURATION_MINUTES);
    expect(figures['rpo-regional/Prod/Db'].value).toBe(60 + 60 + CROSS_REGION_COPY_DURATION_MINUTES);
    expect(figures['rpo-regional/Prod/Db'].sources.map((s) => s.logicalId)).toEqual(['Plan', 'Selection']);
  });

  test("a rule without StartWindowMinutes gets AWS Backup's 8-hour default", () => {
    const primary = stackOf({
      Db: cluster({ BackupRetentionPeriod: 0 }),
      Plan: plan([{ RuleName: 'daily', ScheduleExpression: 'cron(0 5 ? * * *)' }]),
      Selection: selection([{ 'Fn::GetAtt': ['Db', 'DBClusterArn'] }]),
    });
    expect(rpo(primary)['rpo-in-region/Prod/Db'].value).toBe(
      1440 + DEFAULT_BACKUP_START_WINDOW_MINUTES + BACKUP_JOB_DURATION_MINUTES,
    );
  });

  test('continuous backup, and tag-based selection', () => {
    const primary = stackOf({
      Db: cluster({ BackupRetentionPeriod: 0, Tags: [{ Key: 'backup', Value: 'yes' }] }),
      Plan: plan([{ RuleName: 'pitr', ScheduleExpression: 'cron(0 5 ? * * *)', EnableContinuousBackup: true }]),
      Selection: {
        Type: 'AWS::Backup::BackupSelection',
        Properties: {
          BackupPlanId: { Ref: 'Plan' },
          BackupSelection: {
            ListOfTags: [{ ConditionType: 'STRINGEQUALS', ConditionKey: 'backup', ConditionValue: 'yes' }],
          },
        },
      },
    });
    expect(rpo(primary)['rpo-in-region/Prod/Db'].value).toBe(CONTINUOUS_BACKUP_LAG_MINUTES);
  });

  test('no backups: not assessed, with the fix', () => {
    const figures = rpo(stackOf({ Db: cluster({ BackupRetentionPeriod: 0 }) }));
    expect(figures['rpo-in-region/Prod/Db']).toMatchObject({ status: 'not-assessed' });
    expect(figures['rpo-in-region/Prod/Db'].value).toBeUndefined();
    expect(figures['rpo-in-region/Prod/Db'].fix).toMatch(/PITR or an AWS Backup plan/);
    expect(figures['rpo-regional/Prod/Db'].reason).toMatch(/no copy in another region/);
  });

  test('S3 replication with RTC, without RTC, and versioning', () => {
    const standby = dr({
      Replica: bucket({ BucketName: 'orders-replica' }),
      Replica2: bucket({ BucketName: 'orders-replica-2' }),
    });
    const replication = (name: string, rtc: boolean) => ({
      Role: 'r',
      Rules: [
        {
          Status: 'Enabled',
          Destination: {
            Bucket: `arn:aws:s3:::${name}`,
            ...(rtc
              ? { ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } }, Metrics: { Status: 'Enabled' } }
              : {}),
          },
        },
      ],
    });
    const primary = stackOf({
      Archive: bucket({
        VersioningConfiguration: { Status: 'Enabled' },
        ReplicationConfiguration: replication('orders-replica', true),
      }),
      Uploads: bucket({ ReplicationConfiguration: replication('orders-replica-2', false) }),
    });
    const figures = rpo(primary, [standby]);
    expect(figures['rpo-regional/Prod/Archive'].value).toBe(S3_RTC_REPLICATION_LAG_MINUTES);
    expect(figures['rpo-regional/Prod/Uploads'].value).toBe(S3_REPLICATION_LAG_MINUTES);
    expect(figures['rpo-in-region/Prod/Archive'].value).toBe(0);
    expect(figures['rpo-in-region/Prod/Uploads'].status).toBe('not-assessed');
    // The replicas are not stores of their own.
    expect(dataStores(standby, [primary, standby]).excluded.map((e) => e.logicalId)).toEqual(['Replica', 'Replica2']);
  });

  test('log buckets are not data stores', () => {
    const primary = stackOf({
      Logs: bucket({ OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] } }),
      Data: bucket({
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: { DestinationBucketName: { Ref: 'Logs' } },
      }),
      AlbLogs: bucket({}),
      AlbLogsPolicy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: { Ref: 'AlbLogs' },
          PolicyDocument: { Statement: [{ Principal: { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' } }] },
        },
      },
    });
    const { stores, excluded } = dataStores(primary, [primary]);
    expect(stores.map((s) => s.logicalId)).toEqual(['Data']);
    expect(excluded.map((e) => e.logicalId).sort()).toEqual(['AlbLogs', 'Logs']);
  });

  test('a stateful type the report does not model is listed, not assessed', () => {
    const figures = unmodelledStoreFigures(stackOf({ Table: { Type: 'AWS::DynamoDB::Table' } }));
    expect(figures[0]).toMatchObject({ status: 'not-assessed', targetKey: 'rpoMinutes' });
    expect(figures[0].reason).toMatch(/AWS::DynamoDB::Table/);
  });
});

describe('RTO per DR mode', () => {
  const alb: CfnResource = { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer' };
  const record = (failover: string, extra: Record<string, unknown>): CfnResource => ({
    Type: 'AWS::Route53::RecordSet',
    Properties: {
      Name: 'orders.example.com.',
      Failover: failover,
      AliasTarget: { DNSName: { 'Fn::GetAtt': ['Alb', 'DNSName'] } },
      ...extra,
    },
  });
  const service = (count: number): CfnResource => ({ Type: 'AWS::ECS::Service', Properties: { DesiredCount: count } });

  function rto(primaryResources: Record<string, CfnResource>, standbyResources: Record<string, CfnResource>): Figure {
    const primary = stackOf({
      Alb: alb,
      Check: {
        Type: 'AWS::Route53::HealthCheck',
        Properties: { HealthCheckConfig: { RequestInterval: 10, FailureThreshold: 3 } },
      },
      Primary: record('PRIMARY', { HealthCheckId: { Ref: 'Check' } }),
      ...primaryResources,
    });
    const standby = dr({ Alb: alb, Secondary: record('SECONDARY', {}), ...standbyResources });
    const stacks = [primary, standby];
    const { stores } = dataStores(primary, stacks);
    return rtoFigure(primary, standby, standbyShape(primary, standby, stacks, stores), dnsFailovers(stacks)[0]);
  }

  test('the model parts add up to STANDBY_RECOVERY_MINUTES', () => {
    expect(STANDBY_RECOVERY_PARTS.data['global-database'] + STANDBY_RECOVERY_PARTS.compute.running).toBe(
      STANDBY_RECOVERY_MINUTES['warm-standby'],
    );
    // Pilot light without a plan: 25 min to add the headless secondary's instance and promote it + 15 min tasks.
    expect(STANDBY_RECOVERY_PARTS.data['headless-global-database'] + STANDBY_RECOVERY_PARTS.compute['from-zero']).toBe(
      40,
    );
    expect(STANDBY_RECOVERY_MINUTES['pilot-light']).toBe(40);
  });

  test('warm standby: decision + promote + scale + DNS', () => {
    const figure = rto(
      {
        Db: cluster({ BackupRetentionPeriod: 35 }),
        Global: {
          Type: 'AWS::RDS::GlobalCluster',
          Properties: { GlobalClusterIdentifier: 'g', SourceDBClusterIdentifier: { Ref: 'Db' } },
        },
      },
      { Replica: cluster({ MasterUsername: undefined, GlobalClusterIdentifier: 'g' }), Service: service(2) },
    );
    expect(figure.name).toMatch(/warm standby/);
    expect(figure.value).toBe(
      FAILOVER_DECISION_MINUTES + STANDBY_RECOVERY_MINUTES['warm-standby'] + (3 * (10 + 4 + 2) + 60) / 60,
    );
  });

  test("warm standby with the secondary created from the primary's stack (Custom::AuroraGlobalSecondary in the DR region)", () => {
    const figure = rto(
      {
        Db: cluster({ BackupRetentionPeriod: 35 }),
        Global: {
          Type: 'AWS::RDS::GlobalCluster',
          Properties: {
            GlobalClusterIdentifier: 'orders-global',
            SourceDBClusterIdentifier: {
              'Fn::Join': ['', ['arn:aws:rds:us-east-1:333333333333:cluster:', { Ref: 'Db' }]],
            },
          },
        },
        Secondary: {
          Type: GLOBAL_SECONDARY_TYPE,
          Properties: {
            SecondaryRegion: 'us-west-2',
            GlobalClusterIdentifier: { Ref: 'Global' },
            DBClusterIdentifier: 'orders-dr-db',
          },
        },
      },
      { Service: service(1) },
    );
    expect(figure.name).toMatch(/\(warm standby\)$/);
    expect(figure.value).toBe(
      FAILOVER_DECISION_MINUTES + STANDBY_RECOVERY_MINUTES['warm-standby'] + (3 * (10 + 4 + 2) + 60) / 60,
    );
    expect(figure.sources.some((s) => s.logicalId === 'Secondary')).toBe(true);
  });

  test('a custom-resource secondary in a third region does not serve this standby: mixed standby', () => {
    const figure = rto(
      {
        Db: cluster({ BackupRetentionPeriod: 35 }),
        Global: {
          Type: 'AWS::RDS::GlobalCluster',
          Properties: { GlobalClusterIdentifier: 'orders-global', SourceDBClusterIdentifier: { Ref: 'Db' } },
        },
        Secondary: {
          Type: GLOBAL_SECONDARY_TYPE,
          Properties: { SecondaryRegion: 'eu-west-1', GlobalClusterIdentifier: { Ref: 'Global' } },
        },
        Plan: plan([
          { RuleName: 'h', ScheduleExpression: 'cron(0 * ? * * *)', StartWindowMinutes: 60, CopyActions: [copyToDr] },
        ]),
        Selection: selection([{ Ref: 'Db' }]),
      },
      { Service: service(1) },
    );
    expect(figure.name).toMatch(/mixed standby/);
  });

  test('copies only (no global secondary, no plan): decision + restore the copied backup + start tasks + DNS', () => {
    const figure = rto(
      {
        Db: cluster(),
        Plan: plan([
          { RuleName: 'h', ScheduleExpression: 'cron(0 * ? * * *)', StartWindowMinutes: 60, CopyActions: [copyToDr] },
        ]),
        Selection: selection([{ Ref: 'Db' }]),
      },
      { Service: service(0) },
    );
    expect(figure.name).toMatch(/pilot light/);
    // 15 min decision + 60 min restore + 15 min tasks + (3 x (10 + 4 + 2) s + 60 s alias TTL) / 60 = 91.8 min.
    expect(figure.value).toBe(91.8);
  });

  test('a headless secondary (Headless: true) with 0 tasks is a pilot light: instance + promote, then tasks', () => {
    const figure = rto(
      {
        Db: cluster({ BackupRetentionPeriod: 35 }),
        Global: {
          Type: 'AWS::RDS::GlobalCluster',
          Properties: { GlobalClusterIdentifier: 'orders-global', SourceDBClusterIdentifier: { Ref: 'Db' } },
        },
        Secondary: {
          Type: GLOBAL_SECONDARY_TYPE,
          Properties: {
            SecondaryRegion: 'us-west-2',
            GlobalClusterIdentifier: { Ref: 'Global' },
            DBClusterIdentifier: 'orders-dr-db',
            Headless: true,
          },
        },
      },
      { Service: service(0) },
    );
    expect(figure.name).toMatch(/\(pilot light\)$/);
    // No plan: 15 min decision + 25 min instance and promote + 15 min tasks + (3 x 16 s + 60 s) / 60 = 56.8 min.
    expect(figure.value).toBe(56.8);
    expect(figure.sources).toContainEqual(
      expect.objectContaining({ logicalId: 'Secondary', properties: ['Headless'] }),
    );
  });

  test('no service in the standby: not assessed', () => {
    const figure = rto({ Db: cluster() }, {});
    expect(figure.status).toBe('not-assessed');
    expect(figure.reason).toMatch(/no AWS::ECS::Service/);
  });

  test('no standby at all: not assessed', () => {
    expect(rtoFigure(stackOf({}), undefined, undefined, undefined).reason).toMatch(/no stack stands by/);
  });
});
