import type { Logger } from '@aws-lambda-powertools/logger';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DBCluster,
  DBInstance,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  RDSClient,
  RemoveFromGlobalClusterCommand,
} from '@aws-sdk/client-rds';
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { RetryOptions, withRetry } from '../shared/retry';
import { isCreateRollback } from '../shared/stack-status';

/** zod/mini loads no locale; English, as classic zod has, keeps the parse errors' wording. */
z.config(en());

/** CloudFormation passes every scalar as a string: booleans and numbers are coerced here. */
const flag = z.union([
  z.boolean(),
  z.pipe(
    z.enum(['true', 'false']),
    z.transform((v) => v === 'true'),
  ),
]);

/** The custom resource's properties (Custom::AuroraGlobalSecondary). */
export const secondaryPropertiesSchema = z.object({
  SecondaryRegion: z
    .string()
    .check(z.regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: 'must be a region such as us-west-2' })),
  GlobalClusterIdentifier: z.string().check(z.minLength(1)),
  DBClusterIdentifier: z
    .string()
    .check(z.regex(/^[a-z][a-z0-9-]{0,62}$/, { error: 'must be a lowercase RDS identifier' })),
  DBInstanceIdentifier: z
    .string()
    .check(z.regex(/^[a-z][a-z0-9-]{0,62}$/, { error: 'must be a lowercase RDS identifier' })),
  Engine: z.string().check(z.minLength(1)),
  EngineVersion: z.string().check(z.minLength(1)),
  MinCapacity: z.coerce.number().check(z.minimum(0), z.maximum(256)),
  MaxCapacity: z.coerce.number().check(z.minimum(1), z.maximum(256)),
  BackupRetentionPeriod: z.coerce.number().check(z.int(), z.minimum(1), z.maximum(35)),
  DBSubnetGroupName: z.string().check(z.minLength(1)),
  VpcSecurityGroupIds: z.array(z.string().check(z.regex(/^sg-[0-9a-f]+$/))).check(z.minLength(1)),
  KmsKeyId: z
    .string()
    .check(z.regex(/^arn:aws[a-z-]*:kms:/, { error: 'must be a KMS key ARN in the secondary region' })),
  DeletionProtection: flag,
  /** Leave the cluster in place when the resource is deleted (the environment retains its data). */
  Retain: flag,
  /**
   * A headless secondary (pilot light): the cluster only, no DB instance; storage still replicates and the
   * Region switch plan adds the instance at failover
   * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-attach.console.headless.html).
   */
  Headless: z._default(flag, false),
  Tags: z._default(z.record(z.string(), z.string()), {}),
});
export type SecondaryProperties = z.infer<typeof secondaryPropertiesSchema>;

const baseEvent = {
  RequestId: z.string().check(z.minLength(1)),
  StackId: z.string().check(z.minLength(1)),
  LogicalResourceId: z.string().check(z.minLength(1)),
  ResourceProperties: secondaryPropertiesSchema,
};
export const onEventSchema = z.discriminatedUnion('RequestType', [
  z.object({ ...baseEvent, RequestType: z.literal('Create') }),
  z.object({
    ...baseEvent,
    RequestType: z.literal('Update'),
    PhysicalResourceId: z.string().check(z.minLength(1)),
    OldResourceProperties: secondaryPropertiesSchema,
  }),
  z.object({ ...baseEvent, RequestType: z.literal('Delete'), PhysicalResourceId: z.string().check(z.minLength(1)) }),
]);
export type OnEvent = z.infer<typeof onEventSchema>;

/** isComplete receives the onEvent event plus what onEvent returned (PhysicalResourceId, Data). */
export const isCompleteSchema = z.object({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  PhysicalResourceId: z.string().check(z.minLength(1)),
  ResourceProperties: secondaryPropertiesSchema,
  Data: z.prefault(z.object({ Action: z._default(z.enum(['wait', 'delete', 'none']), 'wait') }), {}),
});
export type IsCompleteEvent = z.infer<typeof isCompleteSchema>;

