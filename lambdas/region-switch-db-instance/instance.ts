import type { Logger } from '@aws-lambda-powertools/logger';
import { CreateDBInstanceCommand, DBInstance, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { RetryOptions, withRetry } from '../shared/retry';

/** zod/mini loads no locale; English, as classic zod has, keeps the parse errors' wording. */
z.config(en());

/**
 * The pilot light's Region switch step that gives the headless global database secondary its compute:
 * "Before you can perform a switchover or failover to a headless secondary Aurora DB cluster, you must add a DB
 * instance to it"
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html).
 * Region switch has a block that creates a missing instance only for provisioned classes (Aurora Provisioned
 * Scaling, https://docs.aws.amazon.com/r53recovery/latest/dg/aurora-provisioned-scaling-block.html); this cluster
 * is Serverless v2 (db.serverless), so a custom action Lambda step does it
 * (https://docs.aws.amazon.com/r53recovery/latest/dg/custom-action-lambda-block.html).
 *
 * One call creates the instance if it is missing and returns; the function fails (throws) while the instance is
 * not yet available, and Region switch runs it again after the step's retry interval until the step's timeout.
 * Each call is idempotent: a retried or concurrent call finds the instance (or DBInstanceAlreadyExistsFault).
 */
export const instanceSettingsSchema = z.object({
  /** `orders-dr-db`, the headless secondary in this (the DR) region. */
  clusterIdentifier: z.string().check(z.regex(/^[a-z][a-z0-9-]{0,62}$/)),
  /** `orders-dr-db-1`. */
  instanceIdentifier: z.string().check(z.regex(/^[a-z][a-z0-9-]{0,62}$/)),
  engine: z.string().check(z.minLength(1)),
  /** The DR key: Performance Insights is encrypted with it, as on the warm standby's secondary instance. */
  kmsKeyArn: z.string().check(z.regex(/^arn:aws[a-z-]*:kms:/)),
  tags: z._default(z.record(z.string(), z.string()), {}),
});
export type InstanceSettings = z.output<typeof instanceSettingsSchema>;

/** The plan's payload with Region switch's execution metadata merged in (API_Lambdas `payload`). */
export const instanceEventSchema = z.looseObject({
  action: z.literal('add-database-instance'),
  ExecutionId: z.optional(z.string()),
  StepName: z.optional(z.string()),
});

export interface InstanceOptions {
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  readonly retry?: RetryOptions;
}

export interface InstanceResult {
  readonly instance: string;
  readonly status: 'available';
  readonly endpoint?: string;
}

/** Thrown while the instance is being created: Region switch calls again after the retry interval. */
export class InstanceNotReadyError extends Error {
  constructor(instance: string, status: string) {
    super(`${instance} is ${status}, not yet available; Region switch retries this step after its retry interval`);
    this.name = 'InstanceNotReadyError';
  }
}

/** States after which waiting cannot help: the error names the state and where to look. */
const FAILED_STATES = new Set([
  'failed',
  'incompatible-network',
  'incompatible-parameters',
  'inaccessible-encryption-credentials',
  'storage-full',
]);

export async function addDatabaseInstance(
  rawEvent: unknown,
  settings: InstanceSettings,
  rds: Pick<RDSClient, 'send'>,
  options: InstanceOptions,
): Promise<InstanceResult> {
  const parsed = instanceEventSchema.safeParse(rawEvent);
  if (!parsed.success) {
    throw new Error(
      `not the plan's add-database-instance event (${z.prettifyError(parsed.error)}); ` +
        'the step\'s payload must be {"action":"add-database-instance"}',
    );
  }
  const log = options.logger;
  const context = { instance: settings.instanceIdentifier, executionId: parsed.data.ExecutionId };
  const instance = await describeInstance(rds, settings.instanceIdentifier, options.retry);
  if (!instance) {
    try {
      await withRetry(
        () =>
          rds.send(
            new CreateDBInstanceCommand({
              DBInstanceIdentifier: settings.instanceIdentifier,
              DBClusterIdentifier: settings.clusterIdentifier,
              // The cluster's ServerlessV2ScalingConfiguration sizes it (set at creation, scaled by the plan's
              // Aurora Serverless Scaling step).
              DBInstanceClass: 'db.serverless',
              Engine: settings.engine,
              PubliclyAccessible: false,
              EnablePerformanceInsights: true,
              PerformanceInsightsKMSKeyId: settings.kmsKeyArn,
              Tags: Object.entries(settings.tags).map(([Key, Value]) => ({ Key, Value })),
            }),
          ),
        options.retry,
      );
      log.info('creating the instance of the headless secondary', { ...context, cluster: settings.clusterIdentifier });
    } catch (error) {
      // A concurrent or earlier call created it: wait for it like any other.
      if ((error as Error).name !== 'DBInstanceAlreadyExistsFault') throw error;
    }
    throw new InstanceNotReadyError(settings.instanceIdentifier, 'creating');
  }
  if (instance.DBClusterIdentifier !== undefined && instance.DBClusterIdentifier !== settings.clusterIdentifier) {
    throw new Error(
      `${settings.instanceIdentifier} exists but belongs to ${instance.DBClusterIdentifier}, not ` +
        `${settings.clusterIdentifier}; rename or delete it, then retry the step`,
    );
  }
  const status = instance.DBInstanceStatus ?? 'unknown';
  if (FAILED_STATES.has(status)) {
    throw new Error(
      `${settings.instanceIdentifier} is ${status}; see aws rds describe-events --source-type db-instance ` +
        `--source-identifier ${settings.instanceIdentifier}`,
    );
  }
  if (status !== 'available') {
    log.info('waiting for the instance of the headless secondary', { ...context, status });
    throw new InstanceNotReadyError(settings.instanceIdentifier, status);
  }
  log.info('the secondary has its instance: the global database can fail over to it', context);
  return { instance: settings.instanceIdentifier, status: 'available', endpoint: instance.Endpoint?.Address };
}

async function describeInstance(
  rds: Pick<RDSClient, 'send'>,
  id: string,
  retry: RetryOptions | undefined,
): Promise<DBInstance | undefined> {
  try {
    const { DBInstances } = await withRetry(
      () => rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })),
      retry,
    );
    return DBInstances?.[0];
  } catch (error) {
    if ((error as Error).name === 'DBInstanceNotFoundFault') return undefined;
    throw error;
  }
}
