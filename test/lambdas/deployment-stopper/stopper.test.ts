import { CodeDeployClient, ListDeploymentsCommand, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { alarmEventSchema, stopDeployments } from '../../../lambdas/deployment-stopper/stopper';

const codedeploy = mockClient(CodeDeployClient);
const logger = { info: jest.fn(), warn: jest.fn() };
const settings = { applicationName: 'orders-prod', deploymentGroupName: 'orders-prod' };
const deps = { codedeploy: codedeploy as unknown as CodeDeployClient, logger, retry: { sleep: async () => undefined } };
const event = (state = 'ALARM') =>
  alarmEventSchema.parse({
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    detail: { alarmName: 'orders-prod-canary-journey-failed', state: { value: state } },
  });
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

beforeEach(() => {
  codedeploy.reset();
  jest.clearAllMocks();
});

describe('deployment stopper', () => {
  test('stops the unfinished deployment of the group with auto-rollback', async () => {
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-123'] });
    codedeploy.on(StopDeploymentCommand).resolves({ status: 'Pending' });
    const result = await stopDeployments(event(), settings, deps);
    expect(result).toEqual({
      alarmName: 'orders-prod-canary-journey-failed',
      stopped: ['d-123'],
      alreadyCompleted: [],
    });
    expect(codedeploy.commandCalls(ListDeploymentsCommand)[0].args[0].input).toEqual({
      applicationName: 'orders-prod',
      deploymentGroupName: 'orders-prod',
      includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'],
      nextToken: undefined,
    });
    expect(codedeploy.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { deploymentId: 'd-123', autoRollbackEnabled: true },
    ]);
  });

  test('nothing in progress: no StopDeployment call', async () => {
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
    const result = await stopDeployments(event(), settings, deps);
    expect(result.stopped).toEqual([]);
    expect(codedeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
  });

  test('a deployment that completed or was stopped meanwhile is fine (a repeated event)', async () => {
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-123'] });
    codedeploy
      .on(StopDeploymentCommand)
      .rejects(Object.assign(new Error('done'), { name: 'DeploymentAlreadyCompletedException' }));
    const result = await stopDeployments(event(), settings, deps);
    expect(result).toEqual({
      alarmName: 'orders-prod-canary-journey-failed',
      stopped: [],
      alreadyCompleted: ['d-123'],
    });
  });

  test('throttling on both calls is retried', async () => {
    codedeploy
      .on(ListDeploymentsCommand)
      .rejectsOnce(throttled())
      .resolves({ deployments: ['d-123'] });
    codedeploy.on(StopDeploymentCommand).rejectsOnce(throttled()).resolves({ status: 'Pending' });
    const result = await stopDeployments(event(), settings, deps);
    expect(result.stopped).toEqual(['d-123']);
    expect(codedeploy.commandCalls(ListDeploymentsCommand)).toHaveLength(2);
    expect(codedeploy.commandCalls(StopDeploymentCommand)).toHaveLength(2);
  });

  test('any other StopDeployment error fails the invocation (EventBridge retries it)', async () => {
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-123'] });
    codedeploy.on(StopDeploymentCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(stopDeployments(event(), settings, deps)).rejects.toThrow('denied');
  });

  test('pages of ListDeployments are all read', async () => {
    codedeploy.on(ListDeploymentsCommand, { nextToken: undefined }).resolves({ deployments: ['d-1'], nextToken: 't' });
    codedeploy.on(ListDeploymentsCommand, { nextToken: 't' }).resolves({ deployments: ['d-2'] });
    codedeploy.on(StopDeploymentCommand).resolves({});
    expect((await stopDeployments(event(), settings, deps)).stopped).toEqual(['d-1', 'd-2']);
  });

  test('a state other than ALARM stops nothing; a malformed event is refused', async () => {
    expect((await stopDeployments(event('OK'), settings, deps)).stopped).toEqual([]);
    expect(codedeploy.commandCalls(ListDeploymentsCommand)).toHaveLength(0);
    expect(() => alarmEventSchema.parse({ 'detail-type': 'CloudWatch Alarm State Change', detail: {} })).toThrow();
  });
});
