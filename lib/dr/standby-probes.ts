import { Construct } from 'constructs';
import { EnvironmentConfig, ServiceConfig } from '../../config';
import { Canary, CanaryCredentials } from '../canary/canary';
import { Naming } from '../common/naming';
import { DataProtection } from '../common/protection';
import { AlarmFactory } from '../monitoring/alarm-factory';
import { BlueGreenService } from '../service/blue-green-service';

export interface StandbyProbesProps {
  readonly naming: Naming;
  readonly protection: DataProtection;
  readonly service: ServiceConfig;
  /** The environment the standby stands by for: its canary settings and whether it serves HTTPS. */
  readonly primary: EnvironmentConfig;
  readonly standby: BlueGreenService;
  readonly alarms: AlarmFactory;
}

/**
 * The DR region's P1 signals, both high-resolution probes of the journeys (lib/canary):
 * - `canary`: the standby's own endpoint. It serves after a failover, so a broken standby pages P1, and
 *   it gates the standby's deployments as Prod's canary gates Prod's.
 * - `primary-probe`: the service's domain, from this region. A regional outage of the primary takes the
 *   primary's own alarms (and the Route 53 metrics, which live only in us-east-1) down with it; this probe
 *   and its alarm run outside it, so "region down" still pages (runbook dr-primary-unhealthy).
 */
export class StandbyProbes extends Construct {
  readonly canary: Canary;
  readonly primaryProbe: Canary;

  constructor(scope: Construct, id: string, props: StandbyProbesProps) {
    super(scope, id);
    const { naming, protection, service, primary } = props;
    const credentials = new CanaryCredentials(this, 'Credentials', { naming, protection });
    const common = {
      naming,
      protection,
      journeys: service.journeys,
      canary: primary.canary,
      alarms: props.alarms,
      credentials,
    };
    this.canary = new Canary(this, 'Canary', {
      ...common,
      endpointUrl: props.standby.endpointUrl,
      serviceHostname: props.standby.serviceHostname,
    });
    props.standby.addDeploymentAlarm(this.canary.failureAlarm);
    const https = primary.service.certificateArn !== undefined;
    this.primaryProbe = new Canary(this, 'PrimaryProbe', {
      ...common,
      probeName: 'primary-probe',
      endpointUrl: `${https ? 'https' : 'http'}://${service.domainName}`,
      serviceHostname: https ? service.domainName : undefined,
      failureRunbook: 'dr-primary-unhealthy',
      failureSummary: `Users cannot walk the journeys at ${service.domainName}, probed from this region: the serving region is down or unreachable`,
    });
  }
}
