import { ArnFormat, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { BulwarkFunction } from '../common/bulwark-function';
import { acknowledgeProviderFindings } from '../common/provider-findings';
import { acknowledgeShortLogRetention } from '../common/control-tower';
import { DataProtection, logRetentionDays, statefulRemovalPolicy } from '../common/protection';
import { retentionDays } from '../network/network';

export interface DeploymentTriggerProps {
  readonly deploymentGroup: codedeploy.EcsDeploymentGroup;
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.TaskDefinition;
  readonly containerName: string;
  readonly containerPort: number;
  /** Lambda named in the AppSpec's AfterAllowTestTraffic hook. */
  readonly smokeCheck: lambda.IFunction;
  readonly protection: DataProtection;
  /** Longest wait for the deployment before the stack update fails (and CloudFormation rolls back). */
  readonly maxWait: Duration;
  /** How often the deployment status is read. @default 30 seconds */
  readonly pollInterval?: Duration;
}

/** The CloudFormation resource type of the trigger, for tests and the report. */
export const DEPLOYMENT_TRIGGER_TYPE = 'Custom::BlueGreenDeployment';

/**
 * Makes `cdk deploy` of a new task definition a CodeDeploy blue/green deployment. CloudFormation cannot
 * update the task definition of a CODE_DEPLOY service, so this custom resource (aws-cdk-lib's Provider
 * framework, our own handlers in lambdas/deployment-trigger) starts a deployment whenever the task
 * definition ARN changes, waits until CodeDeploy finishes (through the bake time), and fails the
 * stack update when CodeDeploy failed, was stopped or rolled back, so CloudFormation rolls back too.
 * It never starts a deployment while another holds the group, and fails only once CodeDeploy's own
 * rollback has ended, so CloudFormation's rollback Update finds the old revision serving and an idle group.
 */
export class DeploymentTrigger extends Construct {
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: DeploymentTriggerProps) {
    super(scope, id);
    const functionProps = {
      lambdaName: 'deployment-trigger',
      protection: props.protection,
      timeout: Duration.minutes(1),
    };
    const start = new BulwarkFunction(this, 'Start', {
      ...functionProps,
      description: 'Starts the CodeDeploy blue/green deployment of a new task definition (custom resource onEvent)',
      environment: { TRIGGER_STEP: 'start' },
    });
    const wait = new BulwarkFunction(this, 'Wait', {
      ...functionProps,
      description: 'Starts the deployment once the group is free; reports its end, after any rollback (isComplete)',
      environment: { TRIGGER_STEP: 'wait' },
    });

    const group = props.deploymentGroup;
    const stack = Stack.of(this);
    const applicationName = group.application.applicationName;
    // Both steps may start the deployment: onEvent when the group is idle, isComplete once a busy group (CodeDeploy's
    // own rollback, an operator's deployment) is free. So both hold the same grants. ListDeployments, GetDeployment
    // and CreateDeployment are authorized on the deployment group (Service Authorization Reference, AWS CodeDeploy:
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodedeploy.html).
    for (const fn of [start, wait]) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['codedeploy:CreateDeployment', 'codedeploy:ListDeployments', 'codedeploy:GetDeployment'],
          resources: [group.deploymentGroupArn],
        }),
      );
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['codedeploy:GetDeploymentConfig'],
          resources: [
            stack.formatArn({
              service: 'codedeploy',
              resource: 'deploymentconfig',
              resourceName: group.deploymentConfig.deploymentConfigName,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      );
      // CreateDeployment registers the AppSpec revision on the application. CodeDeploy ARNs separate the resource
      // type with ":" (application:<name>, deploymentconfig:<name>), per the same Service Authorization Reference page;
      // formatArn's default "/" would name a resource that never exists, and the grant would never match.
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['codedeploy:RegisterApplicationRevision', 'codedeploy:GetApplicationRevision'],
          resources: [
            stack.formatArn({
              service: 'codedeploy',
              resource: 'application',
              resourceName: applicationName,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      );
      fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['ecs:DescribeServices'], resources: [props.service.serviceArn] }),
      );
    }

    const waiterLogs = new logs.LogGroup(this, 'WaiterLogs', {
      retention: retentionDays(logRetentionDays(props.protection, 30)),
      removalPolicy: statefulRemovalPolicy(props.protection),
    });
    acknowledgeShortLogRetention(waiterLogs, props.protection);
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: start,
      isCompleteHandler: wait,
      queryInterval: props.pollInterval ?? Duration.seconds(30),
      totalTimeout: props.maxWait,
      disableWaiterStateMachineLogging: false,
      waiterStateMachineLogOptions: {
        level: sfn.LogLevel.ALL,
        destination: waiterLogs,
      },
    });
    acknowledgeProviderFindings(provider, [start, wait]);

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: DEPLOYMENT_TRIGGER_TYPE,
      properties: {
        ApplicationName: applicationName,
        DeploymentGroupName: group.deploymentGroupName,
        ClusterName: props.service.cluster.clusterName,
        ServiceName: props.service.serviceName,
        // A new revision changes this ARN, which is what makes CloudFormation call the trigger.
        TaskDefinitionArn: props.taskDefinition.taskDefinitionArn,
        ContainerName: props.containerName,
        ContainerPort: props.containerPort,
        AfterAllowTestTrafficHook: props.smokeCheck.functionName,
      },
    });
    // The deployment needs the service, the group's alarms and rollback settings, and the hook able to run.
    this.resource.node.addDependency(props.service, group, props.smokeCheck);
  }
}
