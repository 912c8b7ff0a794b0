import { CodeDeployClient, CreateDeploymentCommand, DeploymentLimitExceededException, GetDeploymentCommand, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { appSpec, checkDeployment, isCompleteSchema, onEventSchema, startDeployment, TriggerDeps } from '../../../lambdas/deployment-trigger/trigger';

const codedeploy = mockClient(CodeDeployClient);
const ecs = mockClient(ECSClient);
const logger = { info: jest.fn(), warn: jest.fn() };
const deps: TriggerDeps = { codedeploy: new CodeDeployClient({}), ecs: new ECSClient({}), logger: logger as never, retry: { sleep: async () => undefined } };

const OLD = 'arn:aws:ecs:us-east-1:333333333333:task-definition/orders-prod:7';
const NEW = 'arn:aws:ecs:us-east-1:333333333333:task-definition/orders-prod:8';
const properties = (taskDefinitionArn: string) => ({
  ServiceToken: 'arn:aws:lambda:us-east-1:333333333333:function:provider',
  ApplicationName: 'orders-prod',
  DeploymentGroupName: 'orders-prod',
  ClusterName: 'orders-prod',
  ServiceName: 'orders-prod',
  TaskDefinitionArn: taskDefinitionArn,
  ContainerName: 'app',
  ContainerPort: '80',
  AfterAllowTestTrafficHook: 'Prod-ServiceSmokeCheck',
});
const base = { RequestId: 'req-1', StackId: 'arn:aws:cloudformation:us-east-1:333333333333:stack/Prod/uuid', LogicalResourceId: 'Trigger', ResponseURL: 'https://example.invalid', ResourceType: 'Custom::BlueGreenDeployment' };
const update = (arn = NEW) => onEventSchema.parse({ ...base, RequestType: 'Update', PhysicalResourceId: 'orders-prod/orders-prod', ResourceProperties: properties(arn), OldResourceProperties: properties(OLD) });
const running = (arn: string) => ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'orders-prod', taskSets: [{ status: 'PRIMARY', taskDefinition: arn }] }] });
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });

beforeEach(() => {
  codedeploy.reset();
  ecs.reset();
  codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
  codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-NEW00001' });
});

