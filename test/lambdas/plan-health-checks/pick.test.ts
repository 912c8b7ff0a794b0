import {
  parsePlanHealthCheck,
  PickDeps,
  pickEventSchema,
  pickPlanHealthChecks,
} from '../../../lambdas/plan-health-checks/pick';
import {
  ArcRegionSwitchError,
  ListRoute53HealthChecksInput,
  Route53HealthCheck,
} from '../../../lambdas/shared/arc-region-switch';

/**
 * The pick with an injected ListRoute53HealthChecks (the hand-written Region switch client cannot be mocked with
 * aws-sdk-client-mock; its own wire behaviour is tested in test/lambdas/shared/arc-region-switch-health-checks.test.ts).
 */

const PLAN_ARN = 'arn:aws:arc-region-switch::333333333333:plan/orders-dr-switch:abc123';
const ZONE = 'Z0123456789ABCDEFGHIJ';
const EAST = '3783b1ae-c713-4894-8627-1686b2d6563d';
const WEST = '9f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
const OTHER = 'cccccccc-0000-4000-8000-000000000000';

const check = (region: string, healthCheckId?: string, extra: Partial<Route53HealthCheck> = {}) => ({
  hostedZoneId: ZONE,
  recordName: 'orders.example.com',
  region,
  healthCheckId,
  ...extra,
});
const BOTH = [check('us-east-1', EAST), check('us-west-2', WEST)];
const ENTRIES = [`${ZONE}:orders.example.com:us-east-1:${EAST}`, `${ZONE}:orders.example.com:us-west-2:${WEST}`];

const event = (type: 'Create' | 'Update' | 'Delete', planHealthChecks: string[] = ENTRIES, extra: object = {}) =>
  pickEventSchema.parse({
    RequestType: type,
    RequestId: 'req-1',
    ResponseURL: 'https://example.invalid',
    StackId: 'arn:aws:cloudformation:us-west-2:333333333333:stack/DrRegion/uuid',
    LogicalResourceId: 'PlanHealthChecks',
    ...(type === 'Create' ? {} : { PhysicalResourceId: `${ZONE}/orders.example.com/plan-health-checks` }),
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:us-west-2:333333333333:function:provider',
      PlanArn: PLAN_ARN,
      PlanHealthChecks: planHealthChecks,
      HostedZoneId: ZONE,
      RecordName: 'orders.example.com',
      PrimaryRegion: 'us-east-1',
      SecondaryRegion: 'us-west-2',
      ...extra,
    },
  });

/** A fake API answering each read with the next of `answers` (the last one repeats), on a fake clock. */
function deps(answers: Array<Route53HealthCheck[] | Error>, remainingMs = 300_000) {
  const calls: ListRoute53HealthChecksInput[] = [];
  const sleeps: number[] = [];
  let left = remainingMs;
  const logger = { info: jest.fn(), warn: jest.fn() };
  const d: PickDeps = {
    api: {
      listRoute53HealthChecks: async (input) => {
        calls.push(input);
        const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
        if (answer instanceof Error) throw answer;
        return answer;
      },
    },
    logger,
    sleep: async (ms) => {
      sleeps.push(ms);
      left -= ms;
    },
    remainingMs: () => left,
  };
  return { d, calls, sleeps, logger };
}

