import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricDataInput,
} from '@aws-sdk/client-cloudwatch';
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { Command } from 'commander';
import { registerPostmortem } from '../../bin/ops/postmortem';
import { IncidentEvent, IncidentRecord, buildIncidents } from '../../lambdas/incident-recorder/record';
import type { AbbreviatedExecution, ExecutionEvent, RegionSwitchApi } from '../../lambdas/shared/arc-region-switch';
import { fillTemplate, formatDuration } from '../../lib/incidents/postmortem';
import { quietLogger } from '../lambdas/incident-recorder/moto-table';

/*
 * `npm run ops -- postmortem <id> Prod` on a scripted P1: the record is folded from the events below by the
 * recorder's own code, the metrics are mocked, and every computed figure in the draft is written here by hand.
 *
 * 10:00:00  deployment d-ABC START                (30 min context lead: attached)
 * 10:04:00  [P2] http-5xx-rate OK -> ALARM         breaching datapoints began 10:02:30 (onset)
 * 10:05:00  [P1] service-unhealthy OK -> ALARM     its onset 10:04:00 (later than 10:02:30)
 * 10:09:00  kill switch deploy-freeze Update
 * 10:12:00  acknowledged by alice
 * 10:15:00  deployment d-ABC STOP
 * 10:20:00  note by alice: rolled back d-ABC
 * 10:31:00  [P1] service-unhealthy ALARM -> OK
 * 10:33:20  [P2] http-5xx-rate ALARM -> OK         every member OK: resolved 10:33:20 after the 15 min quiet period
 */
const ALICE = 'user:arn:aws:iam::333333333333:user/alice';
const DEPLOYMENT_GROUP = 'orders-prod';
const LB = 'app/orders-prod/abc123';
const at = (hms: string) => `2026-11-29T${hms}Z`;
const SCRIPT: IncidentEvent[] = [
  {
    kind: 'deployment',
    id: 'e1',
    time: at('10:00:00'),
    deploymentId: 'd-ABC',
    state: 'START',
    deploymentGroup: DEPLOYMENT_GROUP,
  },
  {
    kind: 'alarm',
    id: 'e2',
    time: at('10:04:00'),
    alarmName: 'orders-prod-http-5xx-rate',
    severity: 'P2',
    state: 'ALARM',
    previousState: 'OK',
    reason: 'Threshold Crossed',
    onset: at('10:02:30'),
    composite: false,
  },
  {
    kind: 'alarm',
    id: 'e3',
    time: at('10:05:00'),
    alarmName: 'orders-prod-service-unhealthy',
    severity: 'P1',
    state: 'ALARM',
    previousState: 'OK',
    reason: 'composite',
    onset: at('10:04:00'),
    composite: true,
  },
  {
    kind: 'switch',
    id: 'e4',
    time: at('10:09:00'),
    switchName: 'deploy-freeze',
    parameter: '/orders/prod/switches/deploy-freeze',
    operation: 'Update',
  },
  { kind: 'manual', id: 'e5', time: at('10:12:00'), incidentId: 'PLACEHOLDER', action: 'ack', by: ALICE },
  {
    kind: 'deployment',
    id: 'e6',
    time: at('10:15:00'),
    deploymentId: 'd-ABC',
    state: 'STOP',
    deploymentGroup: DEPLOYMENT_GROUP,
  },
  {
    kind: 'manual',
    id: 'e7',
    time: at('10:20:00'),
    incidentId: 'PLACEHOLDER',
    action: 'note',
    by: ALICE,
    text: 'rolled back d-ABC',
  },
  {
    kind: 'alarm',
    id: 'e8',
    time: at('10:31:00'),
    alarmName: 'orders-prod-service-unhealthy',
    severity: 'P1',
    state: 'OK',
    previousState: 'ALARM',
    reason: 'recovered',
    composite: true,
  },
  {
    kind: 'alarm',
    id: 'e9',
    time: at('10:33:20'),
    alarmName: 'orders-prod-http-5xx-rate',
    severity: 'P2',
    state: 'OK',
    previousState: 'ALARM',
    reason: 'recovered',
    composite: false,
  },
];
const FOLD = { environment: 'Prod', quietPeriodMs: 15 * 60_000, contextLeadMs: 30 * 60_000 };

