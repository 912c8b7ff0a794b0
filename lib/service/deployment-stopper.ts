import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { BulwarkFunction } from '../common/bulwark-function';
import { DataProtection } from '../common/protection';

/**
 * Timeout of the stopper. The resilience report counts it in full on the rollback path (lib/report/deployment.ts:
 * alarm worst case + 10 s event delivery + this), so it stays small: one ListDeployments and one StopDeployment,
 * each with a short backoff, take well under it.
 */
export const DEPLOYMENT_STOPPER_TIMEOUT_SECONDS = 20;

export interface DeploymentStopperProps {
  readonly deploymentGroup: codedeploy.IEcsDeploymentGroup;
  readonly protection: DataProtection;
}

/**
 * Rolls a deployment back on its alarm's state-change event: an EventBridge rule on "CloudWatch Alarm State
 * Change" to ALARM for exactly the deployment group's alarms (CloudWatch sends these events to EventBridge:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html) invokes a
 * function that stops the group's unfinished deployment with auto-rollback (lambdas/deployment-stopper).
 * CodeDeploy's own alarm polling stays on as the fallback.
 */
export class DeploymentStopper extends Construct {
  readonly function: BulwarkFunction;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: DeploymentStopperProps) {
    super(scope, id);
    const group = props.deploymentGroup;
    this.function = new BulwarkFunction(this, 'Function', {
      lambdaName: 'deployment-stopper',
      description: 'Stops the deployment in progress with auto-rollback when a deployment alarm goes to ALARM',
      protection: props.protection,
      timeout: Duration.seconds(DEPLOYMENT_STOPPER_TIMEOUT_SECONDS),
      environment: {
        APPLICATION_NAME: group.application.applicationName,
        // The report recognises the stopper of a group by this Ref (lib/report/deployment.ts, eventRollback).
        DEPLOYMENT_GROUP_NAME: group.deploymentGroupName,
      },
    });
    // ListDeployments is authorized on the deploymentgroup resource type,
    // arn:${Partition}:codedeploy:${Region}:${Account}:deploymentgroup:${ApplicationName}/${DeploymentGroupName};
    // StopDeployment lists no resource type there, so only Resource "*" grants it (Service Authorization
    // Reference, AWS CodeDeploy: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodedeploy.html).
    // The handler only ever stops the deployments ListDeployments returned for this group.
    this.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['codedeploy:ListDeployments'], resources: [group.deploymentGroupArn] }),
    );
    this.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['codedeploy:StopDeployment'], resources: ['*'] }),
    );
    Validations.of(this.function.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'codedeploy:StopDeployment supports only Resource "*" (Service Authorization Reference); the stopper stops only deployments it listed for its own group.',
    });

    this.rule = new events.Rule(this, 'AlarmRule', {
      description: 'A deployment alarm of the group went to ALARM: stop the deployment with auto-rollback',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        // Alarm names are merged in by watch(), after construction.
        detail: { state: { value: ['ALARM'] } },
      },
    });
    // LambdaFunction adds the lambda:InvokeFunction permission for events.amazonaws.com with SourceArn = this rule.
    this.rule.addTarget(
      new eventTargets.LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.minutes(5) }),
    );
  }

  /** Roll back on this alarm's ALARM event too. */
  watch(alarm: cloudwatch.IAlarm): void {
    this.rule.addEventPattern({ detail: { alarmName: [alarm.alarmName] } });
  }
}
