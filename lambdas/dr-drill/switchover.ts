import { CloudWatchClient, PutMetricDataCommand, StandardUnit } from '@aws-sdk/client-cloudwatch';
import type { BackupClient } from '@aws-sdk/client-backup';
import type { S3Client } from '@aws-sdk/client-s3';
import type {
  AbbreviatedExecution,
  ExecutionEvent,
  ExecutionState,
  PlanExecution,
  RegionSwitchApi,
} from '../shared/arc-region-switch';
import { withRetry } from '../shared/retry';
import {
  checkDataFreshness,
  DataFreshness,
  DrillLogger,
  DrillRefusedError,
  DrillSettings,
  DrillTargetMissedError,
  errorMessage,
  writeReport,
} from './drill';
import { checkPlanEvaluation, PlanReadiness } from './readiness';

/**
 * `cdk deploy DrRegion -c drill=switchover`: the Region switch plan's graceful (planned) switchover to DrRegion
 * ("out"), then back to the primary Region ("back"), each run by a custom resource of the Provider framework:
 * `startSwitchoverLeg` (onEvent) starts the execution, `waitForSwitchoverLeg` (isComplete) polls it, measures
 * every step from the execution's events, writes the report and fails the resource when a step or the leg misses
 * its target. Region switch has no practice mode: StartPlanExecution's `mode` is `graceful` or `ungraceful` only
 * (https://docs.aws.amazon.com/arc-region-switch/latest/api/API_StartPlanExecution.html), so this moves live
 * traffic, in a window the operator chose by deploying it.
 */
export type SwitchoverLeg = 'out' | 'back';

export interface SwitchoverDeps {
  readonly arc: RegionSwitchApi;
  readonly s3: S3Client;
  readonly cloudwatch: CloudWatchClient;
  readonly backup: BackupClient;
  readonly logger: DrillLogger;
  readonly now?: () => number;
}

/** States in which an execution still holds the plan: a second one must not start beside it. */
export const ACTIVE_EXECUTION_STATES: readonly ExecutionState[] = [
  'pending',
  'inProgress',
  'pendingManualApproval',
  'pausedByFailedStep',
  'pausedByOperator',
];
/** Still running: keep waiting. */
const RUNNING_STATES = new Set<string>(['pending', 'inProgress', 'pendingManualApproval']);
/** Every step done (the second: done, and watching the plan's application-health alarms). */
const SUCCEEDED_STATES = new Set<string>(['completed', 'completedMonitoringApplicationHealth']);

export interface StepMeasurement {
  readonly name: string;
  readonly status: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly seconds?: number;
  readonly targetSeconds?: number;
  readonly error?: string;
}

export interface SwitchoverReport {
  readonly kind: 'switchover';
  readonly runId: string;
  readonly leg: SwitchoverLeg;
  readonly serviceName: string;
  readonly planArn: string;
  readonly targetRegion: string;
  readonly startedAt: string;
  finishedAt?: string;
  executionId?: string;
  executionState?: string;
  status: 'passed' | 'failed' | 'refused';
  plan?: PlanReadiness;
  data?: DataFreshness;
  steps?: StepMeasurement[];
  totalSeconds?: number;
  totalTargetSeconds: number;
  problems: string[];
}

export interface LegRequest {
  readonly leg: SwitchoverLeg;
  /** CloudFormation's RequestId: the idempotency token, so a retried onEvent never starts a second execution. */
  readonly requestId: string;
}

export interface LegStarted {
  readonly executionId: string;
  readonly startedAt: string;
}

function switchoverOf(settings: DrillSettings): NonNullable<DrillSettings['switchover']> & { planArn: string } {
  if (!settings.switchover || !settings.planArn)
    throw new Error('the drill settings have no switchover block or plan ARN: synthesize with -c drill=switchover');
  return { ...settings.switchover, planArn: settings.planArn };
}

