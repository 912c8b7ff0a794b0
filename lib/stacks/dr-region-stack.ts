import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { DrConfig, EnvironmentConfig, ServiceConfig } from '../../config';
import { DrDataSinks } from '../backup/dr-data-sinks';
import { RestoreRole } from '../backup/restore-role';
import { BulwarkStack } from '../common/bulwark-stack';
import { Naming } from '../common/naming';
import { DataProtection } from '../common/protection';
import { Monitoring } from '../monitoring/monitoring';
import {
  DATABASE_ENGINE,
  DATABASE_SECRET_NAME_VARIABLE,
  databaseClusterIdentifier,
  databaseSecretName,
} from '../data/database';
import {
  DrDatabaseSite,
  drRestoreTargetParameterName,
  DrRestoreTarget,
  globalClusterIdentifier,
  globalDbRpoSeconds,
  headlessSecondary,
} from '../data/global-database';
import { Network, SUBNET_GROUPS } from '../network/network';
import { OPS_REPORTS_PREFIX } from '../backup/archive-bucket';
import { DrDrill, DRILL_PREFIX } from '../dr/dr-drill';
import { drillTargets, replicationLagBoundSeconds, switchoverTargets } from '../dr/drill-targets';
import { SecondaryFailover } from '../dr/secondary-failover';
import { StandbyAlarms } from '../dr/standby-alarms';
import { StandbyProbes } from '../dr/standby-probes';
import { PlanHealthChecks } from '../dr/plan-health-checks';
import { RegionSwitchPlan } from '../dr/region-switch-plan';
import { standbyDesiredCount } from '../dr/standby-sizing';
import { BlueGreenService } from '../service/blue-green-service';

export const DR_REGION_STACK_ID = 'DrRegion';

export interface DrRegionStackProps {
  readonly service: ServiceConfig;
  /** The environment this stack stands by for (Prod); its `dr` block places and sizes the standby. */
  readonly primary: EnvironmentConfig & { readonly dr: DrConfig };
  /**
   * `true`: the measuring drill (`cdk deploy DrRegion -c drill=true`); `'switchover'`: the Region switch plan's
   * graceful switchover to this Region and back (`-c drill=switchover`). @default false
   */
  readonly drill?: boolean | 'switchover';
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
  /** The same service construct as Prod, sized by the standby mode. */
  readonly standby: BlueGreenService;
  /** The SECONDARY failover record and the standby's health check (Prod alarms on it). */
  readonly failover: SecondaryFailover;
  readonly standbyAlarms: StandbyAlarms;
  /** P1 probes: the standby's journeys, and the service's domain seen from this region (region down). */
  readonly probes: StandbyProbes;
  readonly drill?: DrDrill;
  /** The ARC Region switch plan that moves Prod here and back (lib/dr/region-switch-plan.ts says why it lives here). */
  readonly regionSwitch: RegionSwitchPlan;
  /** The plan's Route 53 health check for each Region, picked by Region: the live failover records' checks. */
  readonly planHealthChecks: PlanHealthChecks;
  /** Subnet group, security group, key and DNS name of the DR database: Prod's global secondary (warm standby) or the restored copy (pilot light). */
  readonly databaseSite: DrDatabaseSite;
  /** The role AWS Backup restores the DR copies with (`orders-dr-restore`). */
  readonly restoreRole: RestoreRole;

