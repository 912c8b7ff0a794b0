import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { BudgetsClient, DescribeBudgetCommand } from '@aws-sdk/client-budgets';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricDataInput,
  MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { BatchGetDeploymentsCommand, CodeDeployClient, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { Command } from 'commander';
import { registerStatus } from '../../bin/ops/status';
import { DrClients, StatusClients } from '../../bin/ops/status/gather';
import type { PlanEvaluationStatus, RegionSwitchApi } from '../../lambdas/shared/arc-region-switch';
import { quietLogger } from '../lambdas/incident-recorder/moto-table';

/*
 * `npm run ops -- status Prod` with every AWS client mocked (aws-sdk-client-mock): the figures below are written by
 * hand from the mocked datapoints; faults (access denied, throttling) become a visible "unknown", never a crash.
 */
const NOW = '2026-11-29T12:00:30Z';
const LB = 'app/orders-prod/abc123';
const BLUE = 'targetgroup/orders-prod-blue/111';
const GREEN = 'targetgroup/orders-prod-green/222';
const err = (name: string, message: string) => Object.assign(new Error(message), { name });

const cw = mockClient(CloudWatchClient);
const ssm = mockClient(SSMClient);
const codedeploy = mockClient(CodeDeployClient);
const budgets = mockClient(BudgetsClient);
const ddb = mockClient(DynamoDBDocumentClient);
const bedrock = mockClient(BedrockRuntimeClient);
/**
 * The DR region's CloudWatch, mocked apart so the environment's own calls (counted below) stay apart. A subclass
 * with its own `send`: sinon cannot stub an instance whose inherited `send` is the prototype mock above.
 */
class DrCloudWatchClient extends CloudWatchClient {}
Object.defineProperty(DrCloudWatchClient.prototype, 'send', {
  value(this: CloudWatchClient, ...args: unknown[]) {
    return (CloudWatchClient.prototype.send as (...a: unknown[]) => unknown).apply(this, args);
  },
  writable: true,
  configurable: true,
});
const drCloudwatch = new DrCloudWatchClient({ region: 'us-west-2' });
const drCw = mockClient(DrCloudWatchClient);
const drCloudformation = new CloudFormationClient({ region: 'us-west-2' });
const cfn = mockClient(CloudFormationClient);
const PLAN_ARN = 'arn:aws:arc-region-switch::333333333333:plan/orders-dr-switch:a1b2c3';
/** What GetPlanEvaluationStatus answers (or throws) in a test; the signed client itself has its own tests. */
let evaluation: PlanEvaluationStatus | Error;
const regionSwitch = {
  getPlanEvaluationStatus: async (planArn: string) => {
    if (evaluation instanceof Error) throw evaluation;
    expect(planArn).toBe(PLAN_ARN);
    return evaluation;
  },
} as unknown as RegionSwitchApi;
let drClientsAsked: string[] = [];
const drClients = (region: string): DrClients => {
  drClientsAsked.push(region);
  return { cloudwatch: drCloudwatch, cloudformation: drCloudformation, regionSwitch };
};
/** The secondary's lag, newest datapoint (ms), as AuroraGlobalDBReplicationLag reports it. */
let lagMs: number | undefined;

const alarm = (name: string, severity: string, state: string, extra: Partial<MetricAlarm>): MetricAlarm => ({
  AlarmName: `orders-prod-${name}`,
  AlarmDescription: `[${severity}] ${name} summary | Runbook: https://example.com/runbooks/${name}.md`,
  StateValue: state as MetricAlarm['StateValue'],
  StateUpdatedTimestamp: new Date('2026-11-29T11:50:00Z'),
  ...extra,
});
const ALARMS: MetricAlarm[] = [
  alarm('service-down', 'P1', 'OK', {
    Metrics: [
      {
        Id: 'healthy0',
        MetricStat: {
          Metric: {
            Namespace: 'AWS/ApplicationELB',
            MetricName: 'HealthyHostCount',
            Dimensions: [
              { Name: 'TargetGroup', Value: BLUE },
              { Name: 'LoadBalancer', Value: LB },
            ],
          },
          Period: 60,
          Stat: 'Minimum',
        },
      },
      {
        Id: 'healthy1',
        MetricStat: {
          Metric: {
            Namespace: 'AWS/ApplicationELB',
            MetricName: 'HealthyHostCount',
            Dimensions: [
              { Name: 'TargetGroup', Value: GREEN },
              { Name: 'LoadBalancer', Value: LB },
            ],
          },
          Period: 60,
          Stat: 'Minimum',
        },
      },
      { Id: 'e1', Expression: 'FILL(healthy0, 0) + FILL(healthy1, 0)' },
    ],
  }),
  alarm('latency-p95', 'P2', 'ALARM', {
    Namespace: 'AWS/ApplicationELB',
    MetricName: 'TargetResponseTime',
    Dimensions: [{ Name: 'LoadBalancer', Value: LB }],
  }),
  alarm('db-cpu-high', 'P2', 'OK', {
    Namespace: 'AWS/RDS',
    MetricName: 'CPUUtilization',
    Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'orders-prod-db' }],
  }),
  alarm('backup-stale-database', 'P2', 'OK', {
    Namespace: 'Bulwark/orders',
    MetricName: 'BackupAgeSeconds',
    Threshold: 86400,
    Dimensions: [
      { Name: 'environment', Value: 'Prod' },
      { Name: 'store', Value: 'database' },
    ],
  }),
];

