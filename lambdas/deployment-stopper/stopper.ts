import { CodeDeployClient, DeploymentStatus, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod/mini';
import { listDeploymentIds } from '../shared/codedeploy';
import { RetryOptions, withRetry } from '../shared/retry';

/**
 * The "CloudWatch Alarm State Change" event EventBridge delivers for a deployment alarm
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html). Only the
 * fields the stopper reads are validated; the rule already filters on the alarm names and state ALARM.
 */
export const alarmEventSchema = z.object({
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  detail: z.object({
    alarmName: z.string().check(z.minLength(1)),
    state: z.object({ value: z.string() }),
  }),
});
export type AlarmEvent = z.infer<typeof alarmEventSchema>;

export interface StopperSettings {
  readonly applicationName: string;
  readonly deploymentGroupName: string;
}

export interface StopperDeps {
  readonly codedeploy: CodeDeployClient;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  readonly retry?: RetryOptions;
}

/**
 * Statuses of a deployment that has not finished, the ones StopDeployment can still stop
 * (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_ListDeployments.html lists the statuses;
 * a finished deployment makes StopDeployment fail with DeploymentAlreadyCompletedException:
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_StopDeployment.html).
 */
export const STOPPABLE_STATUSES: readonly DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'];

export interface StopResult {
  readonly alarmName: string;
  readonly stopped: string[];
  /** Deployments that ended (or were stopped by another invocation) between the list and the stop. */
  readonly alreadyCompleted: string[];
}

/**
 * Stops every unfinished deployment of the group with auto-rollback, so a deployment alarm rolls back on the
 * alarm's state-change event instead of waiting for CodeDeploy's own (unpublished) alarm polling. Idempotent: a
 * repeated event finds nothing unfinished, or a deployment already completed, and does nothing more.
 */
export async function stopDeployments(
  event: AlarmEvent,
  settings: StopperSettings,
  deps: StopperDeps,
): Promise<StopResult> {
  const alarmName = event.detail.alarmName;
  const result: StopResult = { alarmName, stopped: [], alreadyCompleted: [] };
  if (event.detail.state.value !== 'ALARM') {
    deps.logger.info('alarm not in ALARM; nothing to stop', { alarmName, state: event.detail.state.value });
    return result;
  }
  const ids = await listDeploymentIds(
    deps.codedeploy,
    {
      applicationName: settings.applicationName,
      deploymentGroupName: settings.deploymentGroupName,
      includeOnlyStatuses: [...STOPPABLE_STATUSES],
    },
    deps.retry,
  );

  for (const deploymentId of ids) {
    try {
      await withRetry(
        () => deps.codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true })),
        deps.retry,
      );
      result.stopped.push(deploymentId);
    } catch (error) {
      if ((error as { name?: string }).name !== 'DeploymentAlreadyCompletedException') throw error;
      result.alreadyCompleted.push(deploymentId);
    }
  }
  deps.logger.info('deployment alarm handled', { ...result, deploymentGroupName: settings.deploymentGroupName });
  return result;
}
