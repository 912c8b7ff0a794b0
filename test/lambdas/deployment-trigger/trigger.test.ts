import {
  CodeDeployClient,
  CreateDeploymentCommand,
  DeploymentInfo,
  DeploymentLimitExceededException,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  ListDeploymentsCommandInput,
} from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  appSpec,
  checkDeployment,
  isCompleteSchema,
  onEventSchema,
  startDeployment,
  TriggerDeps,
} from '../../../lambdas/deployment-trigger/trigger';

const codedeploy = mockClient(CodeDeployClient);
const ecs = mockClient(ECSClient);
const logger = { info: jest.fn(), warn: jest.fn() };
const NOW = new Date('2026-03-01T12:00:00Z');
const deps: TriggerDeps = {
  codedeploy: new CodeDeployClient({}),
  ecs: new ECSClient({}),
  logger: logger as never,
  retry: { sleep: async () => undefined },
  now: () => NOW,
};

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
const base = {
  RequestId: 'req-1',
  StackId: 'arn:aws:cloudformation:us-east-1:333333333333:stack/Prod/uuid',
  LogicalResourceId: 'Trigger',
  ResponseURL: 'https://example.invalid',
  ResourceType: 'Custom::BlueGreenDeployment',
};
const update = (arn = NEW, requestId = 'req-1') =>
  onEventSchema.parse({
    ...base,
    RequestId: requestId,
    RequestType: 'Update',
    PhysicalResourceId: 'orders-prod/orders-prod',
    ResourceProperties: properties(arn),
    OldResourceProperties: properties(OLD),
  });
const create = (arn = NEW) =>
  onEventSchema.parse({ ...base, RequestType: 'Create', ResourceProperties: properties(arn) });
/** The isComplete event: the request plus what onEvent returned (the Provider framework merges them). */
const poll = (request: object, data: Record<string, string>) =>
  isCompleteSchema.parse({ ...request, PhysicalResourceId: 'orders-prod/orders-prod', Data: data });
const waitingFor = (deploymentId: string, arn = NEW) => poll(update(arn), { DeploymentId: deploymentId });

const running = (arn: string) =>
  ecs
    .on(DescribeServicesCommand)
    .resolves({ services: [{ serviceName: 'orders-prod', taskSets: [{ status: 'PRIMARY', taskDefinition: arn }] }] });
const throttled = () =>
  Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });

/**
 * A small CodeDeploy double: a table of deployments. ListDeployments with includeOnlyStatuses answers the active
 * ones; with createTimeRange, all of them (every deployment in these tests is recent); GetDeployment reads the table;
 * CreateDeployment adds one, InProgress.
 */
let table: Record<string, DeploymentInfo>;
function useTable(initial: Record<string, DeploymentInfo>): void {
  table = initial;
  codedeploy.on(ListDeploymentsCommand).callsFake((input: ListDeploymentsCommandInput) => {
    const ids = Object.keys(table);
    if (input.includeOnlyStatuses)
      return { deployments: ids.filter((id) => input.includeOnlyStatuses!.includes(table[id].status!)) };
    return { deployments: ids };
  });
  codedeploy
    .on(GetDeploymentCommand)
    .callsFake(({ deploymentId }: { deploymentId: string }) => ({ deploymentInfo: table[deploymentId] }));
  codedeploy.on(CreateDeploymentCommand).callsFake(({ description }: { description: string }) => {
    table['d-NEW00001'] = { deploymentId: 'd-NEW00001', status: 'InProgress', description };
    return { deploymentId: 'd-NEW00001' };
  });
}

beforeEach(() => {
  codedeploy.reset();
  ecs.reset();
  logger.info.mockReset();
  logger.warn.mockReset();
  useTable({});
});

