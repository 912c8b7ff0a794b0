import { Duration, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../../config';
import { Naming } from '../common/naming';
import { ControlTowerRule, acknowledgeControlTower, acknowledgeShortLogRetention } from '../common/control-tower';
import { DataProtection, databaseRemovalPolicy, logRetentionDays, statefulRemovalPolicy } from '../common/protection';
import { DatabaseSignals } from '../monitoring/service-signals';
import { DeletionProtectionLatch } from './deletion-protection';
import { retentionDays } from '../network/network';

export type DatabaseConfig = EnvironmentConfig['database'];

/** The engine every environment runs: current major, Serverless v2 with scale-to-zero support. */
export const DATABASE_ENGINE = rds.DatabaseClusterEngine.auroraPostgres({
  version: rds.AuroraPostgresEngineVersion.VER_17_9,
});

export const DATABASE_NAME = 'app';

/** The cluster's identifier, deterministic so DrRegion and the runbooks can name it before it exists. */
export function databaseClusterIdentifier(naming: Naming): string {
  return naming.resource('db');
}
export const DATABASE_USERNAME = 'bulwark_app';

/**
 * The container environment variable naming the credentials secret: the application reads it at start
 * (GetSecretValue with the task role). Prod also gets the values as ECS secrets; the DR standby only this.
 */
export const DATABASE_SECRET_NAME_VARIABLE = 'DB_SECRET_NAME';

/** `/orders/prod/database`: the credentials secret's name, the same in every region it is replicated to. */
export function databaseSecretName(naming: Naming): string {
  return naming.parameter('database');
}

/**
 * Hosted rotation runtime. The AWS::SecretsManager transform otherwise deploys its rotation function
 * on an old Python default; pin a supported one (cfn-lint cannot see inside the transform).
 */
export const ROTATION_RUNTIME = 'python3.12';

export interface DatabaseProps {
  readonly config: DatabaseConfig;
  readonly naming: Naming;
  readonly protection: DataProtection;
  readonly vpc: ec2.IVpc;
  /** Subnet group of the isolated data tier. */
  readonly dataSubnetGroupName: string;
  /** Subnet group (with a route to Secrets Manager) where the hosted rotation function runs. */
  readonly rotationSubnetGroupName: string;
  /** AWS Backup selects resources carrying this tag (`backup: <service>-<env>`). */
  readonly backupTag: { readonly key: string; readonly value: string };
  /** @default 30 */
  readonly logRetentionDays?: number;
  /** Days between password rotations. @default 30 */
  readonly rotationDays?: number;
  /**
   * Regions the credentials secret is replicated to (Secrets Manager keeps the replica in sync, rotations
   * included), so a standby there reads the same password a global database secondary accepts. @default none
   */
  readonly secretReplicaRegions?: readonly string[];
  /**
   * `rds.global_db_rpo` in seconds, set through the cluster parameter group: the primary of an Aurora
   * PostgreSQL global database then blocks commits while no secondary is within this lag (see
   * GLOBAL_DB_RPO_FLOOR_SECONDS). @default not set (the lag, and so the regional RPO, is unbounded)
   */
  readonly globalDbRpoSeconds?: number;
}

/**
 * The service's Aurora PostgreSQL Serverless v2 cluster in the isolated data subnets: encrypted with
 * its own KMS key, credentials in a KMS-encrypted secret rotated by a hosted rotation function, point
 * in time recovery for `backupRetentionDays`, PostgreSQL logs in CloudWatch, and, where the
 * environment retains data, deletion protection and a final snapshot when removed.
 */
export class Database extends Construct {
  readonly cluster: rds.DatabaseCluster;
  readonly secret: secretsmanager.ISecret;
  readonly key: kms.Key;
  readonly signals: DatabaseSignals;
  /** Switches deletion protection on after creation (retaining environments only). */
  readonly deletionProtection?: DeletionProtectionLatch;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const { config, naming, protection } = props;
    if (config.minCapacityAcu > config.maxCapacityAcu) {
      throw new Error(
        `database.minCapacityAcu ${config.minCapacityAcu} exceeds maxCapacityAcu ${config.maxCapacityAcu}; lower the minimum or raise the maximum`,
      );
    }

    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts ${naming.resource('db')} storage, snapshots and its credentials`,
      enableKeyRotation: true,
      // The key outlives the cluster: retained snapshots and recovery points stay readable.
      removalPolicy: statefulRemovalPolicy(protection),
    });

    const instanceProps = {
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: this.key,
      publiclyAccessible: false,
    };
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine: DATABASE_ENGINE,
      clusterIdentifier: databaseClusterIdentifier(naming),
      defaultDatabaseName: DATABASE_NAME,
      credentials: rds.Credentials.fromGeneratedSecret(DATABASE_USERNAME, {
        secretName: databaseSecretName(naming),
        encryptionKey: this.key,
        // Replicas use the region's aws/secretsmanager key: Secrets Manager re-encrypts every rotated value
        // into them itself, without granting the hosted rotation function a key in another region.
        replicaRegions: props.secretReplicaRegions?.map((region) => ({ region })),
      }),
      writer: rds.ClusterInstance.serverlessV2('Writer', instanceProps),
      readers: Array.from({ length: config.readers }, (_, i) =>
        rds.ClusterInstance.serverlessV2(`Reader${i + 1}`, { ...instanceProps, scaleWithWriter: i === 0 }),
      ),
      serverlessV2MinCapacity: config.minCapacityAcu,
      serverlessV2MaxCapacity: config.maxCapacityAcu,
      vpc: props.vpc,
      vpcSubnets: { subnetGroupName: props.dataSubnetGroupName },
      storageEncrypted: true,
      storageEncryptionKey: this.key,
      iamAuthentication: config.iamAuthentication,
      backup: { retention: Duration.days(config.backupRetentionDays), preferredWindow: '03:00-04:00' },
      preferredMaintenanceWindow: 'sun:04:30-sun:05:30',
      cloudwatchLogsExports: ['postgresql'],
      // Where data is retained, protection is switched on by the latch below once the cluster exists, and the
      // template leaves the property out: CloudFormation's cluster updates then never send it, whereas a `false`
      // here would switch protection off on every update. (AWS documents nothing on this; it is what the
      // AWS::RDS::DBCluster handler in aws-cloudformation/aws-cloudformation-resource-providers-rds does: its
      // ModifyDBCluster request copies DeletionProtection from the template, and an absent value is not sent.)
      // Elsewhere: explicitly off, destroyable.
      deletionProtection: protection.retain ? undefined : false,
      removalPolicy: databaseRemovalPolicy(protection),
      copyTagsToSnapshot: true,
      // A cluster parameter group of our own only when a parameter is set; otherwise the engine's default.
      ...(props.globalDbRpoSeconds !== undefined
        ? { parameters: { 'rds.global_db_rpo': String(props.globalDbRpoSeconds) } }
        : {}),
    });
    // The backup tag goes on the cluster only. AWS Backup protects Aurora per cluster (and only with the
    // region's Aurora opt-in on, even for an explicit assignment: "To backup Aurora databases, you must enable
    // the opt-in setting for Aurora", https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources-json.html);
    // Tags.of(cluster) would also tag the instances, which the tag selection would then pick up as well.
    Tags.of(this.cluster).add(props.backupTag.key, props.backupTag.value, {
      includeResourceTypes: ['AWS::RDS::DBCluster'],
    });
    if (protection.retain) {
      this.deletionProtection = new DeletionProtectionLatch(this, 'DeletionProtection', {
        kind: 'cluster',
        identifier: this.cluster.clusterIdentifier,
        // After the instances too: they join the cluster while it is being modified otherwise.
        after: [this.cluster],
        protection,
      });
    }
    // The log group RDS exports into, created first with a retention: `cloudwatchLogsRetention` would
    // instead add a CDK log-retention Lambda with an AWS managed policy to every stack.
    const logGroup = new logs.LogGroup(this, 'PostgresqlLogs', {
      logGroupName: `/aws/rds/cluster/${databaseClusterIdentifier(naming)}/postgresql`,
      retention: retentionDays(logRetentionDays(protection, props.logRetentionDays ?? 30)),
      removalPolicy: statefulRemovalPolicy(protection),
    });
    acknowledgeShortLogRetention(logGroup, protection);
    this.cluster.node.addDependency(logGroup);

    const clusterParameters = this.cluster.node.tryFindChild('ParameterGroup');
    if (clusterParameters) {
      acknowledgeControlTower(clusterParameters, {
        rule: ControlTowerRule.RDS_CLUSTER_PARAMETER_GROUP_TLS,
        reason:
          "This group exists only to carry rds.global_db_rpo; TLS is as in every other environment's default " +
          'group (rds.force_ssl 0 by default for Aurora PostgreSQL, ' +
          'https://repost.aws/knowledge-center/aurora-postgresql-ssl-certificates). ' +
          "Forcing it is a separate change that needs the service's driver configured for TLS first.",
      });
    }
    const secret = this.cluster.secret;
    if (!secret) throw new Error('the cluster was created without a generated secret');
    this.secret = secret;
    // The credentials outlive the stack with the data: a retained snapshot is restored with its secret.
    // (`cluster.secret` is the target attachment; the generated secret itself is the cluster's `Secret` child.)
    (this.cluster.node.findChild('Secret') as secretsmanager.Secret).applyRemovalPolicy(
      statefulRemovalPolicy(protection),
    );

    // Hosted rotation: Secrets Manager deploys and owns the single-user PostgreSQL rotation function, in
    // the private subnets (Secrets Manager endpoint) with a security group the database admits.
    const rotationSecurityGroup = new ec2.SecurityGroup(this, 'RotationSecurityGroup', {
      vpc: props.vpc,
      description: `Secret rotation function of ${naming.resource('db')}`,
      allowAllOutbound: true,
    });
    const rotation = secret.addRotationSchedule('Rotation', {
      hostedRotation: secretsmanager.HostedRotation.postgreSqlSingleUser({
        functionName: naming.resource('db-rotation'),
        vpc: props.vpc,
        vpcSubnets: { subnetGroupName: props.rotationSubnetGroupName },
        securityGroups: [rotationSecurityGroup],
      }),
      automaticallyAfter: Duration.days(props.rotationDays ?? 30),
    });
    (rotation.node.defaultChild as secretsmanager.CfnRotationSchedule).addPropertyOverride(
      'HostedRotationLambda.Runtime',
      ROTATION_RUNTIME,
    );
    this.cluster.connections.allowDefaultPortFrom(rotationSecurityGroup, 'Secret rotation function');

    this.signals = {
      cluster: this.cluster,
      maxConnections: auroraPostgresMaxConnections(config.minCapacityAcu, config.maxCapacityAcu),
    };

    Validations.of(this.cluster).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        'A non-default port is obscurity, not a control: the cluster sits in isolated subnets and its security group admits only the service and the rotation function.',
    });
    Validations.of(this.cluster).acknowledge({
      id: 'AwsSolutions-RDS10',
      reason: protection.retain
        ? 'Deletion protection is switched on by Custom::DeletionProtection right after the cluster exists (so a failed first create can still roll back); the template leaves the property out so CloudFormation updates never switch it off.'
        : 'This environment does not retain data (retainStatefulResources false): its stack, database included, must be destroyable; every retaining environment turns deletion protection on.',
    });
    acknowledgeControlTower(
      this.cluster,
      {
        rule: ControlTowerRule.RDS_CLUSTER_DELETION_PROTECTION,
        reason: protection.retain
          ? 'Custom::DeletionProtection switches deletion protection on right after the cluster exists (a failed first create can still roll back); the template leaves the property out so updates never switch it off.'
          : 'This environment does not retain data (retainStatefulResources false): its stack, database included, must be destroyable.',
      },
      {
        rule: ControlTowerRule.RDS_ENHANCED_MONITORING,
        reason:
          "The alarms read the cluster's CloudWatch metrics (ACU, CPU, connections) and Performance Insights is on for query load; Enhanced Monitoring's OS metrics would add a role with an AWS managed policy and no alarm reads them.",
      },
    );
    if (!config.iamAuthentication) {
      Validations.of(this.cluster).acknowledge({
        id: 'AwsSolutions-RDS6',
        reason:
          "IAM database authentication is off by this environment's config (database.iamAuthentication false); the service authenticates with the rotated Secrets Manager password.",
      });
    }
  }

  /** Security group rules and the default port, so the stack can admit the service. */
  get connections(): ec2.Connections {
    return this.cluster.connections;
  }
}

/** Bytes per connection in Aurora PostgreSQL's default `max_connections = LEAST(DBInstanceClassMemory/9531392, 5000)`. */
const BYTES_PER_CONNECTION = 9_531_392;
const GIB = 1024 ** 3;

/**
 * `max_connections` of an Aurora PostgreSQL Serverless v2 instance. AWS derives it from the memory of
 * the *maximum* capacity (2 GiB per ACU), not from the current capacity, and caps it at 2,000 when the
 * minimum capacity is below 1 ACU (documented under "Maximum connections for Aurora Serverless v2").
 */
export function auroraPostgresMaxConnections(minCapacityAcu: number, maxCapacityAcu: number): number {
  const byMemory = Math.min(Math.floor((maxCapacityAcu * 2 * GIB) / BYTES_PER_CONNECTION), 5000);
  return minCapacityAcu < 1 ? Math.min(byMemory, 2000) : byMemory;
}
