import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { GetFunctionConcurrencyCommand, LambdaClient, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { handleSwitchEvent } from '../../../lambdas/kill-switch/handle';
import { INITIAL_SWITCH_VALUE } from '../../../lambdas/kill-switch/settings';
import { SwitchClients, setSwitch } from '../../../lambdas/kill-switch/switches';
import { FAST_RETRY, memoryLogger, testSettings } from './helpers';

const ssm = mockClient(SSMClient);
const ecs = mockClient(ECSClient);
const autoscaling = mockClient(ApplicationAutoScalingClient);
const lambda = mockClient(LambdaClient);
const sns = mockClient(SNSClient);
const clients: SwitchClients = {
  ssm: new SSMClient({}),
  ecs: new ECSClient({}),
  autoscaling: new ApplicationAutoScalingClient({}),
  lambda: new LambdaClient({}),
  sns: new SNSClient({}),
};
const settings = testSettings({
  nonCriticalServices: ['orders-prod/reports', 'orders-prod/thumbnails'],
  nonCriticalFunctions: [],
});

/** A tiny in-memory world behind the mocks: the parameter store and the services' desired counts. */
let parameters: Map<string, string>;
let counts: Map<string, number>;
let scalingLimits: { min: number; max: number };

const throttle = () =>
  Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });

beforeEach(() => {
  for (const m of [ssm, ecs, autoscaling, lambda, sns]) m.reset();
  parameters = new Map([[`${settings.parameterPrefix}cost`, JSON.stringify(INITIAL_SWITCH_VALUE)]]);
  counts = new Map([
    ['reports', 3],
    ['thumbnails', 2],
  ]);
  scalingLimits = { min: 2, max: 6 };
  ssm.on(GetParameterCommand).callsFake((input: { Name: string }) => ({
    Parameter: { Name: input.Name, Value: parameters.get(input.Name), Version: 1 },
  }));
  ssm.on(PutParameterCommand).callsFake((input: { Name: string; Value: string }) => {
    parameters.set(input.Name, input.Value);
    return { Version: 2 };
  });
  ecs.on(DescribeServicesCommand).callsFake((input: { services: string[] }) => ({
    services: input.services.map((s) => ({ serviceName: s, status: 'ACTIVE', desiredCount: counts.get(s) })),
  }));
  ecs.on(UpdateServiceCommand).callsFake((input: { service: string; desiredCount: number }) => {
    counts.set(input.service, input.desiredCount);
    return {};
  });
  autoscaling
    .on(DescribeScalableTargetsCommand)
    .callsFake((input: { ResourceIds: string[] }) =>
      input.ResourceIds[0] === 'service/orders-prod/reports'
        ? { ScalableTargets: [{ MinCapacity: scalingLimits.min, MaxCapacity: scalingLimits.max }] }
        : { ScalableTargets: [] },
    );
  autoscaling.on(RegisterScalableTargetCommand).callsFake((input: { MinCapacity: number; MaxCapacity: number }) => {
    scalingLimits = { min: input.MinCapacity, max: input.MaxCapacity };
    return {};
  });
  lambda.on(GetFunctionConcurrencyCommand).resolves({});
  lambda.on(PutFunctionConcurrencyCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
});

const costOn = { name: 'cost', state: 'on' as const, reason: 'budget', changedBy: 'budget:orders-prod-monthly-cost' };
const stored = () => JSON.parse(parameters.get(`${settings.parameterPrefix}cost`)!);

describe('kill switch faults (aws-sdk-client-mock)', () => {
  test('throttling midway leaves the original state recorded; a retry completes the action without re-recording', async () => {
    // The second service's update is throttled beyond every retry.
    ecs.on(UpdateServiceCommand, { service: 'thumbnails' }).rejects(throttle());
    await expect(setSwitch(costOn, settings, clients, { logger: memoryLogger(), retry: FAST_RETRY })).rejects.toThrow(
      'Rate exceeded',
    );
    // Half done: reports is at zero, thumbnails is not. The record was written before acting, so nothing is lost.
    expect(counts.get('reports')).toBe(0);
    expect(counts.get('thumbnails')).toBe(2);
    expect(stored()).toMatchObject({
      state: 'on',
      recorded: {
        services: [
          { service: 'reports', desiredCount: 3, scaling: { min: 2, max: 6 } },
          { service: 'thumbnails', desiredCount: 2 },
        ],
      },
    });

    // The throttling ends; the retry (Lambda's async retry, or the operator running the command again) completes.
    ecs
      .on(UpdateServiceCommand, { service: 'thumbnails' })
      .callsFake((input: { service: string; desiredCount: number }) => {
        counts.set(input.service, input.desiredCount);
        return {};
      });
    const retry = await setSwitch(costOn, settings, clients, { logger: memoryLogger(), retry: FAST_RETRY });
    expect(retry.actions).toEqual(['scaled orders-prod/thumbnails to 0 tasks']);
    expect(counts.get('thumbnails')).toBe(0);
    // Still the ORIGINAL counts, not the zeros the retry saw.
    expect(stored().recorded.services.map((s: { desiredCount: number }) => s.desiredCount)).toEqual([3, 2]);

    const off = await setSwitch({ ...costOn, state: 'off', reason: 'over' }, settings, clients, {
      logger: memoryLogger(),
      retry: FAST_RETRY,
    });
    expect(off.to).toBe('off');
    expect([counts.get('reports'), counts.get('thumbnails'), scalingLimits]).toEqual([3, 2, { min: 2, max: 6 }]);
  });

  test('a record that cannot be written stops the switch before it touches anything', async () => {
    ssm.on(PutParameterCommand).rejects(throttle());
    await expect(setSwitch(costOn, settings, clients, { logger: memoryLogger(), retry: FAST_RETRY })).rejects.toThrow(
      'Rate exceeded',
    );
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect(autoscaling.commandCalls(RegisterScalableTargetCommand)).toHaveLength(0);
    expect(counts.get('reports')).toBe(3);
  });

  test('throttling during off keeps the switch on with its record, so a second off restores the rest', async () => {
    await setSwitch(costOn, settings, clients, { logger: memoryLogger(), retry: FAST_RETRY });
    ecs.on(UpdateServiceCommand, { service: 'thumbnails' }).rejects(throttle());
    await expect(
      setSwitch({ ...costOn, state: 'off' }, settings, clients, { logger: memoryLogger(), retry: FAST_RETRY }),
    ).rejects.toThrow();
    expect(stored()).toMatchObject({ state: 'on', recorded: { services: [{ desiredCount: 3 }, { desiredCount: 2 }] } });
    ecs
      .on(UpdateServiceCommand, { service: 'thumbnails' })
      .callsFake((input: { service: string; desiredCount: number }) => {
        counts.set(input.service, input.desiredCount);
        return {};
      });
    await setSwitch({ ...costOn, state: 'off' }, settings, clients, { logger: memoryLogger(), retry: FAST_RETRY });
    expect(stored().state).toBe('off');
    expect([counts.get('reports'), counts.get('thumbnails')]).toEqual([3, 2]);
  });

  test('retries transient throttling transparently', async () => {
    ecs
      .on(UpdateServiceCommand)
      .rejectsOnce(throttle())
      .callsFake((input: { service: string; desiredCount: number }) => {
        counts.set(input.service, input.desiredCount);
        return {};
      });
    const outcome = await setSwitch(costOn, settings, clients, { logger: memoryLogger(), retry: FAST_RETRY });
    expect(outcome.changed).toBe(true);
    expect([counts.get('reports'), counts.get('thumbnails')]).toEqual([0, 0]);
  });

  test('a notice that cannot be published does not undo the action, and says so in the log', async () => {
    sns.on(PublishCommand).rejects(new Error('KMS key disabled'));
    const logger = memoryLogger();
    const outcome = await setSwitch(costOn, settings, clients, { logger, retry: FAST_RETRY });
    expect(outcome).toMatchObject({ changed: true, notice: 'failed' });
    expect(counts.get('reports')).toBe(0);
    expect(logger.lines.some((l) => l.level === 'error' && l.message.includes('notice could not be published'))).toBe(
      true,
    );
  });

  test('the handler rethrows a failed action (so Lambda retries it) after attempting every requested switch', async () => {
    ecs.on(UpdateServiceCommand).rejects(throttle());
    const event = {
      Records: [
        {
          EventSource: 'aws:sns',
          Sns: {
            TopicArn: settings.budgetTopicArn,
            Message: 'Budget Name: orders-prod-monthly-cost\nAlert Type: ACTUAL',
          },
        },
      ],
    };
    const logger = memoryLogger();
    await expect(handleSwitchEvent(event, settings, clients, { logger, retry: FAST_RETRY })).rejects.toThrow(
      '1 kill switch action(s) failed',
    );
    expect(stored().state).toBe('on');
    expect(logger.lines.some((l) => l.message.startsWith('kill switch action failed'))).toBe(true);
  });
});
