import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { Severity } from '../../config';
import { Naming } from '../common/naming';
import { AlarmThresholds } from './alarm-catalog';
import { AlarmFactory } from './alarm-factory';
import { EnvironmentAlarms } from './environment-alarms';
import { OpsDashboard } from './ops-dashboard';
import { SeverityTopics } from './severity-topics';

export interface MonitoringProps {
  readonly naming: Naming;
  readonly runbookBaseUrl: string;
  readonly notifications: Partial<Record<Severity, readonly string[]>>;
  /**
   * The environment's alarm thresholds (`alarms` in the config), for the cost-spike alarm (the rest
   * are in AlarmCatalog). @default no cost-spike alarm: DrRegion shares Prod's account, whose charges
   * Prod's stack already watches.
   */
  readonly thresholds?: AlarmThresholds;
}

/**
 * The environment's alerting backbone: the severity topics, the AlarmFactory every capability
 * uses to create its alarms (so each carries its severity and runbook link), the dashboard
 * `<service>-<env>` other capabilities add rows to, and the environment-wide catalog entries
 * (cost spike, failed deployments, failed backup jobs).
 */
export class Monitoring extends Construct {
  readonly topics: SeverityTopics;
  readonly alarms: AlarmFactory;
  readonly dashboard: OpsDashboard;
  readonly environmentAlarms: EnvironmentAlarms;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topics = new SeverityTopics(this, 'Topics', { naming: props.naming, subscriptions: props.notifications });
    this.alarms = new AlarmFactory({ naming: props.naming, topics: this.topics, runbookBaseUrl: props.runbookBaseUrl });
    this.dashboard = new OpsDashboard(this, 'Dashboard', { naming: props.naming, factory: this.alarms });
    this.environmentAlarms = new EnvironmentAlarms(this, 'EnvironmentAlarms', {
      factory: this.alarms,
      thresholds: props.thresholds,
      runbookBaseUrl: props.runbookBaseUrl,
    });
  }

  /** Add a titled row to the environment's dashboard (canary, DR, backup rows). */
  addDashboardRow(title: string, ...widgets: cloudwatch.IWidget[]): void {
    this.dashboard.addSection(title, ...widgets);
  }
}
