import { ApplicationAutoScalingClient, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import {
  BackupClient,
  DescribeRestoreJobCommand,
  GetRecoveryPointRestoreMetadataCommand,
  ListRecoveryPointsByBackupVaultCommand,
  ListRestoreJobsCommand,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { Command } from 'commander';
import {
  DrRestoreClients,
  registerDrRestore,
  restoreMetadata,
  restorePlanFor,
  runDrRestore,
} from '../../bin/ops/dr-restore';
import { buildOpsProgram } from '../../bin/ops';

const plan = restorePlanFor('config/bulwark.config.ts');
const PRIMARY = 'arn:aws:rds:us-east-1:333333333333:cluster:orders-prod-db';
const NOW = Date.parse('2026-11-23T04:00:00Z');
const TARGET = {
  clusterIdentifier: 'orders-dr-db',
  instanceIdentifier: 'orders-dr-db-1',
  subnetGroupName: 'orders-dr-db',
  securityGroupId: 'sg-0123',
  kmsKeyArn: 'arn:aws:kms:us-west-2:333333333333:key/abc',
  hostedZoneId: 'ZDRPRIVATE',
  hostName: 'db.orders-dr.internal',
  restoreRoleArn: 'arn:aws:iam::333333333333:role/orders-dr-restore',
};

const backup = mockClient(BackupClient);
const rds = mockClient(RDSClient);
const ecs = mockClient(ECSClient);
const autoscaling = mockClient(ApplicationAutoScalingClient);
const route53 = mockClient(Route53Client);
const ssm = mockClient(SSMClient);
const clients = (): DrRestoreClients => ({
  backup: new BackupClient({ region: 'us-west-2' }),
  rds: new RDSClient({ region: 'us-west-2' }),
  ecs: new ECSClient({ region: 'us-west-2' }),
  autoscaling: new ApplicationAutoScalingClient({ region: 'us-west-2' }),
  route53: new Route53Client({ region: 'us-west-2' }),
  ssm: new SSMClient({ region: 'us-west-2' }),
});

function point(
  id: string,
  minutesAgo: number,
  status: 'COMPLETED' | 'PARTIAL' | 'EXPIRED' | 'DELETING' = 'COMPLETED',
  resourceArn = PRIMARY,
) {
  return {
    RecoveryPointArn: `arn:aws:rds:us-west-2:333333333333:cluster-snapshot:awsbackup:${id}`,
    ResourceArn: resourceArn,
    ResourceType: 'Aurora',
    Status: status,
    CreationDate: new Date(NOW - minutesAgo * 60_000),
  };
}

const notFound = (name: string) => Object.assign(new Error(`${name}: not found`), { name });
const throttled = () =>
  Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });

let lines: string[];
const deps = () => ({
  clients,
  print: (line: string) => lines.push(line),
  now: () => NOW,
  sleep: async () => undefined,
  pollIntervalMs: 1000,
  maxWaitMs: 10_000,
});
const output = () => lines.join('\n');
const MUTATING = [
  StartRestoreJobCommand,
  CreateDBInstanceCommand,
  ModifyDBClusterCommand,
  ChangeResourceRecordSetsCommand,
  RegisterScalableTargetCommand,
  UpdateServiceCommand,
] as const;

beforeEach(() => {
  for (const mock of [backup, rds, ecs, autoscaling, route53, ssm]) mock.reset();
  lines = [];
  backup
    .on(ListRecoveryPointsByBackupVaultCommand)
    .resolves({ RecoveryPoints: [point('newest', 70), point('older', 130)] });
  backup.on(ListRestoreJobsCommand).resolves({ RestoreJobs: [] });
  backup.on(GetRecoveryPointRestoreMetadataCommand).resolves({
    RestoreMetadata: {
      Engine: 'aurora-postgresql',
      EngineVersion: '17.9',
      AvailabilityZones: '["us-east-1a","us-east-1b"]',
      DBClusterIdentifier: 'orders-prod-db',
      DBSubnetGroupName: 'orders-prod-db',
      Port: '5432',
    },
  });
  backup.on(StartRestoreJobCommand).resolves({ RestoreJobId: 'job-1' });
  rds.on(DescribeDBClustersCommand).rejects(notFound('DBClusterNotFoundFault'));
  rds.on(DescribeDBInstancesCommand).rejects(notFound('DBInstanceNotFoundFault'));
  ssm
    .on(GetParameterCommand, { Name: '/orders/dr/database/restore-target' })
    .resolves({ Parameter: { Value: JSON.stringify(TARGET) } });
});

