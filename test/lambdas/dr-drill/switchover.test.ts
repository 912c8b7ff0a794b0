import { BackupClient, ListRecoveryPointsByBackupVaultCommand } from '@aws-sdk/client-backup';
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { DrillRefusedError, DrillSettings, DrillTargetMissedError } from '../../../lambdas/dr-drill/drill';
import { checkPlanEvaluation } from '../../../lambdas/dr-drill/readiness';
import {
  executionComment,
  measureExecution,
  startSwitchoverLeg,
  waitForSwitchoverLeg,
} from '../../../lambdas/dr-drill/switchover';
import type {
  AbbreviatedExecution,
  ExecutionEvent,
  PlanEvaluationStatus,
  PlanExecution,
  RegionSwitchApi,
} from '../../../lambdas/shared/arc-region-switch';
import { baseSettings, silentLogger } from './world';

/**
 * The switchover drill's logic (lambdas/dr-drill/switchover.ts, readiness.ts) with a fake Region switch API and
 * aws-sdk-client-mock for S3, CloudWatch and Backup. Every expected figure is worked out by hand in the test.
 */
const s3 = new S3Client({ region: 'us-west-2' });
const cloudwatch = new CloudWatchClient({ region: 'us-west-2' });
const backup = new BackupClient({ region: 'us-west-2' });
const s3m = mockClient(s3);
const cw = mockClient(cloudwatch);
const bk = mockClient(backup);

const PLAN_ARN = 'arn:aws:arc-region-switch::333333333333:plan/orders-dr-switch:abc123';
const NOW = Date.parse('2026-11-29T12:00:00Z');
const at = (secondsAfterNow: number) => new Date(NOW + secondsAfterNow * 1000);

const settings: DrillSettings = baseSettings({
  planArn: PLAN_ARN,
  replicationLag: { clusterIdentifier: 'orders-dr-db', boundSeconds: 20 },
  switchover: {
    primaryRegion: 'us-east-1',
    standbyRegion: 'us-west-2',
    // One map per leg: the same step names, different bounds ("back" holds the database to 240 s), so a test can
    // tell which leg's map judged a step.
    stepTargetSeconds: {
      out: {
        'freeze-and-notify': 300,
        'database-and-capacity': 1800,
        'aurora-global-database': 1800,
        'ecs-capacity': 900,
        'route53-failover-records': 300,
      },
      back: {
        'freeze-and-notify': 300,
        'database-and-capacity': 1800,
        'aurora-global-database': 240,
        'ecs-capacity': 900,
        'route53-failover-records': 300,
      },
    },
    totalTargetSeconds: 3600,
    waitBoundSeconds: 3000,
  },
});

function fakeArc(overrides: Partial<RegionSwitchApi> = {}): jest.Mocked<RegionSwitchApi> {
  return {
    startPlanExecution: jest.fn(async () => ({ executionId: 'exec-new' })),
    getPlanExecution: jest.fn(),
    listPlanExecutionEvents: jest.fn(async () => []),
    listPlanExecutions: jest.fn(async () => [] as AbbreviatedExecution[]),
    getPlanEvaluationStatus: jest.fn(async (): Promise<PlanEvaluationStatus> => ({
      planArn: PLAN_ARN,
      evaluationState: 'passed',
      lastEvaluationTime: at(-600),
      warnings: [],
    })),
    ...overrides,
  } as jest.Mocked<RegionSwitchApi>;
}

function freshData() {
  bk.on(ListRecoveryPointsByBackupVaultCommand).resolves({
    RecoveryPoints: [{ Status: 'COMPLETED', CreationDate: at(-1800), RecoveryPointArn: 'rp-1' }],
  });
  s3m.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'heartbeat/x', LastModified: at(-60) }] });
  cw.on(GetMetricDataCommand).resolves({
    MetricDataResults: [{ Id: 'lag', Timestamps: [at(-60), at(-120)], Values: [1500, 900] }],
  });
}

