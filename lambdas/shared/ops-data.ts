import { CloudWatchClient, GetMetricDataCommand, MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { BatchGetDeploymentsCommand, CodeDeployClient, DeploymentInfo } from '@aws-sdk/client-codedeploy';
import { listDeploymentIds } from './codedeploy';

/**
 * Reads shared by `npm run ops -- status` (bin/ops/status/gather.ts) and the weekly ops report (the Lambda in
 * lambdas/weekly-report/ and `npm run ops -- weekly-report`): one batched GetMetricData with its pages, and one
 * CodeDeploy listing with its batches. Kept free of aws-cdk-lib so a Lambda bundle can import it.
 */

/** GetMetricData takes at most 500 MetricDataQuery structures in one call
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html). */
export const MAX_METRIC_QUERIES = 500;

/** BatchGetDeployments takes at most 25 ids
 * (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_BatchGetDeployments.html). */
const DEPLOYMENTS_PER_BATCH = 25;

/** One metric's datapoints, in time order. */
export interface MetricSeries {
  readonly timestamps: number[];
  readonly values: number[];
}

/**
 * Every query in ONE GetMetricData request, following NextToken pages of that request, merged by query id
 * (a page may carry part of a query's datapoints). Throws when there are more queries than one call takes.
 */
export async function getMetricSeries(
  cloudwatch: CloudWatchClient,
  queries: readonly MetricDataQuery[],
  start: number,
  end: number,
): Promise<Map<string, MetricSeries>> {
  if (queries.length > MAX_METRIC_QUERIES)
    throw new Error(`${queries.length} metric queries exceed GetMetricData's ${MAX_METRIC_QUERIES}`);
  const results: MetricDataResult[] = [];
  let token: string | undefined;
  do {
    const page = await cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: [...queries],
        StartTime: new Date(start),
        EndTime: new Date(end),
        ScanBy: 'TimestampDescending',
        NextToken: token,
      }),
    );
    results.push(...(page.MetricDataResults ?? []));
    token = page.NextToken;
  } while (token);

  const byId = new Map<string, { timestamps: number[]; values: number[] }>();
  for (const r of results) {
    const entry = byId.get(r.Id ?? '') ?? { timestamps: [], values: [] };
    (r.Timestamps ?? []).forEach((t, i) => {
      entry.timestamps.push(t.getTime());
      entry.values.push((r.Values ?? [])[i]);
    });
    byId.set(r.Id ?? '', entry);
  }
  for (const [id, entry] of byId) {
    const order = entry.timestamps.map((_, i) => i).sort((a, b) => entry.timestamps[a] - entry.timestamps[b]);
    byId.set(id, { timestamps: order.map((i) => entry.timestamps[i]), values: order.map((i) => entry.values[i]) });
  }
  return byId;
}

/** A CodeDeploy deployment group: BlueGreenService names application and group `<service>-<env>`. */
export interface DeploymentGroupRef {
  readonly application: string;
  readonly group: string;
}

/** Every deployment of the group created in [start, end), all pages, read in batches of 25. */
export async function listDeploymentInfos(
  codedeploy: CodeDeployClient,
  group: DeploymentGroupRef,
  start: number,
  end: number,
): Promise<DeploymentInfo[]> {
  // One attempt per page, as before: the SDK's own retries cover these reads.
  const ids = await listDeploymentIds(
    codedeploy,
    {
      applicationName: group.application,
      deploymentGroupName: group.group,
      createTimeRange: { start: new Date(start), end: new Date(end) },
    },
    { attempts: 1 },
  );
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += DEPLOYMENTS_PER_BATCH) batches.push(ids.slice(i, i + DEPLOYMENTS_PER_BATCH));
  return (
    await Promise.all(
      batches.map((deploymentIds) => codedeploy.send(new BatchGetDeploymentsCommand({ deploymentIds }))),
    )
  ).flatMap((out) => out.deploymentsInfo ?? []);
}