export interface OnEventResponse {
  readonly PhysicalResourceId: string;
  readonly Data: { readonly Action: 'wait' | 'delete' | 'none' };
}
export interface IsCompleteResponse {
  readonly IsComplete: boolean;
  readonly Data?: Record<string, string>;
}

export interface SecondaryDeps {
  /** An RDS client for the secondary's region (the function runs in the primary's). */
  readonly rds: (region: string) => Pick<RDSClient, 'send'>;
  /** Reads this stack's status on Delete: a retained secondary is deleted only in a create rollback. */
  readonly cloudformation: Pick<CloudFormationClient, 'send'>;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  readonly retry?: RetryOptions;
}

/** Cluster states after which waiting cannot help: the deployment fails with the state and the command to look. */
const FAILED_STATES = new Set([
  'failed',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'incompatible-network',
  'incompatible-parameters',
  'incompatible-restore',
  'storage-full',
]);

/**
 * onEvent. Create: create the secondary cluster in the DR region, joined to the global cluster, unless
 * it exists already (a Create retried after a timeout or a rollback that kept it finds it and waits).
 * Update: apply changed scaling and deletion protection; what would need a new cluster is refused.
 * Delete: a retained environment keeps the cluster (it is a full copy of the data and becomes the
 * primary in a failover: deleting it must be a person's decision); otherwise detach and delete.
 */