function deps(arc: RegionSwitchApi) {
  return { arc, s3, cloudwatch, backup, logger: silentLogger, now: () => NOW };
}

function reportsWritten(): Record<string, unknown>[] {
  return s3m
    .commandCalls(PutObjectCommand)
    .filter((c) => String(c.args[0].input.Key).endsWith('latest.json'))
    .map((c) => JSON.parse(String(c.args[0].input.Body)) as Record<string, unknown>);
}

beforeEach(() => {
  s3m.reset();
  cw.reset();
  bk.reset();
  s3m.on(PutObjectCommand).resolves({});
  cw.on(PutMetricDataCommand).resolves({});
  freshData();
});

describe('plan evaluation policy', () => {
  const evaluate = (status: Partial<PlanEvaluationStatus>) =>
    checkPlanEvaluation(
      fakeArc({
        getPlanEvaluationStatus: jest.fn(async () => ({ planArn: PLAN_ARN, warnings: [], ...status })),
      }),
      PLAN_ARN,
      3600,
      () => NOW,
    );

  test('passed 10 minutes ago with no warnings: no problem', async () => {
    const r = await evaluate({ evaluationState: 'passed', lastEvaluationTime: at(-600) });
    expect(r.problems).toEqual([]);
    expect(r.evaluationAgeSeconds).toBe(600);
  });

  test('an active warning fails whether it is older or newer than the last evaluation; a resolved one does not', async () => {
    const r = await evaluate({
      evaluationState: 'actionRequired',
      lastEvaluationTime: at(-600),
      warnings: [
        { warningStatus: 'active', stepName: 'ecs-capacity', warningMessage: 'old', warningUpdatedTime: at(-86_400) },
        {
          warningStatus: 'active',
          stepName: 'route53-failover-records',
          warningMessage: 'new',
          warningUpdatedTime: at(-60),
        },
        {
          warningStatus: 'resolved',
          stepName: 'freeze-and-notify',
          warningMessage: 'fixed',
          warningUpdatedTime: at(-60),
        },
      ],
    });
    expect(r.problems).toHaveLength(3);
    expect(r.problems[0]).toContain('"actionRequired", not "passed"');
    expect(r.problems[1]).toBe('plan evaluation warning on step ecs-capacity: old');
    expect(r.problems[2]).toBe('plan evaluation warning on step route53-failover-records: new');
  });

  test('an evaluation 3601 s old is stale (bound 3600 s); pendingEvaluation fails too', async () => {
    const stale = await evaluate({ evaluationState: 'passed', lastEvaluationTime: at(-3601) });
    expect(stale.problems).toEqual([expect.stringContaining('last evaluated 3601 s ago, over the 3600 s bound')]);
    const pending = await evaluate({ evaluationState: 'pendingEvaluation', lastEvaluationTime: at(-60) });
    expect(pending.problems).toEqual([expect.stringContaining('"pendingEvaluation"')]);
  });
});

