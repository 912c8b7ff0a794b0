import { Construct } from 'constructs';
import { Severity } from '../../config';
import { Naming } from '../common/naming';
import { AlarmFactory } from './alarm-factory';
import { SeverityTopics } from './severity-topics';

export interface MonitoringProps {
  readonly naming: Naming;
  readonly runbookBaseUrl: string;
  readonly notifications: Partial<Record<Severity, readonly string[]>>;
}

/**
 * The environment's alerting backbone: the severity topics and the AlarmFactory every capability
 * uses to create its alarms (so each carries its severity and runbook link).
 */
export class Monitoring extends Construct {
  readonly topics: SeverityTopics;
  readonly alarms: AlarmFactory;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topics = new SeverityTopics(this, 'Topics', { naming: props.naming, subscriptions: props.notifications });
    this.alarms = new AlarmFactory({ naming: props.naming, topics: this.topics, runbookBaseUrl: props.runbookBaseUrl });
  }
}
