import { Naming } from '../common/naming';

/**
 * What the canary publishes (lambdas/canary/canary.ts `metricData`): per journey `Success` (0/1) and `LatencyMs` with
 * the dimensions Environment + Journey, and the probe's overall `Success` with Environment only, which the P1 alarm
 * watches. Readers (`npm run ops -- status`, reports) take the names from here.
 */
export const CANARY_METRICS = { success: 'Success', latency: 'LatencyMs' } as const;

/** The overall success metric of a probe: Average over a window is the share of successful probes. */
export function canarySuccessMetric(naming: Naming, probeName?: string) {
  return {
    namespace: naming.metricNamespace,
    metricName: CANARY_METRICS.success,
    dimensions: { Environment: canaryEnvironmentDimension(naming, probeName) },
  };
}

/** The Environment dimension: the environment's name, with `-<probeName>` for a second probe in the same stack. */
export function canaryEnvironmentDimension(naming: Naming, probeName?: string): string {
  return probeName ? `${naming.environmentName}-${probeName}` : naming.environmentName;
}
