/**
 * The readiness score: operational readiness checks computed from the synthesized templates and the config,
 * weighted into a score out of 100 per category and per environment, with a go/no-go against
 * `operations.readinessThreshold`. The seeds' production readiness assessment ("95.40/100", go at 90), computed
 * from what would be deployed instead of filled in by hand.
 */

import type { ParityResult } from '../../parity/compare';

/** Parity of the config's environments (lib/parity's comparison, reused), or why it could not be computed. */
export type ParityOutcome = { readonly result: ParityResult } | { readonly error: string };

/** The seeds' categories, in the order the report shows them. */
export const READINESS_CATEGORIES = [
  'monitoring and alerting',
  'runbooks',
  'deployment safety',
  'backup and restore',
  'disaster recovery',
  'security',
  'cost controls',
  'operations',
] as const;
export type ReadinessCategory = (typeof READINESS_CATEGORIES)[number];

/** `not-applicable`: the environment's config does not ask for it (no DR block, no certificate); not scored. */
export type CheckStatus = 'pass' | 'fail' | 'not-applicable';

export interface CheckResult {
  /** Stable id, e.g. `backup/stores-backed-up`. */
  readonly id: string;
  readonly category: ReadinessCategory;
  /** 1 (hygiene) to 3 (an outage or data loss without it). */
  readonly weight: number;
  /** What the check asks, in a sentence. */
  readonly title: string;
  readonly status: CheckStatus;
  /**
   * The resources judged, as `<template>#<logicalId>` (or a file such as `runbooks/x.md`, a pipeline stage):
   * on a failure, the ones that fail it.
   */
  readonly resources: readonly string[];
  /** Why it passed or failed (or does not apply), with the numbers. */
  readonly why: string;
}

export interface CategoryScore {
  readonly category: ReadinessCategory;
  /** Weighted score out of 100 (two decimals); absent when no check of the category applies. */
  readonly score?: number;
  readonly passed: number;
  readonly failed: number;
  readonly notApplicable: number;
}

export interface EnvironmentReadiness {
  readonly environment: string;
  /** Weighted over every applicable check of every category, out of 100, two decimals. */
  readonly score: number;
  readonly threshold: number;
  readonly verdict: 'go' | 'no-go';
  /** True for the environment whose no-go fails the report (the last in the config: production). */
  readonly gates: boolean;
  readonly categories: readonly CategoryScore[];
  readonly checks: readonly CheckResult[];
}

export interface ReadinessReport {
  readonly threshold: number;
  readonly environments: readonly EnvironmentReadiness[];
}

/** `95.40/100`: the score as the seeds write it. */
export function formatScore(score: number | undefined): string {
  return score === undefined ? 'n/a' : `${score.toFixed(2)}/100`;
}
