import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { S3_REPLICATION_LAG_MINUTES, S3_RTC_REPLICATION_LAG_MINUTES } from '../../config';
import { accessLogBucket } from '../common/access-log-bucket';
import { ControlTowerRule, acknowledgeControlTower } from '../common/control-tower';
import { DataProtection, statefulRemovalPolicy } from '../common/protection';
import { BackupConfig } from './recovery-vault';

/** Days after creation at which archive objects move to each cheaper class (S3 minimums respected). */
export const ARCHIVE_TRANSITIONS = [
  { storageClass: s3.StorageClass.INFREQUENT_ACCESS, days: 30 },
  { storageClass: s3.StorageClass.GLACIER, days: 90 },
  { storageClass: s3.StorageClass.DEEP_ARCHIVE, days: 180 },
] as const;

/**
 * Keys under this prefix are operations reports (lib/ops-report/weekly-report.ts), not backups: the backup
 * verifier leaves them out of the archive's and the replica's freshness, or a weekly report would make a
 * stale archive read fresh.
 */
export const OPS_REPORTS_PREFIX = 'ops-reports/';

/** Where an archive replicates to: a bucket in the DR region and the key that encrypts it. */
export interface ArchiveReplicationTarget {
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
  /** S3 Replication Time Control: a 15-minute SLA and replication metrics, at extra cost per GB. */
  readonly timeControl: boolean;
}

export interface ArchiveBucketProps {
  /** Globally unique physical name (deterministic, so the other region and the runbooks can name it). */
  readonly bucketName: string;
  readonly protection: DataProtection;
  readonly config: Pick<BackupConfig, 'archiveObjectLockDays' | 'archiveNoncurrentVersionDays'>;
  /** Replicate every new object to this bucket. @default no replication */
  readonly replicateTo?: ArchiveReplicationTarget;
}

/**
 * A bucket for backup objects (exports, dumps): versioned, SSE-KMS with its own key, public access
 * blocked, TLS only, Object Lock (governance default retention where data is retained), a lifecycle
 * Standard -> Standard-IA (30 d) -> Glacier Flexible Retrieval (90 d) -> Deep Archive (180 d),
 * expiry of replaced versions, server access logs to a separate bucket, and optional replication to
 * the DR region. The same construct is the replica in DrRegion (without `replicateTo`).
 */
