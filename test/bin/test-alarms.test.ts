import {
  CloudWatchClient,
  CloudWatchClientResolvedConfig,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  ServiceInputTypes,
  ServiceOutputTypes,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { AwsStub, mockClient } from 'aws-sdk-client-mock';
import { Command } from 'commander';
import { buildOpsProgram } from '../../bin/ops';
import { registerTestAlarms, testFireAlarms } from '../../bin/ops/test-alarms';
import { MotoServer } from '../helpers/moto';

const moto = new MotoServer();
beforeAll(() => moto.start(), 30_000);
afterAll(() => moto.stop());
beforeEach(() => moto.reset());

const cloudwatch = () => new CloudWatchClient(moto.clientConfig('us-east-1'));

async function putAlarm(client: CloudWatchClient, name: string): Promise<void> {
  await client.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      AlarmDescription: `[P2] test | Runbook: https://example.com/runbooks/x.md`,
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_Target_5XX_Count',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
  );
}

async function states(client: CloudWatchClient): Promise<Record<string, string | undefined>> {
  const result = await client.send(new DescribeAlarmsCommand({}));
  return Object.fromEntries((result.MetricAlarms ?? []).map((a) => [a.AlarmName!, a.StateValue]));
}

describe('test-alarms against moto', () => {
  test("sets each of the environment's alarms to ALARM, waits, returns each to OK; other environments untouched", async () => {
    const client = cloudwatch();
    for (const name of [
      'orders-prod-http-5xx-critical',
      'orders-prod-latency-p95',
      'orders-prod-cost-spike',
      'orders-dev-http-5xx-critical',
    ])
      await putAlarm(client, name);
    const lines: string[] = [];
    let duringWait: Record<string, string | undefined> = {};
    const summary = await testFireAlarms({
      client,
      prefix: 'orders-prod-',
      waitSeconds: 42,
      log: (line) => lines.push(line),
      sleep: async (ms) => {
        expect(ms).toBe(42_000);
        duringWait = await states(client);
      },
    });

    expect(duringWait).toMatchObject({
      'orders-prod-http-5xx-critical': 'ALARM',
      'orders-prod-latency-p95': 'ALARM',
      'orders-prod-cost-spike': 'ALARM',
    });
    expect(duringWait['orders-dev-http-5xx-critical']).not.toBe('ALARM');
    const after = await states(client);
    expect(after).toMatchObject({
      'orders-prod-http-5xx-critical': 'OK',
      'orders-prod-latency-p95': 'OK',
      'orders-prod-cost-spike': 'OK',
    });
    expect(after['orders-dev-http-5xx-critical']).toBe(duringWait['orders-dev-http-5xx-critical']);

    expect(summary).toMatchObject({ passed: 3, failed: 0 });
    expect(summary.alarms.map((a) => [a.alarmName, a.fired, a.restored])).toEqual([
      ['orders-prod-cost-spike', 'ALARM', 'OK'],
      ['orders-prod-http-5xx-critical', 'ALARM', 'OK'],
      ['orders-prod-latency-p95', 'ALARM', 'OK'],
    ]);
    expect(lines).toEqual(
      expect.arrayContaining([
        '3 alarms named orders-prod-*:',
        '[1/3] orders-prod-cost-spike: ALARM',
        'Waiting 42 s so notifications are delivered before the recovery...',
        '[3/3] orders-prod-latency-p95: OK',
        'Summary: 3 alarms, 3 fired and returned to OK, 0 failed.',
      ]),
    );
  });

  test('the reason set on the alarm says it is a test fire', async () => {
    const client = cloudwatch();
    await putAlarm(client, 'orders-prod-service-down');
    let reason: string | undefined;
    await testFireAlarms({
      client,
      prefix: 'orders-prod-',
      waitSeconds: 0,
      log: () => undefined,
      sleep: async () => {
        reason = (await client.send(new DescribeAlarmsCommand({ AlarmNames: ['orders-prod-service-down'] })))
          .MetricAlarms?.[0]?.StateReason;
      },
    });
    expect(reason).toMatch(/^Test fire by "ops test-alarms" at .*Not a real incident\.$/);
  });

  test('--dry-run and --match list without changing anything', async () => {
    const client = cloudwatch();
    for (const name of ['orders-prod-http-5xx-critical', 'orders-prod-latency-p95']) await putAlarm(client, name);
    const before = await states(client);
    const lines: string[] = [];
    const summary = await testFireAlarms({
      client,
      prefix: 'orders-prod-',
      waitSeconds: 0,
      match: 'latency',
      dryRun: true,
      log: (l) => lines.push(l),
      sleep: async () => undefined,
    });
    expect(summary.alarms.map((a) => a.alarmName)).toEqual(['orders-prod-latency-p95']);
    expect(lines[0]).toMatch(/dry run/);
    expect(Object.values(before)).not.toContain('ALARM');
    expect(await states(client)).toEqual(before);
  });

  test('the command `ops test-alarms Prod` takes region and prefix from the config and talks to --endpoint', async () => {
    const client = cloudwatch();
    await putAlarm(client, 'orders-prod-service-down');
    await putAlarm(client, 'orders-staging-service-down');
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    const lines: string[] = [];
    try {
      const program = new Command('ops').exitOverride();
      registerTestAlarms(program, { log: (l) => lines.push(l) });
      await program.parseAsync(['node', 'ops', 'test-alarms', 'Prod', '--wait', '0', '--endpoint', moto.endpoint]);
    } finally {
      process.env = saved;
    }
    expect(lines[0]).toBe(
      'Test-firing the alarms of Prod (333333333333, us-east-1): their subscribers are notified, P1 pages.',
    );
    expect(lines).toContain('Summary: 1 alarms, 1 fired and returned to OK, 0 failed.');
    expect((await states(client))['orders-prod-service-down']).toBe('OK');
  });

  test('an unknown environment names the known ones', async () => {
    const program = new Command('ops').exitOverride();
    registerTestAlarms(program, { client: () => cloudwatch(), log: () => undefined });
    await expect(program.parseAsync(['node', 'ops', 'test-alarms', 'Qa'])).rejects.toThrow(
      'no environment "Qa" in config/bulwark.config.ts; choose one of Dev, Staging, Prod',
    );
  });

  test('is registered on the ops program', () => {
    expect(buildOpsProgram().commands.map((c) => c.name())).toContain('test-alarms');
  });
});