export async function onEvent(event: OnEvent, deps: SecondaryDeps): Promise<OnEventResponse> {
  const p = event.ResourceProperties;
  const rds = deps.rds(p.SecondaryRegion);
  const physicalId = p.DBClusterIdentifier;

  if (event.RequestType === 'Delete') {
    if (event.PhysicalResourceId !== physicalId) {
      // A Create that failed before naming the cluster: nothing of ours exists under this id.
      deps.logger.info('nothing to delete: the physical id is not the secondary cluster', {
        physicalResourceId: event.PhysicalResourceId,
      });
      return { PhysicalResourceId: event.PhysicalResourceId, Data: { Action: 'none' } };
    }
    const rollback = p.Retain ? await isCreateRollback(deps.cloudformation, event.StackId, deps.retry) : undefined;
    if (rollback?.createRollback) {
      // The stack that created this secondary is rolling back its creation: the copy is new, the global
      // cluster is about to be deleted (it cannot be while it has a secondary), and a retry needs the name.
      deps.logger.warn('deleting the new secondary cluster: its stack is rolling back its creation', {
        cluster: physicalId,
        stackStatus: rollback.status,
      });
    } else if (p.Retain) {
      deps.logger.warn(
        "secondary cluster retained: it holds a full copy of the data and is the DR region's promotable primary; delete it by hand if it is really unwanted (runbooks/dr-failback.md)",
        {
          cluster: physicalId,
          region: p.SecondaryRegion,
          globalCluster: p.GlobalClusterIdentifier,
          stackStatus: rollback?.status,
        },
      );
      return { PhysicalResourceId: physicalId, Data: { Action: 'none' } };
    }
    const cluster = await describeCluster(rds, physicalId, deps);
    if (!cluster) return { PhysicalResourceId: physicalId, Data: { Action: 'none' } };
    if (cluster.GlobalClusterIdentifier) {
      await ignoring(['GlobalClusterNotFoundFault', 'InvalidGlobalClusterStateFault'], () =>
        withRetry(
          () =>
            rds.send(
              new RemoveFromGlobalClusterCommand({
                GlobalClusterIdentifier: p.GlobalClusterIdentifier,
                DbClusterIdentifier: cluster.DBClusterArn,
              }),
            ),
          deps.retry,
        ),
      );
      deps.logger.info('removed the secondary from the global cluster', {
        cluster: physicalId,
        globalCluster: p.GlobalClusterIdentifier,
      });
    }
    await ignoring(['DBInstanceNotFoundFault', 'InvalidDBInstanceStateFault'], () =>
      withRetry(
        () =>
          rds.send(
            new DeleteDBInstanceCommand({ DBInstanceIdentifier: p.DBInstanceIdentifier, SkipFinalSnapshot: true }),
          ),
        deps.retry,
      ),
    );
    deps.logger.info('deleting the secondary instance; isComplete deletes the cluster once it is gone', {
      instance: p.DBInstanceIdentifier,
    });
    return { PhysicalResourceId: physicalId, Data: { Action: 'delete' } };
  }

  if (event.RequestType === 'Update') {
    const old = event.OldResourceProperties;
    const fixed = (
      [
        'SecondaryRegion',
        'GlobalClusterIdentifier',
        'DBClusterIdentifier',
        'DBInstanceIdentifier',
        'Engine',
        'DBSubnetGroupName',
        'KmsKeyId',
      ] as const
    ).filter((k) => old[k] !== p[k]);
    if (fixed.length > 0) {
      throw new Error(
        `${fixed.join(', ')} of the global database secondary cannot change in place (it would need a new cluster and a full re-copy of the data). ` +
          'Revert the change; to move the secondary, follow runbooks/dr-failback.md (remove it from the global cluster, then add a new one).',
      );
    }
    const scalingChanged = old.MinCapacity !== p.MinCapacity || old.MaxCapacity !== p.MaxCapacity;
    const protectionChanged = old.DeletionProtection !== p.DeletionProtection;
    if (scalingChanged || protectionChanged || old.BackupRetentionPeriod !== p.BackupRetentionPeriod) {
      await withRetry(
        () =>
          rds.send(
            new ModifyDBClusterCommand({
              DBClusterIdentifier: physicalId,
              ServerlessV2ScalingConfiguration: { MinCapacity: p.MinCapacity, MaxCapacity: p.MaxCapacity },
              DeletionProtection: p.DeletionProtection,
              BackupRetentionPeriod: p.BackupRetentionPeriod,
              ApplyImmediately: true,
            }),
          ),
        deps.retry,
      );
      deps.logger.info('modified the secondary cluster', {
        cluster: physicalId,
        minCapacity: p.MinCapacity,
        maxCapacity: p.MaxCapacity,
        deletionProtection: p.DeletionProtection,
      });
    }
    if (!old.Headless && p.Headless)
      deps.logger.warn(
        'Headless turned on: the secondary keeps its instance until someone deletes it (runbooks/dr-failback.md); ' +
          'this update never deletes an instance, which may by then be the promoted primary',
        { instance: p.DBInstanceIdentifier },
      );
    // Engine upgrades of a global database are done on the global cluster (runbooks/dr-failover.md), not here.
    if (old.EngineVersion !== p.EngineVersion)
      deps.logger.warn(
        'EngineVersion changed: upgrade the global cluster with modify-global-cluster; the secondary follows',
        { from: old.EngineVersion, to: p.EngineVersion },
      );
    return { PhysicalResourceId: physicalId, Data: { Action: 'wait' } };
  }

  // Create
  const existing = await describeCluster(rds, physicalId, deps);
  if (existing) {
    if (existing.Status === 'deleting')
      throw new Error(
        `cluster ${physicalId} in ${p.SecondaryRegion} is being deleted; wait until it is gone and deploy again`,
      );
    deps.logger.info('secondary cluster exists already (a retried Create or a retained cluster); waiting for it', {
      cluster: physicalId,
      status: existing.Status,
    });
    return { PhysicalResourceId: physicalId, Data: { Action: 'wait' } };
  }
  try {
    await withRetry(
      () =>
        rds.send(
          new CreateDBClusterCommand({
            DBClusterIdentifier: physicalId,
            GlobalClusterIdentifier: p.GlobalClusterIdentifier,
            Engine: p.Engine,
            EngineVersion: p.EngineVersion,
            ServerlessV2ScalingConfiguration: { MinCapacity: p.MinCapacity, MaxCapacity: p.MaxCapacity },
            DBSubnetGroupName: p.DBSubnetGroupName,
            VpcSecurityGroupIds: p.VpcSecurityGroupIds,
            StorageEncrypted: true,
            KmsKeyId: p.KmsKeyId,
            DeletionProtection: p.DeletionProtection,
            BackupRetentionPeriod: p.BackupRetentionPeriod,
            EnableCloudwatchLogsExports: ['postgresql'],
            CopyTagsToSnapshot: true,
            Tags: Object.entries(p.Tags).map(([Key, Value]) => ({ Key, Value })),
          }),
        ),
      deps.retry,
    );
    deps.logger.info('creating the secondary cluster', {
      cluster: physicalId,
      region: p.SecondaryRegion,
      globalCluster: p.GlobalClusterIdentifier,
    });
  } catch (error) {
    // Two attempts racing (or a lost response): the other one created it; wait for it like any other.
    if ((error as Error).name !== 'DBClusterAlreadyExistsFault') throw error;
    deps.logger.info('secondary cluster already exists; waiting for it', { cluster: physicalId });
  }
  return { PhysicalResourceId: physicalId, Data: { Action: 'wait' } };
}

