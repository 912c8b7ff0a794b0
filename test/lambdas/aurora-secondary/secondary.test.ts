import { CloudFormationClient, DescribeStacksCommand, StackStatus } from '@aws-sdk/client-cloudformation';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  RDSClient,
  RemoveFromGlobalClusterCommand,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  isComplete,
  isCompleteSchema,
  onEvent,
  onEventSchema,
  SecondaryDeps,
} from '../../../lambdas/aurora-secondary/secondary';

const rdsMock = mockClient(RDSClient);
const cfnMock = mockClient(CloudFormationClient);
const regions: string[] = [];
const logger = { info: jest.fn(), warn: jest.fn() };
const deps: SecondaryDeps = {
  rds: (region) => {
    regions.push(region);
    return new RDSClient({ region });
  },
  cloudformation: new CloudFormationClient({ region: 'us-east-1' }),
  logger: logger as never,
  retry: { sleep: async () => undefined },
};
const stackIs = (status: StackStatus) =>
  cfnMock
    .on(DescribeStacksCommand)
    .resolves({ Stacks: [{ StackName: 'Prod', StackStatus: status, CreationTime: new Date() }] });

const properties = (overrides: Record<string, unknown> = {}) => ({
  ServiceToken: 'arn:aws:lambda:us-east-1:333333333333:function:provider',
  SecondaryRegion: 'us-west-2',
  GlobalClusterIdentifier: 'orders-global',
  DBClusterIdentifier: 'orders-dr-db',
  DBInstanceIdentifier: 'orders-dr-db-1',
  Engine: 'aurora-postgresql',
  EngineVersion: '17.9',
  // CloudFormation passes scalars as strings.
  MinCapacity: '1',
  MaxCapacity: '16',
  BackupRetentionPeriod: '35',
  DBSubnetGroupName: 'orders-dr-db',
  VpcSecurityGroupIds: ['sg-0123456789abcdef0'],
  KmsKeyId: 'arn:aws:kms:us-west-2:333333333333:key/1111-2222',
  DeletionProtection: 'true',
  Retain: 'true',
  Tags: { service: 'orders' },
  ...overrides,
});
const base = {
  RequestId: 'req-1',
  StackId: 'arn:aws:cloudformation:us-east-1:333333333333:stack/Prod/uuid',
  LogicalResourceId: 'GlobalDatabaseSecondary',
  ResponseURL: 'https://example.invalid',
  ResourceType: 'Custom::AuroraGlobalSecondary',
};
const create = (overrides = {}) =>
  onEventSchema.parse({ ...base, RequestType: 'Create', ResourceProperties: properties(overrides) });
const update = (overrides = {}, old = {}) =>
  onEventSchema.parse({
    ...base,
    RequestType: 'Update',
    PhysicalResourceId: 'orders-dr-db',
    ResourceProperties: properties(overrides),
    OldResourceProperties: properties(old),
  });
const remove = (overrides = {}, physicalId = 'orders-dr-db') =>
  onEventSchema.parse({
    ...base,
    RequestType: 'Delete',
    PhysicalResourceId: physicalId,
    ResourceProperties: properties(overrides),
  });
const waitEvent = (requestType: 'Create' | 'Update' | 'Delete', action: string, overrides = {}) =>
  isCompleteSchema.parse({
    ...base,
    RequestType: requestType,
    PhysicalResourceId: 'orders-dr-db',
    ResourceProperties: properties(overrides),
    Data: { Action: action },
  });
const fault = (name: string) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 400 } });
const throttled = () =>
  Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
const cluster = (status: string, extra = {}) =>
  rdsMock.on(DescribeDBClustersCommand).resolves({
    DBClusters: [
      {
        DBClusterIdentifier: 'orders-dr-db',
        Status: status,
        DBClusterArn: 'arn:aws:rds:us-west-2:333333333333:cluster:orders-dr-db',
        Endpoint: 'orders-dr-db.cluster-abc.us-west-2.rds.amazonaws.com',
        ReaderEndpoint: 'orders-dr-db.cluster-ro-abc.us-west-2.rds.amazonaws.com',
        ...extra,
      },
    ],
  });
