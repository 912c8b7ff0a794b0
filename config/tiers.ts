/**
 * Tier ceilings from the operations practice we follow. They are ceilings: an environment's own
 * targets may be tighter, never looser (validation refuses a looser one).
 */
export type Tier = 1 | 2 | 3 | 4;

export interface ResilienceTargets {
  /** Recovery time objective: how long the service may be unavailable after a regional disaster. */
  readonly rtoMinutes: number;
  /** Recovery point objective: how much committed data may be lost. */
  readonly rpoMinutes: number;
  /** Worst-case time from a P1 condition starting to its alarm firing. */
  readonly detectionSeconds: number;
  /** Worst-case time from a deployment alarm's breach to CodeDeploy starting the rollback. */
  readonly rollbackSeconds: number;
  /**
   * Worst-case DNS failover (health check on a blackholed endpoint + TTL). No tier sets one; an
   * environment with a DR standby may. @default not judged (the figure is still shown)
   */
  readonly dnsFailoverSeconds?: number;
}

const MINUTES_PER_WEEK = 7 * 24 * 60;

export const TIER_CEILINGS: Readonly<Record<Tier, ResilienceTargets>> = {
  1: { rtoMinutes: 60, rpoMinutes: 15, detectionSeconds: 180, rollbackSeconds: 300 },
  2: { rtoMinutes: 240, rpoMinutes: 60, detectionSeconds: 300, rollbackSeconds: 600 },
  3: { rtoMinutes: 24 * 60, rpoMinutes: 24 * 60, detectionSeconds: 900, rollbackSeconds: 1800 },
  4: { rtoMinutes: MINUTES_PER_WEEK, rpoMinutes: MINUTES_PER_WEEK, detectionSeconds: 3600, rollbackSeconds: 3600 },
};

export const TIERS: readonly Tier[] = [1, 2, 3, 4];