/**
 * isComplete. Create/Update: done when the cluster and its instance are available (the instance is
 * created here, once the cluster is, so a retry never makes a second one); returns the endpoints.
 * Delete: waits for the instance to go, then deletes the cluster and waits for it to go.
 */
export async function isComplete(event: IsCompleteEvent, deps: SecondaryDeps): Promise<IsCompleteResponse> {
  const p = event.ResourceProperties;
  const rds = deps.rds(p.SecondaryRegion);
  if (event.Data.Action === 'none') return { IsComplete: true };
  const cluster = await describeCluster(rds, p.DBClusterIdentifier, deps);

  if (event.Data.Action === 'delete') {
    if (!cluster) return { IsComplete: true };
    const instance = await describeInstance(rds, p.DBInstanceIdentifier, deps);
    if (instance || (cluster.DBClusterMembers ?? []).length > 0) {
      deps.logger.info('waiting for the secondary instance to be deleted', {
        instance: p.DBInstanceIdentifier,
        status: instance?.DBInstanceStatus,
      });
      return { IsComplete: false };
    }
    if (cluster.Status === 'deleting') return { IsComplete: false };
    if (cluster.Status !== 'available') {
      deps.logger.info('waiting for the detached cluster to settle before deleting it', {
        cluster: p.DBClusterIdentifier,
        status: cluster.Status,
      });
      return { IsComplete: false };
    }
    if (cluster.DeletionProtection) {
      // Only reached when onEvent decided to delete (an environment that keeps no data, or a create rollback).
      await withRetry(
        () =>
          rds.send(
            new ModifyDBClusterCommand({
              DBClusterIdentifier: p.DBClusterIdentifier,
              DeletionProtection: false,
              ApplyImmediately: true,
            }),
          ),
        deps.retry,
      );
      deps.logger.info('lifted deletion protection of the secondary before deleting it', {
        cluster: p.DBClusterIdentifier,
      });
      return { IsComplete: false };
    }
    await ignoring(['DBClusterNotFoundFault', 'InvalidDBClusterStateFault'], () =>
      withRetry(
        () =>
          rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: p.DBClusterIdentifier, SkipFinalSnapshot: true })),
        deps.retry,
      ),
    );
    deps.logger.info('deleting the secondary cluster (no final snapshot: this environment does not retain data)', {
      cluster: p.DBClusterIdentifier,
    });
    return { IsComplete: false };
  }

  if (!cluster)
    throw new Error(
      `secondary cluster ${p.DBClusterIdentifier} not found in ${p.SecondaryRegion}; see aws rds describe-db-clusters --region ${p.SecondaryRegion}`,
    );
  const status = cluster.Status ?? 'unknown';
  if (FAILED_STATES.has(status)) {
    throw new Error(
      `secondary cluster ${p.DBClusterIdentifier} in ${p.SecondaryRegion} is ${status}; see aws rds describe-events --region ${p.SecondaryRegion} --source-type db-cluster --source-identifier ${p.DBClusterIdentifier}`,
    );
  }
  if (status !== 'available') {
    deps.logger.info('waiting for the secondary cluster', { cluster: p.DBClusterIdentifier, status });
    return { IsComplete: false };
  }

  if (p.Headless) {
    // No instance to create or wait for: the plan's add-instance step creates it at failover.
    deps.logger.info('headless secondary cluster available', { cluster: p.DBClusterIdentifier });
    return { IsComplete: true, Data: endpoints(cluster) };
  }
  const instance = await describeInstance(rds, p.DBInstanceIdentifier, deps);
  if (!instance) {
    try {
      await withRetry(
        () =>
          rds.send(
            new CreateDBInstanceCommand({
              DBInstanceIdentifier: p.DBInstanceIdentifier,
              DBClusterIdentifier: p.DBClusterIdentifier,
              DBInstanceClass: 'db.serverless',
              Engine: p.Engine,
              PubliclyAccessible: false,
              EnablePerformanceInsights: true,
              PerformanceInsightsKMSKeyId: p.KmsKeyId,
              Tags: Object.entries(p.Tags).map(([Key, Value]) => ({ Key, Value })),
            }),
          ),
        deps.retry,
      );
      deps.logger.info('creating the secondary instance', { instance: p.DBInstanceIdentifier });
    } catch (error) {
      if ((error as Error).name !== 'DBInstanceAlreadyExistsFault') throw error;
    }
    return { IsComplete: false };
  }
  const instanceStatus = instance.DBInstanceStatus ?? 'unknown';
  if (FAILED_STATES.has(instanceStatus)) {
    throw new Error(
      `secondary instance ${p.DBInstanceIdentifier} in ${p.SecondaryRegion} is ${instanceStatus}; see aws rds describe-events --region ${p.SecondaryRegion} --source-type db-instance --source-identifier ${p.DBInstanceIdentifier}`,
    );
  }
  if (instanceStatus !== 'available') {
    deps.logger.info('waiting for the secondary instance', {
      instance: p.DBInstanceIdentifier,
      status: instanceStatus,
    });
    return { IsComplete: false };
  }
  deps.logger.info('secondary cluster available', { cluster: p.DBClusterIdentifier, endpoint: cluster.Endpoint });
  return { IsComplete: true, Data: endpoints(cluster) };
}