describe('test-alarms, paths moto cannot show (aws-sdk-client-mock)', () => {
  // Installed only for this block: mockClient replaces send() on every CloudWatchClient, moto's too.
  let mock: AwsStub<ServiceInputTypes, ServiceOutputTypes, CloudWatchClientResolvedConfig>;
  beforeAll(() => (mock = mockClient(CloudWatchClient)));
  afterEach(() => mock.reset());
  afterAll(() => mock.restore());

  test('follows DescribeAlarms pagination and includes composite alarms', async () => {
    mock
      .on(DescribeAlarmsCommand, { AlarmNamePrefix: 'orders-prod-', NextToken: undefined })
      .resolves({ MetricAlarms: [{ AlarmName: 'orders-prod-a', StateValue: 'OK' }], NextToken: 't1' })
      .on(DescribeAlarmsCommand, { AlarmNamePrefix: 'orders-prod-', NextToken: 't1' })
      .resolves({ CompositeAlarms: [{ AlarmName: 'orders-prod-service-unhealthy', StateValue: 'OK' }] });
    const summary = await testFireAlarms({
      client: new CloudWatchClient({ region: 'us-east-1' }),
      prefix: 'orders-prod-',
      waitSeconds: 0,
      dryRun: true,
      log: () => undefined,
    });
    expect(summary.alarms).toEqual([
      { alarmName: 'orders-prod-a', type: 'metric' },
      { alarmName: 'orders-prod-service-unhealthy', type: 'composite' },
    ]);
  });

  test('one alarm that cannot be set does not stop the others, and the summary counts it', async () => {
    mock
      .on(DescribeAlarmsCommand, { AlarmNamePrefix: 'orders-prod-' })
      .resolves({ MetricAlarms: [{ AlarmName: 'orders-prod-a' }, { AlarmName: 'orders-prod-b' }] });
    const state: Record<string, string> = {};
    mock.on(SetAlarmStateCommand).callsFake((input: { AlarmName: string; StateValue: string }) => {
      if (input.AlarmName === 'orders-prod-a')
        throw Object.assign(new Error('User is not authorized to perform: cloudwatch:SetAlarmState'), {
          name: 'AccessDenied',
        });
      state[input.AlarmName] = input.StateValue;
      return {};
    });
    mock
      .on(DescribeAlarmsCommand, { AlarmNames: ['orders-prod-b'] })
      .callsFake(() => ({ MetricAlarms: [{ AlarmName: 'orders-prod-b', StateValue: state['orders-prod-b'] }] }));
    const lines: string[] = [];
    const summary = await testFireAlarms({
      client: new CloudWatchClient({ region: 'us-east-1' }),
      prefix: 'orders-prod-',
      waitSeconds: 0,
      log: (l) => lines.push(l),
      sleep: async () => undefined,
    });
    expect(summary).toMatchObject({ passed: 1, failed: 1 });
    expect(lines).toContain('Summary: 2 alarms, 1 fired and returned to OK, 1 failed.');
    expect(lines.join('\n')).toMatch(/FAILED orders-prod-a: could not set ALARM: User is not authorized/);
  });
});
