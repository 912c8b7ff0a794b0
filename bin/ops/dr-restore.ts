/**
 * `npm run ops -- dr-restore [--config <path>] [--dry-run] [--wait]`: the pilot-light failover restore,
 * run with your AWS credentials in the DR region (runbooks/dr-failover.md):
 * 1. find the newest COMPLETED recovery point of Prod's database cluster in the DR vault, and its age
 *    against the RPO;
 * 2. restore it as `orders-dr-db` into DrRegion's database site (subnet group, security group, key), with
 *    the role `orders-dr-restore`, unless the cluster exists or a restore of that point is under way;
 * 3. with --wait: wait for the restore, add the `db.serverless` instance, point `db.orders-dr.internal`
 *    at the restored cluster, and scale the standby service to Prod's size.
 * --dry-run reads what it needs and prints every call that would change something, changing nothing.
 */
import { createHash } from 'crypto';
import { ApplicationAutoScalingClient, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import {
  BackupClient,
  DescribeRestoreJobCommand,
  GetRecoveryPointRestoreMetadataCommand,
  ListRecoveryPointsByBackupVaultCommand,
  ListRestoreJobsCommand,
  RecoveryPointByBackupVault,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  CreateDBInstanceCommand,
  DBCluster,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Command } from 'commander';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../config';
import { CLIENT_CONFIG } from '../../lambdas/shared/aws';
import { realSleep, RetryOptions, withRetry } from '../../lambdas/shared/retry';
import { backupVaultName } from '../../lib/backup/recovery-vault';
import { Naming } from '../../lib/common/naming';
import { DATABASE_ENGINE, databaseClusterIdentifier, databaseSecretName } from '../../lib/data/database';
import { drDatabaseHostName, drRestoreTargetParameterName, DrRestoreTarget } from '../../lib/data/global-database';
import { serviceBaseName } from '../../lib/service/blue-green-service';

/** Everything the restore needs, from the config and the names lib/ gives. */
export interface DrRestorePlan {
  readonly primaryName: string;
  /** The DR region, where every call goes. */
  readonly region: string;
  readonly vaultName: string;
  /** Prod's cluster: the copies' ResourceArn. */
  readonly primaryClusterArn: string;
  readonly rpoMinutes: number;
  readonly clusterIdentifier: string;
  readonly instanceIdentifier: string;
  readonly hostName: string;
  /** Prod's credentials secret, replicated into the DR region under the same name. */
  readonly secretName: string;
  readonly restoreTargetParameter: string;
  readonly ecsCluster: string;
  readonly ecsService: string;
  readonly desiredCount: number;
  readonly maxCount: number;
  readonly minCapacityAcu: number;
  readonly maxCapacityAcu: number;
}

export function restorePlanFor(configPath: string = DEFAULT_CONFIG_PATH): DrRestorePlan {
  const config = loadConfig(configPath);
  const primary = config.environments.find((e) => e.dr);
  if (!primary?.dr)
    throw new Error(`no environment in ${configPath} has a dr block: there is no DR region to restore into`);
  const primaryNaming = new Naming(config.service.name, primary.name);
  const drNaming = new Naming(config.service.name, 'dr');
  const partition = primary.region.startsWith('cn-')
    ? 'aws-cn'
    : primary.region.startsWith('us-gov-')
      ? 'aws-us-gov'
      : 'aws';
  const clusterIdentifier = databaseClusterIdentifier(drNaming);
  return {
    primaryName: primary.name,
    region: primary.dr.region,
    vaultName: backupVaultName(drNaming),
    primaryClusterArn: `arn:${partition}:rds:${primary.region}:${primary.account}:cluster:${databaseClusterIdentifier(primaryNaming)}`,
    rpoMinutes: primary.targets.rpoMinutes,
    clusterIdentifier,
    instanceIdentifier: `${clusterIdentifier}-1`,
    hostName: drDatabaseHostName(drNaming),
    secretName: databaseSecretName(primaryNaming),
    restoreTargetParameter: drRestoreTargetParameterName(drNaming),
    ecsCluster: serviceBaseName(drNaming),
    ecsService: serviceBaseName(drNaming),
    desiredCount: primary.service.desiredCount,
    maxCount: primary.service.maxCount,
    minCapacityAcu: primary.database.minCapacityAcu,
    maxCapacityAcu: primary.database.maxCapacityAcu,
  };
}

export interface DrRestoreClients {
  readonly backup: BackupClient;
  readonly rds: RDSClient;
  readonly ecs: ECSClient;
  readonly autoscaling: ApplicationAutoScalingClient;
  readonly route53: Route53Client;
  readonly ssm: SSMClient;
}

export interface DrRestoreOptions {
  readonly dryRun?: boolean;
  readonly wait?: boolean;
}

export interface DrRestoreDeps {
  readonly clients?: (region: string) => DrRestoreClients;
  readonly print?: (line: string) => void;
  readonly now?: () => number;
  /** Between polls and retries; injected in tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default 30 s */
  readonly pollIntervalMs?: number;
  /** Longest wait for the restore job, and again for the instance. @default 120 min */
  readonly maxWaitMs?: number;
  readonly retry?: RetryOptions;
}

export interface DrRestoreOutcome {
  readonly recoveryPointArn: string;
  readonly ageMinutes: number;
  /** What happened to the restore: started now, already running, cluster already there, or dry run. */
  readonly restore: 'started' | 'running' | 'exists' | 'dry-run';
  readonly restoreJobId?: string;
  readonly endpoint?: string;
  readonly mutatingCalls: readonly string[];
}

/** Thrown for a state the operator must resolve (no recovery point, failed restore, timeout). */
export class DrRestoreError extends Error {
  override readonly name = 'DrRestoreError';
}

const ACTIVE_RESTORE_STATES = ['PENDING', 'RUNNING'] as const;

function isNotFound(error: unknown, names: readonly string[]): boolean {
  return typeof error === 'object' && error !== null && names.includes((error as { name?: string }).name ?? '');
}

/** Newest COMPLETED recovery point of the cluster in the vault, over every page. */
export async function newestRecoveryPoint(
  backup: BackupClient,
  vaultName: string,
  resourceArn: string,
  retry?: RetryOptions,
): Promise<RecoveryPointByBackupVault | undefined> {
  let newest: RecoveryPointByBackupVault | undefined;
  let NextToken: string | undefined;
  do {
    const page = await withRetry(
      () =>
        backup.send(
          new ListRecoveryPointsByBackupVaultCommand({
            BackupVaultName: vaultName,
            ByResourceArn: resourceArn,
            NextToken,
          }),
        ),
      retry,
    );
    for (const point of page.RecoveryPoints ?? []) {
      if (point.Status !== 'COMPLETED' || !point.CreationDate || point.ResourceArn !== resourceArn) continue;
      if (!newest || point.CreationDate > newest.CreationDate!) newest = point;
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return newest;
}

/**
 * The restore metadata: the recovery point's own, pointed at the DR site. Availability zones are the
 * source region's and are dropped (the subnet group places the cluster).
 */
export function restoreMetadata(source: Record<string, string>, target: DrRestoreTarget): Record<string, string> {
  const metadata: Record<string, string> = { ...source };
  delete metadata.AvailabilityZones;
  return {
    ...metadata,
    DBClusterIdentifier: target.clusterIdentifier,
    DBSubnetGroupName: target.subnetGroupName,
    VpcSecurityGroupIds: JSON.stringify([target.securityGroupId]),
    KmsKeyId: target.kmsKeyArn,
    Engine: source.Engine ?? DATABASE_ENGINE.engineType,
  };
}

function defaultClients(region: string): DrRestoreClients {
  const config = { ...CLIENT_CONFIG, region };
  return {
    backup: new BackupClient(config),
    rds: new RDSClient(config),
    ecs: new ECSClient(config),
    autoscaling: new ApplicationAutoScalingClient(config),
    route53: new Route53Client(config),
    ssm: new SSMClient(config),
  };
}

export async function runDrRestore(
  plan: DrRestorePlan,
  options: DrRestoreOptions = {},
  deps: DrRestoreDeps = {},
): Promise<DrRestoreOutcome> {
  const print = deps.print ?? console.log;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const retry: RetryOptions = { sleep, ...deps.retry };
  const pollMs = deps.pollIntervalMs ?? 30_000;
  const maxWaitMs = deps.maxWaitMs ?? 120 * 60_000;
  const c = (deps.clients ?? defaultClients)(plan.region);
  const dryRun = options.dryRun ?? false;
  const mutatingCalls: string[] = [];
  const call = <T>(operation: () => Promise<T>) => withRetry(operation, retry);
  /** A call that changes something: printed, and in a dry run only printed. */
  const mutate = async <T>(description: string, input: object, operation: () => Promise<T>): Promise<T | undefined> => {
    mutatingCalls.push(description);
    print(`${dryRun ? 'would call' : 'calling'}: ${description} ${JSON.stringify(input)}`);
    return dryRun ? undefined : call(operation);
  };
  const prefix = dryRun ? '[dry run] ' : '';
  print(`${prefix}DR restore of ${plan.primaryName}'s database into ${plan.region} (${plan.clusterIdentifier})`);

  // 1. The newest copy, and its age against the RPO.
  const point = await newestRecoveryPoint(c.backup, plan.vaultName, plan.primaryClusterArn, retry);
  if (!point?.RecoveryPointArn || !point.CreationDate) {
    throw new DrRestoreError(
      `no COMPLETED recovery point of ${plan.primaryClusterArn} in vault ${plan.vaultName} (${plan.region}): nothing to restore. ` +
        `Check the copy jobs (aws backup list-copy-jobs --region ${plan.region}) and the vault freshness alarm; runbooks/dr-failover.md`,
    );
  }
  const ageMinutes = Math.round((now() - point.CreationDate.getTime()) / 60_000);
  print(
    `newest copy: ${point.RecoveryPointArn}, taken ${point.CreationDate.toISOString()}, ${ageMinutes} min old (RPO ${plan.rpoMinutes} min${ageMinutes > plan.rpoMinutes ? ': OVER the RPO, data since then is lost' : ''})`,
  );

  // 2. Idempotency: an existing cluster or a restore of this point under way.
  let cluster = await describeCluster(c.rds, plan.clusterIdentifier, call);
  let restore: DrRestoreOutcome['restore'];
  let restoreJobId: string | undefined;
  const target = await readTarget(c.ssm, plan, call);
  if (cluster?.GlobalClusterIdentifier) {
    // Since the pilot light went headless, orders-dr-db is the global database's secondary in both modes: it is
    // not a restored copy, and an instance plus a DNS change would serve a read-only secondary. The Region switch
    // plan fails over to it; a restore from a copy (the fallback) needs the name free first.
    const member = `${plan.clusterIdentifier} is a member of global cluster ${cluster.GlobalClusterIdentifier}`;
    const detach =
      `aws rds remove-from-global-cluster --region ${plan.region} ` +
      `--global-cluster-identifier ${cluster.GlobalClusterIdentifier} --db-cluster-identifier ${cluster.DBClusterArn}`;
    const rename =
      `aws rds modify-db-cluster --region ${plan.region} --db-cluster-identifier ${plan.clusterIdentifier} ` +
      `--new-db-cluster-identifier ${plan.clusterIdentifier}-detached --apply-immediately`;
    throw new DrRestoreError(
      `${member} (the DR secondary), not a restored copy: fail over with the Region switch plan ` +
        `(runbooks/dr-failover.md). To restore from a copy instead, detach it and move it aside first: ` +
        `${detach}; ${rename}`,
    );
  }
  if (cluster) {
    restore = 'exists';
    print(`cluster ${plan.clusterIdentifier} already exists (${cluster.Status}): not starting another restore`);
  } else {
    restoreJobId = await activeRestoreJob(c.backup, point.RecoveryPointArn, call);
    if (restoreJobId) {
      restore = 'running';
      print(`restore job ${restoreJobId} of this recovery point is already under way: not starting another`);
    } else {
      const source = await call(() =>
        c.backup.send(
          new GetRecoveryPointRestoreMetadataCommand({
            BackupVaultName: plan.vaultName,
            RecoveryPointArn: point.RecoveryPointArn,
          }),
        ),
      );
      const input = {
        RecoveryPointArn: point.RecoveryPointArn,
        IamRoleArn: target.restoreRoleArn,
        ResourceType: point.ResourceType ?? 'Aurora',
        Metadata: restoreMetadata(source.RestoreMetadata ?? {}, target),
        // The same point restores once, even if two operators run this at the same moment.
        IdempotencyToken: createHash('sha256').update(point.RecoveryPointArn).digest('hex').slice(0, 32),
      };
      const started = await mutate('backup:StartRestoreJob', input, () =>
        c.backup.send(new StartRestoreJobCommand(input)),
      );
      restore = dryRun ? 'dry-run' : 'started';
      restoreJobId = started?.RestoreJobId;
      if (restoreJobId) print(`restore job ${restoreJobId} started`);
    }
  }

  if (!options.wait) {
    print(
      dryRun
        ? 'dry run: nothing changed'
        : `next: npm run ops -- dr-restore --wait (waits for the restore, adds the instance, repoints ${plan.hostName}, scales the standby)`,
    );
    return { recoveryPointArn: point.RecoveryPointArn, ageMinutes, restore, restoreJobId, mutatingCalls };
  }

  // 3. Wait for the cluster, add its instance, repoint the DR name, scale the standby.
  if (restoreJobId && !dryRun)
    await waitForRestoreJob(c.backup, restoreJobId, { print, now, sleep, pollMs, maxWaitMs, call });
  if (!dryRun)
    cluster = await waitFor(
      `cluster ${plan.clusterIdentifier}`,
      () => describeCluster(c.rds, plan.clusterIdentifier, call),
      (x) => x?.Status === 'available',
      { print, now, sleep, pollMs, maxWaitMs, status: (x) => x?.Status ?? 'not yet created' },
    );

  if (cluster && !cluster.ServerlessV2ScalingConfiguration) {
    const input = {
      DBClusterIdentifier: plan.clusterIdentifier,
      ServerlessV2ScalingConfiguration: { MinCapacity: plan.minCapacityAcu, MaxCapacity: plan.maxCapacityAcu },
      ApplyImmediately: true,
    };
    await mutate('rds:ModifyDBCluster', input, () => c.rds.send(new ModifyDBClusterCommand(input)));
  } else if (!cluster) {
    print(
      `would call: rds:ModifyDBCluster (Serverless v2 scaling ${plan.minCapacityAcu}-${plan.maxCapacityAcu} ACU) if the restored cluster has none`,
    );
  }
  const instance = cluster ? await describeInstance(c.rds, plan.instanceIdentifier, call) : undefined;
  if (instance) {
    print(`instance ${plan.instanceIdentifier} already exists (${instance.DBInstanceStatus})`);
  } else {
    const input = {
      DBInstanceIdentifier: plan.instanceIdentifier,
      DBClusterIdentifier: plan.clusterIdentifier,
      Engine: cluster?.Engine ?? DATABASE_ENGINE.engineType,
      DBInstanceClass: 'db.serverless',
    };
    await mutate('rds:CreateDBInstance', input, () => c.rds.send(new CreateDBInstanceCommand(input)));
  }
  if (!dryRun) {
    await waitFor(
      `instance ${plan.instanceIdentifier}`,
      () => describeInstance(c.rds, plan.instanceIdentifier, call),
      (x) => x?.DBInstanceStatus === 'available',
      { print, now, sleep, pollMs, maxWaitMs, status: (x) => x?.DBInstanceStatus ?? 'not yet created' },
    );
  }

  const endpoint = cluster?.Endpoint ?? '<restored cluster endpoint>';
  const record = {
    HostedZoneId: target.hostedZoneId,
    ChangeBatch: {
      Comment: `dr-restore: ${plan.hostName} -> restored ${plan.clusterIdentifier}`,
      Changes: [
        {
          Action: 'UPSERT' as const,
          ResourceRecordSet: {
            Name: plan.hostName,
            Type: 'CNAME' as const,
            TTL: 60,
            ResourceRecords: [{ Value: endpoint }],
          },
        },
      ],
    },
  };
  await mutate('route53:ChangeResourceRecordSets', record, () =>
    c.route53.send(new ChangeResourceRecordSetsCommand(record)),
  );

  const scalable = {
    ServiceNamespace: 'ecs' as const,
    ResourceId: `service/${plan.ecsCluster}/${plan.ecsService}`,
    ScalableDimension: 'ecs:service:DesiredCount' as const,
    MinCapacity: plan.desiredCount,
    MaxCapacity: plan.maxCount,
  };
  await mutate('application-autoscaling:RegisterScalableTarget', scalable, () =>
    c.autoscaling.send(new RegisterScalableTargetCommand(scalable)),
  );
  const update = { cluster: plan.ecsCluster, service: plan.ecsService, desiredCount: plan.desiredCount };
  await mutate('ecs:UpdateService', update, () => c.ecs.send(new UpdateServiceCommand(update)));

  print(
    [
      dryRun
        ? 'dry run: nothing changed'
        : `restored: ${plan.hostName} -> ${endpoint}; standby scaling to ${plan.desiredCount} tasks`,
      'next, by hand (runbooks/dr-failover.md):',
      `  1. wait for the tasks: aws ecs wait services-stable --region ${plan.region} --cluster ${plan.ecsCluster} --services ${plan.ecsService}`,
      `  2. credentials: the restored cluster has the password of the recovery point's time; if ${plan.secretName} rotated since, set the replica's (aws secretsmanager get-secret-value --region ${plan.region} --secret-id ${plan.secretName}; aws rds modify-db-cluster --region ${plan.region} --db-cluster-identifier ${plan.clusterIdentifier} --master-user-password ... --apply-immediately)`,
      '  3. DNS: aws route53 test-dns-answer ... returns the standby load balancer; curl the health path',
      '  4. write a test order through the journey; the standby alarms (orders-dr-*) are OK; announce',
    ].join('\n'),
  );
  return {
    recoveryPointArn: point.RecoveryPointArn,
    ageMinutes,
    restore,
    restoreJobId,
    endpoint: cluster?.Endpoint,
    mutatingCalls,
  };
}

type Call = <T>(operation: () => Promise<T>) => Promise<T>;

async function describeCluster(rds: RDSClient, id: string, call: Call): Promise<DBCluster | undefined> {
  try {
    return (await call(() => rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id })))).DBClusters?.[0];
  } catch (error) {
    if (isNotFound(error, ['DBClusterNotFoundFault'])) return undefined;
    throw error;
  }
}

