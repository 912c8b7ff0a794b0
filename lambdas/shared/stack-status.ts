import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { RetryOptions, withRetry } from './retry';

/**
 * The stack status during the rollback of a failed stack *creation*: "ROLLBACK_IN_PROGRESS: Ongoing removal
 * of one or more stacks after a failed stack creation or after an explicitly canceled stack creation". An
 * update that fails rolls back as UPDATE_ROLLBACK_IN_PROGRESS, and a stack delete is DELETE_IN_PROGRESS
 * (Stack status codes: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html).
 */
export const CREATE_ROLLBACK_STATUS = 'ROLLBACK_IN_PROGRESS';

/**
 * True only while the stack that sent a custom resource Delete is rolling back its first creation: then the
 * resources it made are new and empty, and a retry needs their names free. Every other Delete (stack delete,
 * update rollback, replacement cleanup) answers false. A stack that cannot be read answers by throwing:
 * guessing "create rollback" could lift the protection of production data.
 */
export async function isCreateRollback(
  cloudformation: Pick<CloudFormationClient, 'send'>,
  stackId: string,
  retry?: RetryOptions,
): Promise<{ createRollback: boolean; status: string }> {
  const out = await withRetry(() => cloudformation.send(new DescribeStacksCommand({ StackName: stackId })), retry);
  const status = out.Stacks?.[0]?.StackStatus;
  if (!status)
    throw new Error(
      `DescribeStacks returned no status for ${stackId}; cannot tell a create rollback from a stack delete`,
    );
  return { createRollback: status === CREATE_ROLLBACK_STATUS, status };
}
