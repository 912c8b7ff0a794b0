import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { EnvironmentConfig, ServiceConfig } from '../../config';
import { DrDataSinks } from '../backup/dr-data-sinks';
import { backupTag, EnvironmentBackup } from '../backup/environment-backup';
import { Canary, CanaryCredentials } from '../canary/canary';
import { BulwarkStack } from '../common/bulwark-stack';
import { Naming } from '../common/naming';
import { DataProtection } from '../common/protection';
import { AlarmCatalog } from '../monitoring/alarm-catalog';
import { Monitoring } from '../monitoring/monitoring';
import { Database, DATABASE_SECRET_NAME_VARIABLE, databaseSecretName } from '../data/database';
import { DrDatabaseSite, GlobalDatabase, globalDbRpoSeconds, headlessSecondary } from '../data/global-database';
import { IncidentRecord } from '../incidents/incident-record';
import { WeeklyOpsReport } from '../ops-report/weekly-report';
import { KillSwitches } from '../killswitch/kill-switches';
import { Network, SUBNET_GROUPS } from '../network/network';
import { PrimaryFailover } from '../dr/primary-failover';
import { PipelineCanaryAccess } from '../pipeline/pipeline-canary-access';
import { BlueGreenService } from '../service/blue-green-service';

export interface EnvironmentStackProps {
  readonly service: ServiceConfig;
  readonly environment: EnvironmentConfig;
  /** DrRegion's data sinks, for the environment that has a DR block (Prod): backup copies and archive replication. */
  readonly drDataSinks?: DrDataSinks;
  /** DrRegion's standby health check: Prod alarms on it, as Route 53 metrics exist only in us-east-1. */
  readonly drStandbyHealthCheck?: route53.IHealthCheck;
  /** The Region switch plan's health check for this environment's Region (DrRegion's PlanHealthChecks). */
  readonly drPlanHealthCheckId?: string;
  /** DrRegion's database site: Prod replicates its credentials secret there, and in warm standby makes its cluster a global database with a secondary there. */
  readonly drDatabaseSite?: DrDatabaseSite;
  /** The pipeline's account: it may assume a role here that only invokes this environment's canary. */
  readonly toolingAccount?: string;
}