async function describeInstance(rds: RDSClient, id: string, call: Call) {
  try {
    return (await call(() => rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })))).DBInstances?.[0];
  } catch (error) {
    if (isNotFound(error, ['DBInstanceNotFoundFault'])) return undefined;
    throw error;
  }
}

async function readTarget(ssm: SSMClient, plan: DrRestorePlan, call: Call): Promise<DrRestoreTarget> {
  try {
    const out = await call(() => ssm.send(new GetParameterCommand({ Name: plan.restoreTargetParameter })));
    return JSON.parse(out.Parameter?.Value ?? '{}') as DrRestoreTarget;
  } catch (error) {
    if (isNotFound(error, ['ParameterNotFound'])) {
      throw new DrRestoreError(
        `parameter ${plan.restoreTargetParameter} not found in ${plan.region}: deploy DrRegion (it holds the restore target), or use the manual commands in runbooks/dr-failover.md`,
      );
    }
    throw error;
  }
}

async function activeRestoreJob(
  backup: BackupClient,
  recoveryPointArn: string,
  call: Call,
): Promise<string | undefined> {
  for (const status of ACTIVE_RESTORE_STATES) {
    let NextToken: string | undefined;
    do {
      const page = await call(() => backup.send(new ListRestoreJobsCommand({ ByStatus: status, NextToken })));
      const job = page.RestoreJobs?.find((j) => j.RecoveryPointArn === recoveryPointArn);
      if (job?.RestoreJobId) return job.RestoreJobId;
      NextToken = page.NextToken;
    } while (NextToken);
  }
  return undefined;
}