const noCluster = () => rdsMock.on(DescribeDBClustersCommand).rejects(fault('DBClusterNotFoundFault'));
const instance = (status: string) =>
  rdsMock
    .on(DescribeDBInstancesCommand)
    .resolves({ DBInstances: [{ DBInstanceIdentifier: 'orders-dr-db-1', DBInstanceStatus: status }] });
const noInstance = () => rdsMock.on(DescribeDBInstancesCommand).rejects(fault('DBInstanceNotFoundFault'));

beforeEach(() => {
  rdsMock.reset();
  cfnMock.reset();
  regions.length = 0;
  jest.clearAllMocks();
});

describe('onEvent: Create', () => {
  test('creates the secondary in the DR region, joined to the global cluster, encrypted with the DR key', async () => {
    noCluster();
    rdsMock.on(CreateDBClusterCommand).resolves({});
    const response = await onEvent(create(), deps);
    expect(response).toEqual({ PhysicalResourceId: 'orders-dr-db', Data: { Action: 'wait' } });
    expect(regions).toEqual(['us-west-2']);
    expect(rdsMock).toHaveReceivedCommandWith(CreateDBClusterCommand, {
      DBClusterIdentifier: 'orders-dr-db',
      GlobalClusterIdentifier: 'orders-global',
      Engine: 'aurora-postgresql',
      EngineVersion: '17.9',
      ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 16 },
      DBSubnetGroupName: 'orders-dr-db',
      VpcSecurityGroupIds: ['sg-0123456789abcdef0'],
      StorageEncrypted: true,
      KmsKeyId: 'arn:aws:kms:us-west-2:333333333333:key/1111-2222',
      DeletionProtection: true,
      BackupRetentionPeriod: 35,
      Tags: [{ Key: 'service', Value: 'orders' }],
    });
    // The instance is created by isComplete once the cluster is available.
    expect(rdsMock).not.toHaveReceivedCommand(CreateDBInstanceCommand);
  });

  test('a Create retried after a timeout finds the existing cluster and creates no second one', async () => {
    cluster('creating');
    const response = await onEvent(create(), deps);
    expect(response.Data.Action).toBe('wait');
    expect(rdsMock).not.toHaveReceivedCommand(CreateDBClusterCommand);
  });

  test('a racing attempt that created it first (DBClusterAlreadyExistsFault) is waited for, not an error', async () => {
    noCluster();
    rdsMock.on(CreateDBClusterCommand).rejects(fault('DBClusterAlreadyExistsFault'));
    await expect(onEvent(create(), deps)).resolves.toMatchObject({ PhysicalResourceId: 'orders-dr-db' });
  });

  test('a cluster being deleted is refused with what to do', async () => {
    cluster('deleting');
    await expect(onEvent(create(), deps)).rejects.toThrow(/being deleted; wait until it is gone/);
  });

  test('throttling is retried (withRetry) and then succeeds', async () => {
    rdsMock.on(DescribeDBClustersCommand).rejectsOnce(throttled()).rejects(fault('DBClusterNotFoundFault'));
    rdsMock.on(CreateDBClusterCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({});
    await expect(onEvent(create(), deps)).resolves.toMatchObject({ Data: { Action: 'wait' } });
    expect(rdsMock).toHaveReceivedCommandTimes(CreateDBClusterCommand, 3);
  });

  test('other create errors fail the deployment', async () => {
    noCluster();
    rdsMock.on(CreateDBClusterCommand).rejects(fault('InvalidGlobalClusterStateFault'));
    await expect(onEvent(create(), deps)).rejects.toThrow('InvalidGlobalClusterStateFault');
  });
});

