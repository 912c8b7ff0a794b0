import { createHash } from 'node:crypto';
import { BudgetsClient, CreateBudgetCommand } from '@aws-sdk/client-budgets';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  MetricDatum,
  PutMetricAlarmCommand,
  PutMetricAlarmCommandInput,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetDeploymentsCommand, CodeDeployClient, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { Command } from 'commander';
import { registerStatus } from '../../bin/ops/status';
import { DrClients, StatusClients } from '../../bin/ops/status/gather';
import { registerWeeklyReport } from '../../bin/ops/weekly-report';
import { handleIncidentEvent } from '../../lambdas/incident-recorder/handle';
import type { IncidentSettings } from '../../lambdas/incident-recorder/settings';
import { StoreDeps } from '../../lambdas/incident-recorder/store';
import type { RegionSwitchApi } from '../../lambdas/shared/arc-region-switch';
import { WeeklyReportClients } from '../../lambdas/weekly-report/gather';
import { handleWeeklyReport } from '../../lambdas/weekly-report/handle';
import { parseWeeklyReportSettings } from '../../lambdas/weekly-report/settings';
import { alarmEvent } from '../lambdas/incident-recorder/fixtures';
import { createIncidentTable, quietLogger } from '../lambdas/incident-recorder/moto-table';
import { MotoServer } from '../helpers/moto';

/*
 * One scripted week of Prod (ISO week 2026-W47, 16-22 November 2026) end to end against moto 5.2 on 127.0.0.1:
 *   Tue 10:00 deployment d-1 starts; 10:01 the canary fails (P1 onset), 10:02 its alarm fires; 10:05 d-1 fails and
 *             CodeDeploy rolls back (d-2, 10:05:30 to 10:09); 10:12 the P1 alarm is OK again (11 failed minutes).
 *   Thu 02:57 latency breaches, 03:00 the P2 fires, 03:20 OK: it resolves itself after the quiet period.
 *   Sat 19:30 the database backup passes its RPO, 20:00 the P2 backup-stale alarm fires and stays: still stale.
 * Every event goes through the incident recorder's handler into the incidents table; then `ops status` and the
 * weekly report (the CLI and the Lambda's body) read the same state on Monday 23 November at 06:00 UTC. Every
 * expected figure is worked out below by hand from the script, never read from the code under test.
 *
 * Where moto is too thin: BatchGetDeployments answers createTime as an ISO string where CodeDeploy sends epoch
 * seconds (test/bin/ops-status.moto.test.ts), so CodeDeploy alone is aws-sdk-client-mock; moto computes no
 * percentiles (latency reads "no data") and runs no Logs Insights `pattern` (the query completes with no rows).
 */
const moto = new MotoServer();
const NOW = Date.parse('2026-11-23T06:00:00Z');
const at = (iso: string) => `${iso}.000Z`;
const cwTime = (iso: string) => `${iso}.000+0000`;
const LB = 'app/orders-prod/50dc6c495c0c9188';
const P1 = 'orders-prod-canary-journey-failed';
const LATENCY = 'orders-prod-latency-p95';
const BACKUP = 'orders-prod-backup-stale-database';

/** The incident settings of Prod as the stack passes them (written out by hand). */
const INCIDENTS: IncidentSettings = {
  environment: 'Prod',
  tableName: 'orders-prod-incidents',
  metricNamespace: 'Bulwark/orders',
  alarms: { [P1]: 'P1', [LATENCY]: 'P2', [BACKUP]: 'P2' },
  switchParameterPrefix: '/orders/prod/switches/',
  deploymentGroup: 'orders-prod',
  quietPeriodSeconds: 900,
  contextLeadSeconds: 1800,
  lookbackSeconds: 7 * 86400,
  metricsSettleSeconds: 3600,
  eventRetentionDays: 400,
};

const deployment = (id: string, deploymentId: string, time: string, state: string) => ({
  version: '0',
  id,
  'detail-type': 'CodeDeploy Deployment State-change Notification',
  source: 'aws.codedeploy',
  account: '333333333333',
  time,
  region: 'us-east-1',
  resources: [],
  detail: { application: 'orders-prod', deploymentGroup: 'orders-prod', deploymentId, state },
});