/** The stack id and CloudFormation stack name of an environment: exactly the name `cdk deploy <Env>` takes. */
export function environmentStackName(environment: Pick<EnvironmentConfig, 'name'>): string {
  return environment.name;
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
  readonly database: Database;
  /** Prod in warm standby: the global cluster and its secondary in the DR region. */
  readonly globalDatabase?: GlobalDatabase;
  readonly backup: EnvironmentBackup;
  /** Prod only: the PRIMARY failover record, its health check and alarm. */
  readonly failover?: PrimaryFailover;
  readonly killSwitches: KillSwitches;
  readonly canary: Canary;
  /** The incident record: table, recorder function, and the rules that feed it. */
  readonly incidents: IncidentRecord;
  /** The weekly ops report: a scheduled function writing to the archive and announcing on P3. */
  readonly weeklyReport: WeeklyOpsReport;

  constructor(scope: Construct, props: EnvironmentStackProps) {
    const { service, environment } = props;
    super(scope, environmentStackName(environment), {
      stackName: environmentStackName(environment),
      description: `Bulwark ${service.name} ${environment.name} (tier ${environment.tier}): network, service, monitoring, backup, canaries, kill switches`,
      env: { account: environment.account, region: environment.region },
      availabilityZones: environment.availabilityZones,
      terminationProtection: environment.retainStatefulResources,
      tags: {
        service: service.name,
        environment: environment.name,
        tier: String(environment.tier),
        owner: service.owner,
      },
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
      thresholds: environment.alarms,
    });

    this.database = new Database(this, 'Database', {
      config: environment.database,
      naming: this.naming,
      protection: this.protection,
      vpc: this.network.vpc,
      dataSubnetGroupName: SUBNET_GROUPS.data,
      rotationSubnetGroupName: SUBNET_GROUPS.private,
      backupTag: backupTag(this.naming),
      secretReplicaRegions: environment.dr && props.drDatabaseSite ? [environment.dr.region] : undefined,
      // Tier 1 with a standby: the regional RPO is bounded by rds.global_db_rpo (lib/data/global-database.ts).
      globalDbRpoSeconds: props.drDatabaseSite ? globalDbRpoSeconds(environment) : undefined,
    });
    // A global database for either standby mode: a pilot light's secondary is headless (no instance until the
    // Region switch plan adds one); copied recovery points (npm run ops -- dr-restore) stay the fallback.
    if (environment.dr && props.drDatabaseSite) {
      this.globalDatabase = new GlobalDatabase(this, 'GlobalDatabase', {
        primary: this.database.cluster,
        config: environment.database,
        serviceName: service.name,
        protection: this.protection,
        secondaryRegion: environment.dr.region,
        site: props.drDatabaseSite,
        headless: headlessSecondary(environment.dr),
        tags: { service: service.name, environment: 'DrRegion', 'standby-for': environment.name, owner: service.owner },
      });
    }

    this.killSwitches = new KillSwitches(this, 'KillSwitches', {
      naming: this.naming,
      protection: this.protection,
      environment,
      nonCriticalFeatures: service.nonCriticalFeatures,
      alarms: this.monitoring.alarms,
    });
    // One token for the canary and the smoke check: both walk the same journeys.
    const canaryCredentials = new CanaryCredentials(this, 'CanaryCredentials', {
      naming: this.naming,
      protection: this.protection,
    });

    this.service = new BlueGreenService(this, 'Service', {
      service,
      environment,
      vpc: this.network.vpc,
      natEgressIps: this.network.natEgressIps,
      naming: this.naming,
      protection: this.protection,
      // DB_SECRET_NAME too, so one application code path (read the secret at start) works here and on the standby.
      environmentVariables: {
        ...this.killSwitches.environmentVariables,
        [DATABASE_SECRET_NAME_VARIABLE]: databaseSecretName(this.naming),
      },
      smokeCheckAuthSecret: canaryCredentials,
      // The generated secret holds host, port, dbname, username and password; rotation updates it in place.
      secrets: Object.fromEntries(
        (['host', 'port', 'dbname', 'username', 'password'] as const).map((field) => [
          `DB_${field.toUpperCase()}`,
          ecs.Secret.fromSecretsManager(this.database.secret, field),
        ]),
      ),
    });
    this.database.connections.allowDefaultPortFrom(this.service.service, 'Service tasks');
    this.database.secret.grantRead(this.service.taskRole);

    // The environment with a DR block (Prod) owns the PRIMARY failover record and its P1 alarm.
    if (environment.dr) {
      if (props.drPlanHealthCheckId === undefined) {
        throw new Error(
          `${environment.name} has a dr block but no drPlanHealthCheckId: build it with buildBulwarkApp (lib/app.ts), ` +
            "which creates the DrRegion stack whose Region switch plan owns the live records' health checks",
        );
      }
      this.failover = new PrimaryFailover(this, 'Failover', {
        service,
        dr: environment.dr,
        loadBalancer: this.service.loadBalancer,
        https: environment.service.certificateArn !== undefined,
        alarms: this.monitoring.alarms,
        standbyHealthCheck: props.drStandbyHealthCheck,
        planHealthCheckId: props.drPlanHealthCheckId,
      });
    }

    this.backup = new EnvironmentBackup(this, 'Backup', {
      environment,
      naming: this.naming,
      protection: this.protection,
      alarms: this.monitoring.alarms,
      database: this.database,
      drSinks: props.drDataSinks,
    });

    this.alarmCatalog = new AlarmCatalog(this, 'Alarms', {
      factory: this.monitoring.alarms,
      signals: this.service.signals,
      thresholds: environment.alarms,
      dashboard: this.monitoring.dashboard,
      database: this.database.signals,
    });
    for (const alarm of this.alarmCatalog.deploymentAlarms) this.service.addDeploymentAlarm(alarm);
    this.killSwitches.grantRead(this.service.taskRole);

    this.canary = new Canary(this, 'Canary', {
      naming: this.naming,
      protection: this.protection,
      journeys: service.journeys,
      canary: environment.canary,
      endpointUrl: this.service.endpointUrl,
      serviceHostname: this.service.serviceHostname,
      alarms: this.monitoring.alarms,
      credentials: canaryCredentials,
    });
    this.service.addDeploymentAlarm(this.canary.failureAlarm);
    if (props.toolingAccount)
      new PipelineCanaryAccess(this, 'PipelineCanaryAccess', {
        naming: this.naming,
        toolingAccount: props.toolingAccount,
      });
    // A failing journey is a P1 user-facing failure: the composite the pipeline's Prod gate watches includes it.
    this.alarmCatalog.addServiceHealthAlarm(this.canary.failureAlarm);
    // Reads the P1/P2 alarms at synth, so alarms added after this line are recorded too.
    this.incidents = new IncidentRecord(this, 'Incidents', {
      naming: this.naming,
      protection: this.protection,
      alarms: this.monitoring.alarms,
      backupTag: backupTag(this.naming),
    });
    this.weeklyReport = new WeeklyOpsReport(this, 'WeeklyReport', {
      naming: this.naming,
      protection: this.protection,
      environment,
      loadBalancerFullName: this.service.loadBalancer.loadBalancerFullName,
      archiveBucket: this.backup.archive.bucket,
      archiveKey: this.backup.archive.key,
      noticeTopic: this.monitoring.topics.topic('P3'),
      incidentTableKey: this.incidents.key,
      alarms: this.monitoring.alarms,
    });
  }
}
