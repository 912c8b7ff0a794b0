import type { Logger } from '@aws-lambda-powertools/logger';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ModifyDBClusterCommand, ModifyGlobalClusterCommand, RDSClient } from '@aws-sdk/client-rds';
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { isRetryableError, RetryOptions, withRetry } from '../shared/retry';
import { isCreateRollback } from '../shared/stack-status';

/** zod/mini loads no locale; English, as classic zod has, keeps the parse errors' wording. */
z.config(en());

const identifier = z.string().check(z.regex(/^[a-z][a-z0-9-]{0,62}$/, { error: 'must be a lowercase RDS identifier' }));

/** The custom resource's properties (Custom::DeletionProtection). */
export const protectionPropertiesSchema = z.object({
  /** `cluster`: an Aurora DB cluster; `global-cluster`: an Aurora global database. */
  Kind: z.enum(['cluster', 'global-cluster']),
  Identifier: identifier,
});
export type ProtectionProperties = z.infer<typeof protectionPropertiesSchema>;

const baseEvent = {
  RequestId: z.string().check(z.minLength(1)),
  StackId: z
    .string()
    .check(z.regex(/^arn:aws[a-z-]*:cloudformation:/, { error: 'must be the stack ARN CloudFormation sends' })),
  LogicalResourceId: z.string().check(z.minLength(1)),
  ResourceProperties: protectionPropertiesSchema,
};
export const protectionEventSchema = z.discriminatedUnion('RequestType', [
  z.object({ ...baseEvent, RequestType: z.literal('Create') }),
  z.object({ ...baseEvent, RequestType: z.literal('Update'), PhysicalResourceId: z.string().check(z.minLength(1)) }),
  z.object({ ...baseEvent, RequestType: z.literal('Delete'), PhysicalResourceId: z.string().check(z.minLength(1)) }),
]);
export type ProtectionEvent = z.infer<typeof protectionEventSchema>;

export interface ProtectionResponse {
  readonly PhysicalResourceId: string;
  readonly Data: { readonly DeletionProtection: 'on' | 'off' | 'kept' };
}

export interface ProtectionDeps {
  readonly rds: Pick<RDSClient, 'send'>;
  readonly cloudformation: Pick<CloudFormationClient, 'send'>;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  readonly retry?: RetryOptions;
}

/**
 * While the cluster settles after its creation (instances joining, the global cluster adopting it), RDS
 * answers a modification with InvalidDBClusterStateFault / InvalidGlobalClusterStateFault: worth waiting for.
 * (An assumption from RDS's error names; AWS documents no list of states that refuse ModifyDBCluster.)
 */
const SETTLING_FAULTS = new Set(['InvalidDBClusterStateFault', 'InvalidGlobalClusterStateFault']);
const NOT_FOUND_FAULTS = new Set(['DBClusterNotFoundFault', 'GlobalClusterNotFoundFault']);

/**
 * Custom::DeletionProtection, the latch that lets a first create roll back. The cluster is created WITHOUT
 * deletion protection (the template leaves DeletionProtection out, so CloudFormation's own updates never
 * send it and never switch it off); once the cluster exists this resource switches protection on.
 * - Create / Update: protection on (idempotent: setting it twice is a no-op).
 * - Delete: protection off only when the stack is rolling back its own creation (ROLLBACK_IN_PROGRESS), so
 *   CloudFormation can delete the new, empty cluster and a retry finds its identifier free. On a stack
 *   delete, an update rollback or a replacement, protection stays: production data is never unprotected
 *   by a template operation.
 */
export async function onEvent(event: ProtectionEvent, deps: ProtectionDeps): Promise<ProtectionResponse> {
  const p = event.ResourceProperties;
  const physicalId = `${p.Kind}:${p.Identifier}`;
  const retry: RetryOptions = {
    attempts: 10,
    baseDelayMs: 2_000,
    maxDelayMs: 30_000,
    ...deps.retry,
    isRetryable: (error) => isRetryableError(error) || SETTLING_FAULTS.has((error as Error).name),
  };

  if (event.RequestType === 'Delete') {
    if (event.PhysicalResourceId !== physicalId) {
      deps.logger.info("nothing to release: the physical id is not this latch's", {
        physicalResourceId: event.PhysicalResourceId,
      });
      return { PhysicalResourceId: event.PhysicalResourceId, Data: { DeletionProtection: 'kept' } };
    }
    const { createRollback, status } = await isCreateRollback(deps.cloudformation, event.StackId, deps.retry);
    if (!createRollback) {
      deps.logger.info('deletion protection kept: the stack is not rolling back its creation', {
        target: physicalId,
        stackStatus: status,
      });
      return { PhysicalResourceId: physicalId, Data: { DeletionProtection: 'kept' } };
    }
    try {
      await setProtection(p, false, deps, retry);
    } catch (error) {
      if (!NOT_FOUND_FAULTS.has((error as Error).name)) throw error;
      deps.logger.info('nothing to release: the target does not exist', { target: physicalId });
      return { PhysicalResourceId: physicalId, Data: { DeletionProtection: 'off' } };
    }
    deps.logger.warn(
      'deletion protection lifted: the stack is rolling back its creation, so CloudFormation deletes the new cluster',
      { target: physicalId, stackStatus: status },
    );
    return { PhysicalResourceId: physicalId, Data: { DeletionProtection: 'off' } };
  }

  await setProtection(p, true, deps, retry);
  deps.logger.info('deletion protection on', { target: physicalId, requestType: event.RequestType });
  return { PhysicalResourceId: physicalId, Data: { DeletionProtection: 'on' } };
}

async function setProtection(
  p: ProtectionProperties,
  on: boolean,
  deps: ProtectionDeps,
  retry: RetryOptions,
): Promise<void> {
  if (p.Kind === 'cluster') {
    await withRetry(
      () =>
        deps.rds.send(
          new ModifyDBClusterCommand({
            DBClusterIdentifier: p.Identifier,
            DeletionProtection: on,
            ApplyImmediately: true,
          }),
        ),
      retry,
    );
  } else {
    await withRetry(
      () =>
        deps.rds.send(
          new ModifyGlobalClusterCommand({ GlobalClusterIdentifier: p.Identifier, DeletionProtection: on }),
        ),
      retry,
    );
  }
}