/** The week's events in the documented EventBridge shapes, in time order (each delivered when it happened). */
function scriptedEvents(): { event: Record<string, unknown>; at: number }[] {
  const events: Record<string, unknown>[] = [
    deployment('evt-d1-start', 'd-1', '2026-11-17T10:00:00Z', 'START'),
    alarmEvent({
      id: 'evt-p1-alarm',
      name: P1,
      state: 'ALARM',
      previous: 'OK',
      at: at('2026-11-17T10:02:00'),
      reason:
        'Threshold Crossed: 1 out of the last 1 datapoints [0.0 (17/11/26 10:01:00)] was less than the threshold (1.0).',
      reasonData: {
        version: '1.0',
        startDate: cwTime('2026-11-17T10:01:00'),
        period: 60,
        threshold: 1.0,
        evaluatedDatapoints: [{ timestamp: cwTime('2026-11-17T10:01:00'), sampleCount: 6, value: 0 }],
      },
    }),
    deployment('evt-d1-failure', 'd-1', '2026-11-17T10:05:00Z', 'FAILURE'),
    deployment('evt-d2-start', 'd-2', '2026-11-17T10:05:30Z', 'START'),
    deployment('evt-d2-success', 'd-2', '2026-11-17T10:09:00Z', 'SUCCESS'),
    alarmEvent({ id: 'evt-p1-ok', name: P1, state: 'OK', previous: 'ALARM', at: at('2026-11-17T10:12:00') }),
    alarmEvent({
      id: 'evt-p2-latency-alarm',
      name: LATENCY,
      state: 'ALARM',
      previous: 'OK',
      at: at('2026-11-19T03:00:00'),
      reason:
        'Threshold Crossed: 2 out of the last 2 datapoints [3.4 (19/11/26 02:58:00), 3.2 (19/11/26 02:57:00)] ' +
        'were greater than the threshold (3.0).',
      reasonData: {
        version: '1.0',
        startDate: cwTime('2026-11-19T02:57:00'),
        period: 60,
        threshold: 3.0,
        evaluatedDatapoints: [
          { timestamp: cwTime('2026-11-19T02:58:00'), value: 3.4 },
          { timestamp: cwTime('2026-11-19T02:57:00'), value: 3.2 },
        ],
      },
    }),
    alarmEvent({
      id: 'evt-p2-latency-ok',
      name: LATENCY,
      state: 'OK',
      previous: 'ALARM',
      at: at('2026-11-19T03:20:00'),
    }),
    alarmEvent({
      id: 'evt-p2-backup-alarm',
      name: BACKUP,
      state: 'ALARM',
      previous: 'OK',
      at: at('2026-11-21T20:00:00'),
      reason:
        'Threshold Crossed: 1 out of the last 1 datapoints [5400.0 (21/11/26 19:30:00)] was greater than the ' +
        'threshold (3600.0).',
      reasonData: {
        version: '1.0',
        startDate: cwTime('2026-11-21T19:30:00'),
        period: 1800,
        threshold: 3600.0,
        evaluatedDatapoints: [{ timestamp: cwTime('2026-11-21T19:30:00'), value: 5400 }],
      },
    }),
    // The recorder's 5-minute sweep on Monday morning.
    { id: 'evt-sweep', 'detail-type': 'Scheduled Event', source: 'aws.events', time: '2026-11-23T06:00:00Z' },
  ];
  return events.map((event) => {
    const detail = event.detail as { state?: { timestamp?: string } } | undefined;
    const time = detail?.state?.timestamp?.replace('+0000', 'Z') ?? String(event.time);
    return { event, at: Date.parse(time) };
  });
}

// Hand-computed from the script: the ids are the recorder's documented format, inc-<detected>-<6 hex of
// sha256(opening event id)>; durations are differences of the times above.
const idOf = (detected: string, eventId: string) =>
  `inc-${detected}-${createHash('sha256').update(eventId).digest('hex').slice(0, 6)}`;
const P1_ID = idOf('20261117T100200Z', 'evt-p1-alarm');
const LATENCY_ID = idOf('20261119T030000Z', 'evt-p2-latency-alarm');
const BACKUP_ID = idOf('20261121T200000Z', 'evt-p2-backup-alarm');

let cloudwatch: CloudWatchClient;
let store: StoreDeps;
let statusClients: StatusClients;
let drClients: DrClients;
let weeklyClients: WeeklyReportClients;
let s3: S3Client;
let sns: SNSClient;

async function ops(register: (program: Command) => void, args: string[]): Promise<string> {
  const program = new Command('ops').exitOverride();
  register(program);
  await program.parseAsync(['node', 'ops', ...args]);
  return out.splice(0).join('\n');
}
const out: string[] = [];

