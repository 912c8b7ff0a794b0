import { ArnFormat, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { DrConfig, EnvironmentConfig } from '../../config';
import { AURORA_GLOBAL_LAG_MINUTES, GLOBAL_DB_RPO_FLOOR_SECONDS } from '../../config/recovery-model';
import { BulwarkFunction } from '../common/bulwark-function';
import { Naming } from '../common/naming';
import { acknowledgeShortLogRetention } from '../common/control-tower';
import { DataProtection, logRetentionDays, statefulRemovalPolicy } from '../common/protection';
import { acknowledgeProviderFindings } from '../common/provider-findings';
import { AlarmFactory } from '../monitoring/alarm-factory';
import { retentionDays } from '../network/network';
import { DATABASE_ENGINE, DatabaseConfig, databaseClusterIdentifier } from './database';
import { DeletionProtectionLatch } from './deletion-protection';

/** The CloudFormation resource type of the secondary, for tests and the resilience report. */
export const AURORA_GLOBAL_SECONDARY_TYPE = 'Custom::AuroraGlobalSecondary';

/** `orders-global`: the global cluster spans environments' regions, so it is named by the service only. */
export function globalClusterIdentifier(serviceName: string): string {
  return `${serviceName}-global`.toLowerCase();
}

/** The DR region's private DNS name for the database: a CNAME to the secondary's cluster endpoint. */
export function drDatabaseHostName(drNaming: Naming): string {
  return `db.${drZoneName(drNaming)}`;
}

/** `orders-dr.internal`, private to the DR VPC. */
function drZoneName(drNaming: Naming): string {
  return `${drNaming.serviceName}-${drNaming.environmentName}.internal`.toLowerCase();
}

/**
 * `/orders/dr/database/restore-target`: what a restore into the site needs that no name gives (security
 * group id, key ARN, private zone id, restore role ARN), as JSON; `npm run ops -- dr-restore` reads it.
 */
export function drRestoreTargetParameterName(drNaming: Naming): string {
  return drNaming.parameter('database/restore-target');
}

/** The JSON in the restore-target parameter. */
export interface DrRestoreTarget {
  readonly clusterIdentifier: string;
  readonly instanceIdentifier: string;
  readonly subnetGroupName: string;
  readonly securityGroupId: string;
  readonly kmsKeyArn: string;
  readonly hostedZoneId: string;
  readonly hostName: string;
  readonly restoreRoleArn: string;
}

const PORT = 5432;

export interface DrDatabaseSiteProps {
  /** The DR stack's naming (`orders-dr-...`): the secondary cluster is `orders-dr-db`. */
  readonly naming: Naming;
  readonly protection: DataProtection;
  readonly vpc: ec2.IVpc;
  /** Subnet group of the isolated data tier. */
  readonly dataSubnetGroupName: string;
  /** @default 30 */
  readonly logRetentionDays?: number;
  /** DrRegion's alarm factory: the replication-lag alarm that guards the warm standby's regional RPO. */
  readonly alarms: AlarmFactory;
  /**
   * Alarm on the global database replication lag (both standby modes have a global secondary; a pilot light's
   * is headless). @default true
   */
  readonly replicationLagAlarm?: boolean;
  /**
   * The primary's `rds.global_db_rpo` (seconds): alarm when the secondary's RPO lag reaches half of it, before
   * the primary starts blocking commits at the bound. @default no RPO-lag alarm
   */
  readonly rpoBoundSeconds?: number;
}

export const REPLICATION_LAG_ALARM_ID = 'db-replication-lag';
export const RPO_LAG_ALARM_ID = 'db-rpo-lag';

/** The documented floor of `rds.global_db_rpo` (config/recovery-model.ts cites it; the validation reads it too). */
export { GLOBAL_DB_RPO_FLOOR_SECONDS };

/**
 * The regional RPO bound a primary enforces through `rds.global_db_rpo`: the documented floor for a tier 1
 * primary with a DR standby (warm, or pilot light with its headless secondary), none otherwise. The trade-off (README,
 * "Bounded RPO"): while no secondary is within the bound, "Aurora PostgreSQL blocks transaction commits" on
 * the primary (same page), so a lagging secondary turns into failing writes rather than silent data at risk.
 * Only the primary's cluster parameter group carries it: after a failover the promoted cluster, with no
 * secondary yet, keeps its default group and accepts writes.
 */
export function globalDbRpoSeconds(
  environment: Pick<EnvironmentConfig, 'tier'> & { readonly dr?: Pick<DrConfig, 'standbyMode'> },
): number | undefined {
  // Both standby modes have a global secondary since the pilot light went headless (storage replicates).
  // Assumption to confirm on a real account: Aurora tracks a headless secondary's RPO lag like any other
  // ("Aurora monitors the RPO lag time of all secondary clusters", same page); if it did not, commits would block.
  return environment.tier === 1 && environment.dr !== undefined ? GLOBAL_DB_RPO_FLOOR_SECONDS : undefined;
}

/**
 * Whether the DR secondary is headless: a pilot light keeps the global database secondary without a DB
 * instance ("Without the DB instance, you're not charged for compute, only for storage",
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-attach.console.headless.html);
 * its Region switch plan adds the instance before it fails over.
 */
export function headlessSecondary(dr: Pick<DrConfig, 'standbyMode'>): boolean {
  return dr.standbyMode === 'pilot-light';
}

/**
 * Where the DR database lives: what the DR region must hold before Prod can add a global database
 * secondary to it (with an instance in warm standby, headless in pilot light), and the restore target of
 * `npm run ops -- dr-restore`, the fallback from copied recovery points. DrRegion deploys
 * first, and a secondary can only join a global cluster that Prod has created, so the secondary itself
 * is created from Prod (GlobalDatabase below) into these: the isolated-subnet subnet group, the security
 * group, the KMS key (cross-region secondaries are encrypted with a key of their own region), the log
 * group RDS exports into, and a private DNS name the standby connects to whatever the endpoint becomes.
 */
export class DrDatabaseSite extends Construct {
  readonly key: kms.Key;
  readonly subnetGroup: rds.SubnetGroup;
  readonly securityGroup: ec2.SecurityGroup;
  readonly zone: route53.PrivateHostedZone;
  /** `orders-dr-db`: the secondary cluster's identifier, known before it exists. */
  readonly clusterIdentifier: string;
  readonly instanceIdentifier: string;
  /** `db.orders-dr.internal`: resolves in the DR VPC to the secondary's cluster (writer) endpoint. */
  readonly hostName: string;
  readonly port = PORT;
  /** Unless the site is told otherwise (`replicationLagAlarm: false`). */
  readonly replicationLagAlarm?: cloudwatch.Alarm;
  /** Tier 1 only: the RPO lag against the primary's rds.global_db_rpo. */
  readonly rpoLagAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DrDatabaseSiteProps) {
    super(scope, id);
    const { naming, protection } = props;
    this.clusterIdentifier = databaseClusterIdentifier(naming);
    this.instanceIdentifier = `${this.clusterIdentifier}-1`;
    this.hostName = drDatabaseHostName(naming);

    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts ${this.clusterIdentifier}, the DR database (global secondary or restored copy), and its snapshots`,
      enableKeyRotation: true,
      alias: `alias/${this.clusterIdentifier}`,
      // Retained snapshots and a promoted secondary stay readable after the stack goes.
      removalPolicy: statefulRemovalPolicy(protection),
    });
    this.subnetGroup = new rds.SubnetGroup(this, 'SubnetGroup', {
      vpc: props.vpc,
      vpcSubnets: { subnetGroupName: props.dataSubnetGroupName },
      subnetGroupName: this.clusterIdentifier,
      description: `Isolated data subnets of ${this.clusterIdentifier} (the DR database)`,
      removalPolicy: statefulRemovalPolicy(protection),
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      securityGroupName: this.clusterIdentifier,
      description: `${this.clusterIdentifier}: admits the standby service on ${PORT}`,
      // The database initiates nothing.
      allowAllOutbound: false,
    });
    const postgresqlLogs = new logs.LogGroup(this, 'PostgresqlLogs', {
      logGroupName: `/aws/rds/cluster/${this.clusterIdentifier}/postgresql`,
      retention: retentionDays(logRetentionDays(protection, props.logRetentionDays ?? 30)),
      removalPolicy: statefulRemovalPolicy(protection),
    });
    acknowledgeShortLogRetention(postgresqlLogs, protection);
    this.zone = new route53.PrivateHostedZone(this, 'Zone', {
      zoneName: drZoneName(naming),
      vpc: props.vpc,
      comment:
        `DR-region names of ${naming.serviceName}; ${this.hostName} is set by Prod's ` +
        `${AURORA_GLOBAL_SECONDARY_TYPE}, or by npm run ops -- dr-restore (fallback)`,
    });

    // The regional RPO is the global database's replication lag (recovery model: 1 min). Assumption to confirm on
    // a real account: a headless secondary reports these cluster metrics too; if not, the lag alarm stays in
    // ALARM (missing data breaches) from the first deploy of a pilot light, which is at least not silent.
    // A lag above it, or no lag reported at all (no secondary), means that RPO no longer holds.
    if (props.replicationLagAlarm === false) return;
    if (props.rpoBoundSeconds !== undefined) {
      // AuroraGlobalDBRPOLag (ms), reported for the secondary cluster (Amazon Aurora cluster-level metrics,
      // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html).
      const warnAtMs = (props.rpoBoundSeconds * 1000) / 2;
      this.rpoLagAlarm = props.alarms.createAlarm(this, {
        id: RPO_LAG_ALARM_ID,
        summary:
          `Aurora global database RPO lag to ${this.clusterIdentifier} is over half of rds.global_db_rpo ` +
          `(${props.rpoBoundSeconds} s): at the bound the primary blocks commits`,
        severity: 'P2',
        runbook: 'dr-replication-lag',
        metric: new cloudwatch.Metric({
          namespace: 'AWS/RDS',
          metricName: 'AuroraGlobalDBRPOLag',
          dimensionsMap: { DBClusterIdentifier: this.clusterIdentifier },
          statistic: 'Maximum',
          period: Duration.minutes(1),
        }),
        threshold: warnAtMs,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        // No data: the lag-alarm next to it already pages for a missing secondary.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    const lagBudgetMs = AURORA_GLOBAL_LAG_MINUTES * 60_000;
    this.replicationLagAlarm = props.alarms.createAlarm(this, {
      id: REPLICATION_LAG_ALARM_ID,
      summary: `Aurora global database replication to ${this.clusterIdentifier} lags more than ${AURORA_GLOBAL_LAG_MINUTES} min (or no secondary reports): the regional RPO is not met`,
      severity: 'P2',
      runbook: 'dr-replication-lag',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/RDS',
        metricName: 'AuroraGlobalDBReplicationLag',
        dimensionsMap: { DBClusterIdentifier: this.clusterIdentifier },
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      threshold: lagBudgetMs,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }

  /** Admit a peer (the standby service) on the database port. */
  allowFrom(peer: ec2.IConnectable, description: string): void {
    this.securityGroup.connections.allowFrom(peer, ec2.Port.tcp(PORT), description);
  }
}

export interface GlobalDatabaseProps {
  /** The primary cluster (Prod's). */
  readonly primary: rds.DatabaseCluster;
  readonly config: DatabaseConfig;
  readonly serviceName: string;
  readonly protection: DataProtection;
  /** Region of the secondary (`dr.region`). */
  readonly secondaryRegion: string;
  /** DrRegion's site; referenced across regions through weak (`Fn::GetStackOutput`) references. */
  readonly site: DrDatabaseSite;
  /** Tags the secondary cluster and instance get (the custom resource creates them, so stack tags do not reach them). */
  readonly tags?: Record<string, string>;
  /** Longest wait for the secondary to be created (Aurora copies the whole volume first). @default 55 minutes */
  readonly maxWait?: Duration;
  /** A headless secondary (pilot light): the cluster without a DB instance. @default false */
  readonly headless?: boolean;
}

/**
 * Turns the primary cluster into an Aurora Global Database (AWS::RDS::GlobalCluster created from it) and
 * adds the secondary cluster in the DR region with a custom resource (Custom::AuroraGlobalSecondary,
 * handlers in lambdas/aurora-secondary). The secondary is created from this stack, not DrRegion's,
 * because it can only join a global cluster that exists, and DrRegion deploys before Prod: one
 * `cdk deploy Prod` creates both, in order, on a fresh account.
 */
export class GlobalDatabase extends Construct {
  readonly globalCluster: rds.CfnGlobalCluster;
  readonly secondary: CustomResource;
  readonly globalClusterIdentifier: string;

  constructor(scope: Construct, id: string, props: GlobalDatabaseProps) {
    super(scope, id);
    const { site, protection } = props;
    const stack = Stack.of(this);
    this.globalClusterIdentifier = globalClusterIdentifier(props.serviceName);

    // Engine, version and encryption come from the source cluster; setting them here is refused.
    this.globalCluster = new rds.CfnGlobalCluster(this, 'GlobalCluster', {
      globalClusterIdentifier: this.globalClusterIdentifier,
      sourceDbClusterIdentifier: props.primary.clusterArn,
      // Retained: switched on by the latch below once it exists, and left out of the template so that
      // CloudFormation's updates never send it. Not retained: explicitly off.
      deletionProtection: protection.retain ? undefined : false,
    });
    // Retained on update and stack delete; a rolled-back first create deletes it, so the retry can reuse the name.
    this.globalCluster.applyRemovalPolicy(statefulRemovalPolicy(protection));
    if (protection.retain) {
      new DeletionProtectionLatch(this, 'DeletionProtection', {
        kind: 'global-cluster',
        identifier: this.globalCluster.ref,
        after: [this.globalCluster],
        protection,
      });
    }

    const functionProps = { lambdaName: 'aurora-secondary', protection, timeout: Duration.minutes(1) };
    const create = new BulwarkFunction(this, 'Create', {
      ...functionProps,
      description: `Creates, modifies or deletes ${site.clusterIdentifier} in ${props.secondaryRegion}, the global database secondary (custom resource onEvent)`,
      environment: { SECONDARY_STEP: 'create' },
    });
    const wait = new BulwarkFunction(this, 'Wait', {
      ...functionProps,
      description: `Waits for ${site.clusterIdentifier} in ${props.secondaryRegion} and its instance, creating the instance once the cluster is up (custom resource isComplete)`,
      environment: { SECONDARY_STEP: 'wait' },
    });

    const rdsArn = (resource: string, name: string, region: string = props.secondaryRegion) =>
      stack.formatArn({
        service: 'rds',
        region,
        resource,
        resourceName: name,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    const family = DATABASE_ENGINE.parameterGroupFamily ?? 'aurora-postgresql17';
    const majorVersion = DATABASE_ENGINE.engineVersion?.majorVersion ?? '17';
    const clusterArn = rdsArn('cluster', site.clusterIdentifier);
    const instanceArn = rdsArn('db', site.instanceIdentifier);
    const globalArn = rdsArn('global-cluster', this.globalClusterIdentifier, '');
    const subnetGroupArn = rdsArn('subgrp', site.clusterIdentifier);
    // Create names the cluster, the global cluster it joins, the subnet group, and the default parameter
    // and option groups RDS attaches when none is given; AddTagsToResource tags them at creation.
    const policy = new iam.Policy(this, 'Policy', {
      statements: [
        new iam.PolicyStatement({
          sid: 'CreateAndChangeTheSecondary',
          actions: [
            'rds:CreateDBCluster',
            'rds:ModifyDBCluster',
            'rds:DeleteDBCluster',
            'rds:RemoveFromGlobalCluster',
            'rds:CreateDBInstance',
            'rds:DeleteDBInstance',
            'rds:AddTagsToResource',
          ],
          resources: [
            clusterArn,
            instanceArn,
            globalArn,
            subnetGroupArn,
            rdsArn('cluster-pg', `default.${family}`),
            rdsArn('pg', `default.${family}`),
            rdsArn('og', `default:aurora-postgresql-${majorVersion}`),
          ],
        }),
        new iam.PolicyStatement({
          sid: 'ReadTheSecondary',
          actions: ['rds:DescribeDBClusters', 'rds:DescribeDBInstances'],
          resources: [clusterArn, instanceArn],
        }),
        // Delete asks whether this stack is rolling back its creation: only then is a retained secondary deleted.
        new iam.PolicyStatement({
          sid: 'ReadThisStacksStatus',
          actions: ['cloudformation:DescribeStacks'],
          resources: [stack.stackId],
        }),
        // RDS encrypts the cross-region secondary (and Performance Insights) with the DR key on the caller's behalf.
        new iam.PolicyStatement({
          sid: 'UseTheDrKey',
          actions: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [site.key.keyArn],
        }),
      ],
    });
    for (const fn of [create, wait]) fn.role?.attachInlinePolicy(policy);

    const waiterLogs = new logs.LogGroup(this, 'WaiterLogs', {
      retention: retentionDays(logRetentionDays(protection, 30)),
      removalPolicy: statefulRemovalPolicy(protection),
    });
    acknowledgeShortLogRetention(waiterLogs, protection);
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: create,
      isCompleteHandler: wait,
      queryInterval: Duration.seconds(30),
      // CloudFormation waits at most an hour for a custom resource; a retried deploy picks the creation up.
      totalTimeout: props.maxWait ?? Duration.minutes(55),
      disableWaiterStateMachineLogging: false,
      waiterStateMachineLogOptions: {
        level: sfn.LogLevel.ALL,
        destination: waiterLogs,
      },
    });
    acknowledgeProviderFindings(provider, [create, wait]);

    this.secondary = new CustomResource(this, 'Secondary', {
      serviceToken: provider.serviceToken,
      resourceType: AURORA_GLOBAL_SECONDARY_TYPE,
      properties: {
        SecondaryRegion: props.secondaryRegion,
        // Ref of the global cluster: its identifier, and the dependency that creates it first.
        GlobalClusterIdentifier: this.globalCluster.ref,
        DBClusterIdentifier: site.clusterIdentifier,
        DBInstanceIdentifier: site.instanceIdentifier,
        Engine: DATABASE_ENGINE.engineType,
        EngineVersion: DATABASE_ENGINE.engineVersion?.fullVersion,
        MinCapacity: props.config.minCapacityAcu,
        MaxCapacity: props.config.maxCapacityAcu,
        BackupRetentionPeriod: props.config.backupRetentionDays,
        DBSubnetGroupName: site.subnetGroup.subnetGroupName,
        VpcSecurityGroupIds: [site.securityGroup.securityGroupId],
        KmsKeyId: site.key.keyArn,
        DeletionProtection: protection.retain,
        Retain: protection.retain,
        Headless: props.headless ?? false,
        Tags: props.tags ?? {},
      },
    });
    // The handlers need their permissions before CloudFormation calls them.
    this.secondary.node.addDependency(policy);

    // Route 53 is global: the DR zone's record can live here, where the endpoint becomes known.
    new route53.CnameRecord(this, 'HostRecord', {
      zone: site.zone,
      recordName: site.hostName,
      domainName: this.secondary.getAttString('Endpoint'),
      ttl: Duration.seconds(60),
      comment: `${site.clusterIdentifier} cluster endpoint (writer once promoted)`,
    });
  }
}