/** The execution comment names the drill and the request, so a retry finds its own execution. */
export function executionComment(request: LegRequest): string {
  return `bulwark drill=switchover ${request.leg} (CloudFormation request ${request.requestId})`;
}

/**
 * onEvent. Before "out": the plan's evaluation and the data freshness must pass (nothing moves otherwise). Either
 * leg refuses, clearly, while another execution holds the plan; Region switch would refuse a second one too, and
 * the drill must not queue behind a real incident's failover.
 */
export async function startSwitchoverLeg(
  settings: DrillSettings,
  deps: SwitchoverDeps,
  request: LegRequest,
): Promise<LegStarted> {
  const now = deps.now ?? Date.now;
  const s = switchoverOf(settings);
  const targetRegion = request.leg === 'out' ? s.standbyRegion : s.primaryRegion;
  const report: SwitchoverReport = {
    kind: 'switchover',
    runId: `${request.requestId}-${request.leg}`,
    leg: request.leg,
    serviceName: settings.serviceName,
    planArn: s.planArn,
    targetRegion,
    startedAt: new Date(now()).toISOString(),
    status: 'refused',
    totalTargetSeconds: s.totalTargetSeconds,
    problems: [],
  };

  const comment = executionComment(request);
  const active = await activeExecutions(deps.arc, s.planArn);
  const own = active.find((e) => e.comment === comment);
  if (own) {
    deps.logger.info('the execution this request started is running already (a retried onEvent)', {
      executionId: own.executionId,
    });
    return { executionId: own.executionId, startedAt: (own.startTime ?? new Date(now())).toISOString() };
  }
  if (active.length > 0) {
    const e = active[0];
    report.problems.push(
      `execution ${e.executionId} of the plan (${e.executionAction ?? '?'} ${e.executionRegion ?? '?'}, ` +
        `${e.executionState}, started ${e.startTime?.toISOString() ?? '?'}) is still running: the drill does not start ` +
        'a second one. Wait for it to end or cancel it (runbooks/dr-failover.md), then deploy again',
    );
    return refuse(settings, deps, report, now);
  }

  if (request.leg === 'out') {
    report.plan = await checkPlanEvaluation(deps.arc, s.planArn, settings.planEvaluationMaxAgeSeconds, now);
    report.data = await checkDataFreshness(settings, deps, now);
    report.problems.push(...report.plan.problems, ...report.data.problems);
    if (report.problems.length > 0) return refuse(settings, deps, report, now);
  }

  deps.logger.info('starting the Region switch plan (graceful)', { leg: request.leg, targetRegion });
  const started = await deps.arc.startPlanExecution({
    planArn: s.planArn,
    targetRegion,
    action: 'activate',
    mode: 'graceful',
    comment,
    clientToken: report.runId.slice(0, 128),
  });
  if (!started.executionId) throw new Error(`StartPlanExecution returned no executionId (${JSON.stringify(started)})`);
  return { executionId: started.executionId, startedAt: report.startedAt };
}

async function refuse(
  settings: DrillSettings,
  deps: SwitchoverDeps,
  report: SwitchoverReport,
  now: () => number,
): Promise<never> {
  report.finishedAt = new Date(now()).toISOString();
  await writeReport(settings, deps, report).catch((error) =>
    deps.logger.error('could not write the drill report', { error: errorMessage(error) }),
  );
  throw new DrillRefusedError(
    `switchover drill (${report.leg}) refused, nothing was started: ${report.problems.join('; ')}`,
  );
}

async function activeExecutions(arc: RegionSwitchApi, planArn: string): Promise<AbbreviatedExecution[]> {
  const all = await arc.listPlanExecutions(planArn);
  return all.filter((e) => (ACTIVE_EXECUTION_STATES as readonly string[]).includes(e.executionState));
}

export interface LegProgress {
  readonly done: boolean;
  readonly report?: SwitchoverReport;
}

/**
 * isComplete. Running: not done, unless the leg has run past its wait bound (then it fails, and the execution keeps
 * running in Region switch: the message says where to watch it). Ended: measure, report, and throw on a failed
 * execution or a missed target.
 */
