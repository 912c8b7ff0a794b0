import { CloudFormationClient, DescribeStacksCommand, StackStatus } from '@aws-sdk/client-cloudformation';
import { ModifyDBClusterCommand, ModifyGlobalClusterCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { onEvent, protectionEventSchema, ProtectionDeps } from '../../../lambdas/deletion-protection/protection';

const rdsMock = mockClient(RDSClient);
const cfnMock = mockClient(CloudFormationClient);
const logger = { info: jest.fn(), warn: jest.fn() };
const deps: ProtectionDeps = {
  rds: new RDSClient({ region: 'us-east-1' }),
  cloudformation: new CloudFormationClient({ region: 'us-east-1' }),
  logger: logger as never,
  retry: { sleep: async () => undefined },
};
const STACK = 'arn:aws:cloudformation:us-east-1:333333333333:stack/Prod/0a1b2c3d';
const event = (
  requestType: 'Create' | 'Update' | 'Delete',
  properties: Record<string, unknown> = {},
  physicalId = 'cluster:orders-prod-db',
) =>
  protectionEventSchema.parse({
    RequestType: requestType,
    RequestId: 'r-1',
    StackId: STACK,
    LogicalResourceId: 'DatabaseDeletionProtection',
    ResponseURL: 'https://example.invalid',
    ...(requestType === 'Create' ? {} : { PhysicalResourceId: physicalId }),
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:us-east-1:333333333333:function:p',
      Kind: 'cluster',
      Identifier: 'orders-prod-db',
      ...properties,
    },
  });
const stackIs = (status: StackStatus) =>
  cfnMock
    .on(DescribeStacksCommand)
    .resolves({ Stacks: [{ StackName: 'Prod', StackStatus: status, CreationTime: new Date() }] });
const fault = (name: string) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 400 } });
const throttled = () =>
  Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });

beforeEach(() => {
  rdsMock.reset();
  cfnMock.reset();
  jest.clearAllMocks();
  rdsMock.on(ModifyDBClusterCommand).resolves({});
  rdsMock.on(ModifyGlobalClusterCommand).resolves({});
});

describe('Create and Update switch protection on', () => {
  test('Create: the cluster becomes deletion-protected', async () => {
    await expect(onEvent(event('Create'), deps)).resolves.toEqual({
      PhysicalResourceId: 'cluster:orders-prod-db',
      Data: { DeletionProtection: 'on' },
    });
    expect(rdsMock).toHaveReceivedCommandWith(ModifyDBClusterCommand, {
      DBClusterIdentifier: 'orders-prod-db',
      DeletionProtection: true,
    });
    expect(cfnMock.calls()).toHaveLength(0);
  });

  test('Create of a global cluster latch uses ModifyGlobalCluster', async () => {
    await onEvent(event('Create', { Kind: 'global-cluster', Identifier: 'orders-global' }), deps);
    expect(rdsMock).toHaveReceivedCommandWith(ModifyGlobalClusterCommand, {
      GlobalClusterIdentifier: 'orders-global',
      DeletionProtection: true,
    });
    expect(rdsMock).not.toHaveReceivedCommand(ModifyDBClusterCommand);
  });

  test('Update (every later deploy that touches it) sets it again, idempotently', async () => {
    await expect(onEvent(event('Update'), deps)).resolves.toMatchObject({ Data: { DeletionProtection: 'on' } });
    expect(rdsMock).toHaveReceivedCommandWith(ModifyDBClusterCommand, { DeletionProtection: true });
  });

  test('a cluster still settling (instances joining) is waited for', async () => {
    rdsMock.on(ModifyDBClusterCommand).rejectsOnce(fault('InvalidDBClusterStateFault')).resolves({});
    await onEvent(event('Create'), deps);
    expect(rdsMock).toHaveReceivedCommandTimes(ModifyDBClusterCommand, 2);
  });

  test('throttling is retried', async () => {
    rdsMock.on(ModifyDBClusterCommand).rejectsOnce(throttled()).resolves({});
    await onEvent(event('Create'), deps);
    expect(rdsMock).toHaveReceivedCommandTimes(ModifyDBClusterCommand, 2);
  });

  test('other errors fail the deployment', async () => {
    rdsMock.on(ModifyDBClusterCommand).rejects(fault('AccessDeniedException'));
    await expect(onEvent(event('Create'), deps)).rejects.toThrow('AccessDeniedException');
  });
});

