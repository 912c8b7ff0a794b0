import { CodeDeployClient, ListDeploymentsCommand, ListDeploymentsCommandInput } from '@aws-sdk/client-codedeploy';
import { RetryOptions, withRetry } from './retry';

/**
 * Every deployment id ListDeployments gives for `input`, following nextToken through every page (the API returns
 * them a page at a time: https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_ListDeployments.html), each
 * page retried as `retry` says. Shared by the deployment trigger, the deployment stopper and the ops reads.
 */
export async function listDeploymentIds(
  codedeploy: Pick<CodeDeployClient, 'send'>,
  input: Omit<ListDeploymentsCommandInput, 'nextToken'>,
  retry?: RetryOptions,
): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await withRetry(() => codedeploy.send(new ListDeploymentsCommand({ ...input, nextToken })), retry);
    ids.push(...(page.deployments ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return ids;
}
