import type { Context } from 'aws-lambda';

/** The Lambda entry: it reads only the plan its role names (PLAN_HEALTH_CHECKS_PLAN_ARN), before any AWS call. */

const ALLOWED = 'arn:aws:arc-region-switch::333333333333:plan/orders-dr-switch:abc123';
const OTHER = 'arn:aws:arc-region-switch::333333333333:plan/someone-else:def456';

let handler: typeof import('../../../lambdas/plan-health-checks/index').handler;
beforeAll(async () => {
  // The module reads its environment when loaded, as Lambda loads it once per execution environment.
  process.env.PLAN_HEALTH_CHECKS_PLAN_ARN = ALLOWED;
  ({ handler } = await import('../../../lambdas/plan-health-checks/index'));
});

const context = { getRemainingTimeInMillis: () => 300_000 } as unknown as Context;
const event = (type: 'Create' | 'Delete', planArn: string) => ({
  RequestType: type,
  RequestId: 'req-1',
  ...(type === 'Delete' ? { PhysicalResourceId: 'Z0123456789ABCDEFGHIJ/orders.example.com/plan-health-checks' } : {}),
  ResourceProperties: {
    PlanArn: planArn,
    PlanHealthChecks: [],
    HostedZoneId: 'Z0123456789ABCDEFGHIJ',
    RecordName: 'orders.example.com',
    PrimaryRegion: 'us-east-1',
    SecondaryRegion: 'us-west-2',
  },
});

test('another plan than the one its role may read is refused, naming both', async () => {
  const fetchSpy = jest.spyOn(globalThis, 'fetch');
  await expect(handler(event('Create', OTHER), context)).rejects.toThrow(
    `PlanArn ${OTHER} is not the plan this function may read (${ALLOWED})`,
  );
  expect(fetchSpy).not.toHaveBeenCalled();
  fetchSpy.mockRestore();
});

test('a delete answers without reading anything, whatever the plan', async () => {
  await expect(handler(event('Delete', OTHER), context)).resolves.toEqual({
    PhysicalResourceId: 'Z0123456789ABCDEFGHIJ/orders.example.com/plan-health-checks',
  });
});
