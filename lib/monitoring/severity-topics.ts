import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { SEVERITIES, Severity } from '../../config';
import { Naming } from '../common/naming';

export interface SeverityTopicsProps {
  readonly naming: Naming;
  /** Email subscribers per severity. */
  readonly subscriptions: Partial<Record<Severity, readonly string[]>>;
}

/** `orders-prod-alerts-p1`: the severity topic's name, for the construct and for operator tools that address it. */
export function severityTopicName(naming: Naming, severity: Severity): string {
  return naming.resource(`alerts-${severity.toLowerCase()}`);
}

/** Services that publish to the topics and so must be able to use the topics' KMS key. */
const PUBLISHING_SERVICES = ['cloudwatch.amazonaws.com', 'events.amazonaws.com', 'budgets.amazonaws.com', 'backup.amazonaws.com', 'codestar-notifications.amazonaws.com'];

/**
 * One SNS topic per severity (P1 pages, P4 is a ticket), KMS-encrypted with a key the publishing AWS
 * services may use, and a policy refusing anything but TLS.
 */
export class SeverityTopics extends Construct {
  readonly key: kms.Key;
  private readonly topics: Record<Severity, sns.Topic>;

  constructor(scope: Construct, id: string, props: SeverityTopicsProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'TopicKey', { description: `Encrypts ${props.naming.resource('alerts')} SNS topics`, enableKeyRotation: true });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: PUBLISHING_SERVICES.map((service) => new iam.ServicePrincipal(service)),
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.topics = Object.fromEntries(
      SEVERITIES.map((severity) => {
        const topic = new sns.Topic(this, severity, {
          topicName: severityTopicName(props.naming, severity),
          displayName: `${props.naming.serviceName} ${props.naming.environmentName} ${severity}`,
          masterKey: this.key,
          enforceSSL: true,
        });
        for (const email of props.subscriptions[severity] ?? []) topic.addSubscription(new subscriptions.EmailSubscription(email));
        return [severity, topic];
      }),
    ) as Record<Severity, sns.Topic>;
  }

  topic(severity: Severity): sns.ITopic {
    return this.topics[severity];
  }
}
