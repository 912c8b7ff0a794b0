import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Construct } from 'constructs';
import { Severity } from '../../config';
import { Naming } from '../common/naming';
import { AlarmMeta, AlarmSpec, alarmDescription } from './alarm-spec';
import type { SeverityTopics } from './severity-topics';

export interface AlarmFactoryProps {
  readonly naming: Naming;
  readonly topics: SeverityTopics;
  readonly runbookBaseUrl: string;
}

/**
 * `orders-prod-`: the start of every alarm name the factory gives in an environment (`orders-prod-<id>`), which
 * the severity topics' policies trust (`aws:SourceArn` like `...:alarm:orders-prod-*`).
 */
export function alarmNamePrefix(naming: Naming): string {
  return naming.resource('');
}

/** Severities whose recovery is announced too (OK actions), so nobody keeps working a resolved page. */
const ANNOUNCE_RECOVERY: readonly Severity[] = ['P1', 'P2'];

/**
 * The one owner of how a Bulwark alarm is named, described (severity and runbook link) and actioned.
 * Callers (the catalog, other capabilities) describe what to watch; every alarm of every stack is
 * made here, so the RunbookCheck finds them all well formed.
 */
export class AlarmFactory {
  private readonly created = new Map<string, cloudwatch.AlarmBase>();
  private readonly severities = new Map<string, Severity>();

  constructor(private readonly props: AlarmFactoryProps) {}

  /** The naming of the environment the factory's alarms belong to. */
  get naming(): Naming {
    return this.props.naming;
  }

  createAlarm(scope: Construct, spec: AlarmSpec): cloudwatch.Alarm {
    this.claim(spec.id);
    const alarm = new cloudwatch.Alarm(scope, constructId(spec.id), {
      alarmName: alarmName(this.props.naming, spec.id),
      alarmDescription: alarmDescription(spec, this.props.runbookBaseUrl),
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparisonOperator,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm ?? spec.evaluationPeriods,
      treatMissingData: spec.treatMissingData ?? cloudwatch.TreatMissingData.MISSING,
    });
    this.register(spec.id, alarm, spec.severity);
    return alarm;
  }

  createCompositeAlarm(
    scope: Construct,
    meta: AlarmMeta,
    rule: cloudwatch.IAlarmRule,
    actionsSuppressor?: { alarm: cloudwatch.IAlarm; waitPeriod: Duration; extensionPeriod: Duration },
  ): cloudwatch.CompositeAlarm {
    this.claim(meta.id);
    const alarm = new cloudwatch.CompositeAlarm(scope, constructId(meta.id), {
      compositeAlarmName: alarmName(this.props.naming, meta.id),
      alarmDescription: alarmDescription(meta, this.props.runbookBaseUrl),
      alarmRule: rule,
      ...(actionsSuppressor
        ? {
            actionsSuppressor: actionsSuppressor.alarm,
            actionsSuppressorWaitPeriod: actionsSuppressor.waitPeriod,
            actionsSuppressorExtensionPeriod: actionsSuppressor.extensionPeriod,
          }
        : {}),
    });
    this.register(meta.id, alarm, meta.severity);
    return alarm;
  }

  /** The SNS topic for a severity, for notifications that are not alarms (EventBridge rules, budgets). */
  topic(severity: Severity) {
    return this.props.topics.topic(severity);
  }

  /** Description for something that is not a CloudWatch alarm but must carry a runbook all the same. */
  describe(meta: AlarmMeta): string {
    return alarmDescription(meta, this.props.runbookBaseUrl);
  }

  get alarms(): ReadonlyMap<string, cloudwatch.AlarmBase> {
    return this.created;
  }

  /**
   * Alarms of one severity created so far, in creation order. Read lazily (the dashboard's
   * alarms-by-severity widgets render at synth), so alarms other capabilities add later are included.
   */
  alarmsOf(severity: Severity): cloudwatch.AlarmBase[] {
    return [...this.created].filter(([id]) => this.severities.get(id) === severity).map(([, alarm]) => alarm);
  }

  private register(id: string, alarm: cloudwatch.AlarmBase, severity: Severity): void {
    this.route(alarm, severity);
    this.created.set(id, alarm);
    this.severities.set(id, severity);
  }

  private route(alarm: cloudwatch.AlarmBase, severity: Severity): void {
    const action = new actions.SnsAction(this.props.topics.topic(severity));
    alarm.addAlarmAction(action);
    if (ANNOUNCE_RECOVERY.includes(severity)) alarm.addOkAction(action);
  }

  private claim(id: string): void {
    if (this.created.has(id))
      throw new Error(
        `alarm id "${id}" is used twice in ${this.props.naming.environmentName}; give each catalog entry its own id`,
      );
  }
}

/** `orders-prod-<id>`, lowercase like every resource name; always starts with `alarmNamePrefix`. */
export function alarmName(naming: Naming, id: string): string {
  return `${alarmNamePrefix(naming)}${id.toLowerCase()}`;
}

/** `http-5xx-p1` -> `Http5xxP1Alarm` */
function constructId(id: string): string {
  return (
    id
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .map((p) => p[0].toUpperCase() + p.slice(1))
      .join('') + 'Alarm'
  );
}
