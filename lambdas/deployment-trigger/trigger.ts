import type { Logger } from '@aws-lambda-powertools/logger';
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  DeploymentStatus,
  GetDeploymentCommand,
  ListDeploymentsCommand,
} from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { RetryOptions, withRetry } from '../shared/retry';

/** zod/mini loads no locale; English, as classic zod has, keeps the parse errors' wording. */
z.config(en());

/** The custom resource's properties (CloudFormation passes every scalar as a string). */
export const triggerPropertiesSchema = z.object({
  ApplicationName: z.string().check(z.minLength(1)),
  DeploymentGroupName: z.string().check(z.minLength(1)),
  ClusterName: z.string().check(z.minLength(1)),
  ServiceName: z.string().check(z.minLength(1)),
  TaskDefinitionArn: z.string().check(z.regex(/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/.+:\d+$/, { error: 'must be a task definition ARN with its revision' })),
  ContainerName: z.string().check(z.minLength(1)),
  ContainerPort: z.coerce.number().check(z.int(), z.minimum(1), z.maximum(65535)),
  AfterAllowTestTrafficHook: z.string().check(z.minLength(1)),
});
export type TriggerProperties = z.infer<typeof triggerPropertiesSchema>;

const baseEvent = {
  RequestId: z.string().check(z.minLength(1)),
  StackId: z.string().check(z.minLength(1)),
  LogicalResourceId: z.string().check(z.minLength(1)),
  ResourceProperties: triggerPropertiesSchema,
};
export const onEventSchema = z.discriminatedUnion('RequestType', [
  z.object({ ...baseEvent, RequestType: z.literal('Create') }),
  z.object({ ...baseEvent, RequestType: z.literal('Update'), PhysicalResourceId: z.string().check(z.minLength(1)) }),
  z.object({ ...baseEvent, RequestType: z.literal('Delete'), PhysicalResourceId: z.string().check(z.minLength(1)) }),
]);
export type OnEvent = z.infer<typeof onEventSchema>;

/** isComplete receives the onEvent event plus what onEvent returned. */
export const isCompleteSchema = z.object({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  PhysicalResourceId: z.string().check(z.minLength(1)),
  Data: z.prefault(z.object({ DeploymentId: z._default(z.string(), '') }), {}),
});
export type IsCompleteEvent = z.infer<typeof isCompleteSchema>;

export interface OnEventResponse {
  readonly PhysicalResourceId: string;
  readonly Data: { readonly DeploymentId: string };
}
export interface IsCompleteResponse {
  readonly IsComplete: boolean;
  readonly Data?: Record<string, string>;
}

export type TriggerLogger = Pick<Logger, 'info' | 'warn'>;

export interface TriggerDeps {
  readonly codedeploy: Pick<CodeDeployClient, 'send'>;
  readonly ecs: Pick<ECSClient, 'send'>;
  readonly logger: TriggerLogger;
  readonly retry?: RetryOptions;
}

/** Deployments that still hold the deployment group (CodeDeploy allows one at a time). */
const ACTIVE_STATUSES: DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'];

/**
 * onEvent: start a blue/green deployment of the task definition unless the service already runs it.
 * The service already runs it right after creation (CloudFormation created it with the family's latest
 * revision) and after a CodeDeploy rollback, when CloudFormation rolls the stack back: both need no
 * deployment. Idempotent: a retried request finds the deployment it started by its request id.
 */
export async function startDeployment(event: OnEvent, deps: TriggerDeps): Promise<OnEventResponse> {
  const props = event.ResourceProperties;
  const physicalId = `${props.ApplicationName}/${props.DeploymentGroupName}`;
  if (event.RequestType === 'Delete') {
    // The service goes with the stack; there is nothing to undo.
    return { PhysicalResourceId: event.PhysicalResourceId, Data: { DeploymentId: '' } };
  }

  const running = await primaryTaskDefinition(props, deps);
  if (running === props.TaskDefinitionArn) {
    deps.logger.info('service already runs this task definition; no deployment needed', { taskDefinition: running, requestType: event.RequestType });
    return { PhysicalResourceId: physicalId, Data: { DeploymentId: '' } };
  }

  const marker = `request ${event.RequestId}`;
  const existing = await findDeployment(props, marker, deps);
  if (existing) {
    deps.logger.info('found the deployment this request already started', { deploymentId: existing });
    return { PhysicalResourceId: physicalId, Data: { DeploymentId: existing } };
  }

  try {
    const created = await withRetry(
      () =>
        deps.codedeploy.send(
          new CreateDeploymentCommand({
            applicationName: props.ApplicationName,
            deploymentGroupName: props.DeploymentGroupName,
            description: `CloudFormation ${stackName(event.StackId)}/${event.LogicalResourceId} ${marker}: ${props.TaskDefinitionArn}`.slice(0, 1000),
            revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec(props) } },
          }),
        ),
      deps.retry,
    );
    if (!created.deploymentId) throw new Error('CodeDeploy CreateDeployment returned no deployment id');
    deps.logger.info('started blue/green deployment', { deploymentId: created.deploymentId, from: running, to: props.TaskDefinitionArn });
    return { PhysicalResourceId: physicalId, Data: { DeploymentId: created.deploymentId } };
  } catch (error) {
    if ((error as Error).name === 'DeploymentLimitExceededException') {
      throw new Error(
        `deployment group ${props.DeploymentGroupName} already has a deployment in progress (${(error as Error).message}); wait for it (aws deploy list-deployments --application-name ${props.ApplicationName} --deployment-group-name ${props.DeploymentGroupName} --include-only-statuses InProgress) and deploy again`,
      );
    }
    throw error;
  }
}