describe('Delete lifts protection only in a create rollback', () => {
  test('create rollback (ROLLBACK_IN_PROGRESS): protection lifted so CloudFormation can delete the new cluster', async () => {
    stackIs('ROLLBACK_IN_PROGRESS');
    await expect(onEvent(event('Delete'), deps)).resolves.toEqual({
      PhysicalResourceId: 'cluster:orders-prod-db',
      Data: { DeletionProtection: 'off' },
    });
    expect(cfnMock).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: STACK });
    expect(rdsMock).toHaveReceivedCommandWith(ModifyDBClusterCommand, {
      DBClusterIdentifier: 'orders-prod-db',
      DeletionProtection: false,
    });
  });

  test('create rollback of a global cluster latch', async () => {
    stackIs('ROLLBACK_IN_PROGRESS');
    await onEvent(
      event('Delete', { Kind: 'global-cluster', Identifier: 'orders-global' }, 'global-cluster:orders-global'),
      deps,
    );
    expect(rdsMock).toHaveReceivedCommandWith(ModifyGlobalClusterCommand, {
      GlobalClusterIdentifier: 'orders-global',
      DeletionProtection: false,
    });
  });

  test('create rollback, cluster already gone: nothing to release', async () => {
    stackIs('ROLLBACK_IN_PROGRESS');
    rdsMock.on(ModifyDBClusterCommand).rejects(fault('DBClusterNotFoundFault'));
    await expect(onEvent(event('Delete'), deps)).resolves.toMatchObject({ Data: { DeletionProtection: 'off' } });
  });

  test.each<[StackStatus]>([
    ['DELETE_IN_PROGRESS'],
    ['UPDATE_ROLLBACK_IN_PROGRESS'],
    ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'],
    ['UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS'],
  ])('%s: protection kept, no RDS call', async (status) => {
    stackIs(status);
    await expect(onEvent(event('Delete'), deps)).resolves.toEqual({
      PhysicalResourceId: 'cluster:orders-prod-db',
      Data: { DeletionProtection: 'kept' },
    });
    expect(rdsMock.calls()).toHaveLength(0);
  });

  test('a throttled DescribeStacks is retried, then decides', async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .rejectsOnce(throttled())
      .resolves({ Stacks: [{ StackName: 'Prod', StackStatus: 'DELETE_IN_PROGRESS', CreationTime: new Date() }] });
    await expect(onEvent(event('Delete'), deps)).resolves.toMatchObject({ Data: { DeletionProtection: 'kept' } });
    expect(cfnMock).toHaveReceivedCommandTimes(DescribeStacksCommand, 2);
    expect(rdsMock.calls()).toHaveLength(0);
  });

  test('a stack that cannot be read fails the Delete and never lifts protection', async () => {
    cfnMock.on(DescribeStacksCommand).rejects(throttled());
    await expect(onEvent(event('Delete'), deps)).rejects.toThrow('Rate exceeded');
    cfnMock.reset();
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [] });
    await expect(onEvent(event('Delete'), deps)).rejects.toThrow(/cannot tell a create rollback/);
    expect(rdsMock.calls()).toHaveLength(0);
  });

  test('a Delete for a latch whose Create never named it touches nothing', async () => {
    await expect(
      onEvent(event('Delete', {}, 'Prod-DatabaseDeletionProtection-log-stream'), deps),
    ).resolves.toMatchObject({ Data: { DeletionProtection: 'kept' } });
    expect(cfnMock.calls()).toHaveLength(0);
    expect(rdsMock.calls()).toHaveLength(0);
  });
});

describe('bad events are rejected before any call', () => {
  test.each([
    ['an unknown kind', { Kind: 'instance' }],
    ['an uppercase identifier', { Identifier: 'Orders-Prod' }],
    ['no identifier', { Identifier: undefined }],
  ])('%s', (_name, overrides) => {
    expect(() => event('Create', overrides)).toThrow();
  });
  test('a stack id that is not a stack ARN', () => {
    expect(() =>
      protectionEventSchema.parse({
        RequestType: 'Delete',
        RequestId: 'r',
        StackId: 'Prod',
        LogicalResourceId: 'x',
        PhysicalResourceId: 'p',
        ResourceProperties: { Kind: 'cluster', Identifier: 'orders-prod-db' },
      }),
    ).toThrow();
  });
});
