import { ResilienceTargets } from '../../config/tiers';
import type { ParityOutcome, ReadinessReport } from './readiness/model';

/** One CloudFormation resource as it appears in a synthesized template. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** One stack of the cloud assembly, with the tags that say which environment it serves. */
export interface StackTemplate {
  /** Artifact id in manifest.json, which is also the id users type (`cdk deploy Prod`). */
  readonly stackId: string;
  /** Template file name, relative to the cdk.out directory (e.g. `Prod.template.json`). */
  readonly file: string;
  /** The `environment` tag; stacks without it (the pipeline) are not environments. */
  readonly environment: string;
  readonly tier?: number;
  /** The `standby-for` tag: the environment whose targets a DR stack answers to. */
  readonly standbyFor?: string;
  readonly region?: string;
  readonly account?: string;
  readonly resources: Readonly<Record<string, CfnResource>>;
  readonly outputs: Readonly<
    Record<string, { readonly Value?: unknown; readonly Export?: { readonly Name?: unknown } }>
  >;
}

/** Where a figure came from: enough to open the template and find the property. */
export interface SourceRef {
  readonly template: string;
  readonly logicalId: string;
  readonly type: string;
  /** Property paths read, e.g. `EvaluationPeriods`, `Metrics[2].MetricStat.Period`. */
  readonly properties: readonly string[];
}

export type TargetKey = keyof ResilienceTargets;
export type FigureCategory = 'detection' | 'failure-mode' | 'deployment' | 'dns' | 'rpo' | 'rto';
export type FigureUnit = 'seconds' | 'minutes' | 'percent';

/**
 * `met`/`missed`: compared with a target. `info`: a figure with no target of its own (exposure,
 * bake time, a P2 alarm). `not-assessed`: the report could not derive it and says why, never guesses.
 */
export type FigureStatus = 'met' | 'missed' | 'info' | 'not-assessed';

export interface Figure {
  /** Stable id within an environment, e.g. `detection/Http5xxCriticalAlarm`. */
  readonly id: string;
  readonly category: FigureCategory;
  /** What the figure is, in words an on-call engineer reads: `Detection: [P1] http-5xx-critical`. */
  readonly name: string;
  /** Absent when not assessed. */
  readonly value?: number;
  readonly unit: FigureUnit;
  /** How the value was computed, with the numbers: `2 x 60 s + 60 s publication allowance`. */
  readonly formula?: string;
  /** Which target it answers to; absent for info figures. */
  readonly targetKey?: TargetKey;
  readonly target?: number;
  readonly status: FigureStatus;
  readonly sources: readonly SourceRef[];
  readonly notes?: readonly string[];
  /** Why it is not assessed. */
  readonly reason?: string;
  /** Not assessed, and the config acknowledges it (`acknowledgeNotAssessed`) with this reason: not a miss. */
  readonly acknowledged?: string;
  /** What to change when it misses (or to make it assessable). */
  readonly fix?: string;
}

/** The figure an environment is judged by for one target: the worst of its figures for that target. */
export interface Headline {
  readonly targetKey: TargetKey;
  readonly label: string;
  readonly unit: FigureUnit;
  readonly target: number;
  readonly value?: number;
  readonly status: FigureStatus;
  /** The figure that set the value (the slowest P1, the worst data store). */
  readonly figureId?: string;
  /** Figures for this target that could not be assessed, so the headline covers only the rest. */
  readonly notAssessed: number;
}

export interface EnvironmentReport {
  readonly name: string;
  readonly stackId: string;
  readonly template: string;
  readonly tier?: number;
  /** The environment whose targets apply (DrRegion answers to Prod's). */
  readonly targetsFrom: string;
  readonly targets: ResilienceTargets;
  readonly headlines: readonly Headline[];
  readonly figures: readonly Figure[];
  /** Buckets and clusters that hold no data of their own (log buckets, replicas), and why. */
  readonly excluded: readonly { readonly logicalId: string; readonly reason: string }[];
}

export interface Miss {
  readonly environment: string;
  readonly figure: string;
  /** Absent when the figure has a target but could not be assessed (and the config does not acknowledge it). */
  readonly value?: number;
  /** Absent for a failure mode of P2 or lower that no alarm covers (it has no time target, only coverage). */
  readonly target?: number;
  readonly unit: FigureUnit;
  readonly targetKey?: TargetKey;
  readonly resources: readonly string[];
  readonly fix: string;
}

export interface ResilienceReport {
  readonly cdkOut: string;
  readonly config: string;
  readonly environments: readonly EnvironmentReport[];
  readonly misses: readonly Miss[];
  /** Environments in the config with no stack in cdk.out, and stacks with no matching environment. */
  readonly warnings: readonly string[];
  /** The readiness score per environment (lib/report/readiness/); absent from a report built without it. */
  readonly readiness?: ReadinessReport;
  /** lib/parity's comparison of the config's environments, as `npm run parity` makes it. */
  readonly parity?: ParityOutcome;
}

export const TARGET_LABELS: Readonly<Record<TargetKey, { readonly label: string; readonly unit: FigureUnit }>> = {
  detectionSeconds: { label: 'Detection, slowest P1', unit: 'seconds' },
  rollbackSeconds: { label: 'Alarm breach to rollback start', unit: 'seconds' },
  rpoMinutes: { label: 'RPO, worst data store', unit: 'minutes' },
  rtoMinutes: { label: 'RTO, regional failover', unit: 'minutes' },
  dnsFailoverSeconds: { label: 'DNS failover, blackholed primary', unit: 'seconds' },
};

/** Headline order; a target the environment does not set (dnsFailoverSeconds) has no headline. */
export const TARGET_ORDER: readonly TargetKey[] = [
  'detectionSeconds',
  'rollbackSeconds',
  'rpoMinutes',
  'rtoMinutes',
  'dnsFailoverSeconds',
];
