import { Duration } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../../config';
import { Naming } from '../common/naming';
import { DataProtection, statefulRemovalPolicy } from '../common/protection';

export type BackupConfig = EnvironmentConfig['backup'];

/** `orders-prod-backup`, `orders-dr-backup`: a stack's backup vault (and plan) name. */
export function backupVaultName(naming: Naming): string {
  return naming.resource('backup');
}

export interface RecoveryVaultProps {
  /** Physical vault name (deterministic, so runbooks and other regions can name it). */
  readonly vaultName: string;
  readonly protection: DataProtection;
  /** Lock settings; applied only where `protection.retain`. */
  readonly lock: Pick<BackupConfig, 'vaultLockMinRetentionDays' | 'vaultLockMode' | 'vaultLockChangeableForDays'>;
}

/**
 * An AWS Backup vault with its own KMS key. Where the environment retains data, the vault refuses
 * recovery-point deletion through its access policy and carries a Vault Lock:
 *
 * - governance mode (the default, no `ChangeableForDays`): recovery points cannot be deleted or
 *   shortened below the minimum retention, but a principal allowed
 *   `backup:DeleteBackupVaultLockConfiguration` can remove the lock (break-glass stays possible).
 * - compliance mode (`vaultLockMode: 'compliance'`): AWS Backup sets ChangeableForDays; after that
 *   grace time (at least 3 days) the lock is IMMUTABLE: nobody, not root and not AWS Support, can
 *   remove it, and the vault cannot be deleted while it holds recovery points. Within the grace time
 *   `aws backup delete-backup-vault-lock-configuration` still undoes it (runbooks/backup-stale.md).
 */
export class RecoveryVault extends Construct {
  readonly vault: backup.BackupVault;
  readonly key: kms.Key;
  readonly locked: boolean;

  constructor(scope: Construct, id: string, props: RecoveryVaultProps) {
    super(scope, id);
    const removalPolicy = statefulRemovalPolicy(props.protection);
    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts recovery points in the ${props.vaultName} backup vault`,
      enableKeyRotation: true,
      removalPolicy,
    });
    // The default key policy delegates to IAM: the backup role's policy (same account) grants its use.
    this.locked = props.protection.retain;
    const compliance = props.lock.vaultLockMode === 'compliance';
    this.vault = new backup.BackupVault(this, 'Vault', {
      backupVaultName: props.vaultName,
      encryptionKey: this.key,
      removalPolicy,
      blockRecoveryPointDeletion: this.locked,
      lockConfiguration: this.locked
        ? {
            minRetention: Duration.days(props.lock.vaultLockMinRetentionDays),
            // Setting changeableFor turns the lock into compliance mode (immutable after the grace time).
            ...(compliance ? { changeableFor: Duration.days(props.lock.vaultLockChangeableForDays) } : {}),
          }
        : undefined,
    });
  }
}