/** Datapoints by metric name and statistic: [last hour, last 24 h]. */
const DATA: Record<string, [number, number]> = {
  'Success/Average': [0.995, 0.999],
  'TargetResponseTime/p50': [0.12, 0.1],
  'TargetResponseTime/p95': [0.85, 0.7],
  'TargetResponseTime/p99': [1.5, 1.2],
  'HTTPCode_Target_5XX_Count/Sum': [6, 30],
  'HTTPCode_ELB_5XX_Count/Sum': [2, 10],
  'RequestCount/Sum': [798, 19990],
  [`HealthyHostCount/Minimum/${BLUE}`]: [3, 2],
  [`HealthyHostCount/Minimum/${GREEN}`]: [0, 0],
  'CPUUtilization/Maximum': [41, 77],
  'DatabaseConnections/Maximum': [35, 60],
  'BackupAgeSeconds/Maximum': [7200, 80000],
};

function metricData(input: GetMetricDataInput) {
  const end = input.EndTime!.getTime();
  return {
    MetricDataResults: input.MetricDataQueries!.map((q) => {
      const m = q.MetricStat!;
      const tg = m.Metric!.Dimensions!.find((d) => d.Name === 'TargetGroup')?.Value;
      const key = `${m.Metric!.MetricName}/${m.Stat}${tg ? `/${tg}` : ''}`;
      const hourly = m.Period === 3600;
      const value = DATA[key]?.[hourly ? 0 : 1];
      return {
        Id: q.Id,
        StatusCode: 'Complete' as const,
        Timestamps: value === undefined ? [] : [new Date(end - (hourly ? 3_600_000 : 86_400_000))],
        Values: value === undefined ? [] : [value],
      };
    }),
  };
}

const incidentItem = (id: string, status: string, severity: string, onset: string, resolved?: string) => ({
  pk: `INCIDENT#${id}`,
  sk: 'RECORD',
  detectedKey: `${onset}#${id}`,
  schemaVersion: 1,
  id,
  environment: 'Prod',
  status,
  severity,
  title: `orders-prod-${severity === 'P1' ? 'http-5xx-critical' : 'latency-p95'}`,
  onset,
  detected: onset,
  ...(resolved ? { resolved, resolvedBy: 'quiet-period' } : {}),
  members: {},
  timeline: [],
  aliases: [id],
  firstEventTime: onset,
  eventCount: 1,
  digest: 'x',
});

