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
 * Minutes for a standby to serve after a person decides to fail over, when no Region switch plan runs it (DNS
 * failover is added separately): warm standby promotes the Aurora secondary (budget 10) and scales tasks from the
 * running minimum (budget 10); pilot light adds an instance to its headless secondary and promotes it (budget 25)
 * and starts tasks from zero (budget 15). The fallback from copied recovery points (dr-restore) is slower (60).
 */
export const STANDBY_RECOVERY_MINUTES = {
  'warm-standby': 20,
  'pilot-light': 40,
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

/**
 * The smallest `rds.global_db_rpo` Aurora PostgreSQL accepts: "Valid values are from 20 seconds up to the
 * maximum integer value of 2,147,483,647 (68 years)" (Managing RPOs for Aurora PostgreSQL-based global databases,
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html).
 * A tier 1 primary with a DR standby sets it (lib/data/global-database.ts): its regional RPO is this bound.
 */
export const GLOBAL_DB_RPO_FLOOR_SECONDS = 20;

/**
 * Worst case data loss (minutes) in a regional disaster. Both standby modes keep an Aurora global database
 * secondary in the DR region (a pilot light's is headless: storage replicates, compute is added at failover), so
 * the bound is the secondary's: `rds.global_db_rpo` (20 s) where it is set (tier 1), otherwise the replication lag
 * budget (AURORA_GLOBAL_LAG_MINUTES, a budget: AWS bounds the lag only through the parameter).
 */
export function regionalRpoMinutes(tier: number): number {
  return tier === 1 ? GLOBAL_DB_RPO_FLOOR_SECONDS / 60 : AURORA_GLOBAL_LAG_MINUTES;
}

/**
 * Age (minutes) of the newest copied recovery point in the DR region at worst: the fallback a restore
 * (`npm run ops -- dr-restore`) starts from when the global database cannot serve.
 */
export function backupCopyAgeMinutes(backupEveryHours: number): number {
  return backupEveryHours * 60 + BACKUP_START_WINDOW_MINUTES + CROSS_REGION_COPY_DURATION_MINUTES;
}

/** Worst case data loss (minutes) within the region (bad migration, deleted rows): PITR or the backup schedule. */
export function inRegionRpoMinutes(continuousBackup: boolean, backupEveryHours: number): number {
  return continuousBackup ? CONTINUOUS_BACKUP_LAG_MINUTES : scheduledBackupAgeMinutes(backupEveryHours);
}

/**
 * Without a Region switch plan only (a DR stack with no plan, or no trigger): a person decides and runs the
 * runbook. With a plan the report reads its steps instead (lib/report/dns.ts, lib/report/recovery.ts), and its
 * own assumptions (trigger start, default step timeout) live in lib/report/allowances.ts.
 */
export const FAILOVER_DECISION_MINUTES = 15;

/**
 * Without a Region switch plan: how the data comes back (a global database secondary is promoted; a headless one
 * first gets an instance, assumed 15 min since AWS documents no duration; otherwise the newest copied recovery
 * point is restored) and how the compute does (running tasks scale out; otherwise they start from zero). With a
 * plan, its steps replace these.
 */
export const STANDBY_RECOVERY_PARTS = {
  data: { 'global-database': 10, 'headless-global-database': 25, 'restore-from-backup': 60 },
  compute: { running: 10, 'from-zero': 15 },
} as const;
