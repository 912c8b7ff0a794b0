import { baseSettings } from './world';

/**
 * The switchover's onEvent and isComplete entries (lambdas/dr-drill/index.ts): only a Create runs a leg. An Update
 * or a Delete (a stack rollback, or the ordinary deploy that removes the drill) must never move traffic, so they
 * answer without calling anything (the Region switch endpoint here is unreachable: a call would fail the test).
 */
const PLAN_ARN = 'arn:aws:arc-region-switch::333333333333:plan/orders-dr-switch:abc123';

async function loadHandler(step: 'switchover-start' | 'switchover-wait') {
  process.env.DRILL_SETTINGS = JSON.stringify(baseSettings({ planArn: PLAN_ARN }));
  process.env.DRILL_STEP = step;
  process.env.AWS_REGION = 'us-west-2';
  let handler!: (event: unknown) => Promise<unknown>;
  await jest.isolateModulesAsync(async () => {
    ({ handler } = await import('../../../lambdas/dr-drill/index'));
  });
  return handler;
}

const event = (RequestType: string, PhysicalResourceId?: string) => ({
  RequestType,
  RequestId: 'req-9',
  PhysicalResourceId,
  ResourceProperties: { Leg: 'out', ServiceToken: 'arn:aws:lambda:us-west-2:333333333333:function:x' },
});

afterAll(() => {
  delete process.env.DRILL_SETTINGS;
  delete process.env.DRILL_STEP;
});

describe('switchover custom resource entries', () => {
  test('onEvent Delete: same physical id, no execution started', async () => {
    const handler = await loadHandler('switchover-start');
    const id = 'out|exec-1|2026-11-29T12:00:00.000Z';
    await expect(handler(event('Delete', id))).resolves.toEqual({
      PhysicalResourceId: id,
      Data: { ExecutionId: 'exec-1' },
    });
  });

  test('onEvent Update: same physical id and the execution id the Create recorded (the back leg reads it)', async () => {
    const handler = await loadHandler('switchover-start');
    const id = 'out|exec-1|2026-11-29T12:00:00.000Z';
    await expect(handler(event('Update', id))).resolves.toEqual({
      PhysicalResourceId: id,
      Data: { ExecutionId: 'exec-1' },
    });
  });

  test('isComplete for an Update or Delete is complete at once', async () => {
    const handler = await loadHandler('switchover-wait');
    await expect(handler(event('Delete', 'out|exec-1|x'))).resolves.toEqual({ IsComplete: true });
    await expect(handler(event('Update', 'out|exec-1|x'))).resolves.toEqual({ IsComplete: true });
  });

  test('an event without a known leg is refused', async () => {
    const handler = await loadHandler('switchover-start');
    await expect(
      handler({ RequestType: 'Create', RequestId: 'r', ResourceProperties: { Leg: 'sideways' } }),
    ).rejects.toThrow();
  });
});