export async function waitForSwitchoverLeg(
  settings: DrillSettings,
  deps: SwitchoverDeps,
  request: LegRequest & LegStarted,
): Promise<LegProgress> {
  const now = deps.now ?? Date.now;
  const s = switchoverOf(settings);
  const execution = await deps.arc.getPlanExecution(s.planArn, request.executionId);
  const waitedSeconds = Math.round((now() - Date.parse(request.startedAt)) / 1000);
  const running = RUNNING_STATES.has(execution.executionState);
  if (running && waitedSeconds <= s.waitBoundSeconds) {
    deps.logger.info('switchover running', {
      leg: request.leg,
      executionId: request.executionId,
      state: execution.executionState,
      waitedSeconds,
    });
    return { done: false };
  }

  const events = await deps.arc.listPlanExecutionEvents(s.planArn, request.executionId);
  const measured = measureExecution(execution, events, s.stepTargetSeconds[request.leg], s.totalTargetSeconds);
  const report: SwitchoverReport = {
    kind: 'switchover',
    runId: `${request.requestId}-${request.leg}`,
    leg: request.leg,
    serviceName: settings.serviceName,
    planArn: s.planArn,
    targetRegion: request.leg === 'out' ? s.standbyRegion : s.primaryRegion,
    startedAt: request.startedAt,
    finishedAt: new Date(now()).toISOString(),
    executionId: request.executionId,
    executionState: execution.executionState,
    status: 'passed',
    steps: measured.steps,
    totalSeconds: measured.totalSeconds,
    totalTargetSeconds: s.totalTargetSeconds,
    problems: [...measured.problems],
  };
  const where =
    request.leg === 'out'
      ? 'traffic may be split between the Regions: follow runbooks/dr-failover.md (resume or cancel the execution)'
      : 'the service may still be served from the standby Region: follow runbooks/dr-failback.md';
  if (running) {
    report.problems.unshift(
      `execution ${request.executionId} is still ${execution.executionState} after ${waitedSeconds} s, over the ` +
        `drill's ${s.waitBoundSeconds} s bound; it keeps running in Region switch ` +
        `(aws arc-region-switch get-plan-execution --plan-arn ${s.planArn} --execution-id ${request.executionId}); ${where}`,
    );
  } else if (!SUCCEEDED_STATES.has(execution.executionState)) {
    const failed = measured.steps.filter((step) => step.error || step.status === 'failed');
    const cause = failed
      .map((step) => `step ${step.name} ${step.status}: ${step.error ?? 'no error given'}`)
      .join('; ');
    report.problems.unshift(
      `execution ${request.executionId} ended ${execution.executionState}${cause ? ` (${cause})` : ''}; ${where}`,
    );
  }
  report.status = report.problems.length > 0 ? 'failed' : 'passed';

  await publishLegMetric(settings, deps, report).catch((error) =>
    deps.logger.error('could not publish the switchover metric', { error: errorMessage(error) }),
  );
  await writeReport(settings, deps, report).catch((error) =>
    deps.logger.error('could not write the drill report', { error: errorMessage(error) }),
  );
  deps.logger.info('switchover leg finished', { leg: request.leg, status: report.status, problems: report.problems });
  if (report.problems.length > 0)
    throw new DrillTargetMissedError(
      `switchover drill (${request.leg}) ${report.runId} failed: ${report.problems.join('; ')}`,
    );
  return { done: true, report };
}

const TERMINAL_STEP_EVENTS: Record<string, string> = {
  stepSucceeded: 'completed',
  stepFailed: 'failed',
  stepSkipped: 'skipped',
  stepCanceled: 'canceled',
  stepPausedByError: 'failed',
  stepPausedByOperator: 'paused',
};

