import type { Logger } from '@aws-lambda-powertools/logger';
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  DeploymentInfo,
  DeploymentStatus,
  GetDeploymentCommand,
  ListDeploymentsCommandInput,
} from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { listDeploymentIds } from '../shared/codedeploy';
import { RetryOptions, withRetry } from '../shared/retry';

/** zod/mini loads no locale; English, as classic zod has, keeps the parse errors' wording. */
z.config(en());

/** The custom resource's properties (CloudFormation passes every scalar as a string). */
export const triggerPropertiesSchema = z.object({
  ApplicationName: z.string().check(z.minLength(1)),
  DeploymentGroupName: z.string().check(z.minLength(1)),
  ClusterName: z.string().check(z.minLength(1)),
  ServiceName: z.string().check(z.minLength(1)),
  TaskDefinitionArn: z.string().check(
    z.regex(/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/.+:\d+$/, {
      error: 'must be a task definition ARN with its revision',
    }),
  ),
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

/**
 * isComplete receives the whole onEvent request plus what onEvent returned (aws-cdk-lib custom-resources
 * Provider framework: "the input event to isComplete includes all request fields, combined with all fields
 * returned from onEvent"; https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.custom_resources-readme.html).
 * It cannot pass anything to its own next call, so every poll re-derives its state from CodeDeploy.
 */
export const isCompleteSchema = z.object({
  ...baseEvent,
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  PhysicalResourceId: z.string().check(z.minLength(1)),
  Data: z.prefault(
    z.object({
      DeploymentId: z._default(z.string(), ''),
      /** 'true' when onEvent found the group busy and left starting the deployment to isComplete. */
      WaitingForGroup: z._default(z.enum(['true', 'false']), 'false'),
    }),
    {},
  ),
});
export type IsCompleteEvent = z.infer<typeof isCompleteSchema>;

export interface OnEventResponse {
  readonly PhysicalResourceId: string;
  readonly Data: { readonly DeploymentId: string; readonly WaitingForGroup: 'true' | 'false' };
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
  /** Injected in tests. @default the system clock */
  readonly now?: () => Date;
}

/**
 * Deployments that still hold the deployment group: every DeploymentStatus of @aws-sdk/client-codedeploy except
 * the terminal Succeeded, Failed and Stopped. An ECS deployment group runs one deployment at a time; CreateDeployment
 * refuses another with DeploymentLimitExceededException ("The deployment limit was exceeded";
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html).
 */
export const ACTIVE_STATUSES: DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'];

/**
 * CloudFormation gives a custom resource at most one hour
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html), so a deployment this
 * request started was created within the last hour; older ones are never searched for its marker.
 */
const OWN_DEPLOYMENT_WINDOW_MS = 60 * 60 * 1000;

/**
 * How long after a failed or stopped deployment ends, with automatic rollback on and no rollback linked yet, the
 * waiter still expects CodeDeploy to create the rollback deployment. AWS documents no delay between the failure and
 * the rollback deployment's creation (a rollback is "a new deployment, with a new deployment ID";
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html): two minutes is
 * an assumption, and the active-deployment check below still catches a later rollback before any new deployment.
 */
export const ROLLBACK_CREATION_GRACE_MS = 2 * 60 * 1000;

/**
 * onEvent: start a blue/green deployment of the task definition, unless the service already serves it or another
 * deployment holds the group. The service already serves it right after creation (CloudFormation created it with
 * the family's latest revision) and after CodeDeploy's automatic rollback, when CloudFormation rolls the stack back;
 * both need no deployment. A busy group (CodeDeploy's own rollback, an operator's deployment) is never raced: onEvent
 * returns WaitingForGroup and the isComplete waiter starts the deployment once the group is free, within the
 * Provider's total timeout. Idempotent: a retried request finds the deployment it started by its request id.
 */
export async function startDeployment(event: OnEvent, deps: TriggerDeps): Promise<OnEventResponse> {
  const props = event.ResourceProperties;
  const physicalId = `${props.ApplicationName}/${props.DeploymentGroupName}`;
  if (event.RequestType === 'Delete') {
    // The service goes with the stack; there is nothing to undo.
    return { PhysicalResourceId: event.PhysicalResourceId, Data: { DeploymentId: '', WaitingForGroup: 'false' } };
  }
  const outcome = await startUnlessBusy(event, deps);
  switch (outcome.kind) {
    case 'already-serving':
      return { PhysicalResourceId: physicalId, Data: { DeploymentId: '', WaitingForGroup: 'false' } };
    case 'group-busy':
      return { PhysicalResourceId: physicalId, Data: { DeploymentId: '', WaitingForGroup: 'true' } };
    case 'started':
      return { PhysicalResourceId: physicalId, Data: { DeploymentId: outcome.deploymentId, WaitingForGroup: 'false' } };
  }
}

/**
 * isComplete: done when CodeDeploy succeeded (or nothing had to be deployed). On failure or stop it first waits for
 * CodeDeploy's automatic rollback and any other deployment in the group to end, then throws: only then does
 * CloudFormation send the rollback Update, which finds the group free and the old revision serving.
 */
export async function checkDeployment(event: IsCompleteEvent, deps: TriggerDeps): Promise<IsCompleteResponse> {
  if (event.RequestType === 'Delete') return { IsComplete: true };
  let deploymentId = event.Data.DeploymentId;
  if (!deploymentId) {
    if (event.Data.WaitingForGroup !== 'true') return { IsComplete: true };
    const outcome = await startUnlessBusy(event, deps);
    if (outcome.kind === 'already-serving') return { IsComplete: true, Data: { DeploymentId: '' } };
    if (outcome.kind === 'group-busy') return { IsComplete: false };
    deploymentId = outcome.deploymentId;
  }

  const info = await getDeployment(deploymentId, deps);
  const status = info?.status;
  switch (status) {
    case 'Succeeded':
      deps.logger.info('deployment succeeded', { deploymentId });
      return { IsComplete: true, Data: { DeploymentId: deploymentId } };
    case 'Failed':
    case 'Stopped': {
      const props = event.ResourceProperties;
      const stillRunning = await rollbackOrOtherDeploymentRunning(info!, props, deps);
      if (stillRunning) {
        deps.logger.info('deployment ended; waiting for the group to settle before failing', {
          deploymentId,
          status,
          stillRunning,
        });
        return { IsComplete: false };
      }
      throw new Error(failureMessage(deploymentId, info!, await rollbackOutcome(info!, deps)));
    }
    case undefined:
      throw new Error(`CodeDeploy returned no status for deployment ${deploymentId}`);
    default:
      deps.logger.info('deployment in progress', { deploymentId, status, overview: info?.deploymentOverview });
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

type StartOutcome =
  | { readonly kind: 'already-serving' }
  | { readonly kind: 'group-busy' }
  | { readonly kind: 'started'; readonly deploymentId: string };

interface RequestFields {
  readonly RequestId: string;
  readonly StackId: string;
  readonly LogicalResourceId: string;
  readonly RequestType: string;
  readonly ResourceProperties: TriggerProperties;
}

/**
 * The one place that may call CreateDeployment, in this order: the deployment this request already started (a
 * retried onEvent, or a later isComplete poll); any active deployment (wait, never race it); the revision the
 * service serves once the group is idle (nothing to do); only then CreateDeployment, whose
 * DeploymentLimitExceededException (a deployment created between the check and the call) also means wait.
 */
async function startUnlessBusy(event: RequestFields, deps: TriggerDeps): Promise<StartOutcome> {
  const props = event.ResourceProperties;
  const marker = requestMarker(event.RequestId);
  const own = await findOwnDeployment(props, marker, deps);
  if (own) {
    deps.logger.info('found the deployment this request already started', { deploymentId: own });
    return { kind: 'started', deploymentId: own };
  }
  const active = await activeDeployments(props, deps);
  if (active.length > 0) {
    deps.logger.info('deployment group busy; waiting for it before deploying', {
      activeDeployments: active,
      requestType: event.RequestType,
    });
    return { kind: 'group-busy' };
  }
  const running = await primaryTaskDefinition(props, deps);
  if (running === props.TaskDefinitionArn) {
    deps.logger.info('service already runs this task definition; no deployment needed', {
      taskDefinition: running,
      requestType: event.RequestType,
    });
    return { kind: 'already-serving' };
  }
  try {
    const created = await withRetry(
      () =>
        deps.codedeploy.send(
          new CreateDeploymentCommand({
            applicationName: props.ApplicationName,
            deploymentGroupName: props.DeploymentGroupName,
            description: deploymentDescription(event, marker),
            revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec(props) } },
          }),
        ),
      deps.retry,
    );
    if (!created.deploymentId) throw new Error('CodeDeploy CreateDeployment returned no deployment id');
    deps.logger.info('started blue/green deployment', {
      deploymentId: created.deploymentId,
      from: running,
      to: props.TaskDefinitionArn,
    });
    return { kind: 'started', deploymentId: created.deploymentId };
  } catch (error) {
    if ((error as Error).name === 'DeploymentLimitExceededException') {
      const { message } = error as Error;
      deps.logger.warn('another deployment took the group first; waiting for it', { message });
      return { kind: 'group-busy' };
    }
    throw error;
  }
}

/** What still holds the group after our deployment ended, or undefined when failing now is safe. */
async function rollbackOrOtherDeploymentRunning(
  info: DeploymentInfo,
  props: TriggerProperties,
  deps: TriggerDeps,
): Promise<string | undefined> {
  const rollbackId = info.rollbackInfo?.rollbackDeploymentId;
  if (rollbackId) {
    const rollbackStatus = (await getDeployment(rollbackId, deps))?.status;
    if (rollbackStatus === undefined || ACTIVE_STATUSES.includes(rollbackStatus)) {
      return `rollback deployment ${rollbackId} is ${rollbackStatus ?? 'unknown'}`;
    }
  } else if (info.autoRollbackConfiguration?.enabled && !info.rollbackInfo?.rollbackMessage) {
    const endedAt = info.completeTime?.getTime() ?? 0;
    if (clock(deps).getTime() - endedAt < ROLLBACK_CREATION_GRACE_MS) {
      return 'automatic rollback is on and CodeDeploy has not linked a rollback deployment yet';
    }
  }
  const active = await activeDeployments(props, deps);
  return active.length > 0 ? `deployments ${active.join(', ')} hold the deployment group` : undefined;
}

async function rollbackOutcome(info: DeploymentInfo, deps: TriggerDeps): Promise<string> {
  const rollback = info.rollbackInfo;
  if (!rollback?.rollbackDeploymentId) {
    return rollback?.rollbackMessage ? `; no rollback: ${rollback.rollbackMessage}` : '';
  }
  const status = (await getDeployment(rollback.rollbackDeploymentId, deps))?.status;
  const message = rollback.rollbackMessage ? `: ${rollback.rollbackMessage}` : '';
  return `; rolled back by ${rollback.rollbackDeploymentId} (${status ?? 'status unknown'})${message}`;
}

function failureMessage(deploymentId: string, info: DeploymentInfo, rollback: string): string {
  const why = info.errorInformation;
  return (
    `CodeDeploy deployment ${deploymentId} ${info.status}: ${why?.code ?? 'no error code'}: ` +
    `${why?.message ?? 'no message'}${rollback}. See: aws deploy get-deployment --deployment-id ${deploymentId}`
  );
}

async function getDeployment(deploymentId: string, deps: TriggerDeps): Promise<DeploymentInfo | undefined> {
  const { deploymentInfo } = await withRetry(
    () => deps.codedeploy.send(new GetDeploymentCommand({ deploymentId })),
    deps.retry,
  );
  return deploymentInfo;
}

async function primaryTaskDefinition(props: TriggerProperties, deps: TriggerDeps): Promise<string | undefined> {
  const { services } = await withRetry(
    () => deps.ecs.send(new DescribeServicesCommand({ cluster: props.ClusterName, services: [props.ServiceName] })),
    deps.retry,
  );
  const service = services?.[0];
  // A CODE_DEPLOY service runs task sets; the PRIMARY one serves production traffic.
  return service?.taskSets?.find((set) => set.status === 'PRIMARY')?.taskDefinition ?? service?.taskDefinition;
}

async function listDeployments(
  props: TriggerProperties,
  filter: Partial<ListDeploymentsCommandInput>,
  deps: TriggerDeps,
): Promise<string[]> {
  return listDeploymentIds(
    deps.codedeploy,
    { applicationName: props.ApplicationName, deploymentGroupName: props.DeploymentGroupName, ...filter },
    deps.retry,
  );
}

function activeDeployments(props: TriggerProperties, deps: TriggerDeps): Promise<string[]> {
  return listDeployments(props, { includeOnlyStatuses: ACTIVE_STATUSES }, deps);
}

/** The deployment this request created, in any status, found by the marker in its description. */
async function findOwnDeployment(
  props: TriggerProperties,
  marker: string,
  deps: TriggerDeps,
): Promise<string | undefined> {
  const start = new Date(clock(deps).getTime() - OWN_DEPLOYMENT_WINDOW_MS);
  const recent = await listDeployments(props, { createTimeRange: { start } }, deps);
  for (const deploymentId of recent) {
    if ((await getDeployment(deploymentId, deps))?.description?.includes(marker)) return deploymentId;
  }
  return undefined;
}

function clock(deps: TriggerDeps): Date {
  return deps.now ? deps.now() : new Date();
}

function deploymentDescription(event: RequestFields, marker: string): string {
  const { StackId, LogicalResourceId, ResourceProperties } = event;
  const description = `CloudFormation ${stackName(StackId)}/${LogicalResourceId} ${marker}`;
  // CodeDeploy caps a deployment's description at 1000 characters (CreateDeployment API reference, description).
  return `${description}: ${ResourceProperties.TaskDefinitionArn}`.slice(0, 1000);
}

function requestMarker(requestId: string): string {
  return `request ${requestId}`;
}

/** `arn:aws:cloudformation:...:stack/Prod/uuid` -> `Prod` */
function stackName(stackId: string): string {
  return stackId.split('/')[1] ?? stackId;
}
