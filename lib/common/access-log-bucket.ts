import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ControlTowerRule, acknowledgeControlTower } from './control-tower';

export interface AccessLogBucketProps {
  readonly removalPolicy: RemovalPolicy;
  /** Empty the bucket when its stack is deleted (environments torn down whole). */
  readonly autoDeleteObjects?: boolean;
  /** Why this bucket does not log its own access (cdk-nag AwsSolutions-S1), in terms of the bucket it serves. */
  readonly selfLoggingReason: string;
}

/**
 * A bucket that receives another bucket's S3 server access logs: SSE-S3, because S3 delivers server access logs only
 * to a bucket with SSE-S3 default encryption and no object lock default retention
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html); versioned, private, TLS
 * only, logs kept a year. Created directly in `scope` under `id`, so its logical id is what the caller's own
 * `new s3.Bucket(scope, id)` would give. The Control Tower findings such a bucket must carry are acknowledged here.
 */
export function accessLogBucket(scope: Construct, id: string, props: AccessLogBucketProps): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
    removalPolicy: props.removalPolicy,
    autoDeleteObjects: props.autoDeleteObjects,
  });
  Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: props.selfLoggingReason });
  acknowledgeControlTower(
    bucket,
    {
      rule: ControlTowerRule.S3_SSE_KMS,
      reason: 'S3 server access logs can only be delivered to a bucket with SSE-S3 default encryption.',
    },
    {
      rule: ControlTowerRule.S3_OBJECT_LOCK,
      reason: 'S3 does not deliver server access logs to a bucket with an object lock default retention.',
    },
    {
      rule: ControlTowerRule.S3_ACCESS_LOGGING,
      reason:
        'The bucket is the access-log destination; logging it would need another log bucket with the same finding.',
    },
    {
      rule: ControlTowerRule.S3_EVENT_NOTIFICATIONS,
      reason: 'Nothing consumes new access-log objects; they are read on demand during an investigation.',
    },
  );
  return bucket;
}
