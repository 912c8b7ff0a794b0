import { Construct } from 'constructs';
import { EnvironmentConfig, ServiceConfig } from '../../config';
import { BulwarkStack } from '../common/bulwark-stack';
import { Naming } from '../common/naming';
import { DataProtection } from '../common/protection';
import { AlarmCatalog } from '../monitoring/alarm-catalog';
import { Monitoring } from '../monitoring/monitoring';
import { Network } from '../network/network';
import { BlueGreenService } from '../service/blue-green-service';

export interface EnvironmentStackProps {
  readonly service: ServiceConfig;
  readonly environment: EnvironmentConfig;
}

/**
 * One workload environment (Dev, Staging, Prod): its id and stack name are the environment's name,
 * so `cdk deploy Prod` selects it. It only composes constructs; each capability decides its own resources.
 */
export class EnvironmentStack extends BulwarkStack {
  readonly network: Network;
  readonly monitoring: Monitoring;
  readonly naming: Naming;
  readonly protection: DataProtection;
  readonly service: BlueGreenService;
  readonly alarmCatalog: AlarmCatalog;

  constructor(scope: Construct, props: EnvironmentStackProps) {
    const { service, environment } = props;
    super(scope, environment.name, {
      stackName: environment.name,
      description: `Bulwark ${service.name} ${environment.name} (tier ${environment.tier}): network, service, monitoring, backup, canaries, kill switches`,
      env: { account: environment.account, region: environment.region },
      availabilityZones: environment.availabilityZones,
      terminationProtection: environment.retainStatefulResources,
      tags: { service: service.name, environment: environment.name, tier: String(environment.tier), owner: service.owner },
    });
    this.naming = new Naming(service.name, environment.name);
    this.protection = { retain: environment.retainStatefulResources };

    this.network = new Network(this, 'Network', {
      cidr: environment.vpc.cidr,
      availabilityZones: environment.availabilityZones,
      natGateways: environment.vpc.natGateways,
      interfaceEndpoints: environment.vpc.interfaceEndpoints,
      flowLogRetentionDays: environment.vpc.flowLogRetentionDays,
      protection: this.protection,
    });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      naming: this.naming,
      runbookBaseUrl: service.runbookBaseUrl,
      notifications: environment.notifications,
    });

    this.service = new BlueGreenService(this, 'Service', {
      service,
      environment,
      vpc: this.network.vpc,
      naming: this.naming,
      protection: this.protection,
    });

    this.alarmCatalog = new AlarmCatalog(this, 'Alarms', {
      factory: this.monitoring.alarms,
      signals: this.service.signals,
      thresholds: environment.alarms,
    });
    for (const alarm of this.alarmCatalog.deploymentAlarms) this.service.addDeploymentAlarm(alarm);
  }
}
