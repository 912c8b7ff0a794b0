import { DrConfig, EnvironmentConfig } from '../../config';
import {
  AURORA_GLOBAL_LAG_MINUTES,
  backupCopyAgeMinutes,
  S3_REPLICATION_LAG_MINUTES,
  S3_RTC_REPLICATION_LAG_MINUTES,
} from '../../config/recovery-model';
import { globalDbRpoSeconds } from '../data/global-database';
import type { RegionSwitchPlan, StepBoundsSeconds } from './region-switch-plan';

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
 * - copied recovery points: in both modes the Aurora Global Database secondary (headless in pilot
 *   light) carries the RPO and the copies are the second line (against corruption that
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
  const copyBoundSeconds = backupCopyAgeMinutes(primary.backup.scheduleEveryHours) * 60;
  return {
    failoverSeconds,
    // Both modes: the global database secondary (headless in pilot light) carries the RPO; copies are second line.
    recoveryPointMaxAgeSeconds: Math.max(rpoSeconds, copyBoundSeconds),
    replicaObjectMaxAgeSeconds: rpoSeconds + replicationLagMinutes * 60,
    waitBoundSeconds: failoverSeconds + WAIT_MARGIN_SECONDS,
  };
}

/**
 * The most the global database secondary may trail before the drill fails: `rds.global_db_rpo` where a tier-1
 * warm standby sets it (writes wait rather than let the lag exceed it), else the replication-lag alarm's bound.
 */
export function replicationLagBoundSeconds(
  primary: Pick<EnvironmentConfig, 'tier'> & { readonly dr: Pick<DrConfig, 'standbyMode'> },
): number {
  return globalDbRpoSeconds(primary) ?? AURORA_GLOBAL_LAG_MINUTES * 60;
}

/** What `-c drill=switchover` holds each leg (to DrRegion, and back) to. */
export interface SwitchoverTargets {
  readonly primaryRegion: string;
  readonly standbyRegion: string;
  /**
   * Per leg, per plan step name: the step's bound in the plan, the most it may take. "out" runs the failover
   * workflow (to DrRegion), "back" the failback workflow: they hold different children under the same step name.
   */
  readonly stepTargetSeconds: { readonly out: StepBoundsSeconds; readonly back: StepBoundsSeconds };
  /** One leg end to end: the tier's RTO. */
  readonly totalTargetSeconds: number;
  /** How long one leg's custom resource waits before failing it. */
  readonly waitBoundSeconds: number;
}

/**
 * CloudFormation waits at most an hour for a custom resource ("ServiceTimeout ... maximum value of 3600 seconds",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-customresource.html);
 * the Provider framework's waiter gets 55 minutes of it, and the drill gives up 5 minutes before that so it can still
 * write its report and fail with its own message. A leg slower than this fails even when it is inside a longer RTO.
 */
export const SWITCHOVER_PROVIDER_TIMEOUT_MINUTES = 55;
export const SWITCHOVER_WAIT_CEILING_SECONDS = (SWITCHOVER_PROVIDER_TIMEOUT_MINUTES - 5) * 60;

/**
 * Each step's target is its bound in the plan as built (RegionSwitchPlan.stepBoundsSeconds: a block's timeout, a
 * Parallel step's slowest child's), per leg; each leg's is the RTO, waited for up to the RTO plus the margin, never
 * past SWITCHOVER_WAIT_CEILING_SECONDS.
 */
export function switchoverTargets(
  primary: Pick<EnvironmentConfig, 'region' | 'targets'> & { readonly dr: Pick<DrConfig, 'region'> },
  planBounds: RegionSwitchPlan['stepBoundsSeconds'],
): SwitchoverTargets {
  const totalTargetSeconds = primary.targets.rtoMinutes * 60;
  return {
    primaryRegion: primary.region,
    standbyRegion: primary.dr.region,
    stepTargetSeconds: { out: { ...planBounds.failover }, back: { ...planBounds.failback } },
    totalTargetSeconds,
    waitBoundSeconds: Math.min(totalTargetSeconds + WAIT_MARGIN_SECONDS, SWITCHOVER_WAIT_CEILING_SECONDS),
  };
}
