import { Duration, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../../config';
import { Naming } from '../common/naming';
import { DataProtection } from '../common/protection';
import { Database } from '../data/database';
import { AlarmFactory } from '../monitoring/alarm-factory';
import { ArchiveBucket, OPS_REPORTS_PREFIX, archiveBucketName } from './archive-bucket';
import { BackupVerifier } from './backup-verifier';
import { DrDataSinks } from './dr-data-sinks';
import { ServiceBackup } from './service-backup';

export interface EnvironmentBackupProps {
  readonly environment: EnvironmentConfig;
  readonly naming: Naming;
  readonly protection: DataProtection;
  readonly alarms: AlarmFactory;
  readonly database: Database;
  /** Prod: copy recovery points and replicate the archive into DrRegion's sinks. */
  readonly drSinks?: DrDataSinks;
}

/** `backup: orders-prod`: what AWS Backup selects besides the explicit resources. */
export function backupTag(naming: Naming): { key: string; value: string } {
  return { key: 'backup', value: naming.resource('').replace(/-$/, '') };
}

/**
 * Everything that keeps an environment's data recoverable: the AWS Backup vault and plan (with copies
 * to the DR region in Prod), the archive bucket (replicated in Prod), and the freshness verifier with
 * one alarm per store, each held to the environment's RPO:
 * - `database`: Aurora PITR, age = now - LatestRestorableTime (about 5 min by construction);
 * - `vault`: newest restorable recovery point of the database (continuous where enabled);
 * - `archive`: newest object in the archive bucket.
 */
export class EnvironmentBackup extends Construct {
  readonly backup: ServiceBackup;
  readonly archive: ArchiveBucket;
  readonly verifier: BackupVerifier;

  constructor(scope: Construct, id: string, props: EnvironmentBackupProps) {
    super(scope, id);
    const { environment, naming, protection, database } = props;
    const stack = Stack.of(this);

    this.backup = new ServiceBackup(this, 'Plan', {
      config: environment.backup,
      naming,
      protection,
      resourceArns: [database.cluster.clusterArn],
      backupTag: backupTag(naming),
      copyTo: props.drSinks ? { vault: props.drSinks.vault.vault, key: props.drSinks.vault.key } : undefined,
    });

    this.archive = new ArchiveBucket(this, 'Archive', {
      bucketName: archiveBucketName(naming, stack.account, stack.region),
      protection,
      config: environment.backup,
      replicateTo: props.drSinks
        ? {
            bucket: props.drSinks.replica.bucket,
            key: props.drSinks.replica.key,
            timeControl: environment.backup.replicationTimeControl,
          }
        : undefined,
    });

    const rpo = Duration.minutes(environment.targets.rpoMinutes);
    this.verifier = new BackupVerifier(this, 'Verifier', {
      naming,
      protection,
      alarms: props.alarms,
      stores: [
        {
          kind: 'rds-cluster',
          store: 'database',
          clusterIdentifier: database.cluster.clusterIdentifier,
          clusterArn: database.cluster.clusterArn,
          maxAge: rpo,
        },
        {
          kind: 'backup-vault',
          store: 'vault',
          vault: this.backup.vault.vault,
          resourceArns: [database.cluster.clusterArn],
          maxAge: rpo,
        },
        {
          kind: 's3-bucket',
          store: 'archive',
          bucket: this.archive.bucket,
          excludePrefixes: [OPS_REPORTS_PREFIX],
          maxAge: archiveMaxAge(environment.backup.archiveWritesEveryHours, rpo),
        },
      ],
    });
  }
}

/** The archive is held to its writer's cadence (or the RPO, if longer); with no writer configured it is not alarmed. */
export function archiveMaxAge(writesEveryHours: number | undefined, rpo: Duration): Duration | undefined {
  if (writesEveryHours === undefined) return undefined;
  return Duration.minutes(Math.max(writesEveryHours * 60, rpo.toMinutes()));
}
