import {
  DescribeListenersCommand,
  ElasticLoadBalancingV2Client,
  Listener,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { LookupDeps, lookupEventSchema, lookUpLiveTargetGroups } from '../../../lambdas/live-target-groups/lookup';

const elb = mockClient(ElasticLoadBalancingV2Client);
const logger = { info: jest.fn(), warn: jest.fn() };
const deps: LookupDeps = {
  elb: new ElasticLoadBalancingV2Client({}),
  logger: logger as never,
  retry: { sleep: async () => undefined },
};

const LB = 'arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/app/orders-prod/50dc6c495c0c9188';
const BLUE = 'arn:aws:elasticloadbalancing:us-east-1:333333333333:targetgroup/orders-blue/73e2d6bc24d8a067';
const GREEN = 'arn:aws:elasticloadbalancing:us-east-1:333333333333:targetgroup/orders-green/8a0e61fd4c2b7d51';
const OTHER = 'arn:aws:elasticloadbalancing:us-east-1:333333333333:targetgroup/manual/0000000000000000';

const properties = (ports: string[]) => ({
  ServiceToken: 'arn:aws:lambda:us-east-1:333333333333:function:provider',
  LoadBalancerArn: LB,
  BlueTargetGroupArn: BLUE,
  GreenTargetGroupArn: GREEN,
  Ports: ports,
  ListenerFingerprint: '[{"Port":443,"Protocol":"HTTPS"}]',
});
const request = (type: 'Create' | 'Update', ports = ['443', '8080']) =>
  lookupEventSchema.parse({
    RequestType: type,
    RequestId: 'req-1',
    ResponseURL: 'https://example.invalid',
    StackId: 'arn:aws:cloudformation:us-east-1:333333333333:stack/Prod/uuid',
    LogicalResourceId: 'LiveTargetGroups',
    ...(type === 'Update' ? { PhysicalResourceId: `${LB}/live-target-groups` } : {}),
    ResourceProperties: properties(ports),
  });
const forwardingTo = (port: number, targetGroupArn: string): Listener => ({
  ListenerArn: `${LB.replace(':loadbalancer/', ':listener/')}/${port}`,
  Port: port,
  DefaultActions: [
    {
      Type: 'forward',
      TargetGroupArn: targetGroupArn,
      ForwardConfig: { TargetGroups: [{ TargetGroupArn: targetGroupArn, Weight: 1 }] },
    },
  ],
});
const weighted = (port: number, blueWeight: number, greenWeight: number): Listener => ({
  Port: port,
  DefaultActions: [
    {
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: BLUE, Weight: blueWeight },
          { TargetGroupArn: GREEN, Weight: greenWeight },
        ],
      },
    },
  ],
});
const listeners = (...found: Listener[]) => elb.on(DescribeListenersCommand).resolves({ Listeners: found });

beforeEach(() => {
  elb.reset();
  logger.info.mockReset();
});