function drHappyPath(): void {
  drClientsAsked = [];
  lagMs = 4000;
  drCw.on(DescribeAlarmsCommand, { AlarmNamePrefix: 'orders-dr-' }).resolves({
    MetricAlarms: [
      {
        AlarmName: 'orders-dr-db-replication-lag',
        Namespace: 'AWS/RDS',
        MetricName: 'AuroraGlobalDBReplicationLag',
        Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'orders-dr-db' }],
        Threshold: 60_000,
      },
    ],
  });
  drCw.on(GetMetricDataCommand).callsFake(() => ({
    MetricDataResults: [
      {
        Id: 'lag',
        Timestamps: lagMs === undefined ? [] : [new Date('2026-11-29T11:59:00Z')],
        Values: lagMs === undefined ? [] : [lagMs],
      },
    ],
  }));
  cfn.on(DescribeStackResourcesCommand, { StackName: 'DrRegion' }).resolves({
    StackResources: [
      {
        LogicalResourceId: 'RegionSwitchPlan',
        ResourceType: 'AWS::ARCRegionSwitch::Plan',
        PhysicalResourceId: PLAN_ARN,
        ResourceStatus: 'CREATE_COMPLETE',
        Timestamp: new Date('2026-11-01T00:00:00Z'),
      },
    ],
  });
  evaluation = {
    planArn: PLAN_ARN,
    evaluationState: 'passed',
    lastEvaluationTime: new Date('2026-11-29T11:50:30Z'),
    warnings: [],
  };
}

function happyPath(): void {
  cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: ALARMS, CompositeAlarms: [] });
  cw.on(GetMetricDataCommand).callsFake(metricData);
  ssm.on(GetParameterCommand).rejects(err('ParameterNotFound', 'not found'));
  ssm.on(GetParameterCommand, { Name: '/orders/prod/switches/deploy-freeze' }).resolves({
    Parameter: {
      Value: JSON.stringify({
        state: 'on',
        reason: 'INC-42: hold releases',
        changedAt: '2026-11-29T11:55:00.000Z',
        changedBy: 'user:alice',
      }),
      Version: 3,
    },
  });
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':status': 'open' } }).resolves({
    Items: [incidentItem('inc-20261129T114800Z-aaaaaa', 'open', 'P2', '2026-11-29T11:48:00.000Z')],
  });
  ddb.on(QueryCommand, { ExpressionAttributeValues: { ':status': 'resolved' } }).resolves({
    Items: [
      incidentItem(
        'inc-20261128T090000Z-bbbbbb',
        'resolved',
        'P1',
        '2026-11-28T09:00:00.000Z',
        '2026-11-28T09:20:00.000Z',
      ),
    ],
  });
  codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-NEW', 'd-OLD'] });
  codedeploy.on(BatchGetDeploymentsCommand).resolves({
    deploymentsInfo: [
      {
        deploymentId: 'd-OLD',
        status: 'Succeeded',
        createTime: new Date('2026-11-27T09:00:00Z'),
        completeTime: new Date('2026-11-27T09:20:00Z'),
      },
      {
        deploymentId: 'd-NEW',
        status: 'Succeeded',
        createTime: new Date('2026-11-29T11:30:00Z'),
        completeTime: new Date('2026-11-29T11:45:00Z'),
      },
    ],
  });
  budgets.on(DescribeBudgetCommand).resolves({
    Budget: {
      BudgetName: 'orders-prod-monthly-cost',
      BudgetType: 'COST',
      TimeUnit: 'MONTHLY',
      BudgetLimit: { Amount: '1800.0', Unit: 'USD' },
      CalculatedSpend: {
        ActualSpend: { Amount: '1247.0', Unit: 'USD' },
        ForecastedSpend: { Amount: '1750.0', Unit: 'USD' },
      },
    },
  });
}

const clients = (): StatusClients => ({
  cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
  ssm: new SSMClient({ region: 'us-east-1' }),
  codedeploy: new CodeDeployClient({ region: 'us-east-1' }),
  budgets: new BudgetsClient({ region: 'us-east-1' }),
  incidentStore: {
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
    logger: quietLogger,
  },
  sleep: async () => undefined,
});

