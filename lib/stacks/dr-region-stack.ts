import { Construct } from 'constructs';
import { DrConfig, EnvironmentConfig, ServiceConfig } from '../../config';
import { DrDataSinks } from '../backup/dr-data-sinks';
import { BulwarkStack } from '../common/bulwark-stack';
import { Naming } from '../common/naming';
import { DataProtection } from '../common/protection';
import { Monitoring } from '../monitoring/monitoring';
import { Network } from '../network/network';

export const DR_REGION_STACK_ID = 'DrRegion';

export interface DrRegionStackProps {
  readonly service: ServiceConfig;
  /** The environment this stack stands by for (Prod); its `dr` block places and sizes the standby. */
  readonly primary: EnvironmentConfig & { readonly dr: DrConfig };
}

/**
 * The standby in the DR region. Deployed before Prod (Prod depends on it for its DR data sinks),
 * and `cdk deploy DrRegion -c drill=true` runs the DR drill.
 */
export class DrRegionStack extends BulwarkStack {
  readonly network: Network;
  readonly monitoring: Monitoring;
  readonly naming: Naming;
  readonly protection: DataProtection;
  /** Where Prod's recovery points are copied and its archive replicates (Prod references these). */
  readonly dataSinks: DrDataSinks;

  constructor(scope: Construct, props: DrRegionStackProps) {
    const { service, primary } = props;
    const dr = primary.dr;
    super(scope, DR_REGION_STACK_ID, {
      stackName: DR_REGION_STACK_ID,
      description: `Bulwark ${service.name} DR standby for ${primary.name} in ${dr.region} (${dr.standbyMode})`,
      env: { account: primary.account, region: dr.region },
      availabilityZones: dr.availabilityZones,
      terminationProtection: primary.retainStatefulResources,
      tags: { service: service.name, environment: DR_REGION_STACK_ID, tier: String(primary.tier), owner: service.owner, 'standby-for': primary.name },
    });
    this.naming = new Naming(service.name, 'dr');
    this.protection = { retain: primary.retainStatefulResources };

    this.network = new Network(this, 'Network', {
      cidr: dr.cidr,
      availabilityZones: dr.availabilityZones,
      natGateways: dr.natGateways,
      interfaceEndpoints: primary.vpc.interfaceEndpoints,
      flowLogRetentionDays: primary.vpc.flowLogRetentionDays,
      protection: this.protection,
    });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      naming: this.naming,
      runbookBaseUrl: service.runbookBaseUrl,
      notifications: primary.notifications,
    });

    this.dataSinks = new DrDataSinks(this, 'DataSinks', {
      primary,
      primaryNaming: new Naming(service.name, primary.name),
      naming: this.naming,
      protection: this.protection,
      alarms: this.monitoring.alarms,
    });
  }
}