describe('onEvent (start)', () => {
  test('update with a new task definition starts a blue/green deployment with the AppSpec and the hook', async () => {
    running(OLD);
    const response = await startDeployment(update(), deps);
    expect(response).toEqual({ PhysicalResourceId: 'orders-prod/orders-prod', Data: { DeploymentId: 'd-NEW00001' } });
    expect(codedeploy).toHaveReceivedCommandTimes(CreateDeploymentCommand, 1);
    const input = codedeploy.commandCalls(CreateDeploymentCommand)[0].args[0].input;
    expect(input).toMatchObject({ applicationName: 'orders-prod', deploymentGroupName: 'orders-prod', revision: { revisionType: 'AppSpecContent' } });
    expect(input.description).toContain('request req-1');
    expect(JSON.parse(input.revision!.appSpecContent!.content!)).toEqual({
      version: 0,
      Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: NEW, LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 80 } } } }],
      Hooks: [{ AfterAllowTestTraffic: 'Prod-ServiceSmokeCheck' }],
    });
  });

  test('create: the service already runs the task definition it was created with, so no deployment starts', async () => {
    running(NEW);
    const response = await startDeployment(onEventSchema.parse({ ...base, RequestType: 'Create', ResourceProperties: properties(NEW) }), deps);
    expect(response).toEqual({ PhysicalResourceId: 'orders-prod/orders-prod', Data: { DeploymentId: '' } });
    expect(codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
  });

  test('stack rollback after a CodeDeploy rollback: the service already runs the old revision, nothing to do', async () => {
    running(OLD);
    await expect(startDeployment(update(OLD), deps)).resolves.toMatchObject({ Data: { DeploymentId: '' } });
    expect(codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
  });

  test('a retried request reuses the deployment it already started instead of starting a second one', async () => {
    running(OLD);
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-OTHER001', 'd-MINE0001'] });
    codedeploy.on(GetDeploymentCommand, { deploymentId: 'd-OTHER001' }).resolves({ deploymentInfo: { description: 'console deploy' } });
    codedeploy.on(GetDeploymentCommand, { deploymentId: 'd-MINE0001' }).resolves({ deploymentInfo: { description: 'CloudFormation Prod/Trigger request req-1: ...' } });
    await expect(startDeployment(update(), deps)).resolves.toMatchObject({ Data: { DeploymentId: 'd-MINE0001' } });
    expect(codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
  });

  test('another deployment holding the group fails the update with the command to find it', async () => {
    running(OLD);
    codedeploy.on(CreateDeploymentCommand).rejects(new DeploymentLimitExceededException({ message: 'd-OTHER001 is in progress', $metadata: {} }));
    await expect(startDeployment(update(), deps)).rejects.toThrow(/already has a deployment in progress .*aws deploy list-deployments/);
  });

  test('throttled calls are retried', async () => {
    ecs.on(DescribeServicesCommand).rejectsOnce(throttled()).resolves({ services: [{ taskSets: [{ status: 'PRIMARY', taskDefinition: OLD }] }] });
    codedeploy.on(CreateDeploymentCommand).rejectsOnce(throttled()).resolves({ deploymentId: 'd-NEW00001' });
    await expect(startDeployment(update(), deps)).resolves.toMatchObject({ Data: { DeploymentId: 'd-NEW00001' } });
    expect(codedeploy).toHaveReceivedCommandTimes(CreateDeploymentCommand, 2);
  });

  test('delete does nothing to the service', async () => {
    const response = await startDeployment(onEventSchema.parse({ ...base, RequestType: 'Delete', PhysicalResourceId: 'orders-prod/orders-prod', ResourceProperties: properties(NEW) }), deps);
    expect(response.PhysicalResourceId).toBe('orders-prod/orders-prod');
    expect(codedeploy).not.toHaveReceivedAnyCommand();
    expect(ecs).not.toHaveReceivedAnyCommand();
  });

  test('bad events are rejected', () => {
    expect(() => onEventSchema.parse({ ...base, RequestType: 'Update', ResourceProperties: properties(NEW) })).toThrow(); // no PhysicalResourceId
    expect(() => onEventSchema.parse({ ...base, RequestType: 'Create', ResourceProperties: { ...properties(NEW), TaskDefinitionArn: 'orders-prod' } })).toThrow(/revision/);
    expect(() => onEventSchema.parse({ ...base, RequestType: 'Replace', ResourceProperties: properties(NEW) })).toThrow();
  });
});

describe('isComplete (wait)', () => {
  const waiting = (deploymentId: string) => isCompleteSchema.parse({ ...base, RequestType: 'Update', PhysicalResourceId: 'orders-prod/orders-prod', Data: { DeploymentId: deploymentId } });

  test.each(['Created', 'Queued', 'InProgress', 'Baking', 'Ready'])('%s is not complete yet', async (status) => {
    codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: status as never } });
    await expect(checkDeployment(waiting('d-NEW00001'), deps)).resolves.toEqual({ IsComplete: false });
  });

  test('Succeeded completes', async () => {
    codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: 'Succeeded' } });
    await expect(checkDeployment(waiting('d-NEW00001'), deps)).resolves.toMatchObject({ IsComplete: true });
  });

  test('Failed fails the stack update with CodeDeploy\'s reason', async () => {
    codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: 'Failed', errorInformation: { code: 'ALARM_ACTIVE', message: 'One or more alarms have been activated' }, rollbackInfo: { rollbackDeploymentId: 'd-ROLLBACK1', rollbackMessage: 'rolled back' } } });
    await expect(checkDeployment(waiting('d-NEW00001'), deps)).rejects.toThrow(/d-NEW00001 Failed: ALARM_ACTIVE: One or more alarms have been activated; rolled back by d-ROLLBACK1/);
  });

  test('Stopped (rolled back) fails the stack update', async () => {
    codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: 'Stopped', errorInformation: { code: 'HOOK_EXECUTION_FAILURE', message: 'AfterAllowTestTraffic failed' } } });
    await expect(checkDeployment(waiting('d-NEW00001'), deps)).rejects.toThrow(/Stopped: HOOK_EXECUTION_FAILURE/);
  });

  test('a throttled GetDeployment is retried, and never starts a deployment', async () => {
    codedeploy.on(GetDeploymentCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({ deploymentInfo: { status: 'InProgress' } });
    await expect(checkDeployment(waiting('d-NEW00001'), deps)).resolves.toEqual({ IsComplete: false });
    expect(codedeploy).toHaveReceivedCommandTimes(GetDeploymentCommand, 3);
    expect(codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
  });

  test('no deployment started (create, rollback) or delete completes at once', async () => {
    await expect(checkDeployment(waiting(''), deps)).resolves.toEqual({ IsComplete: true });
    await expect(checkDeployment(isCompleteSchema.parse({ RequestType: 'Delete', PhysicalResourceId: 'x' }), deps)).resolves.toEqual({ IsComplete: true });
    expect(codedeploy).not.toHaveReceivedAnyCommand();
  });
});

test('the AppSpec is valid JSON naming the container and port as numbers', () => {
  const spec = JSON.parse(appSpec(onEventSchema.parse({ ...base, RequestType: 'Create', ResourceProperties: properties(NEW) }).ResourceProperties));
  expect(spec.Resources[0].TargetService.Properties.LoadBalancerInfo.ContainerPort).toBe(80);
});

describe('handler', () => {
  test('TRIGGER_STEP selects onEvent or isComplete; an unknown step fails at load', async () => {
    process.env.TRIGGER_STEP = 'wait';
    const { handler } = await import('../../../lambdas/deployment-trigger/index');
    codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: 'Succeeded' } });
    await expect(handler({ RequestType: 'Update', PhysicalResourceId: 'p', Data: { DeploymentId: 'd-1' } })).resolves.toMatchObject({ IsComplete: true });
    await expect(handler({ RequestType: 'Nope' })).rejects.toThrow();
    process.env.TRIGGER_STEP = 'bogus';
    await expect(jest.isolateModulesAsync(() => import('../../../lambdas/deployment-trigger/index').then(() => undefined))).rejects.toThrow();
  });
});