export class ArchiveBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;
  readonly logsBucket: s3.Bucket;
  /** Worst-case minutes for a new object to reach the replica (0 without replication). */
  readonly replicationLagMinutes: number;

  constructor(scope: Construct, id: string, props: ArchiveBucketProps) {
    super(scope, id);
    const { protection, config } = props;
    const removalPolicy = statefulRemovalPolicy(protection);
    // Dev is torn down whole: empty the buckets on removal. Retained buckets keep everything.
    const autoDeleteObjects = !protection.retain;

    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts objects in ${props.bucketName}`,
      enableKeyRotation: true,
      removalPolicy,
    });

    this.logsBucket = accessLogBucket(this, 'AccessLogs', {
      removalPolicy,
      autoDeleteObjects,
      selfLoggingReason:
        'This bucket is the server access log destination of the archive; logging it into itself would log every log delivery.',
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      objectLockEnabled: true,
      // Governance retention where data is retained. Not in Dev: its teardown empties the bucket, and
      // locked versions would make `cdk destroy` fail.
      objectLockDefaultRetention: protection.retain
        ? s3.ObjectLockRetention.governance(Duration.days(config.archiveObjectLockDays))
        : undefined,
      serverAccessLogsBucket: this.logsBucket,
      serverAccessLogsPrefix: 'archive/',
      lifecycleRules: [
        {
          id: 'archive-tiers',
          transitions: ARCHIVE_TRANSITIONS.map((t) => ({
            storageClass: t.storageClass,
            transitionAfter: Duration.days(t.days),
          })),
          noncurrentVersionExpiration: Duration.days(config.archiveNoncurrentVersionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
          expiredObjectDeleteMarker: false,
        },
      ],
      removalPolicy,
      autoDeleteObjects,
    });
    acknowledgeControlTower(this.bucket, {
      rule: ControlTowerRule.S3_EVENT_NOTIFICATIONS,
      reason:
        'Archive objects are read only to restore; no process reacts to a new object, so notifications would have no consumer.',
    });

    this.replicationLagMinutes = 0;
    if (props.replicateTo) {
      this.replicationLagMinutes = props.replicateTo.timeControl
        ? S3_RTC_REPLICATION_LAG_MINUTES
        : S3_REPLICATION_LAG_MINUTES;
      this.replicate(props.bucketName, props.replicateTo);
    }
  }

  private replicate(bucketName: string, target: ArchiveReplicationTarget): void {
    // The bucket's ARN from its literal name: the bucket references the role, so the role's policy must
    // not reference the bucket resource back (a dependency cycle).
    const sourceArn = Stack.of(this).formatArn({ service: 's3', region: '', account: '', resource: bucketName });
    const sourceObjects = `${sourceArn}/*`;
    const role = new iam.Role(this, 'ReplicationRole', {
      assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
      description: `Replicates ${this.bucket.node.path} into the DR region`,
      inlinePolicies: {
        replication: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
              resources: [sourceArn],
            }),
            new iam.PolicyStatement({
              actions: [
                's3:GetObjectVersionForReplication',
                's3:GetObjectVersionAcl',
                's3:GetObjectVersionTagging',
                's3:GetObjectRetention',
                's3:GetObjectLegalHold',
              ],
              resources: [sourceObjects],
            }),
            new iam.PolicyStatement({
              actions: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
              resources: [target.bucket.arnForObjects('*')],
            }),
            // Decrypt at the source, encrypt at the destination: both keys are customer managed.
            new iam.PolicyStatement({
              actions: ['kms:Decrypt'],
              resources: [this.key.keyArn],
              conditions: { StringLike: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
            }),
            new iam.PolicyStatement({
              actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
              resources: [target.key.keyArn],
              conditions: { StringLike: { 'kms:ViaService': `s3.${Stack.of(target.bucket).region}.amazonaws.com` } },
            }),
          ],
        }),
      },
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResource(Stack.of(this).resolve(sourceObjects))}]`,
      reason:
        'S3 replication reads every object version of the archive: the objects are unknown at deploy time, and the role is usable only by S3 for this bucket.',
    });
    const destinationObjects = Stack.of(this).resolve(target.bucket.arnForObjects('*'));
    if (typeof destinationObjects === 'string') {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${destinationObjects}]`,
        reason:
          'S3 replication writes every new object of the archive into the DR replica bucket; those objects are unknown at deploy time, and the resource is limited to that one bucket.',
      });
    }

    const timeControl = target.timeControl
      ? {
          replicationTime: { status: 'Enabled', time: { minutes: 15 } },
          metrics: { status: 'Enabled', eventThreshold: { minutes: 15 } },
        }
      : {};
    const cfnBucket = this.bucket.node.defaultChild as s3.CfnBucket;
    cfnBucket.replicationConfiguration = {
      role: role.roleArn,
      rules: [
        {
          id: 'to-dr-region',
          status: 'Enabled',
          priority: 1,
          filter: { prefix: '' },
          // Deletes at the source do not propagate: the replica is what survives a bad delete.
          deleteMarkerReplication: { status: 'Disabled' },
          sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
          destination: {
            bucket: target.bucket.bucketArn,
            encryptionConfiguration: { replicaKmsKeyId: target.key.keyArn },
            storageClass: 'STANDARD',
            ...timeControl,
          },
        },
      ],
    };
  }
}

/** `orders-prod-archive-333333333333-us-east-1`: globally unique, and known to the other region before deploy. */
export function archiveBucketName(
  environmentNaming: { resource(suffix: string): string },
  account: string,
  region: string,
): string {
  return `${environmentNaming.resource('archive')}-${account}-${region}`;
}

/** How cdk-nag spells a resource in a granular finding id (`Fn::Join` parts concatenated, refs as `<Ref>`). */
function nagResource(resolved: unknown): string {
  if (typeof resolved === 'string') return resolved;
  const join = (resolved as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) return JSON.stringify(resolved);
  return join[1].map((part) => (typeof part === 'string' ? part : `<${(part as { Ref: string }).Ref}>`)).join(join[0]);
}