beforeAll(async () => {
  await moto.start();
  const config = moto.clientConfig();
  cloudwatch = new CloudWatchClient(config);
  store = {
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient(config), { marshallOptions: { removeUndefinedValues: true } }),
    cloudwatch,
    logger: quietLogger,
    sleep: async () => undefined,
  };
  // CodeDeploy as CodeDeploy answers (see the header): d-1 failed and was rolled back by d-2.
  const codedeploy = new CodeDeployClient(config);
  const codedeployMock = mockClient(codedeploy);
  codedeployMock.on(ListDeploymentsCommand).resolves({ deployments: ['d-1', 'd-2'] });
  codedeployMock.on(BatchGetDeploymentsCommand).resolves({
    deploymentsInfo: [
      {
        deploymentId: 'd-1',
        status: 'Failed',
        createTime: new Date('2026-11-17T10:00:00Z'),
        completeTime: new Date('2026-11-17T10:05:00Z'),
        errorInformation: { code: 'ALARM_ACTIVE', message: 'alarm orders-prod-canary-journey-failed' },
        rollbackInfo: { rollbackDeploymentId: 'd-2' },
      },
      {
        deploymentId: 'd-2',
        status: 'Succeeded',
        createTime: new Date('2026-11-17T10:05:30Z'),
        completeTime: new Date('2026-11-17T10:09:00Z'),
        rollbackInfo: { rollbackTriggeringDeploymentId: 'd-1' },
      },
    ],
  });
  statusClients = {
    cloudwatch,
    ssm: new SSMClient(config),
    codedeploy,
    budgets: new BudgetsClient(config),
    incidentStore: store,
    sleep: async () => undefined,
  };
  const regionSwitch = {
    getPlanEvaluationStatus: () => Promise.reject(new Error('moto has no ARC Region switch')),
  } as unknown as RegionSwitchApi;
  const drConfig = moto.clientConfig('us-west-2');
  drClients = {
    cloudwatch: new CloudWatchClient(drConfig),
    cloudformation: new CloudFormationClient(drConfig),
    regionSwitch,
  };
  weeklyClients = {
    cloudwatch,
    codedeploy,
    logs: new CloudWatchLogsClient(config),
    costExplorer: new CostExplorerClient(config),
    incidentStore: store,
    sleep: async () => undefined,
  };
  s3 = new S3Client({ ...config, forcePathStyle: true });
  sns = new SNSClient(config);
  await script();
}, 120_000);
afterAll(() => moto.stop());

const alarm = (
  input: Omit<PutMetricAlarmCommandInput, 'EvaluationPeriods' | 'ComparisonOperator'> & {
    ComparisonOperator: PutMetricAlarmCommandInput['ComparisonOperator'];
  },
) => cloudwatch.send(new PutMetricAlarmCommand({ EvaluationPeriods: 1, ...input }));