describe('isComplete: Create and Update', () => {
  test('pending while the cluster is being created', async () => {
    cluster('creating');
    await expect(isComplete(waitEvent('Create', 'wait'), deps)).resolves.toEqual({ IsComplete: false });
    expect(rdsMock).not.toHaveReceivedCommand(CreateDBInstanceCommand);
  });

  test('once the cluster is available, creates the db.serverless instance (once) and keeps waiting', async () => {
    cluster('available');
    noInstance();
    rdsMock.on(CreateDBInstanceCommand).resolves({});
    await expect(isComplete(waitEvent('Create', 'wait'), deps)).resolves.toEqual({ IsComplete: false });
    expect(rdsMock).toHaveReceivedCommandWith(CreateDBInstanceCommand, {
      DBInstanceIdentifier: 'orders-dr-db-1',
      DBClusterIdentifier: 'orders-dr-db',
      DBInstanceClass: 'db.serverless',
      Engine: 'aurora-postgresql',
      PubliclyAccessible: false,
    });
  });

  test('pending while the instance is being created; complete with the endpoints when it is available', async () => {
    cluster('available');
    instance('creating');
    await expect(isComplete(waitEvent('Create', 'wait'), deps)).resolves.toEqual({ IsComplete: false });
    instance('available');
    await expect(isComplete(waitEvent('Create', 'wait'), deps)).resolves.toEqual({
      IsComplete: true,
      Data: {
        Endpoint: 'orders-dr-db.cluster-abc.us-west-2.rds.amazonaws.com',
        ReaderEndpoint: 'orders-dr-db.cluster-ro-abc.us-west-2.rds.amazonaws.com',
        DBClusterArn: 'arn:aws:rds:us-west-2:333333333333:cluster:orders-dr-db',
      },
    });
    expect(rdsMock).not.toHaveReceivedCommand(CreateDBInstanceCommand);
  });

  test('a failed cluster fails the deployment with the command to look', async () => {
    cluster('inaccessible-encryption-credentials');
    await expect(isComplete(waitEvent('Create', 'wait'), deps)).rejects.toThrow(
      /inaccessible-encryption-credentials; see aws rds describe-events --region us-west-2/,
    );
  });

  test('a failed instance fails the deployment', async () => {
    cluster('available');
    instance('failed');
    await expect(isComplete(waitEvent('Create', 'wait'), deps)).rejects.toThrow(
      /orders-dr-db-1 in us-west-2 is failed/,
    );
  });

  test('a cluster that vanished fails clearly', async () => {
    noCluster();
    await expect(isComplete(waitEvent('Create', 'wait'), deps)).rejects.toThrow(/not found in us-west-2/);
  });

  test('headless (pilot light): complete once the cluster is available, with no instance created or awaited', async () => {
    cluster('available');
    noInstance();
    await expect(isComplete(waitEvent('Create', 'wait', { Headless: 'true' }), deps)).resolves.toEqual({
      IsComplete: true,
      Data: {
        Endpoint: 'orders-dr-db.cluster-abc.us-west-2.rds.amazonaws.com',
        ReaderEndpoint: 'orders-dr-db.cluster-ro-abc.us-west-2.rds.amazonaws.com',
        DBClusterArn: 'arn:aws:rds:us-west-2:333333333333:cluster:orders-dr-db',
      },
    });
    expect(rdsMock).not.toHaveReceivedCommand(CreateDBInstanceCommand);
    expect(rdsMock).not.toHaveReceivedCommand(DescribeDBInstancesCommand);
  });

  test('headless: an instance the plan added at failover is left alone by a later update', async () => {
    cluster('available');
    instance('available');
    await expect(isComplete(waitEvent('Update', 'wait', { Headless: 'true' }), deps)).resolves.toMatchObject({
      IsComplete: true,
    });
    expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
  });
});

