import { AlarmAssessment, AlarmTiming } from './alarms';
import { Figure, StackTemplate } from './model';

export type Severity = 'P1' | 'P2' | 'P3' | 'P4';

/**
 * A way the service fails that someone must be paged for, at a severity, and the runbooks of the alarms
 * that see it (an alarm sees a mode when its description's runbook is listed). The runbooks name the
 * symptoms; this table is where the report learns which symptom belongs to which failure.
 */
export interface FailureMode {
  readonly id: string;
  readonly description: string;
  readonly severity: Severity;
  readonly runbooks: readonly string[];
  /** Only where a DR standby exists, and only alarms in a stack of another region count (the failing region takes its own alarms down). */
  readonly seenFromAnotherRegion?: boolean;
  /** Also judged in a standby stack (it serves after failover). */
  readonly afterFailover?: boolean;
  readonly note?: string;
}

export const FAILURE_MODES: readonly FailureMode[] = [
  {
    id: 'service-down',
    description: 'service down (no healthy target, nothing answers)',
    severity: 'P1',
    runbooks: ['service-down', 'service-unhealthy', 'canary-journey-failed'],
    afterFailover: true,
  },
  {
    id: '5xx-storm',
    description: '5xx storm (the journeys users walk fail)',
    severity: 'P1',
    runbooks: ['http-5xx-rate', 'service-unhealthy', 'canary-journey-failed'],
    afterFailover: true,
    note: 'a storm that fails the probed journeys; a partial error rate is "elevated 5xx" (P2)',
  },
  {
    id: 'broken-journey',
    description: 'a journey is broken (wrong answer, auth, a dependency)',
    severity: 'P1',
    runbooks: ['canary-journey-failed'],
    afterFailover: true,
  },
  // Only probes of the primary from outside it (runbook dr-primary-unhealthy): the standby's own canary does not see the primary.
  {
    id: 'region-down',
    description: "region down (the primary's region unreachable)",
    severity: 'P1',
    runbooks: ['dr-primary-unhealthy'],
    seenFromAnotherRegion: true,
  },
  {
    id: 'elevated-5xx',
    description: 'elevated 5xx (part of the requests fail)',
    severity: 'P2',
    runbooks: ['http-5xx-rate'],
    afterFailover: true,
  },
  {
    id: 'latency',
    description: 'latency (slow answers)',
    severity: 'P2',
    runbooks: ['latency-high', 'canary-latency'],
    afterFailover: true,
  },
  {
    id: 'unhealthy-targets',
    description: 'unhealthy targets (capacity lost)',
    severity: 'P2',
    runbooks: ['unhealthy-targets', 'service-down'],
    afterFailover: true,
  },
  {
    id: 'bad-deploy',
    description: 'bad deploy (a release that fails)',
    severity: 'P2',
    runbooks: ['canary-journey-failed', 'http-5xx-rate', 'service-down', 'latency-high', 'unhealthy-targets'],
    note: 'the time to roll it back is the "Alarm breach to rollback start" figure',
  },
  {
    id: 'database',
    description: 'database down or saturated',
    severity: 'P2',
    runbooks: ['db-connections-high', 'db-cpu-high', 'db-local-storage-low', 'canary-journey-failed'],
  },
  { id: 'backup-stale', description: 'backups stale', severity: 'P2', runbooks: ['backup-stale'], afterFailover: true },
  { id: 'cost-spike', description: 'cost spike', severity: 'P3', runbooks: ['cost-spike'] },
];

const RANK: Record<string, number> = { P1: 1, P2: 2, P3: 3, P4: 4 };

/**
 * One figure per failure mode that applies to the stack: the worst-case time to the first page of the
 * mode's severity (or a more urgent one), i.e. the fastest alarm that sees it. P1 modes answer to the
 * detection target; a mode no alarm of the right severity sees is missed.
 */
export function failureModeFigures(
  stack: StackTemplate,
  stacks: readonly StackTemplate[],
  assessments: ReadonlyMap<StackTemplate, readonly AlarmAssessment[]>,
): Figure[] {
  const standby = stacks.find((s) => s.standbyFor === stack.environment);
  const modes = FAILURE_MODES.filter((m) =>
    stack.standbyFor ? m.afterFailover : m.seenFromAnotherRegion ? standby !== undefined : true,
  );
  return modes.map((mode) => {
    const watchers = mode.seenFromAnotherRegion
      ? stacks.filter((s) => s.region !== stack.region && s.standbyFor === stack.environment)
      : [stack];
    const seeing: AlarmTiming[] = watchers
      .flatMap((s) => assessments.get(s) ?? [])
      .flatMap((a) => (a.assessed ? [a.timing] : []))
      .filter(
        (t) =>
          t.runbook !== undefined &&
          mode.runbooks.includes(t.runbook) &&
          t.severity !== undefined &&
          RANK[t.severity] <= RANK[mode.severity],
      );
    const base = {
      id: `failure-mode/${mode.id}`,
      category: 'failure-mode' as const,
      unit: 'seconds' as const,
      name: `Failure mode: ${mode.description} -> first ${mode.severity} page`,
      ...(mode.severity === 'P1' ? { targetKey: 'detectionSeconds' as const } : {}),
    };
    const where = mode.seenFromAnotherRegion ? `a stack outside ${stack.region}` : stack.file;
    if (seeing.length === 0) {
      return {
        // Not assessed, and compare() fails it unless the environment acknowledges it: an uncovered mode is a miss.
        ...base,
        status: 'not-assessed' as const,
        sources: [],
        reason: `no ${mode.severity}${mode.severity === 'P1' ? '' : ' (or more urgent)'} alarm in ${where} has a runbook among ${mode.runbooks.join(', ')}`,
        fix: `add a ${mode.severity} alarm that sees ${mode.description} in ${where} (runbook ${mode.runbooks[0]})`,
      };
    }
    const first = seeing.reduce((a, b) => (b.worstCaseSeconds < a.worstCaseSeconds ? b : a));
    const stackOfFirst = watchers.find((s) => (assessments.get(s) ?? []).some((a) => a.assessed && a.timing === first));
    return {
      ...base,
      value: first.worstCaseSeconds,
      status: 'info' as const,
      formula: `first page: ${first.alarmName}${stackOfFirst && stackOfFirst !== stack ? ` (${stackOfFirst.stackId})` : ''}: ${first.formula}`,
      sources: first.sources,
      notes: [
        `seen by ${seeing.map((t) => `${t.alarmName} [${t.severity}] ${t.worstCaseSeconds} s`).join(', ')}`,
        ...(mode.note ? [mode.note] : []),
      ],
      fix: `page ${mode.description} from a faster signal, or make ${first.alarmName} faster (${first.formula})`,
    };
  });
}