/** isComplete: done when CodeDeploy succeeded; throws (failing the stack update) when it failed or was stopped. */
export async function checkDeployment(event: IsCompleteEvent, deps: TriggerDeps): Promise<IsCompleteResponse> {
  const deploymentId = event.Data.DeploymentId;
  if (event.RequestType === 'Delete' || !deploymentId) return { IsComplete: true };

  const { deploymentInfo } = await withRetry(() => deps.codedeploy.send(new GetDeploymentCommand({ deploymentId })), deps.retry);
  const status = deploymentInfo?.status;
  switch (status) {
    case 'Succeeded':
      deps.logger.info('deployment succeeded', { deploymentId });
      return { IsComplete: true, Data: { DeploymentId: deploymentId } };
    case 'Failed':
    case 'Stopped': {
      const why = deploymentInfo?.errorInformation;
      const rollback = deploymentInfo?.rollbackInfo;
      const rolledBack = rollback?.rollbackDeploymentId ? `; rolled back by ${rollback.rollbackDeploymentId}${rollback.rollbackMessage ? ` (${rollback.rollbackMessage})` : ''}` : '';
      throw new Error(`CodeDeploy deployment ${deploymentId} ${status}: ${why?.code ?? 'no error code'}: ${why?.message ?? 'no message'}${rolledBack}. See: aws deploy get-deployment --deployment-id ${deploymentId}`);
    }
    case undefined:
      throw new Error(`CodeDeploy returned no status for deployment ${deploymentId}`);
    default:
      deps.logger.info('deployment in progress', { deploymentId, status, overview: deploymentInfo?.deploymentOverview });
      return { IsComplete: false };
  }
}

/** The AppSpec of an ECS blue/green deployment, with the smoke check before production traffic moves. */
export function appSpec(props: TriggerProperties): string {
  return JSON.stringify({
    version: 0.0,
    Resources: [
      {
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: {
            TaskDefinition: props.TaskDefinitionArn,
            LoadBalancerInfo: { ContainerName: props.ContainerName, ContainerPort: props.ContainerPort },
          },
        },
      },
    ],
    Hooks: [{ AfterAllowTestTraffic: props.AfterAllowTestTrafficHook }],
  });
}

async function primaryTaskDefinition(props: TriggerProperties, deps: TriggerDeps): Promise<string | undefined> {
  const { services } = await withRetry(() => deps.ecs.send(new DescribeServicesCommand({ cluster: props.ClusterName, services: [props.ServiceName] })), deps.retry);
  const service = services?.[0];
  // A CODE_DEPLOY service runs task sets; the PRIMARY one serves production traffic.
  return service?.taskSets?.find((set) => set.status === 'PRIMARY')?.taskDefinition ?? service?.taskDefinition;
}

async function findDeployment(props: TriggerProperties, marker: string, deps: TriggerDeps): Promise<string | undefined> {
  const { deployments } = await withRetry(
    () => deps.codedeploy.send(new ListDeploymentsCommand({ applicationName: props.ApplicationName, deploymentGroupName: props.DeploymentGroupName, includeOnlyStatuses: ACTIVE_STATUSES })),
    deps.retry,
  );
  for (const deploymentId of deployments ?? []) {
    const { deploymentInfo } = await withRetry(() => deps.codedeploy.send(new GetDeploymentCommand({ deploymentId })), deps.retry);
    if (deploymentInfo?.description?.includes(marker)) return deploymentId;
  }
  return undefined;
}

/** `arn:aws:cloudformation:...:stack/Prod/uuid` -> `Prod` */
function stackName(stackId: string): string {
  return stackId.split('/')[1] ?? stackId;
}