/** What the custom resource returns: the cluster endpoints exist with or without an instance. */
function endpoints(cluster: DBCluster): Record<string, string> {
  return {
    Endpoint: cluster.Endpoint ?? '',
    ReaderEndpoint: cluster.ReaderEndpoint ?? '',
    DBClusterArn: cluster.DBClusterArn ?? '',
  };
}

async function describeCluster(
  rds: Pick<RDSClient, 'send'>,
  id: string,
  deps: SecondaryDeps,
): Promise<DBCluster | undefined> {
  try {
    const { DBClusters } = await withRetry(
      () => rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id })),
      deps.retry,
    );
    return DBClusters?.[0];
  } catch (error) {
    if ((error as Error).name === 'DBClusterNotFoundFault') return undefined;
    throw error;
  }
}

async function describeInstance(
  rds: Pick<RDSClient, 'send'>,
  id: string,
  deps: SecondaryDeps,
): Promise<DBInstance | undefined> {
  try {
    const { DBInstances } = await withRetry(
      () => rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })),
      deps.retry,
    );
    return DBInstances?.[0];
  } catch (error) {
    if ((error as Error).name === 'DBInstanceNotFoundFault') return undefined;
    throw error;
  }
}

/** Run an idempotent step, treating the named faults as "already done". */
async function ignoring(names: readonly string[], operation: () => Promise<unknown>): Promise<void> {
  try {
    await operation();
  } catch (error) {
    if (!names.includes((error as Error).name)) throw error;
  }
}
