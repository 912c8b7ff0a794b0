import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { KillSwitchConfig } from '../../config';
import { INITIAL_SWITCH_VALUE } from '../../lambdas/kill-switch/settings';
import { BulwarkFunction } from '../common/bulwark-function';
import { Naming } from '../common/naming';
import { DataProtection } from '../common/protection';
import { AlarmFactory } from '../monitoring/alarm-factory';
import { budgetName, budgetTopicName, killSwitchSettings, switchParameterName } from './kill-switch-settings';

export interface KillSwitchesProps {
  readonly naming: Naming;
  readonly protection: DataProtection;
  readonly environment: {
    readonly name: string;
    readonly killSwitch: KillSwitchConfig;
    readonly budget: { readonly monthlyUsd: number };
  };
  /** `service.nonCriticalFeatures`: what the `features` switch turns off. */
  readonly nonCriticalFeatures: readonly string[];
  readonly alarms: AlarmFactory;
}

/**
 * The environment's kill switches: one SSM parameter per switch (`/<service>/<env>/switches/<name>`,
 * JSON `{state, reason, changedAt, changedBy, features?, recorded?}`), the kill-switch function
 * subscribed to the P1 topic (alarm triggers, deploy freeze) and to the budget topic (cost switch),
 * and the monthly budget that feeds it. The service reads the switches (see `grantRead` and
 * `environmentVariables`); `npm run ops -- switch` flips them by hand with the same code.
 */
export class KillSwitches extends Construct {
  readonly parameters: Record<string, ssm.StringParameter> = {};
  readonly function: BulwarkFunction;
  readonly budgetTopic: sns.Topic;
  readonly budget: budgets.CfnBudget;
  readonly failureAlarm: cloudwatch.Alarm;
  /** Plain settings for the service's container: where its switches are and which features are non-critical. */
  readonly environmentVariables: Record<string, string>;
  private readonly parameterPath: string;