describe('switchover: start a leg', () => {
  test('out: readiness passes, then a graceful activate of us-west-2 with an idempotency token', async () => {
    const arc = fakeArc();
    const started = await startSwitchoverLeg(settings, deps(arc), { leg: 'out', requestId: 'req-1' });
    expect(started).toEqual({ executionId: 'exec-new', startedAt: '2026-11-29T12:00:00.000Z' });
    expect(arc.startPlanExecution).toHaveBeenCalledWith({
      planArn: PLAN_ARN,
      targetRegion: 'us-west-2',
      action: 'activate',
      mode: 'graceful',
      comment: 'bulwark drill=switchover out (CloudFormation request req-1)',
      clientToken: 'req-1-out',
    });
  });

  test('back: activates us-east-1, without re-running the readiness checks', async () => {
    const arc = fakeArc();
    await startSwitchoverLeg(settings, deps(arc), { leg: 'back', requestId: 'req-2' });
    expect(arc.startPlanExecution).toHaveBeenCalledWith(expect.objectContaining({ targetRegion: 'us-east-1' }));
    expect(arc.getPlanEvaluationStatus).not.toHaveBeenCalled();
  });

  test('an execution already running: refused clearly, nothing started, report written', async () => {
    const arc = fakeArc({
      listPlanExecutions: jest.fn(async () => [
        { planArn: PLAN_ARN, executionId: 'exec-old', executionState: 'completed' },
        {
          planArn: PLAN_ARN,
          executionId: 'exec-incident',
          executionState: 'inProgress',
          executionAction: 'activate',
          executionRegion: 'us-west-2',
          startTime: at(-300),
        },
      ]),
    });
    const error = await startSwitchoverLeg(settings, deps(arc), { leg: 'out', requestId: 'req-3' }).catch((e) => e);
    expect(error).toBeInstanceOf(DrillRefusedError);
    expect(error.message).toContain(
      'execution exec-incident of the plan (activate us-west-2, inProgress, started 2026-11-29T11:55:00.000Z) is still running',
    );
    expect(arc.startPlanExecution).not.toHaveBeenCalled();
    expect(reportsWritten()[0]).toMatchObject({ status: 'refused', leg: 'out' });
  });

  test('a retried onEvent finds the execution its own request started and does not start another', async () => {
    const arc = fakeArc({
      listPlanExecutions: jest.fn(async () => [
        {
          planArn: PLAN_ARN,
          executionId: 'exec-mine',
          executionState: 'inProgress',
          comment: executionComment({ leg: 'out', requestId: 'req-4' }),
          startTime: at(-20),
        },
      ]),
    });
    const started = await startSwitchoverLeg(settings, deps(arc), { leg: 'out', requestId: 'req-4' });
    expect(started.executionId).toBe('exec-mine');
    expect(arc.startPlanExecution).not.toHaveBeenCalled();
  });

  test('a plan warning or a lagging secondary refuses the switchover before anything moves', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'lag', Timestamps: [at(-60)], Values: [25_000] }],
    });
    const arc = fakeArc({
      getPlanEvaluationStatus: jest.fn(async () => ({
        planArn: PLAN_ARN,
        evaluationState: 'actionRequired',
        lastEvaluationTime: at(-60),
        warnings: [{ warningStatus: 'active', stepName: 'ecs-capacity', warningMessage: 'role cannot UpdateService' }],
      })),
    });
    const error = await startSwitchoverLeg(settings, deps(arc), { leg: 'out', requestId: 'req-5' }).catch((e) => e);
    expect(error).toBeInstanceOf(DrillRefusedError);
    expect(error.message).toContain('plan evaluation warning on step ecs-capacity: role cannot UpdateService');
    // 25 000 ms = 25 s, over the 20 s rds.global_db_rpo bound.
    expect(error.message).toContain('lags 25 s, over the 20 s bound');
    expect(arc.startPlanExecution).not.toHaveBeenCalled();
  });

  test('no lag datapoint in ten minutes refuses too (the secondary is not shown to replicate)', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'lag', Timestamps: [], Values: [] }] });
    const error = await startSwitchoverLeg(settings, deps(fakeArc()), { leg: 'out', requestId: 'req-6' }).catch(
      (e) => e,
    );
    expect(error.message).toContain('no AuroraGlobalDBReplicationLag datapoint for orders-dr-db in the last 600 s');
  });
});