/** The record as the recorder derives it; the people's actions name the id the first ALARM gives it. */
function scriptedRecord(events: IncidentEvent[], now: number): IncidentRecord {
  const [first] = buildIncidents(
    events.filter((e) => e.kind !== 'manual'),
    FOLD,
    now,
  );
  const withId = events.map((e) => (e.kind === 'manual' ? { ...e, incidentId: first.id } : e));
  const records = buildIncidents(withId, FOLD, now);
  expect(records).toHaveLength(1);
  return records[0];
}

const ddb = mockClient(DynamoDBDocumentClient);
const cw = mockClient(CloudWatchClient);
const cfn = mockClient(CloudFormationClient);
let out: string;

/*
 * DrRegion's Region switch plan ran once during the incident (10:10, 3 events), and once a week before (not shown).
 */
const PLAN_ARN = 'arn:aws:arc-region-switch::333333333333:plan/orders-dr-switch:a1b2c3';
let executions: AbbreviatedExecution[] | Error;
const EVENTS: Record<string, ExecutionEvent[]> = {
  'exec-1': [
    { eventId: 'v1', timestamp: new Date(at('10:10:05')), type: 'stepStarted', stepName: 'freeze-and-notify' },
    {
      eventId: 'v2',
      timestamp: new Date(at('10:10:20')),
      type: 'stepSucceeded',
      stepName: 'freeze-and-notify',
      description: 'deploy freeze on',
    },
  ],
};
const regionSwitch = {
  listPlanExecutions: async (planArn: string) => {
    expect(planArn).toBe(PLAN_ARN);
    if (executions instanceof Error) throw executions;
    return executions;
  },
  listPlanExecutionEvents: async (_planArn: string, executionId: string) => EVENTS[executionId] ?? [],
} as unknown as RegionSwitchApi;
let drAsked: string[] = [];

beforeEach(() => {
  ddb.reset();
  cw.reset();
  cfn.reset();
  drAsked = [];
  out = mkdtempSync(join(tmpdir(), 'postmortem-'));
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
  executions = [
    {
      planArn: PLAN_ARN,
      executionId: 'exec-1',
      startTime: new Date(at('10:10:00')),
      executionState: 'completed',
      executionAction: 'activate',
      executionRegion: 'us-west-2',
      mode: 'graceful',
    },
    {
      planArn: PLAN_ARN,
      executionId: 'exec-old',
      startTime: new Date('2026-11-22T10:00:00Z'),
      executionState: 'completed',
      executionAction: 'activate',
      executionRegion: 'us-west-2',
      mode: 'graceful',
    },
  ];
  cw.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [
      {
        AlarmName: 'orders-prod-http-5xx-rate',
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HTTPCode_Target_5XX_Count',
        Dimensions: [{ Name: 'LoadBalancer', Value: LB }],
      },
    ],
  });
  // Two pages: the draft must add both. Sums: target 5xx 120+300+80 = 500, ELB 5xx 12+30 = 42,
  // requests 10000+9000 = 19000, canary successes 100+40 = 140 of 180+180 = 360 probes.
  cw.on(GetMetricDataCommand)
    .resolvesOnce({
      MetricDataResults: [
        { Id: 'target5xx', Values: [120, 300] },
        { Id: 'elb5xx', Values: [12] },
        { Id: 'requests', Values: [10000] },
        { Id: 'canarySum', Values: [100] },
        { Id: 'canaryCount', Values: [180] },
      ],
      NextToken: 'page2',
    })
    .resolves({
      MetricDataResults: [
        { Id: 'target5xx', Values: [80] },
        { Id: 'elb5xx', Values: [30] },
        { Id: 'requests', Values: [9000] },
        { Id: 'canarySum', Values: [40] },
        { Id: 'canaryCount', Values: [180] },
      ],
    });
});
afterEach(() => rmSync(out, { recursive: true, force: true }));