  constructor(scope: Construct, id: string, props: KillSwitchesProps) {
    super(scope, id);
    const { naming, environment, alarms } = props;
    const ks = environment.killSwitch;
    const stack = Stack.of(this);

    for (const name of ks.switches) {
      this.parameters[name] = new ssm.StringParameter(this, `Switch-${name}`, {
        parameterName: switchParameterName(naming, name),
        description: `Kill switch "${name}" of ${naming.serviceName} ${environment.name}; flip with: npm run ops -- switch ${environment.name} ${name} on|off`,
        // Constant on purpose: CloudFormation rewrites a parameter whose template value changes, which
        // would turn a switch that is on back off during a deploy. The function owns the value after creation.
        stringValue: JSON.stringify(INITIAL_SWITCH_VALUE),
        tier: ssm.ParameterTier.STANDARD,
      });
    }
    this.parameterPath = naming.parameter('switches');

    // Budget -> its own encrypted topic -> the function. The key and the topic admit AWS Budgets of this account's
    // budgets only: "For AWS Budgets, the value of aws:SourceArn must be arn:aws:budgets::123456789012:budget/*"
    // (https://docs.aws.amazon.com/cost-management/latest/userguide/cross-service-confused-deputy-prevention.html).
    const fromBudgetsOfThisAccount = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:budgets::${stack.account}:budget/*` },
    };
    const key = new kms.Key(this, 'BudgetTopicKey', {
      description: `Encrypts ${budgetTopicName(naming)} notifications`,
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromBudgetsOfThisAccount,
      }),
    );
    this.budgetTopic = new sns.Topic(this, 'BudgetTopic', {
      topicName: budgetTopicName(naming),
      masterKey: key,
      enforceSSL: true,
    });
    this.budgetTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowBudgetsOfThisAccount',
        principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.budgetTopic.topicArn],
        conditions: fromBudgetsOfThisAccount,
      }),
    );
    const subscriber = [{ subscriptionType: 'SNS', address: this.budgetTopic.topicArn }];
    this.budget = new budgets.CfnBudget(this, 'Budget', {
      budget: {
        budgetName: budgetName(naming),
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: environment.budget.monthlyUsd, unit: 'USD' },
      },
      notificationsWithSubscribers: [
        {
          notification: {
            notificationType: 'FORECASTED',
            comparisonOperator: 'GREATER_THAN',
            threshold: ks.budgetForecastPercent,
            thresholdType: 'PERCENTAGE',
          },
          subscribers: subscriber,
        },
        {
          notification: {
            notificationType: 'ACTUAL',
            comparisonOperator: 'GREATER_THAN',
            threshold: ks.budgetActualPercent,
            thresholdType: 'PERCENTAGE',
          },
          subscribers: subscriber,
        },
      ],
    });
    // Budgets checks it may publish when the budget is created.
    this.budget.node.addDependency(this.budgetTopic);

    const p1 = alarms.topic('P1');
    const notice = alarms.topic('P3');
    const settings = killSwitchSettings(naming, environment, props.nonCriticalFeatures, {
      p1TopicArn: p1.topicArn,
      budgetTopicArn: this.budgetTopic.topicArn,
      noticeTopicArn: notice.topicArn,
    });
    this.function = new BulwarkFunction(this, 'Function', {
      lambdaName: 'kill-switch',
      description: `Flips ${naming.serviceName} ${environment.name} kill switches on alarms and budget notifications: records, then acts`,
      protection: props.protection,
      timeout: Duration.seconds(50),
      environment: { KILL_SWITCH_SETTINGS: stack.toJsonString(settings) },
    });
    (this.function.node.defaultChild as lambda.CfnFunction).functionName = naming.resource('kill-switch');
    p1.addSubscription(new subscriptions.LambdaSubscription(this.function));
    this.budgetTopic.addSubscription(new subscriptions.LambdaSubscription(this.function));
    notice.grantPublish(this.function);
    Validations.of(this.function.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'Publishing the P3 notice to its KMS-encrypted topic needs kms:GenerateDataKey* (every data-key variant); the grant is limited to that topic key.',
    });

    const parameterArns = Object.values(this.parameters).map((p) => p.parameterArn);
    // GetParameterHistory: concurrent "on"s are resolved from the parameter's versions (no reserved concurrency).
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:GetParameterHistory'],
        resources: parameterArns,
      }),
    );
    if (ks.nonCriticalServices.length > 0) {
      const serviceArns = ks.nonCriticalServices.map((ref) =>
        stack.formatArn({ service: 'ecs', resource: 'service', resourceName: ref }),
      );
      this.function.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['ecs:DescribeServices', 'ecs:UpdateService'], resources: serviceArns }),
      );
      this.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: [
            'application-autoscaling:DescribeScalableTargets',
            'application-autoscaling:RegisterScalableTarget',
          ],
          resources: ['*'],
        }),
      );
      Validations.of(this.function.role!).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Application Auto Scaling addresses scalable targets by service namespace and resource id, not by an ARN a policy can name in advance; ECS and Lambda actions are limited to the configured non-critical services and functions.',
      });
    }
    if (ks.nonCriticalFunctions.length > 0) {
      const functionArns = ks.nonCriticalFunctions.map((name) =>
        stack.formatArn({
          service: 'lambda',
          resource: 'function',
          resourceName: name,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      );
      this.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: [
            'lambda:GetFunctionConcurrency',
            'lambda:PutFunctionConcurrency',
            'lambda:DeleteFunctionConcurrency',
          ],
          resources: functionArns,
        }),
      );
    }

    this.failureAlarm = alarms.createAlarm(this, {
      id: 'kill-switch-failed',
      summary:
        'The kill-switch function failed: a switch may be half flipped (its record is kept; a retry completes it)',
      severity: 'P2',
      runbook: 'kill-switch-failed',
      metric: this.function.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.environmentVariables = {
      KILL_SWITCH_PATH: this.parameterPath,
      ...Object.fromEntries(
        ks.switches.map((name) => [
          `KILL_SWITCH_${name.toUpperCase().replace(/-/g, '_')}_PARAMETER`,
          switchParameterName(naming, name),
        ]),
      ),
      NON_CRITICAL_FEATURES: props.nonCriticalFeatures.join(','),
    };
  }

  /** Let the service read its switches (the task role); they are never writable by it. */
  grantRead(grantee: iam.IGrantable): void {
    const stack = Stack.of(this);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:GetParameter', 'ssm:GetParameters'],
      resourceArns: Object.values(this.parameters).map((p) => p.parameterArn),
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:GetParametersByPath'],
      resourceArns: [
        stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: this.parameterPath.replace(/^\//, '') }),
      ],
    });
  }
}
