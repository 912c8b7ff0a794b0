/**
 * The recovery model: how much data each protection mechanism can lose at worst, and how long each
 * standby mode takes to serve again. Both the config validation (can these settings meet the RPO?)
 * and the resilience report (what do the templates deliver?) read these numbers, so they live in
 * one place. Sources and reasoning: docs/recovery-model.md.
 */

/** Aurora/RDS point-in-time restore: the latest restorable time trails by about 5 minutes. */
export const PITR_RESTORE_LAG_MINUTES = 5;

/** AWS Backup continuous backup for Aurora/RDS: restorable to within about 5 minutes (same lag as PITR). */
export const CONTINUOUS_BACKUP_LAG_MINUTES = 5;

/** Aurora Global Database: typical replication lag is under a second; we budget 1 minute worst case. */
export const AURORA_GLOBAL_LAG_MINUTES = 1;

/** A cross-region copy job starts after its backup job completes; budget for backup + copy duration. */
export const CROSS_REGION_COPY_DURATION_MINUTES = 60;

/** S3 replication without RTC: no SLA; AWS states most objects replicate within 15 minutes. We budget 60. */
export const S3_REPLICATION_LAG_MINUTES = 60;
/** S3 Replication Time Control: 99.99 % of objects within 15 minutes (SLA). */
export const S3_RTC_REPLICATION_LAG_MINUTES = 15;

/**
 * Minutes for a standby to serve after the decision to fail over (DNS failover is added separately):
 * warm standby promotes the Aurora secondary (about 1-5 min, budget 10) and scales tasks from the
 * running minimum (budget 10); pilot light restores the newest copied recovery point (Aurora restore:
 * budget 60 for a small cluster) and starts tasks from zero (budget 15).
 */
export const STANDBY_RECOVERY_MINUTES = {
  'warm-standby': 20,
  'pilot-light': 75,
} as const;

/**
 * AWS Backup start window of every Bulwark plan rule (the shortest AWS accepts): a job scheduled at
 * 05:00 may start as late as 06:00, so the newest recovery point can be that much older than the schedule.
 */
export const BACKUP_START_WINDOW_MINUTES = 60;

/** Budget for a snapshot job (Aurora snapshots are storage-level and incremental: minutes). */
export const BACKUP_JOB_DURATION_MINUTES = 30;

/**
 * Worst-case age (minutes) of the newest completed scheduled recovery point, measured from its
 * creation: the interval, plus a late start of the next job, plus that job's duration before it
 * completes. The freshness verifier alarms when a store is older than this allows.
 */
export function scheduledBackupAgeMinutes(backupEveryHours: number): number {
  return backupEveryHours * 60 + BACKUP_START_WINDOW_MINUTES + BACKUP_JOB_DURATION_MINUTES;
}

/** Worst case data loss (minutes) in a regional disaster, by standby mode. */
export function regionalRpoMinutes(
  standbyMode: keyof typeof STANDBY_RECOVERY_MINUTES,
  backupEveryHours: number,
): number {
  return standbyMode === 'warm-standby'
    ? AURORA_GLOBAL_LAG_MINUTES
    : backupEveryHours * 60 + BACKUP_START_WINDOW_MINUTES + CROSS_REGION_COPY_DURATION_MINUTES;
}

/** Worst case data loss (minutes) within the region (bad migration, deleted rows): PITR or the backup schedule. */
export function inRegionRpoMinutes(continuousBackup: boolean, backupEveryHours: number): number {
  return continuousBackup ? CONTINUOUS_BACKUP_LAG_MINUTES : scheduledBackupAgeMinutes(backupEveryHours);
}

/**
 * Minutes from a regional outage to the decision to fail over: the P1 page reaches on-call, they
 * confirm the outage is regional (not our own release) and start the failover runbook. The resilience
 * report adds it to every regional RTO; automating the decision is how to shrink it.
 */
export const FAILOVER_DECISION_MINUTES = 15;

/**
 * STANDBY_RECOVERY_MINUTES split into what the report can see in the DR templates: how the data comes
 * back (a global database secondary is promoted; otherwise the newest copied recovery point is
 * restored) and how the compute does (tasks already running scale out; otherwise they start from zero).
 */
export const STANDBY_RECOVERY_PARTS = {
  data: { 'global-database': 10, 'restore-from-backup': 60 },
  compute: { running: 10, 'from-zero': 15 },
} as const;
