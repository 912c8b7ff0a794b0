import { parsePlanHealthCheck, pickEventSchema, pickPlanHealthChecks } from '../../../lambdas/plan-health-checks/pick';

const logger = { info: jest.fn() };
const ZONE = 'Z0123456789ABCDEFGHIJ';
const EAST = '3783b1ae-c713-4894-8627-1686b2d6563d';
const WEST = '9f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f';

const event = (type: 'Create' | 'Update' | 'Delete', planHealthChecks: string[], extra: object = {}) =>
  pickEventSchema.parse({
    RequestType: type,
    RequestId: 'req-1',
    ResponseURL: 'https://example.invalid',
    StackId: 'arn:aws:cloudformation:us-west-2:333333333333:stack/DrRegion/uuid',
    LogicalResourceId: 'PlanHealthChecks',
    ...(type === 'Create' ? {} : { PhysicalResourceId: `${ZONE}/orders.example.com/plan-health-checks` }),
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:us-west-2:333333333333:function:provider',
      PlanHealthChecks: planHealthChecks,
      HostedZoneId: ZONE,
      RecordName: 'orders.example.com',
      PrimaryRegion: 'us-east-1',
      SecondaryRegion: 'us-west-2',
      ...extra,
    },
  });

beforeEach(() => logger.info.mockClear());

describe('picking the plan health check of each Region', () => {
  test('by Region, whatever the order of the entries', () => {
    const inOrder = [`${ZONE}:orders.example.com:us-east-1:${EAST}`, `${ZONE}:orders.example.com:us-west-2:${WEST}`];
    for (const entries of [inOrder, [...inOrder].reverse()]) {
      expect(pickPlanHealthChecks(event('Create', entries), { logger })).toEqual({
        PhysicalResourceId: `${ZONE}/orders.example.com/plan-health-checks`,
        Data: { PrimaryHealthCheckId: EAST, SecondaryHealthCheckId: WEST },
      });
    }
  });

  test('an update picks again from the new entries (the plan replaced its checks)', () => {
    const replaced = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];
    const entries = [
      `${ZONE}:orders.example.com:us-west-2:${replaced[1]}`,
      `${ZONE}:orders.example.com:us-east-1:${replaced[0]}`,
    ];
    expect(pickPlanHealthChecks(event('Update', entries), { logger }).Data).toEqual({
      PrimaryHealthCheckId: replaced[0],
      SecondaryHealthCheckId: replaced[1],
    });
  });

  test('ignores the checks of other records and zones, and a trailing dot or case in the record name', () => {
    const entries = [
      `${ZONE}:drill.orders.example.com:us-east-1:aaaaaaaa-0000-4000-8000-000000000000`,
      `ZOTHERZONE000000000:orders.example.com:us-east-1:bbbbbbbb-0000-4000-8000-000000000000`,
      `${ZONE}:Orders.Example.com.:us-east-1:${EAST}`,
      `${ZONE}:orders.example.com:us-west-2:${WEST}`,
    ];
    expect(pickPlanHealthChecks(event('Create', entries), { logger }).Data).toEqual({
      PrimaryHealthCheckId: EAST,
      SecondaryHealthCheckId: WEST,
    });
  });

  test('the same id listed twice for a Region (one per workflow) is one check', () => {
    const entries = [
      `${ZONE}:orders.example.com:us-east-1:${EAST}`,
      `${ZONE}:orders.example.com:us-west-2:${WEST}`,
      `${ZONE}:orders.example.com:us-east-1:${EAST}`,
    ];
    expect(pickPlanHealthChecks(event('Create', entries), { logger }).Data?.PrimaryHealthCheckId).toBe(EAST);
  });

  test('logs what it picked, as structured fields', () => {
    const entries = [`${ZONE}:orders.example.com:us-east-1:${EAST}`, `${ZONE}:orders.example.com:us-west-2:${WEST}`];
    pickPlanHealthChecks(event('Create', entries), { logger });
    expect(logger.info).toHaveBeenCalledWith('plan health checks picked by Region', {
      requestType: 'Create',
      recordName: 'orders.example.com',
      'us-east-1': EAST,
      'us-west-2': WEST,
    });
  });
});

describe('refusing to guess', () => {
  test('no check for a Region fails and names the Region and the entries', () => {
    const entries = [`${ZONE}:orders.example.com:us-east-1:${EAST}`];
    expect(() => pickPlanHealthChecks(event('Create', entries), { logger })).toThrow(
      /no Route 53 health check\(s\) for orders\.example\.com in Z0123456789ABCDEFGHIJ and Region us-west-2/,
    );
  });

  test('two different checks for one Region fail', () => {
    const entries = [
      `${ZONE}:orders.example.com:us-east-1:${EAST}`,
      `${ZONE}:orders.example.com:us-east-1:cccccccc-0000-4000-8000-000000000000`,
      `${ZONE}:orders.example.com:us-west-2:${WEST}`,
    ];
    expect(() => pickPlanHealthChecks(event('Create', entries), { logger })).toThrow(
      /2 different Route 53 health check\(s\) for orders\.example\.com .* Region us-east-1/,
    );
  });

  test('one check named for both Regions fails', () => {
    const entries = [`${ZONE}:orders.example.com:us-east-1:${EAST}`, `${ZONE}:orders.example.com:us-west-2:${EAST}`];
    expect(() => pickPlanHealthChecks(event('Create', entries), { logger })).toThrow(/the same health check/);
  });

  test.each([
    ['a bare id (another shape)', EAST],
    ['three fields', `${ZONE}:us-east-1:${EAST}`],
    ['five fields', `${ZONE}:orders.example.com:us-east-1:${EAST}:extra`],
    ['no Region in the third field', `${ZONE}:orders.example.com:primary:${EAST}`],
    ['an id with a slash', `${ZONE}:orders.example.com:us-east-1:healthcheck/${EAST}`],
  ])('an entry of an unknown shape fails the deploy: %s', (_name, entry) => {
    expect(() => parsePlanHealthCheck(entry)).toThrow(/is not <hostedZoneId>:<recordName>:<region>:<healthCheckId>/);
  });

  test('bad events are refused before anything is picked', () => {
    expect(() => event('Create', [], { PrimaryRegion: 'Virginia' })).toThrow(/AWS Region name/);
    expect(() => event('Create', [], { HostedZoneId: '' })).toThrow();
    expect(() => pickEventSchema.parse({ RequestType: 'Update', RequestId: 'r', ResourceProperties: {} })).toThrow();
  });
});

test('delete does nothing and keeps the physical id (nothing to clean up; the plan owns its checks)', () => {
  const gone = event('Delete', ['not even parsed']);
  expect(pickPlanHealthChecks(gone, { logger })).toEqual({
    PhysicalResourceId: `${ZONE}/orders.example.com/plan-health-checks`,
  });
  expect(logger.info).not.toHaveBeenCalled();
});