/** Puts the week into moto: alarms, metrics, logs, cost, the budget, then the events through the recorder. */
async function script(): Promise<void> {
  await alarm({
    AlarmName: P1,
    AlarmDescription: '[P1] A canary journey failed | Runbook: https://example.com/runbooks/canary-journey-failed.md',
    Namespace: 'Bulwark/orders',
    MetricName: 'Success',
    Dimensions: [{ Name: 'Environment', Value: 'Prod' }],
    Statistic: 'Minimum',
    Period: 60,
    Threshold: 1,
    ComparisonOperator: 'LessThanThreshold',
  });
  await alarm({
    AlarmName: LATENCY,
    AlarmDescription: '[P2] p95 latency above 3 s | Runbook: https://example.com/runbooks/latency-high.md',
    Namespace: 'AWS/ApplicationELB',
    MetricName: 'TargetResponseTime',
    Dimensions: [{ Name: 'LoadBalancer', Value: LB }],
    ExtendedStatistic: 'p95',
    Period: 60,
    Threshold: 3,
    ComparisonOperator: 'GreaterThanThreshold',
  });
  await alarm({
    AlarmName: BACKUP,
    AlarmDescription: '[P2] Newest database backup is old | Runbook: https://example.com/runbooks/backup-stale.md',
    Namespace: 'Bulwark/orders',
    MetricName: 'BackupAgeSeconds',
    Dimensions: [
      { Name: 'environment', Value: 'Prod' },
      { Name: 'store', Value: 'database' },
    ],
    Statistic: 'Maximum',
    Period: 1800,
    Threshold: 3600,
    ComparisonOperator: 'GreaterThanThreshold',
  });
  // moto never evaluates alarms: the backup alarm is put where CloudWatch would have it on Monday morning.
  await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: BACKUP, StateValue: 'ALARM', StateReason: 'stale' }));

  // The canary: one Minimum a minute on Tuesday 09:30-11:29 (120 minutes), 0 for the 11 minutes 10:01-10:11.
  const canary: MetricDatum[] = [];
  for (let m = 0; m < 120; m++) {
    const t = Date.parse('2026-11-17T09:30:00Z') + m * 60_000;
    const failed = t >= Date.parse('2026-11-17T10:01:00Z') && t <= Date.parse('2026-11-17T10:11:00Z');
    canary.push({
      MetricName: 'Success',
      Dimensions: [{ Name: 'Environment', Value: 'Prod' }],
      Value: failed ? 0 : 1,
      Timestamp: new Date(t),
    });
  }
  const lb = [{ Name: 'LoadBalancer', Value: LB }];
  const datum = (name: string, value: number, iso: string, dims = lb): MetricDatum => ({
    MetricName: name,
    Dimensions: dims,
    Value: value,
    Timestamp: new Date(iso),
  });
  for (let i = 0; i < canary.length; i += 60) {
    await cloudwatch.send(
      new PutMetricDataCommand({ Namespace: 'Bulwark/orders', MetricData: canary.slice(i, i + 60) }),
    );
  }
  await cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/ApplicationELB',
      MetricData: [
        // This week: 40 + 25 target 5xx and 5 load-balancer 5xx during the P1 = 70. The week before: 30.
        datum('HTTPCode_Target_5XX_Count', 40, '2026-11-17T10:03:00Z'),
        datum('HTTPCode_Target_5XX_Count', 25, '2026-11-17T10:04:00Z'),
        datum('HTTPCode_ELB_5XX_Count', 5, '2026-11-17T10:05:00Z'),
        datum('HTTPCode_Target_5XX_Count', 30, '2026-11-10T12:00:00Z'),
      ],
    }),
  );
  // The backup verifier's last measurement: 124,200 s old at 05:50 Monday (stale since Saturday 19:30).
  await cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: 'Bulwark/orders',
      MetricData: [
        datum('BackupAgeSeconds', 124_200, '2026-11-23T05:50:00Z', [
          { Name: 'environment', Value: 'Prod' },
          { Name: 'store', Value: 'database' },
        ]),
      ],
    }),
  );

  const logs = weeklyClients.logs;
  await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/orders-prod' }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: '/ecs/orders-prod', logStreamName: 'app/app/1' }));
  await logs.send(
    new PutLogEventsCommand({
      logGroupName: '/ecs/orders-prod',
      logStreamName: 'app/app/1',
      logEvents: [
        { timestamp: Date.parse('2026-11-17T10:03:00Z'), message: 'ERROR TimeoutError calling 10.0.3.7 after 3004 ms' },
        { timestamp: Date.parse('2026-11-17T10:04:00Z'), message: 'ERROR TimeoutError calling 10.0.3.9 after 3010 ms' },
      ],
    }),
  );

  // Cost Explorer's answer, queued through moto's own API (moto's ce docs: /moto-api/static/ce/cost-and-usage-results):
  // 25 ECS + 10 Lambda a day the week before (35), 30 + 10 this week (40).
  const day = (date: string, ecs: number) => ({
    TimePeriod: { Start: date, End: date },
    Total: {},
    Groups: [
      { Keys: ['Amazon Elastic Container Service'], Metrics: { UnblendedCost: { Amount: String(ecs), Unit: 'USD' } } },
      { Keys: ['AWS Lambda'], Metrics: { UnblendedCost: { Amount: '10', Unit: 'USD' } } },
    ],
    Estimated: false,
  });
  const days = Array.from({ length: 14 }, (_, i) =>
    day(new Date(Date.parse('2026-11-09T00:00:00Z') + i * 86_400_000).toISOString().slice(0, 10), i < 7 ? 25 : 30),
  );
  const queued = await fetch(`${moto.endpoint}/moto-api/static/ce/cost-and-usage-results`, {
    method: 'POST',
    body: JSON.stringify({ results: [{ ResultsByTime: days }] }),
  });
  expect(queued.status).toBe(201);
  await statusClients.budgets.send(
    new CreateBudgetCommand({
      AccountId: '333333333333',
      Budget: {
        BudgetName: 'orders-prod-monthly-cost',
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: '6000', Unit: 'USD' },
      },
    }),
  );

  await createIncidentTable(moto, INCIDENTS.tableName);
  for (const { event, at: time } of scriptedEvents()) {
    // Delivered a second after it happened, as EventBridge would.
    await handleIncidentEvent(event, INCIDENTS, store, time + 1000);
  }
}

