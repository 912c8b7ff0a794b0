import { Stack } from 'aws-cdk-lib';
import * as notifications from 'aws-cdk-lib/aws-codestarnotifications';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, IConstruct } from 'constructs';
import { SEVERITIES, Severity } from '../../config';
import { Naming } from '../common/naming';
import { alarmNamePrefix } from './alarm-factory';

export interface SeverityTopicsProps {
  readonly naming: Naming;
  /** Email subscribers per severity. */
  readonly subscriptions: Partial<Record<Severity, readonly string[]>>;
}

/** `orders-prod-alerts-p1`: the severity topic's name, for the construct and for operator tools that address it. */
export function severityTopicName(naming: Naming, severity: Severity): string {
  return naming.resource(`alerts-${severity.toLowerCase()}`);
}

/**
 * `arn:<partition>:cloudwatch:<region>:<account>:alarm:orders-prod-*`: every alarm of the environment, metric and
 * composite alike (both have this ARN shape, "alarm" in the resource types of
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html).
 * CloudWatch publishes with the alarm's ARN as aws:SourceArn; the SNS guide's CloudWatch example scopes on it
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html, "Allow any CloudWatch alarm to
 * publish to a topic in a different account";
 * https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger).
 */
export function alarmArnPattern(scope: IConstruct, naming: Naming): string {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:${alarmNamePrefix(naming)}*`;
}

/**
 * One SNS topic per severity (P1 pages, P4 is a ticket), KMS-encrypted, with a policy refusing anything but TLS.
 *
 * `enforceSSL` gives each topic a topic policy, and a topic policy replaces SNS's default one, so every publisher
 * needs its own Allow here; each is scoped to this account and, where the service sets it, to the publishing
 * resource (aws:SourceAccount / aws:SourceArn, the confused-deputy keys:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html). The publishers:
 * - CloudWatch alarms of this environment (every topic; see `alarmArnPattern`);
 * - EventBridge rules, each allowed by its own rule ARN when it targets a topic (`eventRuleTarget`);
 * - CodeStar Notifications rules, allowed by account when they target a topic (`notificationRuleTarget`).
 * The key lets the same services make the data keys SNS encrypts with (CloudWatch under the same conditions)
 * ("Enable compatibility between event sources from AWS services and encrypted topics",
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
 */
export class SeverityTopics extends Construct {
  readonly key: kms.Key;
  private readonly topics: Record<Severity, sns.Topic>;

  constructor(scope: Construct, id: string, props: SeverityTopicsProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    const alarms = alarmArnPattern(this, props.naming);
    this.key = new kms.Key(this, 'TopicKey', {
      description: `Encrypts ${props.naming.resource('alerts')} SNS topics`,
      enableKeyRotation: true,
    });
    // CloudWatch: the key statement carries the topic statement's conditions; that SNS passes the alarm's
    // aws:SourceArn on to its KMS request is documented by AWS's key policy example with those keys
    // (https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns).
    this.key.addToResourcePolicy(keyStatement('cloudwatch.amazonaws.com', account, alarms));
    // EventBridge and CodeStar Notifications: AWS documents the key statement without conditions
    // (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services) and
    // nowhere that SNS forwards aws:SourceArn/aws:SourceAccount to KMS for them. A condition KMS never receives
    // would silently drop every rule notification, so these two stay unconditioned here: the confused-deputy
    // check is the topic policy's (each rule's own ARN and this account), which SNS evaluates first, and the key
    // only serves publishes those topics admitted. Assumption to confirm on a real account before tightening.
    this.key.addToResourcePolicy(keyStatement('events.amazonaws.com'));
    this.key.addToResourcePolicy(keyStatement('codestar-notifications.amazonaws.com'));
    this.topics = Object.fromEntries(
      SEVERITIES.map((severity) => {
        const topic = new sns.Topic(this, severity, {
          topicName: severityTopicName(props.naming, severity),
          displayName: `${props.naming.serviceName} ${props.naming.environmentName} ${severity}`,
          masterKey: this.key,
          enforceSSL: true,
        });
        topic.addToResourcePolicy(
          new iam.PolicyStatement({
            sid: 'AllowAlarmsOfThisEnvironment',
            principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
            actions: ['sns:Publish'],
            resources: [topic.topicArn],
            conditions: { StringEquals: { 'aws:SourceAccount': account }, ArnLike: { 'aws:SourceArn': alarms } },
          }),
        );
        for (const email of props.subscriptions[severity] ?? []) {
          topic.addSubscription(new subscriptions.EmailSubscription(email));
        }
        return [severity, topic];
      }),
    ) as Record<Severity, sns.Topic>;
  }

  topic(severity: Severity): sns.ITopic {
    return this.topics[severity];
  }
}

function keyStatement(service: string, account?: string, sourceArnPattern?: string): iam.PolicyStatement {
  const conditions = {
    ...(account ? { StringEquals: { 'aws:SourceAccount': account } } : {}),
    ...(sourceArnPattern ? { ArnLike: { 'aws:SourceArn': sourceArnPattern } } : {}),
  };
  return new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal(service)],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    resources: ['*'],
    ...(Object.keys(conditions).length > 0 ? { conditions } : {}),
  });
}

/**
 * An EventBridge rule target that publishes to `topic` and allows exactly that rule to (aws:SourceArn = the rule's
 * ARN, aws:SourceAccount = this account). `targets.SnsTopic` would grant `events.amazonaws.com` on the topic and
 * its key with no condition, letting any account's rule publish. EventBridge uses the topic's resource policy,
 * no role (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions).
 */
export class EventRuleTopicTarget implements events.IRuleTarget {
  constructor(
    private readonly topic: sns.ITopic,
    private readonly message?: events.RuleTargetInput,
  ) {}

  bind(rule: events.IRuleRef): events.RuleTargetConfig {
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(rule).account },
          ArnEquals: { 'aws:SourceArn': rule.ruleRef.ruleArn },
        },
      }),
    );
    return { arn: this.topic.topicArn, input: this.message, targetResource: this.topic };
  }
}

/**
 * A CodeStar Notifications rule target that publishes to `topic`, allowed for this account's notification rules
 * only (`topic.bindAsNotificationRuleTarget` would allow the service with no condition). The topic policy
 * statement is the one "Configure Amazon SNS topics for notifications" documents, plus aws:SourceAccount
 * (https://docs.aws.amazon.com/dtconsole/latest/userguide/set-up-sns.html); no aws:SourceArn is documented.
 */
export class NotificationRuleTopicTarget implements notifications.INotificationRuleTarget {
  constructor(private readonly topic: sns.ITopic) {}

  bindAsNotificationRuleTarget(scope: Construct): notifications.NotificationRuleTargetConfig {
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowNotificationRulesOfThisAccount',
        principals: [new iam.ServicePrincipal('codestar-notifications.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
      }),
    );
    return { targetType: 'SNS', targetAddress: this.topic.topicArn };
  }
}
