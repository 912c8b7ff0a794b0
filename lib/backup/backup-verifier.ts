import { Duration, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { StoreSpecInput } from '../../lambdas/backup-verifier/freshness';
import { BulwarkFunction } from '../common/bulwark-function';
import { Naming } from '../common/naming';
import { DataProtection } from '../common/protection';
import { AlarmFactory } from '../monitoring/alarm-factory';

/** Keep in step with lambdas/backup-verifier/freshness.ts (a Lambda module is not imported at synth). */
export const BACKUP_AGE_METRIC = 'BackupAgeSeconds';
export const BACKUP_STALE_RUNBOOK = 'backup-stale';

interface StoreBase {
  /** Metric dimension `store` and part of the alarm id: short, lowercase, dashes. */
  readonly store: string;
  /** The alarm fires when the newest restorable point is older than this. Omitted: the age is published, no alarm. */
  readonly maxAge?: Duration;
}

/** A store whose freshness the verifier measures. */
export type VerifiedStore =
  | (StoreBase & {
      readonly kind: 'backup-vault';
      readonly vault: backup.IBackupVault;
      /** Resources that must each have a fresh recovery point (ARNs; RDS ones are also asked for LatestRestorableTime). */
      readonly resourceArns: readonly string[];
    })
  | (StoreBase & {
      readonly kind: 's3-bucket';
      readonly bucket: s3.IBucket;
      readonly prefix?: string;
      readonly excludePrefixes?: readonly string[];
    })
  | (StoreBase & { readonly kind: 'rds-cluster'; readonly clusterIdentifier: string; readonly clusterArn: string });

export interface BackupVerifierProps {
  readonly naming: Naming;
  readonly protection: DataProtection;
  readonly alarms: AlarmFactory;
  readonly stores: readonly VerifiedStore[];
  /** @default 15 minutes */
  readonly every?: Duration;
}

/**
 * A scheduled Lambda (lambdas/backup-verifier) that measures, for each store, the age of the newest
 * restorable point and publishes it as `BackupAgeSeconds{environment, store}`, and one P2 alarm per
 * store when that age exceeds the store's `maxAge`. Missing data is breaching: a verifier that stopped
 * running, a listing it cannot read, or an empty store page exactly like a stale backup.
 */
export class BackupVerifier extends Construct {
  readonly function: BulwarkFunction;
  readonly alarms: Record<string, cloudwatch.Alarm> = {};

  constructor(scope: Construct, id: string, props: BackupVerifierProps) {
    super(scope, id);
    const every = props.every ?? Duration.minutes(15);
    const stores = [...props.stores];
    const specs: StoreSpecInput[] = stores.map((s) => {
      switch (s.kind) {
        case 'backup-vault':
          return {
            kind: s.kind,
            store: s.store,
            vaultName: s.vault.backupVaultName,
            resourceArns: [...s.resourceArns],
          };
        case 's3-bucket':
          return {
            kind: s.kind,
            store: s.store,
            bucket: s.bucket.bucketName,
            prefix: s.prefix ?? '',
            excludePrefixes: [...(s.excludePrefixes ?? [])],
          };
        case 'rds-cluster':
          return { kind: s.kind, store: s.store, clusterIdentifier: s.clusterIdentifier };
      }
    });

    this.function = new BulwarkFunction(this, 'Function', {
      lambdaName: 'backup-verifier',
      description: `Measures backup freshness of ${props.naming.resource('*')} stores and publishes ${BACKUP_AGE_METRIC}`,
      timeout: Duration.minutes(2),
      protection: props.protection,
      environment: {
        STORES: Stack.of(this).toJsonString(specs),
        METRIC_NAMESPACE: props.naming.metricNamespace,
        ENVIRONMENT: props.naming.environmentName,
      },
    });
    this.grantReads(stores);
    this.function.grantPutMetricData(props.naming.metricNamespace);

    new events.Rule(this, 'Schedule', {
      description: `Runs the backup freshness verifier of ${props.naming.resource('backup')}`,
      schedule: events.Schedule.rate(every),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: every })],
    });

    for (const store of stores) {
      if (!store.maxAge) continue;
      const maxAgeSeconds = store.maxAge.toSeconds();
      this.alarms[store.store] = props.alarms.createAlarm(this, {
        id: `backup-stale-${store.store}`,
        summary: `Newest ${store.store} backup is older than ${formatDuration(maxAgeSeconds)} (or the backup verifier reports nothing)`,
        severity: 'P2',
        runbook: BACKUP_STALE_RUNBOOK,
        metric: new cloudwatch.Metric({
          namespace: props.naming.metricNamespace,
          metricName: BACKUP_AGE_METRIC,
          dimensionsMap: { environment: props.naming.environmentName, store: store.store },
          statistic: 'Maximum',
          // Two runs per period: one late or lost run does not page, two do (missing is breaching).
          period: every.plus(every),
        }),
        threshold: maxAgeSeconds,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
    }
  }

  private grantReads(stores: readonly VerifiedStore[]): void {
    for (const store of stores) {
      switch (store.kind) {
        case 'backup-vault':
          this.function.addToRolePolicy(
            new iam.PolicyStatement({
              actions: ['backup:ListRecoveryPointsByBackupVault'],
              resources: [store.vault.backupVaultArn],
            }),
          );
          this.grantLatestRestorableTimeReads(store.store, store.resourceArns);
          break;
        case 's3-bucket':
          // Listing needs s3:ListBucket only; object contents are never read, so no KMS permission either.
          this.function.addToRolePolicy(
            new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [store.bucket.bucketArn] }),
          );
          break;
        case 'rds-cluster':
          this.function.addToRolePolicy(
            new iam.PolicyStatement({ actions: ['rds:DescribeDBClusters'], resources: [store.clusterArn] }),
          );
          break;
      }
    }
  }

  /**
   * For a vault's RDS resources the handler asks RDS for LatestRestorableTime (lambdas/backup-verifier/freshness.ts,
   * latestRestorableTime): DescribeDBInstances for a DB instance ARN (...:rds:<region>:<account>:db:<name>),
   * DescribeDBClusters for a cluster. IAM matches each action only against its own resource type, whose ARN
   * formats the Service Authorization Reference for Amazon RDS gives as
   * arn:${Partition}:rds:${Region}:${Account}:db:${DbInstanceName} (DescribeDBInstances) and
   * arn:${Partition}:rds:${Region}:${Account}:cluster:${DbClusterInstanceName} (DescribeDBClusters)
   * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html). So each action is granted
   * on the resources of its type only; a vault that protects only clusters (every vault here) grants no
   * DescribeDBInstances at all.
   */
  private grantLatestRestorableTimeReads(store: string, resourceArns: readonly string[]): void {
    const instances: string[] = [];
    const clusters: string[] = [];
    for (const arn of resourceArns) {
      if (!arn.startsWith('arn:')) {
        throw new Error(
          `BackupVerifier store ${store}: resource ARN ${arn} is unresolved at synth, so whether the verifier ` +
            'asks RDS about it (and with which action) cannot be decided; pass an ARN with a literal ' +
            'arn:<partition>:<service>:<region>:<account>:<type>: prefix (Stack.formatArn, as ' +
            'DatabaseCluster.clusterArn is built)',
        );
      }
      // Tokens in the partition, region, account or name render without ':', so the type is readable at synth.
      const rdsType = /^arn:[^:]+:rds:[^:]*:[^:]*:([a-z-]+):/.exec(arn)?.[1];
      if (rdsType === 'db') instances.push(arn);
      if (rdsType === 'cluster') clusters.push(arn);
    }
    const grant = (action: string, resources: string[]): void => {
      if (resources.length === 0) return;
      this.function.addToRolePolicy(new iam.PolicyStatement({ actions: [action], resources }));
    };
    grant('rds:DescribeDBClusters', clusters);
    grant('rds:DescribeDBInstances', instances);
  }
}

function formatDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  return `${Math.round(seconds / 60)} min`;
}
