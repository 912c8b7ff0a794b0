import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ActionSettings, runRegionSwitchAction } from '../../../lambdas/region-switch-action/action';

const settings: ActionSettings = {
  environment: 'Prod',
  freezeParameterName: '/orders/prod/switches/deploy-freeze',
  freezeParameterRegion: 'us-east-1',
  noticeTopicArn: 'arn:aws:sns:us-west-2:333333333333:orders-dr-alerts-p2',
};
/** What Region switch sends: the plan's payload with its metadata merged in (API_Lambdas payload). */
const event = {
  action: 'activate',
  targetRegion: 'us-west-2',
  PlanArn: 'arn:aws:arc-region-switch::333333333333:plan/orders-dr-switch:abc123',
  ExecutionId: 'exec-1',
  StepName: 'freeze-and-notify',
  InvokedBy: 'trigger',
};
const ssm = mockClient(SSMClient);
const sns = mockClient(SNSClient);
const logged: { level: string; message: string; data?: unknown }[] = [];
const record =
  (level: string) =>
  (message: unknown, ...data: unknown[]) =>
    void logged.push({ level, message: String(message), data });
const logger = { info: record('info'), warn: record('warn'), error: record('error') };
const options = { logger, retry: { sleep: async () => undefined }, now: () => new Date('2026-11-29T12:00:00.000Z') };
const clients = { ssm: ssm as unknown as SSMClient, sns: sns as unknown as SNSClient };
const run = (e: unknown = event) => runRegionSwitchAction(e, settings, clients, options);
const value = (state: string, changedBy: string) =>
  JSON.stringify({ state, reason: 'x', changedAt: '2026-11-29T11:00:00.000Z', changedBy });
const frozen = () => ({ Parameter: { Value: value('on', 'user:someone'), Version: 3 } });
const off = { Parameter: { Value: value('off', 'cloudformation'), Version: 1 } };
const fault = (name: string, status = 400) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });

beforeEach(() => {
  ssm.reset();
  sns.reset();
  logged.length = 0;
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

describe('Region switch custom action: deploy freeze and P2 notice', () => {
  test('an off freeze is turned on with the execution as its author; the P2 notice names the execution', async () => {
    ssm.on(GetParameterCommand).resolves(off);
    const result = await run();
    expect(result).toEqual({ executionId: 'exec-1', freeze: 'set', notice: 'sent' });
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: '/orders/prod/switches/deploy-freeze',
      Type: 'String',
      Overwrite: true,
    });
    const written = JSON.parse(ssm.commandCalls(PutParameterCommand)[0].args[0].input.Value!);
    expect(written).toEqual({
      state: 'on',
      reason: 'Region switch activate of us-west-2 (execution exec-1): no deploys until the switch settles',
      changedAt: '2026-11-29T12:00:00.000Z',
      changedBy: 'region-switch:exec-1',
    });
    const notice = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(notice).toMatchObject({
      TopicArn: 'arn:aws:sns:us-west-2:333333333333:orders-dr-alerts-p2',
      Subject: 'P2 Prod: Region switch activate us-west-2',
    });
    expect(notice.Message).toContain('execution exec-1');
    expect(notice.Message).toContain('The deploy freeze /orders/prod/switches/deploy-freeze is on (set).');
  });

  test('idempotent: a freeze already on (a retried step, or someone froze first) is left as it is', async () => {
    ssm.on(GetParameterCommand).resolves(frozen());
    expect(await run()).toMatchObject({ freeze: 'already-on', notice: 'sent' });
    expect(ssm).not.toHaveReceivedCommand(PutParameterCommand);
  });

  test('a freeze parameter that does not exist yet counts as off and is created on', async () => {
    ssm.on(GetParameterCommand).rejects(fault('ParameterNotFound'));
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    expect(await run()).toMatchObject({ freeze: 'set' });
  });

  test('throttling is retried with backoff, then succeeds', async () => {
    ssm.on(GetParameterCommand).rejectsOnce(fault('ThrottlingException')).resolves(off);
    ssm.on(PutParameterCommand).rejectsOnce(fault('ThrottlingException')).resolves({ Version: 2 });
    expect(await run()).toMatchObject({ freeze: 'set' });
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 2);
    expect(ssm).toHaveReceivedCommandTimes(PutParameterCommand, 2);
  });

  test("Prod's region unreachable: the step succeeds, the freeze is reported failed, the notice says so", async () => {
    ssm.on(GetParameterCommand).rejects(fault('ServiceUnavailable', 503));
    const result = await run();
    expect(result).toMatchObject({
      freeze: 'failed',
      notice: 'sent',
      freezeError: 'ServiceUnavailable: ServiceUnavailable happened',
    });
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 5);
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Message).toContain('could NOT be turned on');
    expect(logged.some((l) => l.level === 'error' && l.message === 'could not turn the deploy freeze on')).toBe(true);
  });

  test('a notice that cannot be sent does not fail the step either (bookkeeping never blocks a recovery)', async () => {
    ssm.on(GetParameterCommand).resolves(frozen());
    sns.on(PublishCommand).rejects(fault('AuthorizationErrorException', 403));
    await expect(run()).resolves.toMatchObject({ freeze: 'already-on', notice: 'failed' });
  });

  test('an event without action or target region is refused (a plan misconfiguration), before any call', async () => {
    await expect(run({ ExecutionId: 'exec-1' })).rejects.toThrow(/not a Region switch custom action event/);
    await expect(run({ ...event, targetRegion: 'Oregon' })).rejects.toThrow(/targetRegion/);
    expect(ssm.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
  });

  test('an unreadable freeze value is overwritten with a valid "on" (freezing is the safe side)', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'not json', Version: 7 } });
    ssm.on(PutParameterCommand).resolves({ Version: 8 });
    expect(await run()).toMatchObject({ freeze: 'set' });
  });
});