describe('a scripted week through the incident recorder, ops status and the weekly report (moto)', () => {
  test('ops status on Monday: DEGRADED by the stale backup, and d-1 flagged as started just before the P1', async () => {
    const status = JSON.parse(
      await ops(
        (p) =>
          registerStatus(p, {
            clients: () => statusClients,
            drClients: () => drClients,
            print: (t) => out.push(t),
            now: () => NOW,
          }),
        ['status', 'Prod', '--json'],
      ),
    );
    expect(status.verdict.status).toBe('DEGRADED');
    expect(status.verdict.reasons).toEqual([
      `P2 alarm in ALARM: ${BACKUP}`,
      `open incident: ${BACKUP_ID} (P2)`,
      'stale backup: database',
    ]);
    expect(status.incidents.open.map((i: { id: string }) => i.id)).toEqual([BACKUP_ID]);
    // Resolved within the last 7 days, newest detection first.
    expect(status.incidents.recent.map((i: { id: string }) => i.id)).toEqual([LATENCY_ID, P1_ID]);
    expect(status.backups).toEqual([{ store: 'database', ageSeconds: 124_200, rpoSeconds: 3600, stale: true }]);
    // d-1 started 10:00, 60 s before the P1's onset at 10:01, inside the 1,800 s window; d-2 (10:05:30) started after.
    expect(
      status.deployments.map((d: { id: string; correlatedIncidents: string[] }) => [d.id, d.correlatedIncidents]),
    ).toEqual([
      ['d-2', []],
      ['d-1', [P1_ID]],
    ]);
  }, 60_000);

  test('the weekly report: uptime, downtime, incidents with MTTD/MTTR, 5xx, spend, deployments, action items', async () => {
    const report = JSON.parse(
      await ops(
        (p) =>
          registerWeeklyReport(p, {
            clients: () => weeklyClients,
            print: (t) => out.push(t),
            now: () => NOW,
            queryWaitMs: 0,
          }),
        ['weekly-report', 'Prod', '--json'],
      ),
    );
    expect(report.week).toBe('2026-W47');
    // 120 canary minutes measured, 11 failed: 100 x 109 / 120 = 90.8333 %; 10,080 - 120 = 9,960 silent minutes.
    expect(report.availability.downtimeMinutes).toBe(11);
    expect(report.availability.measuredMinutes).toBe(120);
    expect(report.availability.noDataMinutes).toBe(9960);
    expect(report.availability.uptimePercent).toBeCloseTo(90.8333, 4);
    expect(report.availability.met).toBe(false);
    // P1: 10:01 -> 10:02 detected (60 s), OK 10:12 (660 s). P2 latency: 02:57 -> 03:00 (180 s), OK 03:20 (1,380 s).
    // P2 backup: 19:30 -> 20:00 (1,800 s), open. P2 MTTD (180 + 1,800) / 2 = 990 s; MTTR only the resolved one.
    expect(report.incidents.bySeverity).toEqual([
      { severity: 'P1', count: 1, open: 0, mttdSeconds: 60, mttrSeconds: 660 },
      { severity: 'P2', count: 2, open: 1, mttdSeconds: 990, mttrSeconds: 1380 },
    ]);
    expect(report.incidents.list.map((i: { id: string }) => i.id)).toEqual([P1_ID, LATENCY_ID, BACKUP_ID]);
    // 40 + 25 + 5 = 70 this week against 30: +133.33 %.
    expect(report.errors.total5xx).toBe(70);
    expect(report.errors.previousWeek5xx).toBe(30);
    expect(report.errors.changePercent).toBeCloseTo(133.3333, 4);
    // 7 x 40 = 280 against 7 x 35 = 245 (+14.2857 %); Prod's 6,000/month x 7 / 30.4375 = 1,379.877 a week: 20.2917 %.
    expect(report.cost.weekSpend).toBe(280);
    expect(report.cost.previousWeekSpend).toBe(245);
    expect(report.cost.changePercent).toBeCloseTo(14.2857, 4);
    expect(report.cost.weeklyBudget).toBeCloseTo(1379.877, 3);
    expect(report.cost.percentOfBudget).toBeCloseTo(20.2917, 4);
    expect(report.cost.largest).toEqual({ service: 'Amazon Elastic Container Service', amount: 210 });
    expect(report.deployments).toMatchObject({ total: 2, succeeded: 1, failed: 1, stopped: 0, rolledBack: 1 });
    expect(report.actionItems).toEqual([
      `Resolve ${BACKUP_ID} (P2, ${BACKUP}): open since 2026-11-21T20:00:00.000Z, not acknowledged`,
    ]);
    // moto answers the Logs Insights query Complete without running `pattern`; percentiles it does not compute.
    expect(report.topErrors).toEqual([]);
    expect(report.latency.map((p: { ms: number | null }) => p.ms)).toEqual([null, null, null]);
  }, 60_000);

  test('the recorder published MTTD / MTTR of the resolved P1 as metrics, with the same figures', async () => {
    const query = (id: string, metricName: string) => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: 'Bulwark/orders',
          MetricName: metricName,
          Dimensions: [
            { Name: 'Environment', Value: 'Prod' },
            { Name: 'Severity', Value: 'P1' },
          ],
        },
        Period: 604_800,
        Stat: 'Maximum',
      },
    });
    const result = await cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: [query('mttd', 'IncidentMTTD'), query('mttr', 'IncidentMTTR')],
        StartTime: new Date('2026-11-16T00:00:00Z'),
        EndTime: new Date('2026-11-23T00:00:00Z'),
      }),
    );
    const value = (id: string) => result.MetricDataResults?.find((r) => r.Id === id)?.Values;
    expect(value('mttd')).toEqual([60]);
    expect(value('mttr')).toEqual([660]);
  }, 60_000);

  test('the Lambda body archives the same report and notices P3 once; a rerun for the week changes nothing', async () => {
    const bucket = 'orders-prod-archive-333333333333-us-east-1';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'orders-prod-alerts-p3' }));
    const settings = parseWeeklyReportSettings(
      JSON.stringify({
        service: 'orders',
        environment: 'Prod',
        region: 'us-east-1',
        alarmNamePrefix: 'orders-prod-',
        loadBalancer: LB,
        incidents: INCIDENTS,
        deploymentGroup: { application: 'orders-prod', group: 'orders-prod' },
        canary: { namespace: 'Bulwark/orders', metricName: 'Success', dimensions: { Environment: 'Prod' } },
        backupMetric: { namespace: 'Bulwark/orders', metricName: 'BackupAgeSeconds' },
        logGroupName: '/ecs/orders-prod',
        errorTerms: ['ERROR', 'Error', 'FATAL', 'Exception'],
        targets: { availabilityPercent: 99.9, p50Ms: 1000, p95Ms: 3000 },
        monthlyBudgetUsd: 6000,
        archive: { bucket, prefix: 'ops-reports/Prod/' },
        noticeTopicArn: TopicArn,
      }),
    );
    const deps = { ...weeklyClients, s3, sns, logger: quietLogger };
    const monday = {
      id: 'e-weekly',
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      time: '2026-11-23T06:00:00Z',
    };
    const first = await handleWeeklyReport(monday, settings, deps, NOW, { queryWaitMs: 0 });
    expect(first).toEqual({
      outcome: 'written',
      week: '2026-W47',
      keys: ['ops-reports/Prod/2026-W47.html', 'ops-reports/Prod/2026-W47.md'],
    });
    const read = async (key: string) =>
      (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
    const markdown = await read('ops-reports/Prod/2026-W47.md');
    expect(markdown).toContain('- Uptime: 90.833 % (target 99.9 %): MISSED');
    expect(markdown).toContain('- Downtime: 11 min');
    expect(markdown).toContain('| P1 | 1 | 0 | 60 s | 11 min |');
    expect(markdown).toContain(`- [ ] Resolve ${BACKUP_ID} (P2, ${BACKUP})`);
    expect(await read('ops-reports/Prod/2026-W47.html')).toContain('<svg id="chart-availability"');
    const again = await handleWeeklyReport(monday, settings, deps, NOW, { queryWaitMs: 0 });
    expect(again).toEqual({ outcome: 'exists', week: '2026-W47', key: 'ops-reports/Prod/2026-W47.md' });
  }, 60_000);
});
