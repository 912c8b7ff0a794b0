import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateFunctionCommand,
  GetFunctionConcurrencyCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { INITIAL_SWITCH_VALUE, SwitchSettings, switchValueSchema } from '../../../lambdas/kill-switch/settings';
import { SwitchClients, setSwitch } from '../../../lambdas/kill-switch/switches';
import { MotoServer } from '../../helpers/moto';
import { memoryLogger, testSettings } from './helpers';

const moto = new MotoServer();
let clients: SwitchClients;
let settings: SwitchSettings;
const timings: Record<string, number[]> = { on: [], 'on again': [], off: [] };

beforeAll(() => moto.start(), 30_000);
afterAll(async () => {
  await moto.stop();
  // The measured figures the issue asks for: wall time of the pure action against moto.
  console.log(`kill switch wall time against moto (ms): ${JSON.stringify(timings)}`);
});

beforeEach(async () => {
  await moto.reset();
  const config = moto.clientConfig();
  clients = {
    ssm: new SSMClient(config),
    ecs: new ECSClient(config),
    autoscaling: new ApplicationAutoScalingClient(config),
    lambda: new LambdaClient(config),
    sns: new SNSClient(config),
  };
  const topic = await clients.sns.send(new CreateTopicCommand({ Name: 'orders-prod-alerts-p3' }));
  settings = testSettings({
    nonCriticalServices: ['orders-prod/reports', 'orders-prod/thumbnails'],
    nonCriticalFunctions: ['orders-prod-batch', 'orders-prod-digest'],
    noticeTopicArn: topic.TopicArn!,
  });
  for (const name of settings.switches) {
    await clients.ssm.send(
      new PutParameterCommand({
        Name: `${settings.parameterPrefix}${name}`,
        Value: JSON.stringify(INITIAL_SWITCH_VALUE),
        Type: 'String',
      }),
    );
  }
  await clients.ecs.send(new CreateClusterCommand({ clusterName: 'orders-prod' }));
  await clients.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'worker',
      containerDefinitions: [{ name: 'app', image: 'nginx', memory: 512 }],
    }),
  );
  await clients.ecs.send(
    new CreateServiceCommand({
      cluster: 'orders-prod',
      serviceName: 'reports',
      taskDefinition: 'worker',
      desiredCount: 3,
    }),
  );
  await clients.ecs.send(
    new CreateServiceCommand({
      cluster: 'orders-prod',
      serviceName: 'thumbnails',
      taskDefinition: 'worker',
      desiredCount: 1,
    }),
  );
  await clients.autoscaling.send(
    new RegisterScalableTargetCommand({
      ServiceNamespace: 'ecs',
      ResourceId: 'service/orders-prod/reports',
      ScalableDimension: 'ecs:service:DesiredCount',
      MinCapacity: 2,
      MaxCapacity: 6,
    }),
  );
  const roleArn = await createRole('fn');
  for (const name of settings.nonCriticalFunctions) {
    await clients.lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Role: roleArn,
        Handler: 'index.handler',
        Code: { ZipFile: new Uint8Array([80, 75, 5, 6, ...new Array(18).fill(0)]) },
      }),
    );
  }
  await clients.lambda.send(
    new PutFunctionConcurrencyCommand({ FunctionName: 'orders-prod-batch', ReservedConcurrentExecutions: 5 }),
  );
}, 30_000);

/** moto's Lambda wants an existing IAM role; the IAM client is not a dependency, so ask moto's query API directly. */
async function createRole(name: string): Promise<string> {
  const body = new URLSearchParams({
    Action: 'CreateRole',
    Version: '2010-05-08',
    RoleName: name,
    AssumeRolePolicyDocument: '{}',
  });
  const response = await fetch(moto.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization:
        'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=x',
    },
    body,
  });
  const text = await response.text();
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(text)?.[1];
  if (!arn) throw new Error(`moto CreateRole failed: ${text.slice(0, 300)}`);
  return arn;
}

async function switchValue(name: string) {
  const out = await clients.ssm.send(new GetParameterCommand({ Name: `${settings.parameterPrefix}${name}` }));
  return switchValueSchema.parse(JSON.parse(out.Parameter!.Value!));
}
async function desired(service: string) {
  const out = await clients.ecs.send(new DescribeServicesCommand({ cluster: 'orders-prod', services: [service] }));
  return out.services![0].desiredCount;
}
async function scaling() {
  const out = await clients.autoscaling.send(
    new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/orders-prod/reports'] }),
  );
  return { min: out.ScalableTargets![0].MinCapacity, max: out.ScalableTargets![0].MaxCapacity };
}
async function concurrency(name: string) {
  return (await clients.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name })))
    .ReservedConcurrentExecutions;
}
const request = (state: 'on' | 'off', name = 'cost') => ({
  name,
  state,
  reason: `test ${state}`,
  changedBy: 'user:test',
});

