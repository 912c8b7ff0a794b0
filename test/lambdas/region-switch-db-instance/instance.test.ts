import { CreateDBInstanceCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  InstanceNotReadyError,
  InstanceSettings,
  addDatabaseInstance,
} from '../../../lambdas/region-switch-db-instance/instance';

const settings: InstanceSettings = {
  clusterIdentifier: 'orders-dr-db',
  instanceIdentifier: 'orders-dr-db-1',
  engine: 'aurora-postgresql',
  kmsKeyArn: 'arn:aws:kms:us-west-2:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  tags: { service: 'orders' },
};
/** The plan's payload with Region switch's metadata merged in. */
const event = { action: 'add-database-instance', ExecutionId: 'exec-1', StepName: 'aurora-add-instance' };
const rds = mockClient(RDSClient);
const logger = { info: jest.fn(), warn: jest.fn() };
const options = { logger, retry: { sleep: async () => undefined } };
const run = (e: unknown = event) => addDatabaseInstance(e, settings, rds as unknown as RDSClient, options);
const fault = (name: string, status = 400) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
const instance = (status: string, cluster = 'orders-dr-db') => ({
  DBInstances: [
    {
      DBInstanceIdentifier: 'orders-dr-db-1',
      DBClusterIdentifier: cluster,
      DBInstanceStatus: status,
      Endpoint: { Address: 'orders-dr-db-1.abc.us-west-2.rds.amazonaws.com' },
    },
  ],
});

beforeEach(() => {
  rds.reset();
  jest.clearAllMocks();
});

describe('Region switch step: add an instance to the headless secondary', () => {
  test('no instance: creates a db.serverless one in the cluster, then fails the call so the step retries', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(fault('DBInstanceNotFoundFault', 404));
    rds.on(CreateDBInstanceCommand).resolves({});
    await expect(run()).rejects.toThrow(InstanceNotReadyError);
    expect(rds).toHaveReceivedCommandWith(CreateDBInstanceCommand, {
      DBInstanceIdentifier: 'orders-dr-db-1',
      DBClusterIdentifier: 'orders-dr-db',
      DBInstanceClass: 'db.serverless',
      Engine: 'aurora-postgresql',
      PubliclyAccessible: false,
      PerformanceInsightsKMSKeyId: settings.kmsKeyArn,
      Tags: [{ Key: 'service', Value: 'orders' }],
    });
  });

  test('an instance being created: no second create, still not ready', async () => {
    rds.on(DescribeDBInstancesCommand).resolves(instance('creating'));
    await expect(run()).rejects.toThrow('orders-dr-db-1 is creating, not yet available');
    expect(rds).not.toHaveReceivedCommand(CreateDBInstanceCommand);
  });

  test('an available instance: the step succeeds with its endpoint, nothing created (idempotent retry)', async () => {
    rds.on(DescribeDBInstancesCommand).resolves(instance('available'));
    await expect(run()).resolves.toEqual({
      instance: 'orders-dr-db-1',
      status: 'available',
      endpoint: 'orders-dr-db-1.abc.us-west-2.rds.amazonaws.com',
    });
    expect(rds).not.toHaveReceivedCommand(CreateDBInstanceCommand);
  });

  test('a concurrent call created it first (DBInstanceAlreadyExistsFault): treated as being created', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(fault('DBInstanceNotFoundFault', 404));
    rds.on(CreateDBInstanceCommand).rejects(fault('DBInstanceAlreadyExistsFault'));
    await expect(run()).rejects.toThrow(InstanceNotReadyError);
  });

  test('throttling on describe and create is retried with backoff', async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .rejectsOnce(fault('Throttling'))
      .rejectsOnce(fault('DBInstanceNotFoundFault', 404));
    rds.on(CreateDBInstanceCommand).rejectsOnce(fault('ThrottlingException')).resolves({});
    await expect(run()).rejects.toThrow(InstanceNotReadyError);
    expect(rds).toHaveReceivedCommandTimes(DescribeDBInstancesCommand, 2);
    expect(rds).toHaveReceivedCommandTimes(CreateDBInstanceCommand, 2);
  });

  test('a failed instance is an error naming its state and the command to look, not a wait', async () => {
    rds.on(DescribeDBInstancesCommand).resolves(instance('incompatible-network'));
    const error = await run().catch((e: Error) => e);
    expect(error).not.toBeInstanceOf(InstanceNotReadyError);
    expect((error as Error).message).toBe(
      'orders-dr-db-1 is incompatible-network; see aws rds describe-events --source-type db-instance ' +
        '--source-identifier orders-dr-db-1',
    );
  });

  test('an instance of that name in another cluster is refused', async () => {
    rds.on(DescribeDBInstancesCommand).resolves(instance('available', 'someone-else'));
    await expect(run()).rejects.toThrow('orders-dr-db-1 exists but belongs to someone-else, not orders-dr-db');
  });

  test('an access fault is not swallowed', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(fault('AccessDenied', 403));
    await expect(run()).rejects.toThrow('AccessDenied happened');
    expect(rds).not.toHaveReceivedCommand(CreateDBInstanceCommand);
  });

  test('an event that is not the plan payload is refused before any call', async () => {
    await expect(run({ action: 'activate' })).rejects.toThrow("not the plan's add-database-instance event");
    expect(rds).not.toHaveReceivedCommand(DescribeDBInstancesCommand);
  });
});