interface WaitOptions {
  readonly print: (line: string) => void;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly pollMs: number;
  readonly maxWaitMs: number;
}

async function waitForRestoreJob(
  backup: BackupClient,
  restoreJobId: string,
  options: WaitOptions & { call: Call },
): Promise<void> {
  await waitFor(
    `restore job ${restoreJobId}`,
    async () => {
      const job = await options.call(() => backup.send(new DescribeRestoreJobCommand({ RestoreJobId: restoreJobId })));
      if (job.Status === 'FAILED' || job.Status === 'ABORTED') {
        throw new DrRestoreError(
          `restore job ${restoreJobId} ${job.Status}: ${job.StatusMessage ?? 'no status message'}; fix the cause and run dr-restore again, or follow the manual commands in runbooks/dr-failover.md`,
        );
      }
      return job;
    },
    (job) => job.Status === 'COMPLETED',
    { ...options, status: (job) => `${job.Status}${job.PercentDone ? ` ${job.PercentDone}` : ''}` },
  );
}

/** Poll until done, printing progress; bounded by maxWaitMs. */
async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  options: WaitOptions & { status: (value: T) => string },
): Promise<T> {
  const start = options.now();
  for (;;) {
    const value = await read();
    const elapsed = Math.round((options.now() - start) / 1000);
    if (done(value)) {
      options.print(`${what}: ${options.status(value)} after ${elapsed} s`);
      return value;
    }
    if (options.now() - start >= options.maxWaitMs) {
      throw new DrRestoreError(
        `${what} still ${options.status(value)} after ${elapsed} s (limit ${Math.round(options.maxWaitMs / 1000)} s); run dr-restore --wait again to keep waiting`,
      );
    }
    options.print(`${what}: ${options.status(value)} (${elapsed} s)`);
    await options.sleep(options.pollMs);
  }
}

export function registerDrRestore(program: Command, deps: DrRestoreDeps = {}): Command {
  program
    .command('dr-restore')
    .description(
      'pilot-light failover: restore the newest copied recovery point in the DR region, then (--wait) add its instance, repoint the DR database name and scale the standby',
    )
    .option('-c, --config <path>', 'config file', DEFAULT_CONFIG_PATH)
    .option('--dry-run', 'print every call that would change something; change nothing', false)
    .option('--wait', 'wait for the restore, then create the instance, repoint the name and scale the standby', false)
    .action(async (options: { config: string; dryRun: boolean; wait: boolean }) => {
      await runDrRestore(restorePlanFor(options.config), { dryRun: options.dryRun, wait: options.wait }, deps);
    });
  return program;
}
