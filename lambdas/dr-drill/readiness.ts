import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { RegionSwitchApi } from '../shared/arc-region-switch';
import { withRetry } from '../shared/retry';

/**
 * The checks both drills run before anything moves: the Region switch plan's latest evaluation, and how far the
 * global database secondary trails the primary.
 */

/** What the plan's evaluation said, and why the drill refuses it. */
export interface PlanReadiness {
  readonly planArn: string;
  readonly evaluationState?: string;
  readonly lastEvaluationTime?: string;
  readonly evaluationAgeSeconds?: number;
  readonly maxAgeSeconds: number;
  readonly activeWarnings: { step?: string; resource?: string; message?: string; updatedAt?: string }[];
  readonly problems: string[];
}

/**
 * The evaluation policy. Region switch "automatically evaluates your plan multiple times per hour" and reports what
 * would block an execution as warnings (Plan evaluation for Region switch plans,
 * https://docs.aws.amazon.com/r53recovery/latest/dg/working-with-rs-plan-evaluation.html;
 * GetPlanEvaluationStatus, https://docs.aws.amazon.com/arc-region-switch/latest/api/API_GetPlanEvaluationStatus.html).
 * The drill fails when:
 * - the state is anything but `passed` (`actionRequired`, `pendingEvaluation` after a plan update, `unknown`);
 * - the last evaluation is older than `maxAgeSeconds` (an hour: "multiple times per hour" means a fresh one has
 *   been missed; that evaluations run at least every 30 minutes is our reading of AWS's wording, an assumption);
 * - any warning is not `resolved`, whatever its age: a warning older than the last evaluation is a standing
 *   problem nobody fixed, a newer one a fresh problem; neither is excused by when it was raised.
 */
export async function checkPlanEvaluation(
  arc: RegionSwitchApi,
  planArn: string,
  maxAgeSeconds: number,
  now: () => number,
): Promise<PlanReadiness> {
  const status = await arc.getPlanEvaluationStatus(planArn);
  const problems: string[] = [];
  const evaluatedAt = status.lastEvaluationTime;
  const ageSeconds = evaluatedAt ? Math.round((now() - evaluatedAt.getTime()) / 1000) : undefined;
  if (status.evaluationState !== 'passed') {
    problems.push(
      `the Region switch plan's latest evaluation is "${status.evaluationState ?? 'absent'}", not "passed": ` +
        'fix what its warnings name (console: ARC > Region switch > the plan > Plan evaluation), or wait for the ' +
        'evaluation of a just-updated plan, then deploy again',
    );
  }
  if (ageSeconds === undefined) problems.push('the Region switch plan has never been evaluated');
  else if (ageSeconds > maxAgeSeconds)
    problems.push(
      `the Region switch plan was last evaluated ${ageSeconds} s ago, over the ${maxAgeSeconds} s bound: ` +
        'Region switch evaluates plans several times an hour, so its evaluation has stopped (check the execution role)',
    );
  const active = status.warnings.filter((w) => w.warningStatus !== 'resolved');
  for (const w of active) {
    problems.push(
      `plan evaluation warning${w.stepName ? ` on step ${w.stepName}` : ''}` +
        `${w.resourceArn ? ` (${w.resourceArn})` : ''}: ${w.warningMessage ?? 'no message'}`,
    );
  }
  return {
    planArn,
    evaluationState: status.evaluationState,
    lastEvaluationTime: evaluatedAt?.toISOString(),
    evaluationAgeSeconds: ageSeconds,
    maxAgeSeconds,
    activeWarnings: active.map((w) => ({
      step: w.stepName,
      resource: w.resourceArn,
      message: w.warningMessage,
      updatedAt: w.warningUpdatedTime?.toISOString(),
    })),
    problems,
  };
}

export interface ReplicationLag {
  readonly clusterIdentifier: string;
  readonly lagSeconds?: number;
  readonly measuredAt?: string;
  readonly boundSeconds: number;
  readonly problems: string[];
}

/** How far back the drill looks for a lag datapoint: the secondary publishes one a minute. */
export const LAG_LOOKBACK_SECONDS = 600;

/**
 * The newest `AuroraGlobalDBReplicationLag` of the secondary cluster (milliseconds, per DB cluster; Amazon Aurora
 * metrics, https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html),
 * against the bound (`rds.global_db_rpo` for tier 1, else the lag alarm's). No datapoint in ten minutes fails too:
 * a secondary that reports nothing is not shown to be replicating.
 */
export async function checkReplicationLag(
  cloudwatch: CloudWatchClient,
  lag: { clusterIdentifier: string; boundSeconds: number },
  now: () => number,
): Promise<ReplicationLag> {
  const end = new Date(now());
  const out = await withRetry(() =>
    cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(end.getTime() - LAG_LOOKBACK_SECONDS * 1000),
        EndTime: end,
        ScanBy: 'TimestampDescending',
        MetricDataQueries: [
          {
            Id: 'lag',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/RDS',
                MetricName: 'AuroraGlobalDBReplicationLag',
                Dimensions: [{ Name: 'DBClusterIdentifier', Value: lag.clusterIdentifier }],
              },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    ),
  );
  const series = out.MetricDataResults?.find((r) => r.Id === 'lag');
  const points = (series?.Timestamps ?? []).map((t, i) => ({ at: t, ms: series?.Values?.[i] }));
  const newest = points
    .filter((p): p is { at: Date; ms: number } => typeof p.ms === 'number')
    .sort((a, b) => b.at.getTime() - a.at.getTime())[0];
  if (!newest) {
    return {
      ...lag,
      problems: [
        `no AuroraGlobalDBReplicationLag datapoint for ${lag.clusterIdentifier} in the last ` +
          `${LAG_LOOKBACK_SECONDS} s: the global database secondary is not replicating (or not attached); ` +
          'see runbooks/dr-replication-lag.md',
      ],
    };
  }
  const lagSeconds = newest.ms / 1000;
  return {
    ...lag,
    lagSeconds,
    measuredAt: newest.at.toISOString(),
    problems:
      lagSeconds > lag.boundSeconds
        ? [
            `the global database secondary ${lag.clusterIdentifier} lags ${lagSeconds} s, over the ` +
              `${lag.boundSeconds} s bound; see runbooks/dr-replication-lag.md`,
          ]
        : [],
  };
}
