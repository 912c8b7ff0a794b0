import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { SEVERITIES, Severity } from '../../config';
import { Naming } from '../common/naming';
import { AlarmFactory } from './alarm-factory';

export interface OpsDashboardProps {
  readonly naming: Naming;
  /** Source of the alarms-by-severity row: every alarm the factory makes, whichever capability asked. */
  readonly factory: AlarmFactory;
}

/** What each severity means to the reader of the dashboard. */
const SEVERITY_MEANING: Record<Severity, string> = {
  P1: 'P1 - pages now (users affected)',
  P2: 'P2 - pages (degraded, or a deploy/backup failed)',
  P3: 'P3 - ticket, next business day',
  P4: 'P4 - information',
};

/**
 * The environment's operations dashboard, `<service>-<env>`: alarms by severity on top, then rows
 * that capabilities add (golden signals and deployments from the alarm catalog, database, canaries,
 * DR) through `addRow`.
 */
export class OpsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly dashboardName: string;

  constructor(scope: Construct, id: string, props: OpsDashboardProps) {
    super(scope, id);
    this.dashboardName = `${props.naming.serviceName}-${props.naming.environmentName.toLowerCase()}`;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: this.dashboardName,
      // Three hours shows an incident and the deployment before it on one screen.
      defaultInterval: Duration.hours(3),
      periodOverride: cloudwatch.PeriodOverride.INHERIT,
    });
    this.addRow(
      new cloudwatch.TextWidget({ markdown: `# ${this.dashboardName}: alarms by severity`, width: 24, height: 1 }),
    );
    this.addRow(...SEVERITIES.map((severity) => new SeverityAlarmsWidget(props.factory, severity)));
  }

  /** Add a row of widgets (24 grid units wide) below the existing ones. */
  addRow(...widgets: cloudwatch.IWidget[]): void {
    this.dashboard.addWidgets(...widgets);
  }

  /** A titled section: a one-line heading followed by a row of widgets. */
  addSection(title: string, ...widgets: cloudwatch.IWidget[]): void {
    this.addRow(new cloudwatch.TextWidget({ markdown: `## ${title}`, width: 24, height: 1 }));
    this.addRow(...widgets);
  }
}

/**
 * An AlarmStatusWidget for one severity whose alarm list is read when the dashboard body renders,
 * so alarms that other capabilities create after the dashboard (canary, DR, backup) still appear.
 */
class SeverityAlarmsWidget implements cloudwatch.IWidget {
  readonly width = 6;
  readonly height = 6;
  private x = 0;
  private y = 0;

  constructor(
    private readonly factory: AlarmFactory,
    private readonly severity: Severity,
  ) {}

  position(x: number, y: number): void {
    this.x = x;
    this.y = y;
  }

  toJson(): unknown[] {
    const alarms = this.factory.alarmsOf(this.severity);
    // CloudWatch rejects an alarm status widget with no alarms; say so in words instead.
    const widget =
      alarms.length > 0
        ? new cloudwatch.AlarmStatusWidget({
            title: SEVERITY_MEANING[this.severity],
            alarms,
            width: this.width,
            height: this.height,
            sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
          })
        : new cloudwatch.TextWidget({
            markdown: `**${SEVERITY_MEANING[this.severity]}**\n\nNo alarms of this severity.`,
            width: this.width,
            height: this.height,
          });
    widget.position(this.x, this.y);
    return widget.toJson();
  }
}