function storeHolds(record: IncidentRecord): void {
  ddb.on(GetCommand).callsFake((input: { Key: { pk: string } }) => ({
    Item:
      input.Key.pk === `INCIDENT#${record.id}` ? { pk: `INCIDENT#${record.id}`, sk: 'RECORD', ...record } : undefined,
  }));
}

async function postmortem(args: string[], now: number): Promise<string[]> {
  const printed: string[] = [];
  const program = new Command('ops').exitOverride();
  const store = {
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
    logger: quietLogger,
    sleep: async () => undefined,
  };
  registerPostmortem(program, {
    store: () => store,
    cloudwatch: () => new CloudWatchClient({ region: 'us-east-1' }),
    drClients: (region) => {
      drAsked.push(region);
      return { cloudformation: new CloudFormationClient({ region }), regionSwitch };
    },
    print: (t) => printed.push(t),
    now: () => now,
    sleep: async () => undefined,
  });
  await program.parseAsync(['node', 'ops', 'postmortem', ...args, '--out', out]);
  return printed;
}

/** The value in the row whose first cell is `label`, in column `column` (0 = the label). */
function cellOf(page: string, label: string, column: number): string {
  const row = page.split('\n').find((line) => line.startsWith(`| ${label} |`));
  if (!row) throw new Error(`no row "${label}" in:\n${page}`);
  return row.split(' | ')[column].replace(/^\| /, '').replace(/ \|$/, '');
}