/** A leg that started at NOW - 400 s: freeze 30 s, database + capacity in parallel, DNS 40 s. */
function events(overrides: { dbEnd?: number; failDns?: boolean } = {}): ExecutionEvent[] {
  const t = (s: number) => at(-400 + s);
  const list: ExecutionEvent[] = [
    { eventId: '1', type: 'executionStarted', timestamp: t(0) },
    { eventId: '2', type: 'stepStarted', stepName: 'freeze-and-notify', timestamp: t(0) },
    { eventId: '3', type: 'stepSucceeded', stepName: 'freeze-and-notify', timestamp: t(30) },
    { eventId: '4', type: 'stepStarted', stepName: 'database-and-capacity', timestamp: t(30) },
    { eventId: '5', type: 'stepStarted', stepName: 'aurora-global-database', timestamp: t(30) },
    { eventId: '6', type: 'stepStarted', stepName: 'ecs-capacity', timestamp: t(30) },
    { eventId: '7', type: 'stepSucceeded', stepName: 'ecs-capacity', timestamp: t(150) },
    { eventId: '8', type: 'stepSucceeded', stepName: 'aurora-global-database', timestamp: t(overrides.dbEnd ?? 300) },
    { eventId: '9', type: 'stepSucceeded', stepName: 'database-and-capacity', timestamp: t(overrides.dbEnd ?? 300) },
    {
      eventId: '10',
      type: 'stepStarted',
      stepName: 'route53-failover-records',
      timestamp: t((overrides.dbEnd ?? 300) + 5),
    },
  ];
  if (overrides.failDns) {
    list.push({
      eventId: '11',
      type: 'stepFailed',
      stepName: 'route53-failover-records',
      timestamp: t((overrides.dbEnd ?? 300) + 65),
      error: 'health check hc-1 not found',
    });
  } else {
    list.push(
      {
        eventId: '11',
        type: 'stepSucceeded',
        stepName: 'route53-failover-records',
        timestamp: t((overrides.dbEnd ?? 300) + 45),
      },
      { eventId: '12', type: 'executionSucceeded', timestamp: t((overrides.dbEnd ?? 300) + 45) },
    );
  }
  return list;
}

function execution(state: string): PlanExecution {
  return { planArn: PLAN_ARN, executionId: 'exec-1', executionState: state, startTime: at(-400), stepStates: [] };
}

const waiting = { leg: 'out' as const, requestId: 'req-1', executionId: 'exec-1', startedAt: at(-400).toISOString() };

