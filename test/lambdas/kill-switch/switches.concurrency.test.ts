import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, GetParameterHistoryCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { SwitchClients, setSwitch } from '../../../lambdas/kill-switch/switches';
import { FAST_RETRY, memoryLogger, testSettings } from './helpers';

/*
 * The kill switch has no reserved concurrency (a reservation fails the deploy in a new account), so two
 * invocations may run at once: an alarm and a budget notice, or Lambda's retry and a fresh event. These
 * tests drive that race through an in-memory Parameter Store that numbers versions as the real one does.
 */
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
const settings = testSettings({ nonCriticalServices: ['orders-prod/reports'], nonCriticalFunctions: [] });
const COST = '/orders/prod/switches/cost';
const OFF = JSON.stringify({
  state: 'off',
  reason: 'initial',
  changedAt: '2026-01-01T00:00:00.000Z',
  changedBy: 'deploy',
});

let history: { Version: number; Value: string }[];
let desired: number;
/** Resolved when the first UpdateService (scale to 0) has happened. */
let scaledDown: Promise<void>;
let signalScaledDown: () => void;

beforeEach(() => {
  for (const m of [ssm, ecs, autoscaling, lambda, sns]) m.reset();
  history = [{ Version: 1, Value: OFF }];
  desired = 4;
  scaledDown = new Promise((resolve) => (signalScaledDown = resolve));
  const latest = () => history[history.length - 1];
  ssm
    .on(GetParameterCommand)
    .callsFake(() => ({ Parameter: { Name: COST, Value: latest().Value, Version: latest().Version } }));
  ssm.on(PutParameterCommand).callsFake((input: { Value: string }) => {
    history.push({ Version: latest().Version + 1, Value: input.Value });
    return { Version: latest().Version };
  });
  ssm.on(GetParameterHistoryCommand).callsFake(() => ({ Parameters: history.map((h) => ({ Name: COST, ...h })) }));
  ecs.on(UpdateServiceCommand).callsFake((input: { desiredCount: number }) => {
    desired = input.desiredCount;
    signalScaledDown();
    return {};
  });
  autoscaling.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [] });
  autoscaling.on(RegisterScalableTargetCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
});

const costOn = (who: string) => ({ name: 'cost', state: 'on' as const, reason: 'budget', changedBy: who });
const costOff = { name: 'cost', state: 'off' as const, reason: 'over', changedBy: 'user:ops' };
const stored = () => JSON.parse(history[history.length - 1].Value);

describe('kill switch under concurrent invocations', () => {
  test('two "on"s that both read it off: the record of the first one wins, so "off" restores the real count', async () => {
    // The second invocation reads the switch (off) before the first writes, but measures the service only
    // after the first has scaled it to 0: the interleaving a reservation of 1 used to rule out.
    let describeCalls = 0;
    ecs.on(DescribeServicesCommand).callsFake(async () => {
      describeCalls += 1;
      if (describeCalls === 2) await scaledDown;
      return { services: [{ serviceName: 'reports', status: 'ACTIVE', desiredCount: desired }] };
    });
    const first = setSwitch(costOn('budget:first'), settings, clients, { logger: memoryLogger(), retry: FAST_RETRY });
    const secondLog = memoryLogger();
    const second = setSwitch(costOn('alarm:second'), settings, clients, { logger: secondLog, retry: FAST_RETRY });
    await Promise.all([first, second]);

    expect(desired).toBe(0);
    // The switch holds the first invocation's record: 4 tasks, not the 0 the second one saw.
    expect(stored()).toMatchObject({
      state: 'on',
      changedBy: 'budget:first',
      recorded: { services: [{ service: 'reports', desiredCount: 4 }] },
    });
    expect(secondLog.lines.some((l) => l.level === 'warn' && l.message.includes('concurrently'))).toBe(true);

    await setSwitch(costOff, settings, clients, { logger: memoryLogger(), retry: FAST_RETRY });
    expect(desired).toBe(4);
    expect(stored()).toMatchObject({ state: 'off' });
  });

  test('no race: one write after the read, no history lookup', async () => {
    ecs
      .on(DescribeServicesCommand)
      .callsFake(() => ({ services: [{ serviceName: 'reports', status: 'ACTIVE', desiredCount: desired }] }));
    await setSwitch(costOn('budget:only'), settings, clients, { logger: memoryLogger(), retry: FAST_RETRY });
    expect(ssm.commandCalls(GetParameterHistoryCommand)).toHaveLength(0);
    expect(history.map((h) => h.Version)).toEqual([1, 2]);
    expect(stored()).toMatchObject({ state: 'on', recorded: { services: [{ service: 'reports', desiredCount: 4 }] } });
  });

  test('a throttled history lookup is retried', async () => {
    ecs
      .on(DescribeServicesCommand)
      .callsFake(() => ({ services: [{ serviceName: 'reports', status: 'ACTIVE', desiredCount: desired }] }));
    // Someone else's "on" (recorded 4) lands between our read and our write.
    const foreign = JSON.stringify({
      state: 'on',
      reason: 'alarm',
      changedAt: '2026-01-01T00:00:01.000Z',
      changedBy: 'alarm:x',
      recorded: { services: [{ cluster: 'orders-prod', service: 'reports', desiredCount: 4 }], functions: [] },
    });
    let reads = 0;
    ssm.on(GetParameterCommand).callsFake(() => {
      reads += 1;
      const h = reads === 1 ? history[0] : history[history.length - 1];
      if (reads === 1) history.push({ Version: 2, Value: foreign });
      return { Parameter: { Name: COST, Value: h.Value, Version: h.Version } };
    });
    const throttle = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    ssm
      .on(GetParameterHistoryCommand)
      .rejectsOnce(throttle)
      .callsFake(() => ({ Parameters: history.map((h) => ({ Name: COST, ...h })) }));
    await setSwitch(costOn('budget:late'), settings, clients, { logger: memoryLogger(), retry: FAST_RETRY });
    expect(ssm.commandCalls(GetParameterHistoryCommand)).toHaveLength(2);
    expect(stored()).toMatchObject({ state: 'on', changedBy: 'alarm:x' });
  });
});