async function ops(...args: string[]): Promise<string> {
  const out: string[] = [];
  const program = new Command('ops').exitOverride();
  registerStatus(program, {
    clients,
    drClients,
    bedrock: () => new BedrockRuntimeClient({ region: 'us-east-1' }),
    print: (t) => out.push(t),
    now: () => Date.parse(NOW),
  });
  await program.parseAsync(['node', 'ops', 'status', ...args]);
  return out.join('\n');
}

beforeEach(() => {
  for (const m of [cw, ssm, codedeploy, budgets, ddb, bedrock, drCw, cfn]) m.reset();
  happyPath();
  drHappyPath();
});

describe('npm run ops -- status (mocked AWS)', () => {
  test('--json: verdict, signals (1 h, 24 h), backups, switches, alarms, incidents, deployments, cost', async () => {
    const status = JSON.parse(await ops('Prod', '--json'));
    expect(status.verdict).toEqual({
      status: 'DEGRADED',
      rule: 'P2 alarm in ALARM: orders-prod-latency-p95',
      reasons: [
        'P2 alarm in ALARM: orders-prod-latency-p95',
        'open incident: inc-20261129T114800Z-aaaaaa (P2)',
        'kill switch on: deploy-freeze',
      ],
      notChecked: [],
    });
    expect(status).toMatchObject({
      schemaVersion: 1,
      service: 'orders',
      environment: 'Prod',
      region: 'us-east-1',
      generatedAt: '2026-11-29T12:00:30.000Z',
    });
    const signals = Object.fromEntries(
      status.signals.map((s: { id: string; lastHour: number; last24h: number }) => [s.id, [s.lastHour, s.last24h]]),
    );
    expect(signals['availability'][0]).toBeCloseTo(99.5, 6);
    expect(signals['availability'][1]).toBeCloseTo(99.9, 6);
    expect(signals['latency-p50']).toEqual([120, 100]);
    expect(signals['latency-p95']).toEqual([850, 700]);
    expect(signals['latency-p99']).toEqual([1500, 1200]);
    // (6 + 2) / (798 + 2) = 1 %; (30 + 10) / (19990 + 10) = 0.2 %
    expect(signals['5xx-rate'][0]).toBeCloseTo(1, 6);
    expect(signals['5xx-rate'][1]).toBeCloseTo(0.2, 6);
    expect(signals['healthy-targets']).toEqual([3, 2]);
    expect(signals['db-cpu']).toEqual([41, 77]);
    expect(signals['db-connections']).toEqual([35, 60]);
    expect(status.backups).toEqual([{ store: 'database', ageSeconds: 7200, rpoSeconds: 86400, stale: false }]);
    expect(status.switches).toEqual([
      { name: 'features', state: 'off' },
      { name: 'cost', state: 'off' },
      {
        name: 'deploy-freeze',
        state: 'on',
        reason: 'INC-42: hold releases',
        changedAt: '2026-11-29T11:55:00.000Z',
        changedBy: 'user:alice',
      },
    ]);
    expect(status.alarms).toEqual([
      {
        name: 'orders-prod-latency-p95',
        severity: 'P2',
        summary: 'latency-p95 summary',
        since: '2026-11-29T11:50:00.000Z',
      },
    ]);
    expect(status.incidents.open.map((i: { id: string }) => i.id)).toEqual(['inc-20261129T114800Z-aaaaaa']);
    expect(status.incidents.recent.map((i: { id: string }) => i.id)).toEqual(['inc-20261128T090000Z-bbbbbb']);
    // d-NEW started 11:30, 18 minutes before the open incident's 11:48 onset (window 30 min); d-OLD precedes nothing.
    expect(
      status.deployments.map((d: { id: string; correlatedIncidents: string[] }) => [d.id, d.correlatedIncidents]),
    ).toEqual([
      ['d-NEW', ['inc-20261129T114800Z-aaaaaa']],
      ['d-OLD', []],
    ]);
    expect(status.cost).toEqual({
      currency: 'USD',
      monthToDate: 1247,
      budget: 1800,
      forecast: 1750,
      percentOfBudget: (100 * 1247) / 1800,
    });
  });

  test('all metrics in ONE GetMetricData call (1 h and 24 h periods over 24 h); alarms read by prefix', async () => {
    await ops('Prod', '--json');
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(1);
    const input = cw.commandCalls(GetMetricDataCommand)[0].args[0].input;
    // canary 1 + latency 3 + 5xx 3 + healthy 2 + db 2 + backup 1 = 12 statistics, each for 1 h and 24 h
    expect(input.MetricDataQueries).toHaveLength(24);
    expect(input.StartTime).toEqual(new Date('2026-11-28T12:00:00Z'));
    expect(input.EndTime).toEqual(new Date('2026-11-29T12:00:00Z'));
    const canary = input.MetricDataQueries!.find((q) => q.MetricStat?.Metric?.MetricName === 'Success');
    expect(canary?.MetricStat?.Metric).toEqual({
      Namespace: 'Bulwark/orders',
      MetricName: 'Success',
      Dimensions: [{ Name: 'Environment', Value: 'Prod' }],
    });
    expect(cw.commandCalls(DescribeAlarmsCommand)[0].args[0].input).toMatchObject({ AlarmNamePrefix: 'orders-prod-' });
    expect(budgets.commandCalls(DescribeBudgetCommand)[0].args[0].input).toEqual({
      AccountId: '333333333333',
      BudgetName: 'orders-prod-monthly-cost',
    });
    expect(codedeploy.commandCalls(ListDeploymentsCommand)[0].args[0].input).toMatchObject({
      applicationName: 'orders-prod',
      deploymentGroupName: 'orders-prod',
      createTimeRange: { start: new Date('2026-11-22T12:00:30Z'), end: new Date('2026-11-29T12:00:30Z') },
    });
  });

  test('text and Markdown: the /prodstatus sections, the correlation flag, cost against budget', async () => {
    const markdown = await ops('Prod', '--markdown');
    expect(markdown).toContain('## orders Prod status: 2026-11-29 12:00 UTC');
    expect(markdown).toContain('**Overall:** DEGRADED: P2 alarm in ALARM: orders-prod-latency-p95');
    expect(markdown).toContain('| Canary availability | 99.50 % | 99.90 % |');
    expect(markdown).toContain('| Latency p95 | 850 ms | 700 ms |');
    expect(markdown).toContain('| database | 2.0 h | 1.0 d | ok |');
    expect(markdown).toContain('- deploy-freeze: on since 2026-11-29 11:55 UTC by user:alice: INC-42: hold releases');
    expect(markdown).toContain(
      '| d-NEW | 2026-11-29 11:30 UTC | Succeeded | STARTED BEFORE inc-20261129T114800Z-aaaaaa |',
    );
    expect(markdown).toContain('$1247.00 of $1800.00 budget (69 %), forecast $1750.00');
    const text = await ops('Prod');
    expect(text).toContain('Overall: DEGRADED: P2 alarm in ALARM: orders-prod-latency-p95');
    expect(text).toMatch(/Latency p99\s+1500 ms\s+1200 ms/);
  });

  test('access denied on the budget and the alarms: those parts read "unknown", the rest reports', async () => {
    budgets
      .on(DescribeBudgetCommand)
      .rejects(err('AccessDeniedException', 'User is not authorized to perform: budgets:ViewBudget'));
    cw.on(DescribeAlarmsCommand).rejects(
      err('AccessDenied', 'User is not authorized to perform: cloudwatch:DescribeAlarms'),
    );
    const status = JSON.parse(await ops('Prod', '--json'));
    expect(status.cost).toEqual({
      unknown: 'AccessDeniedException: User is not authorized to perform: budgets:ViewBudget',
    });
    expect(status.alarms).toEqual({
      unknown: 'AccessDenied: User is not authorized to perform: cloudwatch:DescribeAlarms',
    });
    expect(status.verdict.status).toBe('DEGRADED');
    expect(status.verdict.notChecked).toEqual([
      'alarms (AccessDenied: User is not authorized to perform: cloudwatch:DescribeAlarms)',
      'backups (alarms unreadable: AccessDenied: User is not authorized to perform: cloudwatch:DescribeAlarms)',
    ]);
    const latency = status.signals.find((s: { id: string }) => s.id === 'latency-p95');
    expect(latency.unknown).toBe(
      'alarms unreadable: AccessDenied: User is not authorized to perform: cloudwatch:DescribeAlarms',
    );
    // The canary's metric comes from the config, not the alarms: still read.
    expect(status.signals.find((s: { id: string }) => s.id === 'availability').lastHour).toBeCloseTo(99.5, 6);
    const text = await ops('Prod');
    expect(text).toContain('unknown: AccessDeniedException: User is not authorized to perform: budgets:ViewBudget');
  });

  test('throttling is retried; throttling that persists makes the signals unknown, not a crash', async () => {
    cw.on(GetMetricDataCommand)
      .rejectsOnce(err('ThrottlingException', 'Rate exceeded'))
      .rejectsOnce(err('ThrottlingException', 'Rate exceeded'))
      .callsFake(metricData);
    const retried = JSON.parse(await ops('Prod', '--json'));
    expect(retried.signals.find((s: { id: string }) => s.id === 'latency-p50').lastHour).toBe(120);
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(3);

    cw.on(GetMetricDataCommand).rejects(err('ThrottlingException', 'Rate exceeded'));
    const throttled = JSON.parse(await ops('Prod', '--json'));
    expect(throttled.signals.map((s: { unknown?: string }) => s.unknown)).toEqual(
      Array(8).fill('ThrottlingException: Rate exceeded'),
    );
    expect(throttled.backups).toEqual({ unknown: 'ThrottlingException: Rate exceeded' });
    expect(throttled.verdict.status).toBe('DEGRADED');
  });

  test('a backup older than its alarm threshold is stale and degrades', async () => {
    DATA['BackupAgeSeconds/Maximum'] = [90000, 90000];
    try {
      const status = JSON.parse(await ops('Prod', '--json'));
      expect(status.backups).toEqual([{ store: 'database', ageSeconds: 90000, rpoSeconds: 86400, stale: true }]);
      expect(status.verdict.reasons).toContain('stale backup: database');
    } finally {
      DATA['BackupAgeSeconds/Maximum'] = [7200, 80000];
    }
  });

  test('--explain sends only the status JSON to Bedrock Converse; the narrative is marked as generated', async () => {
    bedrock.on(ConverseCommand).resolves({
      output: { message: { role: 'assistant', content: [{ text: 'Latency p95 is in ALARM since 11:50.' }] } },
      stopReason: 'end_turn',
    });
    const text = await ops('Prod', '--explain');
    expect(text).toContain('Narrative (generated)');
    expect(text).toContain('[Generated by Amazon Bedrock from the facts above; check them before acting.]');
    expect(text.indexOf('Overall: DEGRADED')).toBeLessThan(text.indexOf('Latency p95 is in ALARM since 11:50.'));
    const input = bedrock.commandCalls(ConverseCommand)[0].args[0].input;
    expect(input.modelId).toBe('amazon.nova-lite-v1:0');
    expect(input.messages).toHaveLength(1);
    expect(input.messages![0].content).toHaveLength(1);
    const sent = JSON.parse(input.messages![0].content![0].text!);
    expect(sent).toEqual(JSON.parse(await ops('Prod', '--json')));
  });

  test('--explain failing (no model access) prints why under the facts; the verdict is the same', async () => {
    bedrock
      .on(ConverseCommand)
      .rejects(err('AccessDeniedException', "You don't have access to the model with the specified model ID."));
    const json = JSON.parse(await ops('Prod', '--json', '--explain'));
    expect(json.verdict.status).toBe('DEGRADED');
    expect(json.explanation).toEqual({
      generated: true,
      modelId: 'amazon.nova-lite-v1:0',
      error: "AccessDeniedException: You don't have access to the model with the specified model ID.",
    });
    const markdown = await ops('Prod', '--markdown', '--explain');
    expect(markdown).toContain('### Narrative (generated)\n\nnot available: AccessDeniedException');
  });

  test('without --explain Bedrock is never called', async () => {
    await ops('Prod');
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(0);
  });
});

