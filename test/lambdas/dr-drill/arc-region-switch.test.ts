import { createHash, createHmac } from 'crypto';
import {
  ArcRegionSwitchClient,
  ArcRegionSwitchError,
  arcRegionSwitchEndpoint,
} from '../../../lambdas/shared/arc-region-switch';
import { FakeJsonApi, FakeReply, ReceivedRequest, startFakeJsonApi } from '../../helpers/fake-json-api';

/**
 * The Region switch client against a local HTTP server on 127.0.0.1 that speaks the JSON 1.0 protocol: what goes on
 * the wire (target, content type, body, a Signature Version 4 the test recomputes by hand from AWS's algorithm,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html), and what the client does with
 * throttling, server faults, refusals and a server that never answers.
 */

const PLAN_ARN = 'arn:aws:arc-region-switch::333333333333:plan/orders-dr-switch:abc123';
const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token',
};

let api: FakeJsonApi;
let endpoint: string;
let received: ReceivedRequest[];
let replies: FakeReply[];

beforeAll(async () => {
  api = await startFakeJsonApi();
  ({ endpoint, received, replies } = api);
});

afterAll(() => api.close());

beforeEach(() => {
  api.reset();
});

const sleeps: number[] = [];
function client(options: { timeoutMs?: number; maxAttempts?: number } = {}) {
  return new ArcRegionSwitchClient({
    region: 'us-west-2',
    credentials: CREDENTIALS,
    endpoint,
    sleep: async (ms) => void sleeps.push(ms),
    ...options,
  });
}

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** Signature Version 4, written from AWS's description, over what the server received. */
function expectedSignature(request: ReceivedRequest): string {
  const authorization = String(request.headers.authorization);
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)![1].split(';');
  const amzDate = String(request.headers['x-amz-date']);
  const date = amzDate.slice(0, 8);
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${String(request.headers[name]).trim()}\n`).join('');
  const canonicalRequest = ['POST', '/', '', canonicalHeaders, signedHeaders.join(';'), sha256(request.body)].join(
    '\n',
  );
  const scope = `${date}/us-west-2/arc-region-switch/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${CREDENTIALS.secretAccessKey}`, date);
  for (const part of ['us-west-2', 'arc-region-switch', 'aws4_request']) key = hmac(key, part);
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

describe('ARC Region switch client on the wire', () => {
  test('the Regional data-plane endpoint AWS lists', () => {
    expect(arcRegionSwitchEndpoint('us-west-2')).toBe('https://arc-region-switch.us-west-2.api.aws');
  });

  test('StartPlanExecution: POST /, JSON 1.0, target ArcRegionSwitch.StartPlanExecution, the body, a valid SigV4', async () => {
    replies.push({ status: 200, body: { executionId: 'exec-1', planVersion: '3' } });
    const out = await client().startPlanExecution({
      planArn: PLAN_ARN,
      targetRegion: 'us-west-2',
      action: 'activate',
      mode: 'graceful',
      comment: 'drill',
      clientToken: 'req-1-out',
    });
    expect(out).toEqual({ executionId: 'exec-1', planVersion: '3' });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/');
    expect(request.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(request.headers['x-amz-target']).toBe('ArcRegionSwitch.StartPlanExecution');
    expect(request.headers['x-amz-security-token']).toBe('session-token');
    expect(JSON.parse(request.body)).toEqual({
      planArn: PLAN_ARN,
      targetRegion: 'us-west-2',
      action: 'activate',
      mode: 'graceful',
      comment: 'drill',
      clientToken: 'req-1-out',
    });
    const authorization = String(request.headers.authorization);
    expect(authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-west-2\/arc-region-switch\/aws4_request, /,
    );
    const signed = /SignedHeaders=([^,]+)/.exec(authorization)![1].split(';');
    expect(signed).toEqual(expect.arrayContaining(['content-type', 'host', 'x-amz-date', 'x-amz-target']));
    expect(authorization).toContain(`Signature=${expectedSignature(request)}`);
  });

  test('a body changed after signing would not verify (the test signature is not a tautology)', async () => {
    replies.push({ status: 200, body: {} });
    await client().getPlanEvaluationStatus(PLAN_ARN);
    const tampered = { ...received[0], body: received[0].body.replace('abc123', 'zzz999') };
    expect(String(received[0].headers.authorization)).not.toContain(`Signature=${expectedSignature(tampered)}`);
  });

  test('GetPlanExecution follows nextToken through the step states and reads epoch-second timestamps', async () => {
    replies.push(
      {
        status: 200,
        body: {
          planArn: PLAN_ARN,
          executionId: 'exec-1',
          executionState: 'inProgress',
          startTime: 1_700_000_000,
          stepStates: [
            { name: 'freeze-and-notify', status: 'completed', startTime: 1_700_000_000, endTime: 1_700_000_030 },
          ],
          nextToken: 'page-2',
        },
      },
      {
        status: 200,
        body: { planArn: PLAN_ARN, executionId: 'exec-1', stepStates: [{ name: 'ecs-capacity', status: 'running' }] },
      },
    );
    const execution = await client().getPlanExecution(PLAN_ARN, 'exec-1');
    expect(execution.executionState).toBe('inProgress');
    expect(execution.startTime?.toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(execution.stepStates.map((s) => s.name)).toEqual(['freeze-and-notify', 'ecs-capacity']);
    expect(execution.stepStates[0].endTime?.toISOString()).toBe('2023-11-14T22:13:50.000Z');
    expect(received.map((r) => JSON.parse(r.body).nextToken)).toEqual([undefined, 'page-2']);
  });

  test('ListPlanExecutionEvents, ListPlanExecutions and GetPlanEvaluationStatus name their targets', async () => {
    replies.push(
      {
        status: 200,
        body: { items: [{ eventId: 'e1', type: 'stepStarted', stepName: 's', timestamp: 1_700_000_000 }] },
      },
      { status: 200, body: { items: [{ executionId: 'x', executionState: 'inProgress', planArn: PLAN_ARN }] } },
      { status: 200, body: { planArn: PLAN_ARN, evaluationState: 'passed', warnings: [] } },
    );
    const c = client();
    expect((await c.listPlanExecutionEvents(PLAN_ARN, 'exec-1'))[0]).toMatchObject({
      eventId: 'e1',
      type: 'stepStarted',
    });
    expect((await c.listPlanExecutions(PLAN_ARN))[0]).toMatchObject({ executionId: 'x', executionState: 'inProgress' });
    expect((await c.getPlanEvaluationStatus(PLAN_ARN)).evaluationState).toBe('passed');
    expect(received.map((r) => r.headers['x-amz-target'])).toEqual([
      'ArcRegionSwitch.ListPlanExecutionEvents',
      'ArcRegionSwitch.ListPlanExecutions',
      'ArcRegionSwitch.GetPlanEvaluationStatus',
    ]);
  });
});

describe('ARC Region switch client faults', () => {
  test('throttling (ThrottlingException, then HTTP 429) and a 500 are retried with backoff, then it succeeds', async () => {
    sleeps.length = 0;
    replies.push(
      { status: 400, body: { __type: 'com.amazonaws.arcregionswitch#ThrottlingException', message: 'Rate exceeded' } },
      { status: 429, body: { message: 'Too many requests' } },
      { status: 500, body: { __type: 'InternalServerException', message: 'oops' } },
      { status: 200, body: { planArn: PLAN_ARN, evaluationState: 'passed' } },
    );
    const status = await client().getPlanEvaluationStatus(PLAN_ARN);
    expect(status.evaluationState).toBe('passed');
    expect(received).toHaveLength(4);
    // Full jitter under a doubling ceiling: 200, 400, 800 ms.
    expect(sleeps).toHaveLength(3);
    sleeps.forEach((ms, i) => expect(ms).toBeLessThanOrEqual(200 * 2 ** i));
  });

  test('throttling that never stops ends in a typed, retryable error after maxAttempts', async () => {
    for (let i = 0; i < 3; i++)
      replies.push({ status: 400, body: { __type: 'ThrottlingException', message: 'slow down' } });
    const error = await client({ maxAttempts: 3 })
      .getPlanExecution(PLAN_ARN, 'exec-1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArcRegionSwitchError);
    expect(error).toMatchObject({
      name: 'ThrottlingException',
      operation: 'GetPlanExecution',
      $metadata: { httpStatusCode: 400 },
    });
    expect(received).toHaveLength(3);
  });

  test('a refusal (IllegalStateException: an execution is already running) is not retried', async () => {
    replies.push({
      status: 400,
      body: { __type: 'IllegalStateException', message: 'An execution is already in progress for this plan' },
    });
    const error = await client()
      .startPlanExecution({ planArn: PLAN_ARN, targetRegion: 'us-west-2', action: 'activate' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'IllegalStateException' });
    expect(String((error as Error).message)).toContain('An execution is already in progress for this plan');
    expect(received).toHaveLength(1);
  });

  test('the error type may come from x-amzn-ErrorType alone', async () => {
    replies.push({ status: 404, headers: { 'x-amzn-errortype': 'ResourceNotFoundException:http://internal' } });
    const error = await client()
      .getPlanEvaluationStatus(PLAN_ARN)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
  });

  test('a server that never answers times out per attempt and the call fails with TimeoutError', async () => {
    replies.push('hang', 'hang');
    const started = Date.now();
    const error = await client({ timeoutMs: 150, maxAttempts: 2 })
      .getPlanExecution(PLAN_ARN, 'exec-1')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TimeoutError', operation: 'GetPlanExecution' });
    expect(received).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('a timeout once, then an answer: retried', async () => {
    replies.push('hang', { status: 200, body: { planArn: PLAN_ARN, evaluationState: 'passed' } });
    const status = await client({ timeoutMs: 150 }).getPlanEvaluationStatus(PLAN_ARN);
    expect(status.evaluationState).toBe('passed');
  });

  test('a Region name that is not one is refused before any call', () => {
    expect(() => new ArcRegionSwitchClient({ region: 'https://evil', credentials: CREDENTIALS })).toThrow(
      'is not an AWS Region name',
    );
  });
});