describe('LiveTargetGroups lookup', () => {
  test('first deploy: no listener exists yet, so every port forwards to blue', async () => {
    listeners();
    await expect(lookUpLiveTargetGroups(request('Create'), deps)).resolves.toEqual({
      PhysicalResourceId: `${LB}/live-target-groups`,
      Data: { TargetGroupForPort443: BLUE, TargetGroupForPort8080: BLUE },
    });
    expect(elb).toHaveReceivedCommandWith(DescribeListenersCommand, { LoadBalancerArn: LB });
  });

  test('before any deployment, both listeners forward to blue', async () => {
    listeners(forwardingTo(443, BLUE), forwardingTo(8080, BLUE));
    await expect(lookUpLiveTargetGroups(request('Update'), deps)).resolves.toMatchObject({
      Data: { TargetGroupForPort443: BLUE, TargetGroupForPort8080: BLUE },
    });
  });

  test("after CodeDeploy swapped the listeners to green, the lookup answers green, not the template's blue", async () => {
    listeners(forwardingTo(443, GREEN), forwardingTo(8080, GREEN));
    await expect(lookUpLiveTargetGroups(request('Update'), deps)).resolves.toMatchObject({
      Data: { TargetGroupForPort443: GREEN, TargetGroupForPort8080: GREEN },
    });
  });

  test('a listener that only names TargetGroupArn (no ForwardConfig) is read too', async () => {
    listeners({ Port: 443, DefaultActions: [{ Type: 'forward', TargetGroupArn: GREEN }] }, forwardingTo(8080, GREEN));
    await expect(lookUpLiveTargetGroups(request('Update'), deps)).resolves.toMatchObject({
      Data: { TargetGroupForPort443: GREEN },
    });
  });

  test.each([
    ['canary step: blue 90, green 10', 90, 10, BLUE],
    ['after the shift: blue 0, green 100', 0, 100, GREEN],
    ['linear step: blue 30, green 70', 30, 70, GREEN],
    ['a 50/50 tie resolves to blue', 50, 50, BLUE],
  ])(
    'weighted forward (%s) -> the target group with the higher weight',
    async (_case, blueWeight, greenWeight, expected) => {
      listeners(weighted(443, blueWeight, greenWeight), forwardingTo(8080, GREEN));
      await expect(lookUpLiveTargetGroups(request('Update'), deps)).resolves.toMatchObject({
        Data: { TargetGroupForPort443: expected },
      });
    },
  );

  test('a weighted tuple without a weight counts as weight 1', async () => {
    listeners(
      {
        Port: 443,
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: { TargetGroups: [{ TargetGroupArn: BLUE, Weight: 0 }, { TargetGroupArn: GREEN }] },
          },
        ],
      },
      forwardingTo(8080, GREEN),
    );
    await expect(lookUpLiveTargetGroups(request('Update'), deps)).resolves.toMatchObject({
      Data: { TargetGroupForPort443: GREEN },
    });
  });

  test('an authenticate action before the forward is skipped', async () => {
    listeners(
      {
        Port: 443,
        DefaultActions: [
          { Type: 'authenticate-oidc', Order: 1 },
          { Type: 'forward', Order: 2, TargetGroupArn: GREEN },
        ],
      },
      forwardingTo(8080, GREEN),
    );
    await expect(lookUpLiveTargetGroups(request('Update'), deps)).resolves.toMatchObject({
      Data: { TargetGroupForPort443: GREEN },
    });
  });

  test('HTTP 80 -> HTTPS 443: the new listener takes the target group the existing listeners serve (green)', async () => {
    listeners(forwardingTo(80, GREEN), forwardingTo(8080, GREEN));
    await expect(lookUpLiveTargetGroups(request('Update'), deps)).resolves.toMatchObject({
      Data: { TargetGroupForPort443: GREEN, TargetGroupForPort8080: GREEN },
    });
  });

  test('a redirect listener is not a blue/green listener and does not count', async () => {
    listeners({
      Port: 80,
      DefaultActions: [
        { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
      ],
    });
    await expect(lookUpLiveTargetGroups(request('Create'), deps)).resolves.toMatchObject({
      Data: { TargetGroupForPort443: BLUE },
    });
  });

  test('a new listener while the others disagree (mid-deployment) fails instead of guessing', async () => {
    listeners(forwardingTo(80, BLUE), forwardingTo(8080, GREEN));
    await expect(lookUpLiveTargetGroups(request('Update'), deps)).rejects.toThrow(
      /forward to different target groups .*Let the deployment finish/,
    );
  });

  test('a listener changed by hand to another target group fails with the command to inspect it', async () => {
    listeners(forwardingTo(443, OTHER), forwardingTo(8080, BLUE));
    await expect(lookUpLiveTargetGroups(request('Update'), deps)).rejects.toThrow(
      /on port 443 forwards to neither .*orders-blue.* nor .*orders-green.*aws elbv2 describe-listeners --load-balancer-arn/,
    );
  });

  test('every page of DescribeListeners is read', async () => {
    elb
      .on(DescribeListenersCommand, { Marker: undefined })
      .resolves({ Listeners: [forwardingTo(443, GREEN)], NextMarker: 'page-2' });
    elb.on(DescribeListenersCommand, { Marker: 'page-2' }).resolves({ Listeners: [forwardingTo(8080, GREEN)] });
    await expect(lookUpLiveTargetGroups(request('Update'), deps)).resolves.toMatchObject({
      Data: { TargetGroupForPort443: GREEN, TargetGroupForPort8080: GREEN },
    });
    expect(elb).toHaveReceivedCommandTimes(DescribeListenersCommand, 2);
  });

  test('throttling is retried', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'Throttling',
      $metadata: { httpStatusCode: 400 },
    });
    elb
      .on(DescribeListenersCommand)
      .rejectsOnce(throttled)
      .resolves({ Listeners: [forwardingTo(443, GREEN), forwardingTo(8080, GREEN)] });
    await expect(lookUpLiveTargetGroups(request('Update'), deps)).resolves.toMatchObject({
      Data: { TargetGroupForPort443: GREEN },
    });
    expect(elb).toHaveReceivedCommandTimes(DescribeListenersCommand, 2);
  });

  test('delete reads nothing (the load balancer may be gone) and keeps the physical id', async () => {
    const event = lookupEventSchema.parse({
      RequestType: 'Delete',
      RequestId: 'r',
      PhysicalResourceId: `${LB}/live-target-groups`,
      ResourceProperties: properties(['443']),
    });
    await expect(lookUpLiveTargetGroups(event, deps)).resolves.toEqual({
      PhysicalResourceId: `${LB}/live-target-groups`,
    });
    expect(elb).not.toHaveReceivedAnyCommand();
  });

  test('bad events are rejected', () => {
    const parse = (props: object) =>
      lookupEventSchema.parse({
        RequestType: 'Create',
        RequestId: 'r',
        ResourceProperties: { ...properties(['443']), ...props },
      });
    expect(() => parse({ LoadBalancerArn: 'orders-prod' })).toThrow(/Application Load Balancer ARN/);
    expect(() => parse({ GreenTargetGroupArn: LB })).toThrow(/target group ARN/);
    expect(() => parse({ Ports: [] })).toThrow();
    expect(() => parse({ Ports: ['70000'] })).toThrow();
    expect(() => parse({ ListenerFingerprint: '' })).toThrow();
    expect(() =>
      lookupEventSchema.parse({ RequestType: 'Update', RequestId: 'r', ResourceProperties: properties(['443']) }),
    ).toThrow(); // no PhysicalResourceId
  });

  test("the handler validates the raw event and answers with the module's client", async () => {
    const { handler } = await import('../../../lambdas/live-target-groups/index');
    listeners(forwardingTo(443, GREEN));
    await expect(handler({ ...request('Create', ['443']) })).resolves.toMatchObject({
      Data: { TargetGroupForPort443: GREEN },
    });
    await expect(handler({ RequestType: 'Create' })).rejects.toThrow();
  });
});
