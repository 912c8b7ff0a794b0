import * as fs from 'fs';
import * as path from 'path';
import { ResolvedConfig } from '../../../config/validate';
import { Naming } from '../../common/naming';
import { EnvironmentReport, StackTemplate } from '../model';
import { READINESS_CHECKS } from './checks';
import { ReadinessCheck, ReadinessContext } from './context';
import {
  CategoryScore,
  CheckResult,
  EnvironmentReadiness,
  ParityOutcome,
  READINESS_CATEGORIES,
  ReadinessCategory,
  ReadinessReport,
} from './model';

export interface ReadinessInputs {
  readonly config: ResolvedConfig;
  /** Every stack of the assembly (environments, standby, pipeline). */
  readonly stacks: readonly StackTemplate[];
  /** The resilience report's environments (figures and headlines), by name. */
  readonly resilience: readonly EnvironmentReport[];
  readonly parity: ParityOutcome;
  /** A runbook's Markdown by id; default: `runbooks/<id>.md` of this repository. */
  readonly runbook?: (id: string) => string | undefined;
  /** @default READINESS_CHECKS */
  readonly checks?: readonly ReadinessCheck[];
}

/** The repository's runbooks folder, read once per id. */
export function runbookReader(directory: string = path.join(__dirname, '..', '..', '..', 'runbooks')) {
  const cache = new Map<string, string | undefined>();
  return (id: string): string | undefined => {
    if (!cache.has(id)) {
      const file = path.join(directory, `${id}.md`);
      cache.set(id, fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined);
    }
    return cache.get(id);
  };
}

/**
 * Every check for every environment of the config that has a stack, scored. The last environment of the config
 * (the one the pipeline promotes to last: production) gates: its no-go fails the report.
 */
export function assessReadiness(inputs: ReadinessInputs): ReadinessReport {
  const { config } = inputs;
  const threshold = config.operations.readinessThreshold;
  const runbook = inputs.runbook ?? runbookReader();
  const checks = inputs.checks ?? READINESS_CHECKS;
  const pipeline = inputs.stacks.find((s) => s.stackId === 'Pipeline');
  const gate = config.environments[config.environments.length - 1]?.name;
  const environments = config.environments.flatMap((env, index): EnvironmentReadiness[] => {
    const stack = inputs.stacks.find((s) => s.environment === env.name && !s.standbyFor && s.stackId === env.name);
    if (!stack) return [];
    const context: ReadinessContext = {
      config,
      env,
      index,
      naming: new Naming(config.service.name, env.name),
      stack,
      standby: inputs.stacks.find((s) => s.standbyFor === env.name),
      pipeline,
      stacks: inputs.stacks,
      resilience: inputs.resilience.find((e) => e.name === env.name),
      runbook,
      parity: inputs.parity,
      gates: env.name === gate,
    };
    const results = checks.map((check): CheckResult => {
      const verdict = check.evaluate(context);
      return {
        id: check.id,
        category: check.category,
        weight: check.weight,
        title: check.title,
        status: verdict.status,
        resources: verdict.resources,
        why: verdict.why,
      };
    });
    const score = weightedScore(results) ?? 0;
    return [
      {
        environment: env.name,
        score,
        threshold,
        verdict: score >= threshold ? 'go' : 'no-go',
        gates: context.gates,
        categories: READINESS_CATEGORIES.map((category) => categoryScore(category, results)),
        checks: results,
      },
    ];
  });
  return { threshold, environments };
}

/** 100 x (weight passed) / (weight of the applicable checks), to two decimals; undefined if none applies. */
export function weightedScore(results: readonly CheckResult[]): number | undefined {
  const applicable = results.filter((r) => r.status !== 'not-applicable');
  const total = applicable.reduce((sum, r) => sum + r.weight, 0);
  if (total === 0) return undefined;
  const passed = applicable.filter((r) => r.status === 'pass').reduce((sum, r) => sum + r.weight, 0);
  return Math.round((passed / total) * 10000) / 100;
}

function categoryScore(category: ReadinessCategory, results: readonly CheckResult[]): CategoryScore {
  const mine = results.filter((r) => r.category === category);
  return {
    category,
    score: weightedScore(mine),
    passed: mine.filter((r) => r.status === 'pass').length,
    failed: mine.filter((r) => r.status === 'fail').length,
    notApplicable: mine.filter((r) => r.status === 'not-applicable').length,
  };
}

/** The gating environment's no-go, as a line for the CLI; undefined when it is a go (or absent). */
export function readinessFailure(report: ReadinessReport): string | undefined {
  const gate = report.environments.find((e) => e.gates);
  if (!gate || gate.verdict === 'go') return undefined;
  const failed = gate.checks.filter((c) => c.status === 'fail').map((c) => c.id);
  return (
    `${gate.environment}: readiness ${gate.score.toFixed(2)}/100 is below operations.readinessThreshold ` +
    `${report.threshold}: NO-GO; fix ${failed.join(', ')}`
  );
}