describe('switchover: measure a leg', () => {
  test('steps from the events: freeze 30 s, database 270 s, capacity 120 s, parallel 270 s, DNS 40 s; total 345 s', () => {
    const m = measureExecution(execution('completed'), events(), settings.switchover!.stepTargetSeconds.out, 3600);
    expect(Object.fromEntries(m.steps.map((s) => [s.name, s.seconds]))).toEqual({
      'freeze-and-notify': 30,
      'database-and-capacity': 270,
      'aurora-global-database': 270,
      'ecs-capacity': 120,
      'route53-failover-records': 40,
    });
    expect(m.totalSeconds).toBe(345);
    expect(m.problems).toEqual([]);
  });

  test('a running execution inside its bound: not done yet, no report', async () => {
    const arc = fakeArc({ getPlanExecution: jest.fn(async () => execution('inProgress')) });
    const progress = await waitForSwitchoverLeg(settings, deps(arc), waiting);
    expect(progress).toEqual({ done: false });
    expect(reportsWritten()).toEqual([]);
  });

  test('completed within every target: done, report passed, metric published', async () => {
    const arc = fakeArc({
      getPlanExecution: jest.fn(async () => execution('completed')),
      listPlanExecutionEvents: jest.fn(async () => events()),
    });
    const progress = await waitForSwitchoverLeg(settings, deps(arc), waiting);
    expect(progress.done).toBe(true);
    expect(reportsWritten()[0]).toMatchObject({ status: 'passed', totalSeconds: 345, executionId: 'exec-1' });
    const metric = cw.commandCalls(PutMetricDataCommand)[0].args[0].input.MetricData![0];
    expect(metric).toMatchObject({ MetricName: 'DrillSwitchoverSeconds', Value: 345 });
  });

  test('a step over its target fails the deploy: the database took 1830 s against 1800 s', async () => {
    // The database ends 1800 s after it started at t=30: t=1830 is 1800 s; t=1860 is 1830 s.
    const longEvents = events({ dbEnd: 1860 });
    const arc = fakeArc({
      getPlanExecution: jest.fn(async () => execution('completed')),
      listPlanExecutionEvents: jest.fn(async () => longEvents),
    });
    const error = await waitForSwitchoverLeg(settings, deps({ ...arc }), waiting).catch((e) => e);
    expect(error).toBeInstanceOf(DrillTargetMissedError);
    expect(error.message).toContain('step aurora-global-database took 1830 s, over its 1800 s target');
    expect(error.message).toContain('step database-and-capacity took 1830 s, over its 1800 s target');
    expect(reportsWritten()[0]).toMatchObject({ status: 'failed' });
  });

  test('a failed step: the execution paused, the deploy fails naming the step, its error and the runbook', async () => {
    const arc = fakeArc({
      getPlanExecution: jest.fn(async () => execution('pausedByFailedStep')),
      listPlanExecutionEvents: jest.fn(async () => events({ failDns: true })),
    });
    const error = await waitForSwitchoverLeg(settings, deps(arc), waiting).catch((e) => e);
    expect(error).toBeInstanceOf(DrillTargetMissedError);
    expect(error.message).toContain(
      'execution exec-1 ended pausedByFailedStep (step route53-failover-records failed: health check hc-1 not found)',
    );
    expect(error.message).toContain('runbooks/dr-failover.md');
  });

  test('still running past the wait bound (3000 s): the deploy fails and says the execution keeps running', async () => {
    const late = { ...waiting, startedAt: at(-3001).toISOString() };
    const arc = fakeArc({ getPlanExecution: jest.fn(async () => execution('inProgress')) });
    const error = await waitForSwitchoverLeg(settings, deps(arc), late).catch((e) => e);
    expect(error.message).toContain("still inProgress after 3001 s, over the drill's 3000 s bound");
    expect(error.message).toContain('aws arc-region-switch get-plan-execution');
  });

  test("a step the leg's plan has no target for is a problem, not silently passed", () => {
    // The out map without the DNS step: the events name it, it took 40 s (t=305 to t=345), and nothing judges it.
    const { 'route53-failover-records': _dns, ...withoutDns } = settings.switchover!.stepTargetSeconds.out;
    const m = measureExecution(execution('completed'), events(), withoutDns, 3600);
    expect(m.problems).toEqual(['step route53-failover-records has no target in the plan (it took 40 s)']);
    expect(m.steps.find((step) => step.name === 'route53-failover-records')).toMatchObject({
      seconds: 40,
      targetSeconds: undefined,
    });
  });

  test("each leg by its own workflow's bounds: a 270 s database passes out (1800 s), fails back (240 s)", async () => {
    const arc = () =>
      fakeArc({
        getPlanExecution: jest.fn(async () => execution('completed')),
        listPlanExecutionEvents: jest.fn(async () => events()),
      });
    await expect(waitForSwitchoverLeg(settings, deps(arc()), waiting)).resolves.toMatchObject({ done: true });
    const back = { ...waiting, leg: 'back' as const };
    const error = await waitForSwitchoverLeg(settings, deps(arc()), back).catch((e) => e);
    expect(error).toBeInstanceOf(DrillTargetMissedError);
    expect(error.message).toContain('step aurora-global-database took 270 s, over its 240 s target');
    expect(error.message).not.toContain('database-and-capacity took');
  });

  test('the leg over the RTO (3600 s) fails even when every step is inside its timeout', () => {
    const slow: ExecutionEvent[] = [
      { eventId: 'a', type: 'executionStarted', timestamp: at(0) },
      { eventId: 'b', type: 'executionSucceeded', timestamp: at(3601) },
    ];
    const m = measureExecution(execution('completed'), slow, {}, 3600);
    expect(m.problems).toEqual(['the switchover took 3601 s end to end, over the 3600 s RTO']);
  });
});