describe('npm run ops -- postmortem', () => {
  const DRAFT_AT = Date.parse(at('11:00:00'));

  test('a resolved P1: every computed figure, written by hand', async () => {
    const record = scriptedRecord(SCRIPT, DRAFT_AT);
    storeHolds(record);
    const printed = await postmortem([record.id, 'Prod'], DRAFT_AT);
    const file = join(out, `2026-11-29-${record.id}.md`);
    expect(printed[0]).toContain(file);
    const page = readFileSync(file, 'utf8');

    expect(page).toMatch(new RegExp(`^# Post-mortem: orders-prod-http-5xx-rate \\(${record.id}\\)$`, 'm'));
    expect(page).toContain(`npm run ops -- postmortem ${record.id} Prod\` at 2026-11-29 11:00:00 UTC`);
    expect(page).toContain('(`orders-prod-incidents`)');
    expect(cellOf(page, 'Environment', 1)).toBe('Prod (us-east-1)');
    expect(cellOf(page, 'Severity', 1)).toBe('P1 (the highest of its alarms)');
    expect(cellOf(page, 'Status', 1)).toBe('resolved (every alarm OK for the quiet period)');
    expect(cellOf(page, 'Alarms in it', 1)).toBe(
      '[P2] orders-prod-http-5xx-rate, [P1] orders-prod-service-unhealthy (composite)',
    );

    // Impact: onset 10:02:30 rounds down to 10:02, resolution 10:33:20 up to 10:34.
    expect(page).toContain(
      'Window: 2026-11-29 10:02 to 2026-11-29 10:34 UTC (whole minutes around onset and resolution).',
    );
    expect(cellOf(page, 'Duration (onset to resolved)', 1)).toBe('30 min 50 s'); // 10:02:30 -> 10:33:20
    expect(cellOf(page, 'Requests failed', 1)).toBe('542'); // 500 target + 42 load balancer
    expect(cellOf(page, 'Requests failed', 2)).toContain(
      `\`${LB}\`: HTTPCode_Target_5XX_Count 500 + HTTPCode_ELB_5XX_Count 42`,
    );
    expect(cellOf(page, 'Requests the load balancer routed', 1)).toBe('19000');
    expect(cellOf(page, 'Canary probes failed', 1)).toBe('220 of 360'); // 360 - 140
    expect(cellOf(page, 'Canary probes failed', 2)).toContain('`Bulwark/orders Success Environment=Prod`');
    const metricsRequest = cw.commandCalls(GetMetricDataCommand)[0].args[0].input as GetMetricDataInput;
    expect(metricsRequest.StartTime).toEqual(new Date(at('10:02:00')));
    expect(metricsRequest.EndTime).toEqual(new Date(at('10:34:00')));
    expect(metricsRequest.MetricDataQueries?.every((q) => q.MetricStat?.Period === 60)).toBe(true);
    expect(cw.commandCalls(GetMetricDataCommand)[1].args[0].input.NextToken).toBe('page2');

    // Detection: MTTD 10:02:30 -> 10:04:00 = 90 s against Prod's 60 s; MTTA 10:04:00 -> 10:12:00 = 8 min against
    // P1's 15 min; MTTR 10:02:30 -> 10:33:20 = 1850 s against P1's 4 h (14400 - 1850 = 12550 s = 3 h 29 min 10 s).
    expect(cellOf(page, 'Onset (breaching data began)', 1)).toBe('2026-11-29 10:02:30');
    const detected = 'Detected (first alarm in ALARM)';
    expect([1, 3, 4, 5].map((c) => cellOf(page, detected, c))).toEqual([
      '2026-11-29 10:04:00',
      '1 min 30 s',
      '1 min',
      'missed by 30 s',
    ]);
    expect([1, 3, 4, 5].map((c) => cellOf(page, 'Acknowledged', c))).toEqual([
      `2026-11-29 10:12:00 by ${ALICE}`,
      '8 min',
      '15 min',
      'met (7 min to spare)',
    ]);
    expect([1, 3, 4, 5].map((c) => cellOf(page, 'Resolved', c))).toEqual([
      '2026-11-29 10:33:20',
      '30 min 50 s',
      '4 h',
      'met (3 h 29 min 10 s to spare)',
    ]);
    expect(page).toContain("held to the environment's detection target (tier 1)");

    // Timeline: every attached event in time order, with its kind.
    expect(page).toContain(
      '12 events: 4 alarm state changes, 2 deployment events, 1 kill-switch change, 3 DR steps, ' +
        '2 actions or notes by people.',
    );
    const rows = page.split('\n').filter((line) => /^\| 2026-11-29 \d\d:\d\d:\d\d \|/.test(line));
    expect(rows).toEqual([
      '| 2026-11-29 10:00:00 | deployment | deployment d-ABC of orders-prod: START |',
      '| 2026-11-29 10:04:00 | alarm | [P2] orders-prod-http-5xx-rate OK -> ALARM |',
      '| 2026-11-29 10:05:00 | alarm | [P1] orders-prod-service-unhealthy OK -> ALARM |',
      '| 2026-11-29 10:09:00 | kill switch | kill switch deploy-freeze (/orders/prod/switches/deploy-freeze): Update |',
      '| 2026-11-29 10:10:00 | DR step | Region switch activate of us-west-2 started (graceful, exec-1): completed |',
      '| 2026-11-29 10:10:05 | DR step | stepStarted freeze-and-notify |',
      '| 2026-11-29 10:10:20 | DR step | stepSucceeded freeze-and-notify: deploy freeze on |',
      `| 2026-11-29 10:12:00 | acknowledgement | acknowledged by ${ALICE} |`,
      '| 2026-11-29 10:15:00 | deployment | deployment d-ABC of orders-prod: STOP |',
      `| 2026-11-29 10:20:00 | note | note by ${ALICE}: rolled back d-ABC |`,
      '| 2026-11-29 10:31:00 | alarm | [P1] orders-prod-service-unhealthy ALARM -> OK |',
      '| 2026-11-29 10:33:20 | alarm | [P2] orders-prod-http-5xx-rate ALARM -> OK |',
    ]);
    expect(page).toContain(
      `DR steps: 1 Region switch execution of \`${PLAN_ARN}\` started in the window; 3 steps in the timeline.`,
    );
    expect(drAsked).toEqual(['us-west-2']);

    // The sections a person writes are there, empty.
    for (const heading of ['Root cause', 'Five whys', 'What went well', 'What did not go well', 'Action items']) {
      const section = page.split('\n## ').find((part) => part.startsWith(`${heading}\n`));
      expect(section).toContain('*To write');
    }
    expect(page).toContain('| Action | Kind (prevent, detect, mitigate, process) | Owner | Due date | Ticket |');
    expect(page).not.toMatch(/\{\{/);
  });

  test('an open incident: figures run to the draft time, MTTR not judged yet', async () => {
    const draftAt = Date.parse(at('10:21:00'));
    const record = scriptedRecord(
      SCRIPT.filter((e) => Date.parse(e.time) <= draftAt),
      draftAt,
    );
    expect(record.status).toBe('open');
    storeHolds(record);
    await postmortem([record.id, 'Prod'], draftAt);
    const page = readFileSync(join(out, `2026-11-29-${record.id}.md`), 'utf8');
    expect(cellOf(page, 'Status', 1)).toContain('open at the draft');
    // 10:02:30 -> 10:21:00 = 18 min 30 s; the window ends at the draft, 10:21 (a whole minute already).
    expect(cellOf(page, 'Duration (onset to resolved)', 1)).toBe('18 min 30 s so far (open)');
    expect(page).toContain(
      'Window: 2026-11-29 10:02 to 2026-11-29 10:21 UTC (whole minutes around onset and the draft time).',
    );
    expect([1, 3, 4, 5].map((c) => cellOf(page, 'Resolved', c))).toEqual([
      '-',
      '-',
      '4 h',
      'open at the draft (18 min 30 s since onset)',
    ]);
  });

  test('an existing draft is kept unless --force', async () => {
    const record = scriptedRecord(SCRIPT, DRAFT_AT);
    storeHolds(record);
    const file = join(out, `2026-11-29-${record.id}.md`);
    writeFileSync(file, 'edited by the team');
    await expect(postmortem([record.id, 'Prod'], DRAFT_AT)).rejects.toThrow(
      `${file} exists (someone may have edited it); keep it, or overwrite it with --force`,
    );
    expect(readFileSync(file, 'utf8')).toBe('edited by the team');
    await postmortem([record.id, 'Prod', '--force'], DRAFT_AT);
    expect(readFileSync(file, 'utf8')).toMatch(/^# Post-mortem/);
  });

  test('throttled metrics are retried; unreadable metrics are written as unknown, never as zero', async () => {
    const record = scriptedRecord(SCRIPT, DRAFT_AT);
    storeHolds(record);
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    cw.on(GetMetricDataCommand)
      .rejectsOnce(throttled)
      .resolves({
        MetricDataResults: [
          { Id: 'target5xx', Values: [7] },
          { Id: 'elb5xx', Values: [0] },
          { Id: 'requests', Values: [50] },
          { Id: 'canarySum', Values: [5] },
          { Id: 'canaryCount', Values: [6] },
        ],
      });
    await postmortem([record.id, 'Prod'], DRAFT_AT);
    let page = readFileSync(join(out, `2026-11-29-${record.id}.md`), 'utf8');
    expect(cellOf(page, 'Requests failed', 1)).toBe('7');
    expect(cellOf(page, 'Canary probes failed', 1)).toBe('1 of 6');

    const denied = Object.assign(new Error('not authorized to perform: cloudwatch:GetMetricData'), {
      name: 'AccessDenied',
    });
    cw.on(GetMetricDataCommand).rejects(denied);
    await postmortem([record.id, 'Prod', '--force'], DRAFT_AT);
    page = readFileSync(join(out, `2026-11-29-${record.id}.md`), 'utf8');
    const why = 'unknown (metrics unreadable: AccessDenied: not authorized to perform: cloudwatch:GetMetricData)';
    expect(cellOf(page, 'Requests failed', 1)).toBe(why);
    expect(cellOf(page, 'Canary probes failed', 1)).toBe(why);
    // The record's own figures do not depend on CloudWatch.
    expect(cellOf(page, 'Resolved', 5)).toBe('met (3 h 29 min 10 s to spare)');
  });

  test('no load balancer among the alarms: the ALB figures say so, the canary is still counted', async () => {
    const record = scriptedRecord(SCRIPT, DRAFT_AT);
    storeHolds(record);
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    await postmortem([record.id, 'Prod'], DRAFT_AT);
    const page = readFileSync(join(out, `2026-11-29-${record.id}.md`), 'utf8');
    expect(cellOf(page, 'Requests failed', 1)).toBe("unknown (no load balancer among the environment's alarm metrics)");
    expect(cellOf(page, 'Canary probes failed', 1)).toBe('220 of 360');
  });

  test('DR steps: none when the plan did not run; why, when its history cannot be read', async () => {
    const record = scriptedRecord(SCRIPT, DRAFT_AT);
    storeHolds(record);
    executions = [];
    await postmortem([record.id, 'Prod'], DRAFT_AT);
    const file = join(out, `2026-11-29-${record.id}.md`);
    expect(readFileSync(file, 'utf8')).toContain(
      'DR steps: none: the Region switch plan did not run between onset and resolution.',
    );

    executions = Object.assign(new Error('not authorized to perform: arc-region-switch:ListPlanExecutions'), {
      name: 'AccessDeniedException',
    });
    await postmortem([record.id, 'Prod', '--force'], DRAFT_AT);
    const page = readFileSync(file, 'utf8');
    expect(page).toContain(
      'DR steps: not read (AccessDeniedException: not authorized to perform: arc-region-switch:ListPlanExecutions); ' +
        "copy the steps from the plan's execution history in us-west-2 (`aws arc-region-switch " +
        'list-plan-executions`) if it ran.',
    );
    expect(page).toContain('9 events: 4 alarm state changes, 2 deployment events, 1 kill-switch change, 0 DR steps,');
  });

  test('an environment without a DR region reads nothing there', async () => {
    const devRecord = { ...scriptedRecord(SCRIPT, DRAFT_AT), environment: 'Dev' };
    storeHolds(devRecord);
    await postmortem([devRecord.id, 'Dev'], DRAFT_AT);
    const page = readFileSync(join(out, `2026-11-29-${devRecord.id}.md`), 'utf8');
    expect(page).toContain('DR steps: none: Dev has no DR region.');
    expect(page).toContain('(`orders-dev-incidents`)');
    expect(drAsked).toEqual([]);
  });

  test('no incidents table (wrong account, or the stack not deployed) says so', async () => {
    ddb
      .on(GetCommand)
      .rejects(Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }));
    await expect(postmortem(['inc-20261129T000000Z-000000', 'Prod'], DRAFT_AT)).rejects.toThrow(
      "no table orders-prod-incidents in us-east-1: is Prod deployed, and are these its account's credentials?",
    );
  });

  test('an unknown incident names the table and how to list incidents', async () => {
    ddb.on(GetCommand).resolves({});
    await expect(postmortem(['inc-20261129T000000Z-000000', 'Prod'], DRAFT_AT)).rejects.toThrow(
      'no incident inc-20261129T000000Z-000000 in orders-prod-incidents; ' +
        'list them with: npm run ops -- incident list Prod',
    );
  });
});

describe('fillTemplate', () => {
  test('fills fields and repeats a block per row, in one pass', () => {
    const template = '# {{title}}\n{{#rows}}\n- {{name}}: {{value}}\n{{/rows}}\nend {{note}}\n';
    const page = fillTemplate(template, {
      title: 'T',
      note: 'has {{title}} inside',
      rows: [
        { name: 'a', value: '1' },
        { name: 'b', value: '{{note}}' },
      ],
    });
    expect(page).toBe('# T\n- a: 1\n- b: {{note}}\nend has {{title}} inside\n');
  });

  test('a field without a value, a value the template does not use, and an unused row field all throw', () => {
    expect(() => fillTemplate('{{missing}}', {})).toThrow('template field {{missing}} has no value');
    expect(() => fillTemplate('{{a}}', { a: '1', extra: '2' })).toThrow('the template does not use {{extra}}');
    expect(() => fillTemplate('{{#rows}}\n{{a}}\n{{/rows}}\n', { rows: [{ a: '1', b: '2' }] })).toThrow(
      'template block {{#rows}} does not use {{b}}',
    );
  });
});

test('formatDuration', () => {
  expect([0, 42, 200, 3600, 3725, 5400, 12550].map(formatDuration)).toEqual([
    '0 s',
    '42 s',
    '3 min 20 s',
    '1 h',
    '1 h 2 min 5 s',
    '1 h 30 min',
    '3 h 29 min 10 s',
  ]);
});