/**
 * Each step's time from its first `stepStarted` event to its last terminal event (ListPlanExecutionEvents,
 * https://docs.aws.amazon.com/arc-region-switch/latest/api/API_ListPlanExecutionEvents.html), falling back on the
 * execution's step states; the leg from the execution's start to its end. A step over its bound in the leg's
 * workflow, a step the leg's plan has no bound for (the plan and the drill disagree, so the step was not judged), or
 * the leg over the RTO, is a problem. Hand-checked in test/lambdas/dr-drill/switchover.test.ts.
 */
export function measureExecution(
  execution: PlanExecution,
  events: ExecutionEvent[],
  stepTargetSeconds: Readonly<Record<string, number>>,
  totalTargetSeconds: number,
): { steps: StepMeasurement[]; totalSeconds?: number; problems: string[] } {
  const ordered = [...events].sort((a, b) => (a.timestamp?.getTime() ?? 0) - (b.timestamp?.getTime() ?? 0));
  const byStep = new Map<string, { start?: Date; end?: Date; status: string; error?: string }>();
  for (const state of execution.stepStates) {
    if (!state.name) continue;
    byStep.set(state.name, { start: state.startTime, end: state.endTime, status: state.status ?? 'unknown' });
  }
  for (const event of ordered) {
    if (!event.stepName || !event.type) continue;
    const entry = byStep.get(event.stepName) ?? { status: 'running' };
    if (event.type === 'stepStarted' && event.timestamp && (!entry.start || event.timestamp < entry.start))
      entry.start = event.timestamp;
    const terminal = TERMINAL_STEP_EVENTS[event.type];
    if (terminal) {
      entry.status = terminal;
      if (event.timestamp) entry.end = event.timestamp;
      if (event.error) entry.error = event.error;
    }
    byStep.set(event.stepName, entry);
  }
  const problems: string[] = [];
  const steps: StepMeasurement[] = [...byStep.entries()].map(([name, e]) => {
    const seconds = e.start && e.end ? Math.round((e.end.getTime() - e.start.getTime()) / 1000) : undefined;
    const targetSeconds = Object.hasOwn(stepTargetSeconds, name) ? stepTargetSeconds[name] : undefined;
    if (targetSeconds === undefined)
      problems.push(`step ${name} has no target in the plan${seconds !== undefined ? ` (it took ${seconds} s)` : ''}`);
    else if (seconds !== undefined && seconds > targetSeconds)
      problems.push(`step ${name} took ${seconds} s, over its ${targetSeconds} s target`);
    return {
      name,
      status: e.status,
      startedAt: e.start?.toISOString(),
      endedAt: e.end?.toISOString(),
      seconds,
      targetSeconds,
      error: e.error,
    };
  });
  const started = ordered.find((e) => e.type === 'executionStarted')?.timestamp ?? execution.startTime;
  const ended = [...ordered].reverse().find((e) => e.type === 'executionSucceeded')?.timestamp ?? execution.endTime;
  const totalSeconds = started && ended ? Math.round((ended.getTime() - started.getTime()) / 1000) : undefined;
  if (totalSeconds !== undefined && totalSeconds > totalTargetSeconds)
    problems.push(`the switchover took ${totalSeconds} s end to end, over the ${totalTargetSeconds} s RTO`);
  return { steps, totalSeconds, problems };
}

/** The metric the report and dashboards can read: seconds per leg. */
export const SWITCHOVER_METRIC = 'DrillSwitchoverSeconds';

async function publishLegMetric(settings: DrillSettings, deps: SwitchoverDeps, report: SwitchoverReport) {
  if (report.totalSeconds === undefined) return;
  await withRetry(() =>
    deps.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: settings.metricNamespace,
        MetricData: [
          {
            MetricName: SWITCHOVER_METRIC,
            Dimensions: [
              { Name: 'Service', Value: settings.serviceName },
              { Name: 'Leg', Value: report.leg },
            ],
            Value: report.totalSeconds,
            Unit: StandardUnit.Seconds,
            Timestamp: new Date(deps.now?.() ?? Date.now()),
          },
        ],
      }),
    ),
  );
}
