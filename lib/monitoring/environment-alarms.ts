import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { AlarmFactory } from './alarm-factory';
import { AlarmThresholds, BILLING_METRICS_REGION, costAlarmCatalog, eventNotificationCatalog } from './alarm-catalog';
import { EventRuleTopicTarget } from './severity-topics';

export interface EnvironmentAlarmsProps {
  readonly factory: AlarmFactory;
  /** @default no cost-spike alarm */
  readonly thresholds?: AlarmThresholds;
  readonly runbookBaseUrl: string;
}

/**
 * The catalog entries that watch the environment rather than one resource: the cost spike alarm and
 * the EventBridge notifications for failed deployments and failed backup jobs. They exist from the
 * environment's first deploy, whatever capabilities it has.
 */
export class EnvironmentAlarms extends Construct {
  readonly alarms: Record<string, cloudwatch.Alarm> = {};
  readonly rules: Record<string, events.Rule> = {};

  constructor(scope: Construct, id: string, props: EnvironmentAlarmsProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    if (!props.thresholds) {
      // No thresholds, no cost alarm: the caller said another stack watches this account's charges.
    } else if (!Token.isUnresolved(region) && region === BILLING_METRICS_REGION) {
      for (const entry of costAlarmCatalog(props.thresholds))
        this.alarms[entry.id] = props.factory.createAlarm(this, entry);
    } else {
      Annotations.of(this).addWarningV2(
        'bulwark:cost-spike-region',
        `No cost-spike alarm in ${region}: AWS/Billing EstimatedCharges exists only in ${BILLING_METRICS_REGION}. The budget (budget.monthlyUsd) still notifies; or watch the account's charges from a ${BILLING_METRICS_REGION} stack.`,
      );
    }

    for (const entry of eventNotificationCatalog(props.factory.naming)) {
      const runbookUrl = `${props.runbookBaseUrl.replace(/\/+$/, '')}/${entry.runbook}.md`;
      const rule = new events.Rule(this, ruleId(entry.id), {
        ruleName: props.factory.naming.resource(entry.id),
        // The same "[P2] summary | Runbook: <url>" form as an alarm, so a reader of the console finds the runbook.
        description: props.factory.describe(entry),
        eventPattern: entry.pattern,
      });
      // Allows this rule alone to publish (targets.SnsTopic would allow any rule of any account).
      rule.addTarget(new EventRuleTopicTarget(props.factory.topic(entry.severity), entry.message(runbookUrl)));
      this.rules[entry.id] = rule;
    }
  }
}

function ruleId(id: string): string {
  return (
    id
      .split('-')
      .map((p) => p[0].toUpperCase() + p.slice(1))
      .join('') + 'Rule'
  );
}
