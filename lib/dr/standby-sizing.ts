import { DrConfig } from '../../config';

/**
 * Tasks the standby runs before any failover: none for a pilot light (the failover runbook scales
 * it up; only the network, load balancer, task definition and data wait ready), and
 * `warmStandbyTasks` for a warm standby (serving at once, scaled out by the runbook and autoscaling).
 */
export function standbyDesiredCount(dr: Pick<DrConfig, 'standbyMode' | 'warmStandbyTasks'>): number {
  return dr.standbyMode === 'pilot-light' ? 0 : dr.warmStandbyTasks;
}