describe('picking the plan health check of each Region through ListRoute53HealthChecks', () => {
  test('asks for the plan, the live zone and record, and picks by Region whatever the order', async () => {
    for (const answer of [BOTH, [...BOTH].reverse()]) {
      const { d, calls } = deps([answer]);
      expect(await pickPlanHealthChecks(event('Create'), d)).toEqual({
        PhysicalResourceId: `${ZONE}/orders.example.com/plan-health-checks`,
        Data: { PrimaryHealthCheckId: EAST, SecondaryHealthCheckId: WEST },
      });
      expect(calls).toEqual([{ arn: PLAN_ARN, hostedZoneId: ZONE, recordName: 'orders.example.com' }]);
    }
  });

  test('ignores the checks of other records and zones, and a trailing dot or case in the record name', async () => {
    const { d } = deps([
      [
        check('us-east-1', OTHER, { recordName: 'drill.orders.example.com' }),
        check('us-east-1', 'bbbbbbbb-0000-4000-8000-000000000000', { hostedZoneId: 'ZOTHERZONE000000000' }),
        check('us-east-1', EAST, { recordName: 'Orders.Example.com.' }),
        check('us-west-2', WEST),
      ],
    ]);
    expect((await pickPlanHealthChecks(event('Create', []), d)).Data).toEqual({
      PrimaryHealthCheckId: EAST,
      SecondaryHealthCheckId: WEST,
    });
  });

  test('the same id listed twice for a Region (one per workflow) is one check', async () => {
    const { d } = deps([[...BOTH, check('us-east-1', EAST)]]);
    expect((await pickPlanHealthChecks(event('Update'), d)).Data?.PrimaryHealthCheckId).toBe(EAST);
  });

  test('checks not listed yet after the plan is created are waited for, within the time left', async () => {
    const { d, calls, sleeps, logger } = deps([[], [check('us-east-1', EAST), check('us-west-2')], BOTH]);
    expect((await pickPlanHealthChecks(event('Create'), d)).Data).toEqual({
      PrimaryHealthCheckId: EAST,
      SecondaryHealthCheckId: WEST,
    });
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([10_000, 10_000]);
    expect(logger.info).toHaveBeenCalledWith('plan health checks picked by Region', {
      requestType: 'Create',
      planArn: PLAN_ARN,
      recordName: 'orders.example.com',
      reads: 3,
      'us-east-1': EAST,
      'us-west-2': WEST,
    });
  });

  test('agrees with PlanHealthChecks when its entries have the recognised shape, in any order', async () => {
    const { d, logger } = deps([BOTH]);
    await pickPlanHealthChecks(event('Create', [...ENTRIES].reverse()), d);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  test('PlanHealthChecks of another shape is not a cross-check: the API decides, with a warning', async () => {
    const { d, logger } = deps([BOTH]);
    expect((await pickPlanHealthChecks(event('Create', [EAST, WEST]), d)).Data).toEqual({
      PrimaryHealthCheckId: EAST,
      SecondaryHealthCheckId: WEST,
    });
    expect(logger.warn).toHaveBeenCalledWith('PlanHealthChecks has no entries of a recognised shape; no cross-check', {
      planHealthChecks: [EAST, WEST],
    });
  });
});

describe('refusing to guess', () => {
  test('a Region still without a check when the time runs out fails, naming the Region and what was listed', async () => {
    const { d, calls } = deps([[check('us-east-1', EAST)]], 40_000);
    await expect(pickPlanHealthChecks(event('Create'), d)).rejects.toThrow(
      `the Region switch plan ${PLAN_ARN} lists no Route 53 health check for us-west-2 (record orders.example.com ` +
        `in ${ZONE}) after 3 read(s); ListRoute53HealthChecks returned ` +
        `["${ZONE}:orders.example.com:us-east-1:${EAST}"]`,
    );
    // 40 s left: read, wait 10 s (30 left), read, wait (20 left), read; 20 - 10 < the 15 s reserve: answer now.
    expect(calls).toHaveLength(3);
  });

  test('two different checks for one Region fail at once, without waiting', async () => {
    const { d, sleeps } = deps([[...BOTH, check('us-east-1', OTHER)]]);
    await expect(pickPlanHealthChecks(event('Create'), d)).rejects.toThrow(
      `the Region switch plan ${PLAN_ARN} has 2 different Route 53 health checks for us-east-1`,
    );
    expect(sleeps).toEqual([]);
  });

  test('one check named for both Regions fails', async () => {
    const { d } = deps([[check('us-east-1', EAST), check('us-west-2', EAST)]]);
    await expect(pickPlanHealthChecks(event('Create', [EAST]), d)).rejects.toThrow(
      'the plan gives us-east-1 and us-west-2 the same health check',
    );
  });

  test('the API and PlanHealthChecks disagreeing fails, naming both', async () => {
    const swapped = [`${ZONE}:orders.example.com:us-east-1:${WEST}`, `${ZONE}:orders.example.com:us-west-2:${EAST}`];
    const { d } = deps([BOTH]);
    await expect(pickPlanHealthChecks(event('Create', swapped), d)).rejects.toThrow(
      `ListRoute53HealthChecks and the plan's PlanHealthChecks attribute disagree for orders.example.com: the API ` +
        `gives us-east-1=${EAST}, us-west-2=${WEST}; PlanHealthChecks is ${JSON.stringify(swapped)}`,
    );
  });

  test("an API error (the client's retries spent, or a refusal) fails with the service's message", async () => {
    const denied = new ArcRegionSwitchError('AccessDeniedException', 'not authorized', 'ListRoute53HealthChecks', 400);
    const { d, calls } = deps([denied]);
    await expect(pickPlanHealthChecks(event('Create'), d)).rejects.toThrow(
      'Region switch ListRoute53HealthChecks: AccessDeniedException (HTTP 400): not authorized',
    );
    expect(calls).toHaveLength(1);
  });

  test.each([
    ['a bare id', EAST],
    ['three fields', `${ZONE}:us-east-1:${EAST}`],
    ['five fields', `${ZONE}:orders.example.com:us-east-1:${EAST}:extra`],
    ['no Region in the third field', `${ZONE}:orders.example.com:primary:${EAST}`],
    ['an id with a slash', `${ZONE}:orders.example.com:us-east-1:healthcheck/${EAST}`],
  ])('an entry of an unknown shape is not recognised: %s', (_name, entry) => {
    expect(parsePlanHealthCheck(entry)).toBeUndefined();
  });

  test('bad events are refused before anything is read', () => {
    expect(() => event('Create', [], { PrimaryRegion: 'Virginia' })).toThrow(/AWS Region name/);
    expect(() => event('Create', [], { PlanArn: 'arn:aws:s3:::bucket' })).toThrow(/Region switch plan ARN/);
    expect(() => event('Create', [], { HostedZoneId: '' })).toThrow();
    expect(() => pickEventSchema.parse({ RequestType: 'Update', RequestId: 'r', ResourceProperties: {} })).toThrow();
  });
});

test('delete reads nothing and keeps the physical id (the plan owns its checks)', async () => {
  const { d, calls, logger } = deps([BOTH]);
  expect(await pickPlanHealthChecks(event('Delete'), d)).toEqual({
    PhysicalResourceId: `${ZONE}/orders.example.com/plan-health-checks`,
  });
  expect(calls).toEqual([]);
  expect(logger.info).not.toHaveBeenCalled();
});
