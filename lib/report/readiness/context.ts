import { EnvironmentConfig, ResolvedConfig } from '../../../config/validate';
import { ALARM_DESCRIPTION_PATTERN } from '../../monitoring/alarm-spec';
import { Naming } from '../../common/naming';
import { CfnResource, EnvironmentReport, StackTemplate } from '../model';
import { props, resourcesOfType } from '../templates';
import { CheckStatus, ParityOutcome, ReadinessCategory } from './model';

/** What a check reads about one environment: its templates, its config, and the resilience report's figures. */
export interface ReadinessContext {
  readonly config: ResolvedConfig;
  readonly env: EnvironmentConfig;
  /** Position in the config (0: deployed first by the pipeline). */
  readonly index: number;
  readonly naming: Naming;
  readonly stack: StackTemplate;
  /** The DR stack standing by for this environment (tag `standby-for`), if any. */
  readonly standby?: StackTemplate;
  /** The pipeline's template (the stack `Pipeline`), if the assembly has it. */
  readonly pipeline?: StackTemplate;
  /** Every stack of the assembly, for references across stacks. */
  readonly stacks: readonly StackTemplate[];
  /** The resilience report of this environment (its figures and headlines). */
  readonly resilience?: EnvironmentReport;
  /** A runbook's Markdown by id (`runbooks/<id>.md`), undefined when there is none. */
  readonly runbook: (id: string) => string | undefined;
  readonly parity: ParityOutcome;
  /** True for the environment whose no-go fails the report. */
  readonly gates: boolean;
}

/** What a check returns; the catalogue adds its id, category, weight and title. */
export interface Verdict {
  readonly status: CheckStatus;
  readonly resources: readonly string[];
  readonly why: string;
}

export interface ReadinessCheck {
  readonly id: string;
  readonly category: ReadinessCategory;
  readonly weight: 1 | 2 | 3;
  readonly title: string;
  evaluate(context: ReadinessContext): Verdict;
}

export function pass(resources: readonly string[], why: string): Verdict {
  return { status: 'pass', resources, why };
}

export function fail(resources: readonly string[], why: string): Verdict {
  return { status: 'fail', resources, why };
}

export function notApplicable(why: string): Verdict {
  return { status: 'not-applicable', resources: [], why };
}

/** `Prod.template.json#DatabaseCluster5B53A178`: how a check names what it judged. */
export function ref(stack: StackTemplate, logicalId: string): string {
  return `${stack.file}#${logicalId}`;
}

/**
 * One verdict over many items: passes when every item passes (and there is at least one, unless `noneMeans`
 * says what an empty set means). A failure names only the failing items, each with its problem.
 */
export function everyItem(
  items: readonly { readonly resource: string; readonly problem?: string }[],
  what: string,
  noneMeans: 'fail' | 'pass' = 'fail',
): Verdict {
  if (items.length === 0)
    return noneMeans === 'pass' ? pass([], `no ${what}: nothing to judge`) : fail([], `no ${what} found`);
  const failing = items.filter((i) => i.problem !== undefined);
  if (failing.length === 0)
    return pass(
      items.map((i) => i.resource),
      `all ${items.length} ${what} pass`,
    );
  return fail(
    failing.map((i) => i.resource),
    `${failing.length} of ${items.length} ${what} fail: ${failing.map((i) => `${i.resource} ${i.problem}`).join('; ')}`,
  );
}

export interface AlarmInfo {
  readonly stack: StackTemplate;
  readonly logicalId: string;
  readonly resource: CfnResource;
  readonly severity?: string;
  readonly runbookBase?: string;
  readonly runbookId?: string;
  readonly description?: string;
}

/** Every metric and composite alarm of a stack, with the severity and runbook its description carries. */
export function alarmsOf(stack: StackTemplate): AlarmInfo[] {
  return [
    ...resourcesOfType(stack, 'AWS::CloudWatch::Alarm'),
    ...resourcesOfType(stack, 'AWS::CloudWatch::CompositeAlarm'),
  ].map(([logicalId, resource]) => {
    const description = props(resource).AlarmDescription;
    const match = typeof description === 'string' ? ALARM_DESCRIPTION_PATTERN.exec(description) : null;
    const severity = typeof description === 'string' ? /^\[(P[1-4])\] /.exec(description)?.[1] : undefined;
    return {
      stack,
      logicalId,
      resource,
      severity,
      runbookBase: match?.[3],
      runbookId: match?.[4],
      description: typeof description === 'string' ? description : undefined,
    };
  });
}

/** The (single) resource of a type the check expects, or undefined. */
export function first(stack: StackTemplate, type: string): [string, CfnResource] | undefined {
  return resourcesOfType(stack, type)[0];
}
