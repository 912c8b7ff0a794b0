import {
  ArcRegionSwitchClient,
  ArcRegionSwitchError,
  arcRegionSwitchControlPlaneEndpoint,
} from '../../../lambdas/shared/arc-region-switch';
import { FakeJsonApi, FakeReply, ReceivedRequest, startFakeJsonApi } from '../../helpers/fake-json-api';

/**
 * ListRoute53HealthChecks through the hand-written Region switch client, against a local JSON 1.0 server on
 * 127.0.0.1: the target and body on the wire, every page followed, throttling retried, a refusal not retried.
 */

const PLAN_ARN = 'arn:aws:arc-region-switch::333333333333:plan/orders-dr-switch:abc123';
const ZONE = 'Z0123456789ABCDEFGHIJ';
const EAST = '3783b1ae-c713-4894-8627-1686b2d6563d';
const WEST = '9f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f';

let api: FakeJsonApi;
let endpoint: string;
let received: ReceivedRequest[];
let replies: FakeReply[];
let sleeps: number[] = [];

beforeAll(async () => {
  api = await startFakeJsonApi();
  ({ endpoint, received, replies } = api);
});

afterAll(() => api.close());

beforeEach(() => {
  api.reset();
  sleeps = [];
});

const client = (maxAttempts = 6) =>
  new ArcRegionSwitchClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    endpoint,
    maxAttempts,
    sleep: async (ms) => void sleeps.push(ms),
  });

describe('ListRoute53HealthChecks', () => {
  test('the control-plane endpoint is the one AWS lists for us-east-1', () => {
    expect(arcRegionSwitchControlPlaneEndpoint()).toBe('https://arc-region-switch-control-plane.us-east-1.api.aws');
  });

  test('sends the plan, zone and record as JSON 1.0 and follows nextToken through every page', async () => {
    replies.push(
      {
        status: 200,
        body: {
          healthChecks: [
            { hostedZoneId: ZONE, recordName: 'orders.example.com', region: 'us-east-1', healthCheckId: EAST },
          ],
          nextToken: 'page-2',
        },
      },
      {
        status: 200,
        body: {
          healthChecks: [
            {
              hostedZoneId: ZONE,
              recordName: 'orders.example.com',
              region: 'us-west-2',
              healthCheckId: WEST,
              status: 'healthy',
            },
          ],
        },
      },
    );
    const checks = await client().listRoute53HealthChecks({
      arn: PLAN_ARN,
      hostedZoneId: ZONE,
      recordName: 'orders.example.com',
    });
    expect(checks).toEqual([
      {
        hostedZoneId: ZONE,
        recordName: 'orders.example.com',
        region: 'us-east-1',
        healthCheckId: EAST,
        status: undefined,
      },
      {
        hostedZoneId: ZONE,
        recordName: 'orders.example.com',
        region: 'us-west-2',
        healthCheckId: WEST,
        status: 'healthy',
      },
    ]);
    expect(received).toHaveLength(2);
    expect(received[0].headers['x-amz-target']).toBe('ArcRegionSwitch.ListRoute53HealthChecks');
    expect(received[0].headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(received[0].headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/arc-region-switch\/aws4_request/,
    );
    expect(JSON.parse(received[0].body)).toEqual({
      arn: PLAN_ARN,
      hostedZoneId: ZONE,
      recordName: 'orders.example.com',
    });
    expect(JSON.parse(received[1].body)).toEqual({
      arn: PLAN_ARN,
      hostedZoneId: ZONE,
      recordName: 'orders.example.com',
      nextToken: 'page-2',
    });
  });

  test('a check without an id (not created yet) is kept, with healthCheckId undefined', async () => {
    replies.push({
      status: 200,
      body: { healthChecks: [{ hostedZoneId: ZONE, recordName: 'orders.example.com', region: 'us-east-1' }] },
    });
    expect(await client().listRoute53HealthChecks({ arn: PLAN_ARN })).toEqual([
      {
        hostedZoneId: ZONE,
        recordName: 'orders.example.com',
        region: 'us-east-1',
        healthCheckId: undefined,
        status: undefined,
      },
    ]);
  });

  test('throttling is retried with backoff, then the answer is used', async () => {
    replies.push(
      { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } },
      { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } },
      { status: 200, body: { healthChecks: [] } },
    );
    expect(await client().listRoute53HealthChecks({ arn: PLAN_ARN })).toEqual([]);
    expect(received).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  test('an access refusal is not retried and names the operation', async () => {
    replies.push({ status: 400, body: { __type: 'AccessDeniedException', message: 'not authorized' } });
    const error = await client()
      .listRoute53HealthChecks({ arn: PLAN_ARN })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArcRegionSwitchError);
    expect((error as Error).message).toBe(
      'Region switch ListRoute53HealthChecks: AccessDeniedException (HTTP 400): not authorized',
    );
    expect(received).toHaveLength(1);
  });
});
