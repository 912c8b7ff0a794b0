import { DrConfig, EnvironmentConfig } from '../../config';
import {
  regionalRpoMinutes,
  S3_REPLICATION_LAG_MINUTES,
  S3_RTC_REPLICATION_LAG_MINUTES,
} from '../../config/recovery-model';

/** What the drill must beat; it fails the deployment when a measured figure exceeds its target. */
export interface DrillTargets {
  /** From inverting the primary health check to Route 53 answering with the standby. */
  readonly failoverSeconds: number;
  /** Age of the newest recovery point copied into the DR vault. */
  readonly recoveryPointMaxAgeSeconds: number;
  /** Age of the newest object replicated into the replica bucket. */
  readonly replicaObjectMaxAgeSeconds: number;
  /** How long the drill waits for the failover before giving up (the target plus room to measure a miss). */
  readonly waitBoundSeconds: number;
}

/** Room past the failover target so a miss is measured (and reported) rather than cut off. */
export const WAIT_MARGIN_SECONDS = 120;

/**
 * The drill's targets, from the primary environment's effective targets and the recovery model:
 * - failover: the tier's P1 detection figure (an unhealthy primary is a P1, and Route 53 answering
 *   with the standby is the first half of the recovery), never more than the RTO;
 * - copied recovery points: the RPO in pilot light (the copies are what a restore starts from, and
 *   validation already proved the schedule meets it); in warm standby the Aurora Global Database
 *   secondary carries the RPO and the copies are the second line (against corruption that
 *   replicates), held to what the backup schedule plus the copy can deliver;
 * - replicated objects: the RPO plus the replication lag (15 min with RTC, else 60), as the archive
 *   is held to the RPO and its replica may trail by the lag: the bound DrDataSinks' verifier alarms on.
 */
export function drillTargets(
  primary: Pick<EnvironmentConfig, 'targets' | 'backup'> & { readonly dr: Pick<DrConfig, 'standbyMode'> },
): DrillTargets {
  const replicationLagMinutes = primary.backup.replicationTimeControl
    ? S3_RTC_REPLICATION_LAG_MINUTES
    : S3_REPLICATION_LAG_MINUTES;
  const rpoSeconds = primary.targets.rpoMinutes * 60;
  const failoverSeconds = Math.min(primary.targets.detectionSeconds, primary.targets.rtoMinutes * 60);
  const copyBoundSeconds = regionalRpoMinutes('pilot-light', primary.backup.scheduleEveryHours) * 60;
  return {
    failoverSeconds,
    recoveryPointMaxAgeSeconds:
      primary.dr.standbyMode === 'pilot-light' ? rpoSeconds : Math.max(rpoSeconds, copyBoundSeconds),
    replicaObjectMaxAgeSeconds: rpoSeconds + replicationLagMinutes * 60,
    waitBoundSeconds: failoverSeconds + WAIT_MARGIN_SECONDS,
  };
}