describe('cost switch against moto: on -> on -> off restores the original state', () => {
  test('on records the original state first, then scales to zero; on again changes nothing; off restores exactly', async () => {
    const logger = memoryLogger();

    const on = await setSwitch(request('on'), settings, clients, { logger });
    timings.on.push(on.durationMs);
    expect(on).toMatchObject({ from: 'off', to: 'on', changed: true, notice: 'sent' });
    const recorded = await switchValue('cost');
    expect(recorded).toMatchObject({ state: 'on', reason: 'test on', changedBy: 'user:test' });
    expect(recorded.recorded).toEqual({
      services: [
        { cluster: 'orders-prod', service: 'reports', desiredCount: 3, scaling: { min: 2, max: 6 } },
        { cluster: 'orders-prod', service: 'thumbnails', desiredCount: 1 },
      ],
      functions: [
        { name: 'orders-prod-batch', reservedConcurrency: 5 },
        { name: 'orders-prod-digest', reservedConcurrency: null },
      ],
    });
    expect(await desired('reports')).toBe(0);
    expect(await desired('thumbnails')).toBe(0);
    expect(await scaling()).toEqual({ min: 0, max: 0 });
    expect(await concurrency('orders-prod-batch')).toBe(0);
    expect(await concurrency('orders-prod-digest')).toBe(0);

    const again = await setSwitch({ ...request('on'), reason: 'second alarm' }, settings, clients, { logger });
    timings['on again'].push(again.durationMs);
    expect(again).toMatchObject({ from: 'on', to: 'on', changed: false, actions: [], notice: 'not-needed' });
    // The second "on" must not overwrite the original record with the zeros it now sees.
    expect(await switchValue('cost')).toEqual(recorded);

    const off = await setSwitch(request('off'), settings, clients, { logger });
    timings.off.push(off.durationMs);
    expect(off).toMatchObject({ from: 'on', to: 'off', changed: true, notice: 'sent' });
    expect(await desired('reports')).toBe(3);
    expect(await desired('thumbnails')).toBe(1);
    expect(await scaling()).toEqual({ min: 2, max: 6 });
    expect(await concurrency('orders-prod-batch')).toBe(5);
    expect(await concurrency('orders-prod-digest')).toBeUndefined();
    const cleared = await switchValue('cost');
    expect(cleared).toMatchObject({ state: 'off', reason: 'test off' });
    expect(cleared.recorded).toBeUndefined();

    const offAgain = await setSwitch(request('off'), settings, clients, { logger });
    expect(offAgain).toMatchObject({ changed: false, actions: [] });

    const audit = logger.lines
      .filter((l) => l.message === 'kill switch changed')
      .map((l) => l.extra.audit as Record<string, unknown>);
    expect(audit.map((a) => [a.switch, a.from, a.to, a.changedBy])).toEqual([
      ['cost', 'off', 'on', 'user:test'],
      ['cost', 'on', 'off', 'user:test'],
    ]);
    // The action itself takes well under the 60 s the issue allows.
    expect(on.durationMs + off.durationMs).toBeLessThan(10_000);
  }, 30_000);

  test('the features switch writes the non-critical features for the service; the deploy freeze is a plain flag', async () => {
    const logger = memoryLogger();
    const on = await setSwitch(request('on', 'features'), settings, clients, { logger });
    timings.on.push(on.durationMs);
    expect(await switchValue('features')).toMatchObject({ state: 'on', features: ['recommendations', 'reviews'] });
    expect(await desired('reports')).toBe(3); // the features switch touches no service

    await setSwitch(request('on', 'deploy-freeze'), settings, clients, { logger });
    expect(await switchValue('deploy-freeze')).toMatchObject({ state: 'on' });
    const off = await setSwitch(request('off', 'deploy-freeze'), settings, clients, { logger });
    timings.off.push(off.durationMs);
    expect(await switchValue('deploy-freeze')).toMatchObject({ state: 'off' });
  }, 30_000);

  test('an unknown switch name fails with the list of switches and changes nothing', async () => {
    await expect(setSwitch(request('on', 'everything'), settings, clients, { logger: memoryLogger() })).rejects.toThrow(
      'switch "everything" does not exist in Prod; the switches are "features", "cost", "deploy-freeze"',
    );
    expect(await desired('reports')).toBe(3);
  });
});