describe('onEvent: Update', () => {
  test('changed scaling modifies the cluster immediately', async () => {
    rdsMock.on(ModifyDBClusterCommand).resolves({});
    const response = await onEvent(update({ MaxCapacity: '32' }), deps);
    expect(response).toEqual({ PhysicalResourceId: 'orders-dr-db', Data: { Action: 'wait' } });
    expect(rdsMock).toHaveReceivedCommandWith(ModifyDBClusterCommand, {
      DBClusterIdentifier: 'orders-dr-db',
      ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 32 },
      ApplyImmediately: true,
    });
  });

  test('nothing changed that the cluster holds: no call', async () => {
    await onEvent(update({ Tags: { service: 'orders', owner: 'x' } }), deps);
    expect(rdsMock).not.toHaveReceivedCommand(ModifyDBClusterCommand);
  });

  test('a change that would need a new cluster is refused, naming the fields', async () => {
    await expect(onEvent(update({ SecondaryRegion: 'eu-west-1' }), deps)).rejects.toThrow(
      /SecondaryRegion of the global database secondary cannot change in place/,
    );
    await expect(onEvent(update({ KmsKeyId: 'arn:aws:kms:us-west-2:333333333333:key/other' }), deps)).rejects.toThrow(
      /KmsKeyId/,
    );
  });
});