describe('npm run ops -- status: DR replication lag and plan readiness (issue 16 section 2)', () => {
  const REPLICATION_OK = {
    clusterIdentifier: 'orders-dr-db',
    lagSeconds: 4,
    measuredAt: '2026-11-29T11:59:00.000Z',
    boundSeconds: 20,
    boundSource: "the primary's rds.global_db_rpo",
    problems: [],
  };
  const PLAN_OK = {
    planArn: PLAN_ARN,
    evaluationState: 'passed',
    lastEvaluationTime: '2026-11-29T11:50:30.000Z',
    evaluationAgeSeconds: 600, // 12:00:30 - 11:50:30
    activeWarnings: 0,
    problems: [],
  };

  test("Prod: the secondary's lag against rds.global_db_rpo (20 s), the plan's evaluation, in us-west-2", async () => {
    const status = JSON.parse(await ops('Prod', '--json'));
    expect(status.dr).toEqual({ region: 'us-west-2', replication: REPLICATION_OK, plan: PLAN_OK });
    expect(drClientsAsked).toEqual(['us-west-2']);
    expect(drCw.commandCalls(DescribeAlarmsCommand)[0].args[0].input).toMatchObject({ AlarmNamePrefix: 'orders-dr-' });
    const lagQuery = drCw.commandCalls(GetMetricDataCommand)[0].args[0].input.MetricDataQueries![0].MetricStat;
    expect(lagQuery).toEqual({
      Metric: {
        Namespace: 'AWS/RDS',
        MetricName: 'AuroraGlobalDBReplicationLag',
        Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'orders-dr-db' }],
      },
      Period: 60,
      Stat: 'Maximum',
    });
    // Within the bound and ready: the DR parts add no reason, and nothing is left unchecked.
    expect(status.verdict.reasons).toEqual([
      'P2 alarm in ALARM: orders-prod-latency-p95',
      'open incident: inc-20261129T114800Z-aaaaaa (P2)',
      'kill switch on: deploy-freeze',
    ]);
    expect(status.verdict.notChecked).toEqual([]);

    const text = await ops('Prod');
    expect(text).toContain('Disaster recovery (us-west-2)');
    expect(text).toContain(
      '- Replication lag: 4 s at 2026-11-29 11:59 UTC of orders-dr-db, ' +
        "bound 20 s (the primary's rds.global_db_rpo): ok",
    );
    expect(text).toContain('- Plan readiness: passed, evaluated 10.0 min ago, 0 active warnings: ready');
  });

  test('lag over the bound, or no lag reported at all, degrades with the rule named', async () => {
    lagMs = 25_000; // 25 s > 20 s
    const over = JSON.parse(await ops('Prod', '--json'));
    const overBound =
      'DR replication lag: the global database secondary orders-dr-db lags 25 s, over the 20 s bound; ' +
      'see runbooks/dr-replication-lag.md';
    expect(over.verdict.status).toBe('DEGRADED');
    expect(over.verdict.reasons).toContain(overBound);
    expect(over.dr.replication).toMatchObject({
      lagSeconds: 25,
      problems: [overBound.replace('DR replication lag: ', '')],
    });
    expect(await ops('Prod')).toContain("bound 20 s (the primary's rds.global_db_rpo): OVER");

    lagMs = undefined;
    const silent = JSON.parse(await ops('Prod', '--json'));
    expect(silent.dr.replication.lagSeconds).toBeNull();
    expect(silent.verdict.reasons).toContain(
      'DR replication lag: no AuroraGlobalDBReplicationLag datapoint for orders-dr-db in the last 600 s: the global ' +
        'database secondary is not replicating (or not attached); see runbooks/dr-replication-lag.md',
    );
  });

  test('an evaluation that needs action, with an active warning, degrades; a resolved warning does not', async () => {
    evaluation = {
      planArn: PLAN_ARN,
      evaluationState: 'actionRequired',
      lastEvaluationTime: new Date('2026-11-29T11:50:30Z'),
      warnings: [
        {
          stepName: 'ecs-capacity',
          resourceArn: 'arn:aws:ecs:us-west-2:333333333333:service/orders-dr/orders-dr',
          warningStatus: 'active',
          warningMessage: 'the execution role cannot describe the service',
        },
        { stepName: 'route53-failover-records', warningStatus: 'resolved', warningMessage: 'fixed' },
      ],
    };
    const status = JSON.parse(await ops('Prod', '--json'));
    expect(status.dr.plan).toMatchObject({ evaluationState: 'actionRequired', activeWarnings: 1 });
    const reason = status.verdict.reasons.find((r: string) => r.startsWith('DR plan not ready: '));
    expect(reason).toContain('the Region switch plan\'s latest evaluation is "actionRequired", not "passed"');
    expect(reason).toContain(
      'plan evaluation warning on step ecs-capacity ' +
        '(arn:aws:ecs:us-west-2:333333333333:service/orders-dr/orders-dr): ' +
        'the execution role cannot describe the service',
    );
    expect(reason).not.toContain('fixed');
    expect(await ops('Prod')).toContain(
      '- Plan readiness: actionRequired, evaluated 10.0 min ago, 1 active warning: NOT READY',
    );
  });

  test('an evaluation older than an hour means evaluations stopped: degrades', async () => {
    evaluation = {
      planArn: PLAN_ARN,
      evaluationState: 'passed',
      lastEvaluationTime: new Date('2026-11-29T10:00:00Z'), // 2 h 0 min 30 s = 7230 s before 12:00:30
      warnings: [],
    };
    const status = JSON.parse(await ops('Prod', '--json'));
    expect(status.dr.plan.evaluationAgeSeconds).toBe(7230);
    expect(status.verdict.reasons).toContainEqual(
      expect.stringContaining(
        'DR plan not ready: the Region switch plan was last evaluated 7230 s ago, over the 3600 s',
      ),
    );
  });

  test('what cannot be read is listed as not checked, with why; the verdict does not pretend', async () => {
    cfn.on(DescribeStackResourcesCommand, { StackName: 'DrRegion' }).resolves({ StackResources: [] });
    drCw.on(DescribeAlarmsCommand, { AlarmNamePrefix: 'orders-dr-' }).resolves({ MetricAlarms: [] });
    const missing = JSON.parse(await ops('Prod', '--json'));
    expect(missing.verdict.notChecked).toEqual([
      'DR replication lag (Error: no AuroraGlobalDBReplicationLag alarm among orders-dr-* (no global secondary))',
      'DR plan readiness (Error: no AWS::ARCRegionSwitch::Plan in stack DrRegion (us-west-2))',
    ]);

    drHappyPath();
    evaluation = Object.assign(
      new Error('User is not authorized to perform: arc-region-switch:GetPlanEvaluationStatus'),
      {
        name: 'AccessDeniedException',
      },
    );
    const denied = JSON.parse(await ops('Prod', '--json'));
    expect(denied.dr.replication).toEqual(REPLICATION_OK);
    expect(denied.verdict.notChecked).toEqual([
      'DR plan readiness (AccessDeniedException: User is not authorized to perform: ' +
        'arc-region-switch:GetPlanEvaluationStatus)',
    ]);
    expect(await ops('Prod')).toContain(
      '- Plan readiness: not checked (AccessDeniedException: User is not authorized to perform: ' +
        'arc-region-switch:GetPlanEvaluationStatus)',
    );
  });

  test('an environment without a DR region reads nothing there and shows no DR section', async () => {
    const status = JSON.parse(await ops('Dev', '--json'));
    expect(status).not.toHaveProperty('dr');
    expect(drClientsAsked).toEqual([]);
    expect(await ops('Dev')).not.toContain('Disaster recovery');
  });
});