describe('npm run ops -- dr-restore', () => {
  test('the plan uses the names the stacks use', () => {
    expect(plan).toMatchObject({
      region: 'us-west-2',
      vaultName: 'orders-dr-backup',
      primaryClusterArn: PRIMARY,
      clusterIdentifier: 'orders-dr-db',
      instanceIdentifier: 'orders-dr-db-1',
      hostName: 'db.orders-dr.internal',
      secretName: '/orders/prod/database',
      ecsCluster: 'orders-dr',
      ecsService: 'orders-dr',
      desiredCount: 3,
      maxCount: 12,
    });
  });

  test('picks the newest completed point over every page, ignoring partial, expired and other resources', async () => {
    backup
      .on(ListRecoveryPointsByBackupVaultCommand)
      .resolvesOnce({ RecoveryPoints: [point('old', 300), point('partial', 5, 'PARTIAL')], NextToken: 'p2' })
      .resolvesOnce({
        RecoveryPoints: [
          point('other-db', 1, 'COMPLETED', 'arn:aws:rds:us-east-1:333333333333:cluster:other'),
          point('newest', 60),
          point('expired', 2, 'EXPIRED'),
        ],
      });
    const outcome = await runDrRestore(plan, {}, deps());
    expect(outcome.recoveryPointArn).toMatch(/:newest$/);
    expect(outcome.ageMinutes).toBe(60);
    expect(backup.commandCalls(ListRecoveryPointsByBackupVaultCommand).map((c) => c.args[0].input)).toEqual([
      { BackupVaultName: 'orders-dr-backup', ByResourceArn: PRIMARY, NextToken: undefined },
      { BackupVaultName: 'orders-dr-backup', ByResourceArn: PRIMARY, NextToken: 'p2' },
    ]);
    expect(output()).toContain('60 min old (RPO 15 min: OVER the RPO');
    const start = backup.commandCalls(StartRestoreJobCommand)[0].args[0].input;
    expect(start).toMatchObject({
      RecoveryPointArn: expect.stringMatching(/:newest$/),
      IamRoleArn: TARGET.restoreRoleArn,
      ResourceType: 'Aurora',
    });
    expect(start.Metadata).toEqual({
      Engine: 'aurora-postgresql',
      EngineVersion: '17.9',
      Port: '5432',
      DBClusterIdentifier: 'orders-dr-db',
      DBSubnetGroupName: 'orders-dr-db',
      VpcSecurityGroupIds: '["sg-0123"]',
      KmsKeyId: TARGET.kmsKeyArn,
    });
    expect(outcome.restore).toBe('started');
    expect(output()).toContain('next: npm run ops -- dr-restore --wait');
  });

  test('refuses clearly when the vault holds no completed recovery point', async () => {
    backup.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [point('partial', 5, 'PARTIAL')] });
    await expect(runDrRestore(plan, {}, deps())).rejects.toThrow(
      `no COMPLETED recovery point of ${PRIMARY} in vault orders-dr-backup (us-west-2): nothing to restore`,
    );
    expect(backup).not.toHaveReceivedCommand(StartRestoreJobCommand);
  });

  test('does not restore again when orders-dr-db exists', async () => {
    rds
      .on(DescribeDBClustersCommand)
      .resolves({ DBClusters: [{ DBClusterIdentifier: 'orders-dr-db', Status: 'available' }] });
    const outcome = await runDrRestore(plan, {}, deps());
    expect(outcome.restore).toBe('exists');
    expect(output()).toContain('cluster orders-dr-db already exists (available): not starting another restore');
    expect(backup).not.toHaveReceivedCommand(StartRestoreJobCommand);
  });

  test("refuses the global database's DR secondary as a restore target, naming the way out", async () => {
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'orders-dr-db',
          DBClusterArn: 'arn:aws:rds:us-west-2:333333333333:cluster:orders-dr-db',
          GlobalClusterIdentifier: 'orders-global',
          Status: 'available',
        },
      ],
    });
    await expect(runDrRestore(plan, {}, deps())).rejects.toThrow(
      'orders-dr-db is a member of global cluster orders-global (the DR secondary), not a restored copy: fail over ' +
        'with the Region switch plan (runbooks/dr-failover.md). To restore from a copy instead, detach it and move ' +
        'it aside first: aws rds remove-from-global-cluster --region us-west-2 --global-cluster-identifier ' +
        'orders-global --db-cluster-identifier arn:aws:rds:us-west-2:333333333333:cluster:orders-dr-db; aws rds ' +
        'modify-db-cluster --region us-west-2 --db-cluster-identifier orders-dr-db --new-db-cluster-identifier ' +
        'orders-dr-db-detached --apply-immediately',
    );
    expect(backup).not.toHaveReceivedCommand(StartRestoreJobCommand);
    expect(rds).not.toHaveReceivedCommand(CreateDBInstanceCommand);
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  test('does not start a second restore while one of this point runs', async () => {
    backup.on(ListRestoreJobsCommand, { ByStatus: 'RUNNING' }).resolves({
      RestoreJobs: [
        { RestoreJobId: 'job-0', RecoveryPointArn: point('newest', 70).RecoveryPointArn, Status: 'RUNNING' },
      ],
    });
    const outcome = await runDrRestore(plan, {}, deps());
    expect(outcome).toMatchObject({ restore: 'running', restoreJobId: 'job-0' });
    expect(output()).toContain('restore job job-0 of this recovery point is already under way: not starting another');
    expect(backup).not.toHaveReceivedCommand(StartRestoreJobCommand);
  });

  test('--dry-run --wait prints every mutating call and makes none', async () => {
    const outcome = await runDrRestore(plan, { dryRun: true, wait: true }, deps());
    // Only reads went out: no mock saw any mutating command.
    const sent = [backup, rds, ecs, autoscaling, route53, ssm].flatMap((m) =>
      m.calls().map((c) => (c.args[0] as object).constructor.name),
    );
    expect(sent.filter((name) => MUTATING.some((command) => command.name === name))).toEqual([]);
    expect(sent.length).toBeGreaterThan(0);
    expect(outcome.mutatingCalls).toEqual([
      'backup:StartRestoreJob',
      'rds:CreateDBInstance',
      'route53:ChangeResourceRecordSets',
      'application-autoscaling:RegisterScalableTarget',
      'ecs:UpdateService',
    ]);
    expect(output()).toContain('would call: backup:StartRestoreJob');
    expect(output()).toContain(
      'would call: ecs:UpdateService {"cluster":"orders-dr","service":"orders-dr","desiredCount":3}',
    );
    expect(output()).toContain('dry run: nothing changed');
  });

  test('--wait waits for the job, creates the instance, repoints the DR name and scales the standby', async () => {
    backup
      .on(DescribeRestoreJobCommand)
      .resolvesOnce({ Status: 'RUNNING', PercentDone: '40.00%' })
      .resolves({ Status: 'COMPLETED' });
    rds
      .on(DescribeDBClustersCommand)
      .rejectsOnce(notFound('DBClusterNotFoundFault'))
      .resolves({
        DBClusters: [
          {
            DBClusterIdentifier: 'orders-dr-db',
            Status: 'available',
            Engine: 'aurora-postgresql',
            Endpoint: 'orders-dr-db.cluster-x.us-west-2.rds.amazonaws.com',
          },
        ],
      });
    rds
      .on(DescribeDBInstancesCommand)
      .rejectsOnce(notFound('DBInstanceNotFoundFault'))
      .resolvesOnce({ DBInstances: [{ DBInstanceStatus: 'creating' }] })
      .resolves({ DBInstances: [{ DBInstanceStatus: 'available' }] });
    const outcome = await runDrRestore(plan, { wait: true }, deps());
    expect(outcome.endpoint).toBe('orders-dr-db.cluster-x.us-west-2.rds.amazonaws.com');
    expect(output()).toContain('restore job job-1: RUNNING 40.00% (0 s)');
    expect(rds).toHaveReceivedCommandWith(ModifyDBClusterCommand, {
      DBClusterIdentifier: 'orders-dr-db',
      ServerlessV2ScalingConfiguration: { MinCapacity: plan.minCapacityAcu, MaxCapacity: plan.maxCapacityAcu },
      ApplyImmediately: true,
    });
    expect(rds).toHaveReceivedCommandWith(CreateDBInstanceCommand, {
      DBInstanceIdentifier: 'orders-dr-db-1',
      DBClusterIdentifier: 'orders-dr-db',
      Engine: 'aurora-postgresql',
      DBInstanceClass: 'db.serverless',
    });
    expect(route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: 'ZDRPRIVATE',
      ChangeBatch: expect.objectContaining({
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: 'db.orders-dr.internal',
              Type: 'CNAME',
              TTL: 60,
              ResourceRecords: [{ Value: 'orders-dr-db.cluster-x.us-west-2.rds.amazonaws.com' }],
            },
          },
        ],
      }),
    });
    expect(autoscaling).toHaveReceivedCommandWith(RegisterScalableTargetCommand, {
      ServiceNamespace: 'ecs',
      ResourceId: 'service/orders-dr/orders-dr',
      ScalableDimension: 'ecs:service:DesiredCount',
      MinCapacity: 3,
      MaxCapacity: 12,
    });
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, {
      cluster: 'orders-dr',
      service: 'orders-dr',
      desiredCount: 3,
    });
    expect(output()).toContain('next, by hand');
  });

  test('--wait on an existing cluster with its instance only repoints and scales', async () => {
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          Status: 'available',
          Engine: 'aurora-postgresql',
          Endpoint: 'e',
          ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
        },
      ],
    });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: 'available' }] });
    await runDrRestore(plan, { wait: true }, deps());
    expect(rds).not.toHaveReceivedCommand(CreateDBInstanceCommand);
    expect(rds).not.toHaveReceivedCommand(ModifyDBClusterCommand);
    expect(backup).not.toHaveReceivedCommand(StartRestoreJobCommand);
    expect(ecs).toHaveReceivedCommandTimes(UpdateServiceCommand, 1);
  });

  test('throttling is retried', async () => {
    backup
      .on(ListRecoveryPointsByBackupVaultCommand)
      .rejectsOnce(throttled())
      .resolves({ RecoveryPoints: [point('newest', 70)] });
    backup.on(StartRestoreJobCommand).rejectsOnce(throttled()).resolves({ RestoreJobId: 'job-2' });
    const outcome = await runDrRestore(plan, {}, deps());
    expect(outcome.restoreJobId).toBe('job-2');
    expect(backup).toHaveReceivedCommandTimes(StartRestoreJobCommand, 2);
  });

  test('a restore job that fails stops with its status message', async () => {
    backup.on(DescribeRestoreJobCommand).resolves({ Status: 'FAILED', StatusMessage: 'KMS key not accessible' });
    await expect(runDrRestore(plan, { wait: true }, deps())).rejects.toThrow(
      'restore job job-1 FAILED: KMS key not accessible',
    );
    expect(rds).not.toHaveReceivedCommand(CreateDBInstanceCommand);
    expect(ecs).not.toHaveReceivedCommand(UpdateServiceCommand);
  });

  test('waiting is bounded', async () => {
    let clock = NOW;
    backup.on(DescribeRestoreJobCommand).resolves({ Status: 'RUNNING' });
    const bounded = { ...deps(), now: () => clock, sleep: async (ms: number) => void (clock += ms) };
    await expect(runDrRestore(plan, { wait: true }, bounded)).rejects.toThrow(
      /restore job job-1 still RUNNING after 10 s \(limit 10 s\)/,
    );
  });

  test('a DrRegion without the restore target parameter is named', async () => {
    ssm.on(GetParameterCommand).rejects(notFound('ParameterNotFound'));
    await expect(runDrRestore(plan, {}, deps())).rejects.toThrow(
      'parameter /orders/dr/database/restore-target not found in us-west-2: deploy DrRegion',
    );
  });

  test('restore metadata drops the source region zones and keeps the engine', () => {
    expect(
      restoreMetadata({ Engine: 'aurora-postgresql', AvailabilityZones: '["us-east-1a"]' }, TARGET),
    ).not.toHaveProperty('AvailabilityZones');
    expect(restoreMetadata({}, TARGET).Engine).toBe('aurora-postgresql');
  });

  test('is registered with ops and parses its options', async () => {
    expect(buildOpsProgram().commands.map((c) => c.name())).toContain('dr-restore');
    const program = registerDrRestore(new Command().exitOverride(), { ...deps() });
    await program.parseAsync(['node', 'ops', 'dr-restore', '--dry-run'], { from: 'node' });
    expect(output()).toContain('[dry run] DR restore of Prod');
    expect(backup).not.toHaveReceivedCommand(StartRestoreJobCommand);
  });
});
