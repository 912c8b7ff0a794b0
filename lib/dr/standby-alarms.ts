import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { Severity } from '../../config';
import { Naming } from '../common/naming';
import { AlarmFactory } from '../monitoring/alarm-factory';
import { AlarmThresholds, CatalogEntry, errorLogMetricFilter, serviceAlarmCatalog } from '../monitoring/alarm-catalog';
import { ServiceSignals } from '../monitoring/service-signals';

/** Catalog entries the standby leaves out: "no healthy task" is the pilot light's normal state, and the warm standby's is watched by Prod's dr-standby-unhealthy alarm. */
export const STANDBY_EXCLUDED_ALARMS: readonly string[] = ['service-down'];

/** No standby alarm pages harder than this: users are on Prod until a failover, which has its own P1. */
export const STANDBY_MAX_SEVERITY: Severity = 'P2';

export interface StandbyAlarmsProps {
  readonly factory: AlarmFactory;
  readonly signals: ServiceSignals;
  readonly thresholds: AlarmThresholds;
  readonly naming: Naming;
}

/**
 * The standby's own alarms: Prod's service catalog (same thresholds, same runbooks) on the standby's
 * signals, capped at P2, without the entries that fire by design while the standby is idle. The
 * deployment-gating ones roll back a bad release of the standby as they do in Prod.
 */
export class StandbyAlarms extends Construct {
  readonly deploymentAlarms: cloudwatch.IAlarm[] = [];

  constructor(scope: Construct, id: string, props: StandbyAlarmsProps) {
    super(scope, id);
    // The standby's error-log-spike alarm watches its own metric: produce it here, as Prod's catalog does.
    errorLogMetricFilter(this, props.signals, props.naming);
    for (const entry of standbyCatalog(serviceAlarmCatalog(props.signals, props.thresholds, props.naming))) {
      const alarm = props.factory.createAlarm(this, entry);
      if (entry.gatesDeployment) this.deploymentAlarms.push(alarm);
    }
  }
}

export function standbyCatalog(entries: readonly CatalogEntry[]): CatalogEntry[] {
  return entries
    .filter((entry) => !STANDBY_EXCLUDED_ALARMS.includes(entry.id))
    .map((entry) => ({
      ...entry,
      severity: entry.severity < STANDBY_MAX_SEVERITY ? STANDBY_MAX_SEVERITY : entry.severity,
      summary: `Standby: ${entry.summary}`,
    }));
}