describe('onEvent and isComplete: Delete', () => {
  test('retained: the cluster stays (it is the data), only a log line', async () => {
    stackIs('DELETE_IN_PROGRESS');
    const response = await onEvent(remove(), deps);
    expect(response).toEqual({ PhysicalResourceId: 'orders-dr-db', Data: { Action: 'none' } });
    expect(rdsMock.calls()).toHaveLength(0);
    expect(cfnMock).toHaveReceivedCommandWith(DescribeStacksCommand, {
      StackName: 'arn:aws:cloudformation:us-east-1:333333333333:stack/Prod/uuid',
    });
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/retained/),
      expect.objectContaining({ cluster: 'orders-dr-db' }),
    );
    await expect(isComplete(waitEvent('Delete', 'none'), deps)).resolves.toEqual({ IsComplete: true });
  });

  test('not retained: detach from the global cluster, delete the instance, then the cluster without a final snapshot', async () => {
    cluster('available', { GlobalClusterIdentifier: 'orders-global' });
    rdsMock.on(RemoveFromGlobalClusterCommand).resolves({});
    rdsMock.on(DeleteDBInstanceCommand).resolves({});
    const response = await onEvent(remove({ Retain: 'false', DeletionProtection: 'false' }), deps);
    expect(response.Data.Action).toBe('delete');
    expect(rdsMock).toHaveReceivedCommandWith(RemoveFromGlobalClusterCommand, {
      GlobalClusterIdentifier: 'orders-global',
      DbClusterIdentifier: 'arn:aws:rds:us-west-2:333333333333:cluster:orders-dr-db',
    });
    expect(rdsMock).toHaveReceivedCommandWith(DeleteDBInstanceCommand, {
      DBInstanceIdentifier: 'orders-dr-db-1',
      SkipFinalSnapshot: true,
    });

    // The instance is still going: wait.
    instance('deleting');
    await expect(isComplete(waitEvent('Delete', 'delete', { Retain: 'false' }), deps)).resolves.toEqual({
      IsComplete: false,
    });
    expect(rdsMock).not.toHaveReceivedCommand(DeleteDBClusterCommand);
    // The instance is gone: delete the cluster, and wait until it is gone too.
    noInstance();
    cluster('available', { DBClusterMembers: [] });
    rdsMock.on(DeleteDBClusterCommand).resolves({});
    await expect(isComplete(waitEvent('Delete', 'delete', { Retain: 'false' }), deps)).resolves.toEqual({
      IsComplete: false,
    });
    expect(rdsMock).toHaveReceivedCommandWith(DeleteDBClusterCommand, {
      DBClusterIdentifier: 'orders-dr-db',
      SkipFinalSnapshot: true,
    });
    noCluster();
    await expect(isComplete(waitEvent('Delete', 'delete', { Retain: 'false' }), deps)).resolves.toEqual({
      IsComplete: true,
    });
  });

  test('retained, update rollback: the cluster stays', async () => {
    stackIs('UPDATE_ROLLBACK_IN_PROGRESS');
    await expect(onEvent(remove(), deps)).resolves.toEqual({
      PhysicalResourceId: 'orders-dr-db',
      Data: { Action: 'none' },
    });
    expect(rdsMock.calls()).toHaveLength(0);
  });

  test('retained, but its stack is rolling back its creation: the new secondary is deleted, protection lifted first', async () => {
    stackIs('ROLLBACK_IN_PROGRESS');
    cluster('available', { GlobalClusterIdentifier: 'orders-global', DeletionProtection: true });
    rdsMock.on(RemoveFromGlobalClusterCommand).resolves({});
    rdsMock.on(DeleteDBInstanceCommand).resolves({});
    const response = await onEvent(remove(), deps);
    expect(response.Data.Action).toBe('delete');
    expect(rdsMock).toHaveReceivedCommand(RemoveFromGlobalClusterCommand);
    expect(rdsMock).toHaveReceivedCommandWith(DeleteDBInstanceCommand, {
      DBInstanceIdentifier: 'orders-dr-db-1',
      SkipFinalSnapshot: true,
    });
    // The instance is gone; the cluster is still protected: lift protection, then delete on the next poll.
    noInstance();
    cluster('available', { DBClusterMembers: [], DeletionProtection: true });
    rdsMock.on(ModifyDBClusterCommand).resolves({});
    await expect(isComplete(waitEvent('Delete', 'delete'), deps)).resolves.toEqual({ IsComplete: false });
    expect(rdsMock).toHaveReceivedCommandWith(ModifyDBClusterCommand, {
      DBClusterIdentifier: 'orders-dr-db',
      DeletionProtection: false,
    });
    expect(rdsMock).not.toHaveReceivedCommand(DeleteDBClusterCommand);
    cluster('available', { DBClusterMembers: [], DeletionProtection: false });
    rdsMock.on(DeleteDBClusterCommand).resolves({});
    await expect(isComplete(waitEvent('Delete', 'delete'), deps)).resolves.toEqual({ IsComplete: false });
    expect(rdsMock).toHaveReceivedCommandWith(DeleteDBClusterCommand, {
      DBClusterIdentifier: 'orders-dr-db',
      SkipFinalSnapshot: true,
    });
  });

  test('retained: a throttled DescribeStacks is retried; one that keeps failing fails the Delete, deleting nothing', async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .rejectsOnce(throttled())
      .resolves({ Stacks: [{ StackName: 'Prod', StackStatus: 'DELETE_IN_PROGRESS', CreationTime: new Date() }] });
    await expect(onEvent(remove(), deps)).resolves.toMatchObject({ Data: { Action: 'none' } });
    expect(cfnMock).toHaveReceivedCommandTimes(DescribeStacksCommand, 2);
    cfnMock.reset();
    cfnMock.on(DescribeStacksCommand).rejects(throttled());
    await expect(onEvent(remove(), deps)).rejects.toThrow('Rate exceeded');
    expect(rdsMock.calls()).toHaveLength(0);
  });

  test('not retained and already gone: nothing to do', async () => {
    noCluster();
    await expect(onEvent(remove({ Retain: 'false' }), deps)).resolves.toEqual({
      PhysicalResourceId: 'orders-dr-db',
      Data: { Action: 'none' },
    });
  });

  test('a Create that failed before naming the cluster: its Delete touches nothing', async () => {
    await expect(
      onEvent(remove({ Retain: 'false' }, 'Prod-GlobalDatabaseSecondary-log-stream'), deps),
    ).resolves.toMatchObject({ Data: { Action: 'none' } });
    expect(rdsMock.calls()).toHaveLength(0);
  });
});

describe('bad events are rejected before any call', () => {
  test.each([
    ['no region', { SecondaryRegion: undefined }],
    ['a region that is not one', { SecondaryRegion: 'west' }],
    ['a key that is not an ARN', { KmsKeyId: 'alias/orders-dr-db' }],
    ['an uppercase identifier', { DBClusterIdentifier: 'Orders-DR' }],
    ['no security group', { VpcSecurityGroupIds: [] }],
  ])('%s', (_name, overrides) => {
    expect(() =>
      onEventSchema.parse({ ...base, RequestType: 'Create', ResourceProperties: properties(overrides) }),
    ).toThrow();
  });
  test('an unknown request type', () => {
    expect(() => onEventSchema.parse({ ...base, RequestType: 'Replace', ResourceProperties: properties() })).toThrow();
  });
});