describe('onEvent (start)', () => {
  test('update with a new task definition starts a blue/green deployment with the AppSpec and the hook', async () => {
    running(OLD);
    const response = await startDeployment(update(), deps);
    expect(response).toEqual({
      PhysicalResourceId: 'orders-prod/orders-prod',
      Data: { DeploymentId: 'd-NEW00001', WaitingForGroup: 'false' },
    });
    expect(codedeploy).toHaveReceivedCommandTimes(CreateDeploymentCommand, 1);
    const input = codedeploy.commandCalls(CreateDeploymentCommand)[0].args[0].input;
    expect(input).toMatchObject({
      applicationName: 'orders-prod',
      deploymentGroupName: 'orders-prod',
      revision: { revisionType: 'AppSpecContent' },
    });
    expect(input.description).toBe(`CloudFormation Prod/Trigger request req-1: ${NEW}`);
    expect(JSON.parse(input.revision!.appSpecContent!.content!)).toEqual({
      version: 0,
      Resources: [
        {
          TargetService: {
            Type: 'AWS::ECS::Service',
            Properties: { TaskDefinition: NEW, LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 80 } },
          },
        },
      ],
      Hooks: [{ AfterAllowTestTraffic: 'Prod-ServiceSmokeCheck' }],
    });
  });

  test('create: the service already runs the task definition it was created with, so no deployment starts', async () => {
    running(NEW);
    const response = await startDeployment(create(), deps);
    expect(response).toEqual({
      PhysicalResourceId: 'orders-prod/orders-prod',
      Data: { DeploymentId: '', WaitingForGroup: 'false' },
    });
    expect(codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
  });

  test('stack rollback after a finished CodeDeploy rollback: the service already runs the old revision, nothing to do', async () => {
    running(OLD);
    useTable({ 'd-ROLLBACK1': { status: 'Succeeded', description: 'rollback' } });
    await expect(startDeployment(update(OLD, 'req-rollback'), deps)).resolves.toMatchObject({
      Data: { DeploymentId: '', WaitingForGroup: 'false' },
    });
    expect(codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
  });

  test('a retried request reuses the deployment it already started, even one that has finished', async () => {
    running(NEW);
    useTable({
      'd-OTHER001': { status: 'Succeeded', description: 'console deploy' },
      'd-MINE0001': { status: 'Succeeded', description: 'CloudFormation Prod/Trigger request req-1: ...' },
    });
    await expect(startDeployment(update(), deps)).resolves.toMatchObject({ Data: { DeploymentId: 'd-MINE0001' } });
    expect(codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
    // It looks for its own deployment among the last hour's, CloudFormation's limit for a custom resource.
    const listed = codedeploy
      .commandCalls(ListDeploymentsCommand)
      .map((call) => call.args[0].input.createTimeRange?.start);
    expect(listed).toContainEqual(new Date('2026-03-01T11:00:00Z'));
  });

  test('an active deployment at create time: onEvent waits for the group instead of starting one', async () => {
    running(OLD);
    useTable({ 'd-OPERATOR': { status: 'InProgress', description: 'console deploy' } });
    await expect(startDeployment(create(), deps)).resolves.toEqual({
      PhysicalResourceId: 'orders-prod/orders-prod',
      Data: { DeploymentId: '', WaitingForGroup: 'true' },
    });
    expect(codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
  });

  test('DeploymentLimitExceeded (a deployment created between the check and the call) means wait, not fail', async () => {
    running(OLD);
    codedeploy
      .on(CreateDeploymentCommand)
      .rejects(new DeploymentLimitExceededException({ message: 'The deployment limit was exceeded', $metadata: {} }));
    await expect(startDeployment(update(), deps)).resolves.toMatchObject({
      Data: { DeploymentId: '', WaitingForGroup: 'true' },
    });
    expect(logger.warn).toHaveBeenCalledWith('another deployment took the group first; waiting for it', {
      message: 'The deployment limit was exceeded',
    });
  });

  test('throttled calls are retried', async () => {
    ecs
      .on(DescribeServicesCommand)
      .rejectsOnce(throttled())
      .resolves({ services: [{ taskSets: [{ status: 'PRIMARY', taskDefinition: OLD }] }] });
    codedeploy.on(ListDeploymentsCommand).rejectsOnce(throttled()).resolves({ deployments: [] });
    codedeploy.on(CreateDeploymentCommand).rejectsOnce(throttled()).resolves({ deploymentId: 'd-NEW00001' });
    await expect(startDeployment(update(), deps)).resolves.toMatchObject({ Data: { DeploymentId: 'd-NEW00001' } });
    expect(codedeploy).toHaveReceivedCommandTimes(CreateDeploymentCommand, 2);
  });

  test('every page of ListDeployments is read: an active deployment on page two still holds the group', async () => {
    running(OLD);
    codedeploy
      .on(ListDeploymentsCommand, { includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'] })
      .resolvesOnce({ deployments: [], nextToken: 'page-2' })
      .resolves({ deployments: ['d-OPERATOR'] });
    await expect(startDeployment(update(), deps)).resolves.toMatchObject({ Data: { WaitingForGroup: 'true' } });
    expect(codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
  });

  test('delete does nothing to the service', async () => {
    const event = onEventSchema.parse({
      ...base,
      RequestType: 'Delete',
      PhysicalResourceId: 'orders-prod/orders-prod',
      ResourceProperties: properties(NEW),
    });
    const response = await startDeployment(event, deps);
    expect(response.PhysicalResourceId).toBe('orders-prod/orders-prod');
    expect(codedeploy).not.toHaveReceivedAnyCommand();
    expect(ecs).not.toHaveReceivedAnyCommand();
  });

  test('bad events are rejected', () => {
    expect(() =>
      onEventSchema.parse({ ...base, RequestType: 'Update', ResourceProperties: properties(NEW) }),
    ).toThrow(); // no PhysicalResourceId
    expect(() =>
      onEventSchema.parse({
        ...base,
        RequestType: 'Create',
        ResourceProperties: { ...properties(NEW), TaskDefinitionArn: 'orders-prod' },
      }),
    ).toThrow(/revision/);
    expect(() =>
      onEventSchema.parse({ ...base, RequestType: 'Replace', ResourceProperties: properties(NEW) }),
    ).toThrow();
    expect(() =>
      isCompleteSchema.parse({ ...update(), Data: { DeploymentId: 'd-1', WaitingForGroup: 'maybe' } }),
    ).toThrow();
  });
});

describe('isComplete (wait)', () => {
  test.each(['Created', 'Queued', 'InProgress', 'Baking', 'Ready'])('%s is not complete yet', async (status) => {
    useTable({ 'd-NEW00001': { status: status as never } });
    await expect(checkDeployment(waitingFor('d-NEW00001'), deps)).resolves.toEqual({ IsComplete: false });
  });

  test('Succeeded completes', async () => {
    useTable({ 'd-NEW00001': { status: 'Succeeded' } });
    await expect(checkDeployment(waitingFor('d-NEW00001'), deps)).resolves.toEqual({
      IsComplete: true,
      Data: { DeploymentId: 'd-NEW00001' },
    });
  });

  test("Failed, with its rollback finished, fails the stack update with CodeDeploy's reason and the rollback's outcome", async () => {
    useTable({
      'd-NEW00001': {
        status: 'Failed',
        errorInformation: { code: 'ALARM_ACTIVE', message: 'One or more alarms have been activated' },
        rollbackInfo: { rollbackDeploymentId: 'd-ROLLBACK1', rollbackMessage: 'Deployment rolled back' },
      },
      'd-ROLLBACK1': { status: 'Succeeded' },
    });
    await expect(checkDeployment(waitingFor('d-NEW00001'), deps)).rejects.toThrow(
      'CodeDeploy deployment d-NEW00001 Failed: ALARM_ACTIVE: One or more alarms have been activated; rolled back by d-ROLLBACK1 (Succeeded): Deployment rolled back. See: aws deploy get-deployment --deployment-id d-NEW00001',
    );
  });

  test('Stopped without automatic rollback fails at once', async () => {
    useTable({
      'd-NEW00001': {
        status: 'Stopped',
        errorInformation: { code: 'HOOK_EXECUTION_FAILURE', message: 'AfterAllowTestTraffic failed' },
      },
    });
    await expect(checkDeployment(waitingFor('d-NEW00001'), deps)).rejects.toThrow(
      /d-NEW00001 Stopped: HOOK_EXECUTION_FAILURE: AfterAllowTestTraffic failed\. See/,
    );
  });

  test('a failure with automatic rollback on waits for CodeDeploy to create the rollback, then fails', async () => {
    const failed: DeploymentInfo = {
      status: 'Failed',
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
      completeTime: new Date('2026-03-01T11:59:30Z'), // 30 s before NOW
      errorInformation: { code: 'HEALTH_CONSTRAINTS', message: 'tasks failed health checks' },
    };
    useTable({ 'd-NEW00001': failed });
    await expect(checkDeployment(waitingFor('d-NEW00001'), deps)).resolves.toEqual({ IsComplete: false });
    table['d-NEW00001'] = { ...failed, completeTime: new Date('2026-03-01T11:57:00Z') }; // 3 min before NOW, still no rollback
    await expect(checkDeployment(waitingFor('d-NEW00001'), deps)).rejects.toThrow(
      /d-NEW00001 Failed: HEALTH_CONSTRAINTS/,
    );
  });

  test('a deployment still active in the group (a rollback not yet linked) delays the failure', async () => {
    useTable({
      'd-NEW00001': { status: 'Stopped', errorInformation: { code: 'ALARM_ACTIVE', message: 'alarm' } },
      'd-ROLLBACK1': { status: 'Created' },
    });
    await expect(checkDeployment(waitingFor('d-NEW00001'), deps)).resolves.toEqual({ IsComplete: false });
  });

  test('a throttled GetDeployment is retried, and never starts a deployment', async () => {
    codedeploy
      .on(GetDeploymentCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ deploymentInfo: { status: 'InProgress' } });
    await expect(checkDeployment(waitingFor('d-NEW00001'), deps)).resolves.toEqual({ IsComplete: false });
    expect(codedeploy).toHaveReceivedCommandTimes(GetDeploymentCommand, 3);
    expect(codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
  });

  test('no deployment started and none awaited (create, rollback) or delete completes at once', async () => {
    await expect(checkDeployment(waitingFor(''), deps)).resolves.toEqual({ IsComplete: true });
    const deleted = isCompleteSchema.parse({
      ...base,
      RequestType: 'Delete',
      PhysicalResourceId: 'x',
      ResourceProperties: properties(NEW),
    });
    await expect(checkDeployment(deleted, deps)).resolves.toEqual({ IsComplete: true });
    expect(codedeploy).not.toHaveReceivedAnyCommand();
  });
});

describe('rollback race (issue 12, item 7)', () => {
  test('failure -> CodeDeploy rollback InProgress -> rollback Update arrives: nothing is started while the rollback runs', async () => {
    // 1. The forward update's deployment failed; CodeDeploy's automatic rollback is running.
    useTable({
      'd-NEW00001': {
        status: 'Failed',
        description: 'CloudFormation Prod/Trigger request req-1: ...',
        errorInformation: { code: 'ALARM_ACTIVE', message: 'One or more alarms have been activated' },
        rollbackInfo: { rollbackDeploymentId: 'd-ROLLBACK1' },
      },
      'd-ROLLBACK1': { status: 'InProgress', description: 'rollback' },
    });
    running(NEW); // traffic had shifted: the new revision is still PRIMARY while the rollback runs

    // 2. The forward update's waiter does not fail yet, so CloudFormation does not send the rollback Update yet.
    await expect(checkDeployment(waitingFor('d-NEW00001'), deps)).resolves.toEqual({ IsComplete: false });

    // 3. Even if the rollback Update arrives now (asking for the old revision), onEvent starts nothing.
    const rollbackUpdate = update(OLD, 'req-rollback');
    const started = await startDeployment(rollbackUpdate, deps);
    expect(started.Data).toEqual({ DeploymentId: '', WaitingForGroup: 'true' });
    await expect(checkDeployment(poll(rollbackUpdate, { ...started.Data }), deps)).resolves.toEqual({
      IsComplete: false,
    });

    // 4. CodeDeploy's rollback finishes: the old revision serves again.
    table['d-ROLLBACK1'].status = 'Succeeded';
    running(OLD);
    await expect(checkDeployment(waitingFor('d-NEW00001'), deps)).rejects.toThrow(
      /rolled back by d-ROLLBACK1 \(Succeeded\)/,
    );
    await expect(checkDeployment(poll(rollbackUpdate, { ...started.Data }), deps)).resolves.toEqual({
      IsComplete: true,
      Data: { DeploymentId: '' },
    });
    expect(codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
  });

  test('rollback Update with no CodeDeploy rollback (auto-rollback off) deploys the old revision once the group is idle', async () => {
    running(NEW);
    useTable({ 'd-NEW00001': { status: 'Stopped', description: 'CloudFormation Prod/Trigger request req-1: ...' } });
    const response = await startDeployment(update(OLD, 'req-rollback'), deps);
    expect(response.Data).toEqual({ DeploymentId: 'd-NEW00001', WaitingForGroup: 'false' });
    expect(codedeploy).toHaveReceivedCommandTimes(CreateDeploymentCommand, 1);
    expect(codedeploy.commandCalls(CreateDeploymentCommand)[0].args[0].input.description).toBe(
      `CloudFormation Prod/Trigger request req-rollback: ${OLD}`,
    );
  });

  test('the waiter starts the deployment once the busy group is free, then follows it to the end, starting it once', async () => {
    running(OLD);
    useTable({ 'd-OPERATOR': { status: 'InProgress', description: 'console deploy' } });
    const event = create();
    const started = await startDeployment(event, deps);
    const polled = () => checkDeployment(poll(event, { ...started.Data }), deps);

    await expect(polled()).resolves.toEqual({ IsComplete: false }); // operator's deployment still running
    expect(codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);

    table['d-OPERATOR'].status = 'Succeeded';
    await expect(polled()).resolves.toEqual({ IsComplete: false }); // starts ours; InProgress
    await expect(polled()).resolves.toEqual({ IsComplete: false }); // finds ours by its marker; still InProgress
    table['d-NEW00001'].status = 'Succeeded';
    await expect(polled()).resolves.toEqual({ IsComplete: true, Data: { DeploymentId: 'd-NEW00001' } });
    expect(codedeploy).toHaveReceivedCommandTimes(CreateDeploymentCommand, 1);
  });

  test('the waiter treats DeploymentLimitExceeded as busy and retries on the next poll', async () => {
    running(OLD);
    const event = update();
    codedeploy
      .on(CreateDeploymentCommand)
      .rejectsOnce(new DeploymentLimitExceededException({ message: 'limit', $metadata: {} }));
    const started = await startDeployment(event, deps);
    expect(started.Data.WaitingForGroup).toBe('true');
    useTable({});
    await expect(checkDeployment(poll(event, { ...started.Data }), deps)).resolves.toEqual({ IsComplete: false });
    expect(codedeploy).toHaveReceivedCommandTimes(CreateDeploymentCommand, 2); // refused once by onEvent, then accepted
    expect(table['d-NEW00001'].status).toBe('InProgress');
  });

  test('a throttled ListDeployments in the waiter is retried', async () => {
    running(OLD);
    useTable({});
    const list = codedeploy.on(ListDeploymentsCommand);
    list.rejectsOnce(throttled()).resolves({ deployments: ['d-OPERATOR'] });
    codedeploy
      .on(GetDeploymentCommand)
      .resolves({ deploymentInfo: { status: 'InProgress', description: 'console deploy' } });
    await expect(checkDeployment(poll(update(), { DeploymentId: '', WaitingForGroup: 'true' }), deps)).resolves.toEqual(
      { IsComplete: false },
    );
    expect(codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
  });
});

test('the AppSpec is valid JSON naming the container and port as numbers', () => {
  const spec = JSON.parse(appSpec(create().ResourceProperties));
  expect(spec.Resources[0].TargetService.Properties.LoadBalancerInfo.ContainerPort).toBe(80);
});

describe('handler', () => {
  test('TRIGGER_STEP selects onEvent or isComplete; an unknown step fails at load', async () => {
    process.env.TRIGGER_STEP = 'wait';
    const { handler } = await import('../../../lambdas/deployment-trigger/index');
    codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: 'Succeeded' } });
    const event = {
      ...base,
      RequestType: 'Update',
      PhysicalResourceId: 'p',
      ResourceProperties: properties(NEW),
      Data: { DeploymentId: 'd-1' },
    };
    await expect(handler(event)).resolves.toMatchObject({ IsComplete: true });
    await expect(handler({ RequestType: 'Nope' })).rejects.toThrow();
    process.env.TRIGGER_STEP = 'bogus';
    await expect(
      jest.isolateModulesAsync(() => import('../../../lambdas/deployment-trigger/index').then(() => undefined)),
    ).rejects.toThrow();
  });
});
