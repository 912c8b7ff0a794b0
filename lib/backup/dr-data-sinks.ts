import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  DrConfig,
  EnvironmentConfig,
  backupCopyAgeMinutes,
  S3_REPLICATION_LAG_MINUTES,
  S3_RTC_REPLICATION_LAG_MINUTES,
} from '../../config';
import { Naming } from '../common/naming';
import { DataProtection } from '../common/protection';
import { databaseClusterIdentifier } from '../data/database';
import { AlarmFactory } from '../monitoring/alarm-factory';
import { ArchiveBucket, archiveBucketName } from './archive-bucket';
import { BackupVerifier } from './backup-verifier';
import { archiveMaxAge } from './environment-backup';
import { backupVaultName, RecoveryVault } from './recovery-vault';

export interface DrDataSinksProps {
  /** The environment whose data lands here (Prod). */
  readonly primary: EnvironmentConfig & { readonly dr: DrConfig };
  /** Naming of the primary environment (its database identifier) and of the DR stack (the sinks). */
  readonly primaryNaming: Naming;
  readonly naming: Naming;
  readonly protection: DataProtection;
  readonly alarms: AlarmFactory;
  /** Keys in the replica that are not replicated data (the drill's reports and lock). @default none */
  readonly replicaExcludedPrefixes?: readonly string[];
}

/**
 * Prod's data in the DR region: the vault its recovery points are copied into, the bucket its archive
 * replicates into, and a freshness verifier over both (P2 alarms through DrRegion's AlarmFactory).
 * Deployed with DrRegion, before Prod, which references them.
 */
export class DrDataSinks extends Construct {
  readonly vault: RecoveryVault;
  readonly replica: ArchiveBucket;
  readonly verifier: BackupVerifier;

  constructor(scope: Construct, id: string, props: DrDataSinksProps) {
    super(scope, id);
    const { primary, naming, protection } = props;
    const stack = Stack.of(this);
    this.vault = new RecoveryVault(this, 'Vault', {
      vaultName: backupVaultName(naming),
      protection,
      lock: primary.backup,
    });
    this.replica = new ArchiveBucket(this, 'Replica', {
      bucketName: archiveBucketName(naming, stack.account, stack.region),
      protection,
      config: primary.backup,
    });

    // Copies arrive as snapshots (continuous backup does not copy continuously). In both standby modes the
    // Aurora Global Database (a pilot light's secondary is headless) carries the RPO and the copies, the
    // dr-restore fallback, are held to what schedule + copy can deliver.
    const rpoMinutes = primary.targets.rpoMinutes;
    const copyBound = backupCopyAgeMinutes(primary.backup.scheduleEveryHours);
    const vaultMaxAge = Math.max(rpoMinutes, copyBound);
    const replicationLag = primary.backup.replicationTimeControl
      ? S3_RTC_REPLICATION_LAG_MINUTES
      : S3_REPLICATION_LAG_MINUTES;
    const primaryDatabaseArn = stack.formatArn({
      service: 'rds',
      region: primary.region,
      account: primary.account,
      resource: 'cluster',
      resourceName: databaseClusterIdentifier(props.primaryNaming),
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.verifier = new BackupVerifier(this, 'Verifier', {
      naming,
      protection,
      alarms: props.alarms,
      stores: [
        {
          kind: 'backup-vault',
          store: 'dr-vault',
          vault: this.vault.vault,
          resourceArns: [primaryDatabaseArn],
          maxAge: Duration.minutes(vaultMaxAge),
        },
        {
          kind: 's3-bucket',
          store: 'replica',
          bucket: this.replica.bucket,
          excludePrefixes: props.replicaExcludedPrefixes,
          // The replica is held to the archive's bound plus the replication lag; no writer configured, no alarm.
          maxAge: archiveMaxAge(primary.backup.archiveWritesEveryHours, Duration.minutes(rpoMinutes))?.plus(
            Duration.minutes(replicationLag),
          ),
        },
      ],
    });
  }
}