  constructor(scope: Construct, props: DrRegionStackProps) {
    const { service, primary } = props;
    const dr = primary.dr;
    super(scope, DR_REGION_STACK_ID, {
      stackName: DR_REGION_STACK_ID,
      description: `Bulwark ${service.name} DR standby for ${primary.name} in ${dr.region} (${dr.standbyMode})`,
      env: { account: primary.account, region: dr.region },
      availabilityZones: dr.availabilityZones,
      terminationProtection: primary.retainStatefulResources,
      tags: {
        service: service.name,
        environment: DR_REGION_STACK_ID,
        tier: String(primary.tier),
        owner: service.owner,
        'standby-for': primary.name,
      },
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
      replicaExcludedPrefixes: [DRILL_PREFIX, OPS_REPORTS_PREFIX],
    });

    // Where the DR database lives, in both modes. Warm standby: Prod creates its global database secondary
    // here (once its global cluster exists, after this stack). Pilot light: `npm run ops -- dr-restore`
    // restores the newest copied recovery point here. The standby reads Prod's credentials secret replica.
    this.databaseSite = new DrDatabaseSite(this, 'DatabaseSite', {
      naming: this.naming,
      protection: this.protection,
      vpc: this.network.vpc,
      dataSubnetGroupName: SUBNET_GROUPS.data,
      alarms: this.monitoring.alarms,
      // Both modes have a global secondary (a pilot light's is headless): the lag alarm guards either.
      rpoBoundSeconds: globalDbRpoSeconds(primary),
    });
    // What `npm run ops -- dr-restore` restores with and into (the names it derives from lib/ itself).
    this.restoreRole = new RestoreRole(this, 'RestoreRole', {
      naming: this.naming,
      keys: [this.dataSinks.vault.key, this.databaseSite.key],
    });
    const restoreTarget: DrRestoreTarget = {
      clusterIdentifier: this.databaseSite.clusterIdentifier,
      instanceIdentifier: this.databaseSite.instanceIdentifier,
      subnetGroupName: this.databaseSite.subnetGroup.subnetGroupName,
      securityGroupId: this.databaseSite.securityGroup.securityGroupId,
      kmsKeyArn: this.databaseSite.key.keyArn,
      hostedZoneId: this.databaseSite.zone.hostedZoneId,
      hostName: this.databaseSite.hostName,
      restoreRoleArn: this.restoreRole.role.roleArn,
    };
    new ssm.StringParameter(this, 'RestoreTarget', {
      parameterName: drRestoreTargetParameterName(this.naming),
      description: `Where npm run ops -- dr-restore restores ${primary.name}'s newest copied recovery point (JSON)`,
      stringValue: this.toJsonString(restoreTarget),
    });
    const databaseSecret = secretsmanager.Secret.fromSecretNameV2(
      this,
      'DatabaseSecretReplica',
      databaseSecretName(new Naming(service.name, primary.name)),
    );

    // Same construct as Prod; pilot light runs 0 tasks until the failover runbook scales it up.
    this.standby = new BlueGreenService(this, 'Standby', {
      service,
      // ACM certificates are regional: the standby listens with the DR region's own certificate.
      environment: {
        ...primary,
        name: DR_REGION_STACK_ID,
        service: { ...primary.service, certificateArn: dr.certificateArn },
      },
      vpc: this.network.vpc,
      natEgressIps: this.network.natEgressIps,
      naming: this.naming,
      protection: this.protection,
      desiredCount: standbyDesiredCount(dr),
      // The secret's host is Prod's endpoint, unreachable from here: DB_HOST is the DR name of the database
      // (warm standby: Prod's custom resource points it at the secondary; pilot light: dr-restore does).
      // The credentials are read by the application at run time (DB_SECRET_NAME), not injected by ECS: the
      // replica appears only when Prod deploys, after this stack, and ECS cannot start a task whose secret
      // does not exist yet, so a first `cdk deploy Prod` would hang on the standby service until it failed.
      environmentVariables: {
        DB_HOST: this.databaseSite.hostName,
        [DATABASE_SECRET_NAME_VARIABLE]: databaseSecret.secretName,
      },
    });
    databaseSecret.grantRead(this.standby.taskRole);
    this.databaseSite.allowFrom(this.standby.service, 'Standby service tasks');

    this.standbyAlarms = new StandbyAlarms(this, 'StandbyAlarms', {
      factory: this.monitoring.alarms,
      signals: this.standby.signals,
      thresholds: primary.alarms,
      naming: this.naming,
    });
    for (const alarm of this.standbyAlarms.deploymentAlarms) this.standby.addDeploymentAlarm(alarm);
    this.probes = new StandbyProbes(this, 'Probes', {
      naming: this.naming,
      protection: this.protection,
      service,
      primary,
      standby: this.standby,
      alarms: this.monitoring.alarms,
    });

    // The plan's trigger: the region-down P1 seen from outside the failing region, this region's probe of the
    // service's domain. Prod's dr-primary-unhealthy is not one: it lives in Prod's region and goes silent with it.
    const primaryNaming = new Naming(service.name, primary.name);
    const triggerAlarmArns = [this.probes.primaryProbe.failureAlarm.alarmArn];
    this.regionSwitch = new RegionSwitchPlan(this, 'RegionSwitch', {
      naming: this.naming,
      primaryNaming,
      protection: this.protection,
      service,
      primary,
      standby: this.standby,
      globalDatabase: {
        globalClusterIdentifier: globalClusterIdentifier(service.name),
        primaryClusterIdentifier: databaseClusterIdentifier(primaryNaming),
        secondaryClusterIdentifier: this.databaseSite.clusterIdentifier,
        // Pilot light: the failover adds the headless secondary's instance first.
        headless: headlessSecondary(dr)
          ? {
              instanceIdentifier: this.databaseSite.instanceIdentifier,
              engine: DATABASE_ENGINE.engineType,
              keyArn: this.databaseSite.key.keyArn,
            }
          : undefined,
      },
      triggerAlarmArns,
      noticeTopic: this.monitoring.topics.topic('P2'),
      noticeTopicKey: this.monitoring.topics.key,
    });

    // The live records follow the plan's health checks (the plan's DNS step names the same zone and record):
    // DNS moves only when the plan does. Prod reads the PRIMARY one through a weak reference.
    this.planHealthChecks = new PlanHealthChecks(this, 'PlanHealthChecks', {
      plan: this.regionSwitch.plan,
      hostedZoneId: service.hostedZoneId,
      recordName: service.domainName,
      primaryRegion: primary.region,
      secondaryRegion: dr.region,
      protection: this.protection,
    });
    this.failover = new SecondaryFailover(this, 'Failover', {
      service,
      dr,
      loadBalancer: this.standby.loadBalancer,
      https: primary.service.certificateArn !== undefined,
      planHealthCheckId: this.planHealthChecks.secondaryHealthCheckId,
    });

    if (props.drill) {
      this.drill = new DrDrill(this, 'Drill', {
        naming: this.naming,
        protection: this.protection,
        service,
        dr,
        targets: drillTargets(primary),
        // EnvironmentStack names its stack after the environment; its output names the drill health check.
        primaryStack: { stackName: primary.name, region: primary.region },
        reportBucket: this.dataSinks.replica.bucket,
        replicaBucket: this.dataSinks.replica.bucket,
        vault: this.dataSinks.vault.vault,
        executeAfter: [this.standby, this.failover, this.dataSinks, this.regionSwitch],
        mode: props.drill === 'switchover' ? 'switchover' : 'measure',
        planArn: this.regionSwitch.plan.attrArn,
        // Both modes have a global secondary (headless in pilot light), watched by the same lag metric as the alarm.
        replicationLag: {
          clusterIdentifier: this.databaseSite.clusterIdentifier,
          boundSeconds: replicationLagBoundSeconds(primary),
        },
        switchover:
          props.drill === 'switchover' ? switchoverTargets(primary, this.regionSwitch.stepBoundsSeconds) : undefined,
      });
    }
  }
}
