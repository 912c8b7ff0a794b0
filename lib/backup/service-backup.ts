import { Duration, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { BACKUP_START_WINDOW_MINUTES } from '../../config';
import { Naming } from '../common/naming';
import { DataProtection } from '../common/protection';
import { BackupConfig, backupVaultName, RecoveryVault } from './recovery-vault';

/** Where Prod's recovery points are copied: the vault DrRegion holds, and the key that encrypts it. */
export interface BackupCopyTarget {
  readonly vault: backup.IBackupVault;
  readonly key: kms.IKey;
}

export interface ServiceBackupProps {
  readonly config: BackupConfig;
  readonly naming: Naming;
  readonly protection: DataProtection;
  /** Resources protected by the plan besides whatever carries `backupTag`. */
  readonly resourceArns: readonly string[];
  /** Resources tagged `backupTag.key = backupTag.value` are selected automatically. */
  readonly backupTag: { readonly key: string; readonly value: string };
  /** Copy every recovery point to this vault (Prod: DrRegion's vault). @default no copies */
  readonly copyTo?: BackupCopyTarget;
}

/** What AWS Backup needs to back up and restore any taggable resource type (RDS, Aurora, S3, ...). */
const BACKUP_MANAGED_POLICIES = [
  'service-role/AWSBackupServiceRolePolicyForBackup',
  'service-role/AWSBackupServiceRolePolicyForRestores',
  'AWSBackupServiceRolePolicyForS3Backup',
  'AWSBackupServiceRolePolicyForS3Restore',
];

/** What AWS Backup does with a vault key: encrypt recovery points, copy (re-encrypt) and restore them. */
export const VAULT_KEY_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:DescribeKey',
  'kms:CreateGrant',
];

/** Rule names, as they appear in the plan and in recovery point metadata. */
export const BACKUP_RULES = { frequent: 'Frequent', daily: 'Daily', weekly: 'Weekly', monthly: 'Monthly' } as const;

/**
 * The environment's AWS Backup: a vault (RecoveryVault), a plan with a sub-daily rule (when
 * `scheduleEveryHours` < 24), daily (continuous backup where `continuousBackup`), weekly and monthly
 * (cold storage) rules, each copied to the DR vault when `copyTo` is set, and a selection by tag plus
 * the explicit resource ARNs (the database).
 */
export class ServiceBackup extends Construct {
  readonly vault: RecoveryVault;
  readonly plan: backup.BackupPlan;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ServiceBackupProps) {
    super(scope, id);
    const { config, naming } = props;
    this.vault = new RecoveryVault(this, 'Vault', {
      vaultName: backupVaultName(naming),
      protection: props.protection,
      lock: config,
    });

    this.plan = new backup.BackupPlan(this, 'Plan', {
      backupPlanName: naming.resource('backup'),
      backupVault: this.vault.vault,
    });
    for (const rule of backupRules(config, props.copyTo?.vault)) this.plan.addRule(rule);

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: `AWS Backup role of ${naming.resource('backup')}: back up, copy and restore the selected resources`,
      managedPolicies: BACKUP_MANAGED_POLICIES.map((name) => iam.ManagedPolicy.fromAwsManagedPolicyName(name)),
    });
    // Granted on the role, not the key policies: the DR key lives in another region (same account,
    // its default key policy delegates to IAM), and a cross-region key policy edit is not possible.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: VAULT_KEY_ACTIONS,
        resources: [this.vault.key.keyArn, ...(props.copyTo ? [props.copyTo.key.keyArn] : [])],
      }),
    );
    for (const policy of BACKUP_MANAGED_POLICIES) {
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`,
        reason:
          'The AWS Backup service-role policies are the AWS-maintained permission sets for backing up and restoring every resource type a tag may select; a hand-written copy would silently miss APIs AWS adds.',
      });
    }

    this.plan.addSelection('Selection', {
      backupSelectionName: naming.resource('backup'),
      role: this.role,
      resources: [
        backup.BackupResource.fromTag(props.backupTag.key, props.backupTag.value),
        ...props.resourceArns.map((arn) => backup.BackupResource.fromArn(arn)),
      ],
      disableDefaultBackupPolicy: true,
    });
  }
}

/** The plan's rules for a backup config; exported so tests and the report can reason about them. */
export function backupRules(config: BackupConfig, copyTo?: backup.IBackupVault): backup.BackupPlanRule[] {
  const windows = { startWindow: Duration.minutes(BACKUP_START_WINDOW_MINUTES), completionWindow: Duration.hours(8) };
  const copy = (deleteAfter: Duration, moveToColdStorageAfter?: Duration) =>
    copyTo ? { copyActions: [{ destinationBackupVault: copyTo, deleteAfter, moveToColdStorageAfter }] } : {};
  const rules: backup.BackupPlanRule[] = [];
  if (config.scheduleEveryHours < 24) {
    const deleteAfter = Duration.days(config.hourlyRetentionDays);
    rules.push(
      new backup.BackupPlanRule({
        ruleName: BACKUP_RULES.frequent,
        // Offset from the daily rule's hour so the two never compete for the same minute.
        scheduleExpression: events.Schedule.cron({ minute: '15', hour: `*/${config.scheduleEveryHours}` }),
        deleteAfter,
        ...windows,
        ...copy(deleteAfter),
      }),
    );
  }
  const daily = Duration.days(config.dailyRetentionDays);
  rules.push(
    new backup.BackupPlanRule({
      ruleName: BACKUP_RULES.daily,
      scheduleExpression: events.Schedule.cron({ minute: '0', hour: '5' }),
      // Continuous backup: point-in-time restore to any second of the retention (RDS, Aurora, S3).
      enableContinuousBackup: config.continuousBackup,
      deleteAfter: daily,
      ...windows,
      ...copy(daily),
    }),
  );
  const weekly = Duration.days(config.weeklyRetentionDays);
  rules.push(
    new backup.BackupPlanRule({
      ruleName: BACKUP_RULES.weekly,
      scheduleExpression: events.Schedule.cron({ minute: '0', hour: '5', weekDay: 'SUN' }),
      deleteAfter: weekly,
      ...windows,
      ...copy(weekly),
    }),
  );
  const monthly = Duration.days(config.monthlyRetentionDays);
  const cold = Duration.days(config.monthlyColdStorageAfterDays);
  rules.push(
    new backup.BackupPlanRule({
      ruleName: BACKUP_RULES.monthly,
      scheduleExpression: events.Schedule.cron({ minute: '0', hour: '5', day: '1' }),
      // Resource types without cold storage support (Aurora among them) keep these warm; AWS Backup
      // ignores the transition for them. DeleteAfter >= cold + 90 days is checked in config/validate.ts.
      moveToColdStorageAfter: cold,
      deleteAfter: monthly,
      ...windows,
      ...copy(monthly, cold),
    }),
  );
  return rules;
}
