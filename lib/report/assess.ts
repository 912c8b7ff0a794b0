import { ResolvedConfig } from '../../config/validate';
import { ResilienceTargets, TIER_CEILINGS, Tier } from '../../config/tiers';
import { AlarmAssessment, assessAlarms } from './alarms';
import { deploymentFigures } from './deployment';
import { dnsFailovers } from './dns';
import { failureModeFigures } from './failure-modes';
import {
  EnvironmentReport,
  Figure,
  Headline,
  Miss,
  ResilienceReport,
  StackTemplate,
  TARGET_LABELS,
  TARGET_ORDER,
} from './model';
import { DataStore, dataStores, rpoFigures, rtoFigure, standbyShape, unmodelledStoreFigures } from './recovery';

export interface ReportInputs {
  readonly stacks: readonly StackTemplate[];
  readonly config: ResolvedConfig;
  readonly cdkOut: string;
  readonly configPath: string;
  /** Stacks of the assembly that are not environments (no environment tag). */
  readonly skipped?: readonly string[];
}

/** Every figure of every environment, compared with its targets. Pure: templates and config in, report out. */
export function buildReport(inputs: ReportInputs): ResilienceReport {
  const { config } = inputs;
  const warnings: string[] = [];
  // Environments are the config's, plus standbys; other tagged stacks (the pipeline's tooling) are not judged.
  const isEnvironment = (s: StackTemplate) =>
    s.standbyFor !== undefined || config.environments.some((e) => e.name === s.environment);
  const stacks = inputs.stacks.filter(isEnvironment);
  for (const s of inputs.stacks.filter((x) => !isEnvironment(x)))
    warnings.push(
      `${s.stackId}: its environment tag "${s.environment}" is not an environment of ${inputs.configPath}; not assessed`,
    );
  const dns = dnsFailovers(inputs.stacks);
  const assessments = new Map<StackTemplate, AlarmAssessment[]>(inputs.stacks.map((s) => [s, assessAlarms(s)]));
  const storesByStack = new Map<StackTemplate, DataStore[]>();
  const excludedByStack = new Map<StackTemplate, { logicalId: string; reason: string }[]>();
  for (const stack of stacks) {
    const { stores, excluded } = dataStores(stack, inputs.stacks);
    storesByStack.set(stack, stores);
    excludedByStack.set(stack, excluded);
  }

  // Config order (Dev, Staging, Prod), each standby right after the environment it stands by for.
  const rank = (s: StackTemplate) => {
    const i = config.environments.findIndex((e) => e.name === (s.standbyFor ?? s.environment));
    return (i < 0 ? config.environments.length : i) * 2 + (s.standbyFor ? 1 : 0);
  };
  const ordered = [...stacks].sort((a, b) => rank(a) - rank(b));
  const environments: EnvironmentReport[] = ordered.map((stack) => {
    const targetsFrom = stack.standbyFor ?? stack.environment;
    const envConfig = config.environments.find((e) => e.name === targetsFrom);
    let targets: ResilienceTargets;
    if (envConfig) targets = envConfig.targets;
    else {
      const tier = (stack.tier ?? 1) as Tier;
      targets = TIER_CEILINGS[tier] ?? TIER_CEILINGS[1];
      warnings.push(
        `${stack.stackId}: no environment "${targetsFrom}" in ${inputs.configPath}; judged against the tier-${tier} ceilings`,
      );
    }

    const primary = stack.standbyFor ? stacks.find((s) => s.environment === stack.standbyFor && !s.standbyFor) : stack;
    const standby = stack.standbyFor ? stack : stacks.find((s) => s.standbyFor === stack.environment);
    const figures: Figure[] = [
      ...failureModeFigures(stack, stacks, assessments),
      ...detectionFigures(assessments.get(stack) ?? []),
      ...deploymentFigures(stack),
      ...dnsFigures(stack, dns),
      ...(stack.standbyFor
        ? primary
          ? rpoFigures(storesByStack.get(primary) ?? [], stack.environment, ['regional'])
          : []
        : rpoFigures(storesByStack.get(stack) ?? [], stack.environment)),
      ...unmodelledStoreFigures(stack),
    ];
    if (!figures.some((f) => f.category === 'rpo')) {
      figures.push({
        id: 'rpo',
        category: 'rpo',
        name: 'RPO',
        unit: 'minutes',
        targetKey: 'rpoMinutes',
        status: 'not-assessed',
        sources: [],
        reason: stack.standbyFor
          ? `no data store of ${stack.standbyFor} to copy`
          : `no data store (database or bucket) in ${stack.file}`,
        fix: 'add the data stores and their backups',
      });
    }
    if (primary) {
      const shape = standby
        ? standbyShape(primary, standby, inputs.stacks, storesByStack.get(primary) ?? [])
        : undefined;
      const pair = dns.find(
        (d) => d.primaryEnvironment === primary.environment && d.secondaryEnvironment === standby?.environment,
      );
      const rto = rtoFigure(primary, standby, shape, pair);
      // The mode comes from the templates; say so when the config promises another one.
      const promised = config.environments.find((e) => e.name === primary.environment)?.dr?.standbyMode;
      const derived = rto.name.match(/\((warm standby|pilot light|mixed standby)\)$/)?.[1];
      const mismatch =
        promised && derived && derived !== promised.replace('-', ' ')
          ? [
              `${primary.environment}.dr.standbyMode is "${promised}" in the config, but the templates deploy a ${derived}${shape?.data?.part === 'restore-from-backup' ? ' (no global database secondary in the DR stack: the data comes back from a backup copy)' : ''}`,
            ]
          : [];
      figures.push(mismatch.length ? { ...rto, notes: [...(rto.notes ?? []), ...mismatch] } : rto);
    }

    const acknowledged = envConfig?.acknowledgeNotAssessed ?? {};
    const compared = figures.map((f) => compare(f, targets, acknowledged));
    return {
      name: stack.environment,
      stackId: stack.stackId,
      template: stack.file,
      tier: stack.tier,
      targetsFrom,
      targets,
      headlines: TARGET_ORDER.flatMap((key) => {
        const target = targets[key];
        return target === undefined ? [] : [headline(key, target, compared)];
      }),
      figures: compared,
      excluded: excludedByStack.get(stack) ?? [],
    };
  });

  for (const env of config.environments) {
    if (!stacks.some((s) => s.environment === env.name))
      warnings.push(
        `${env.name} is in ${inputs.configPath} but has no stack in ${inputs.cdkOut}; run \`npx cdk synth\``,
      );
  }
  for (const id of inputs.skipped ?? []) warnings.push(`${id}: no environment tag, not an environment (not assessed)`);

  const misses: Miss[] = environments.flatMap((env) =>
    env.figures
      .filter((f) => f.status === 'missed')
      .map((f) => ({
        environment: env.name,
        figure: f.name,
        value: f.value,
        target: f.target,
        unit: f.unit,
        targetKey: f.targetKey,
        resources: [...new Set(f.sources.map((s) => `${s.template}#${s.logicalId}`))],
        fix:
          f.value === undefined
            ? `${f.reason ?? 'not assessed'}; ${f.fix ?? ''} (or acknowledge ${f.id} in ${env.name}.acknowledgeNotAssessed with a reason)`
            : (f.fix ?? "see the figure's sources"),
      })),
  );
  return { cdkOut: inputs.cdkOut, config: inputs.configPath, environments, misses, warnings };
}

/**
 * One info figure per alarm: its own worst case. The detection target is judged per failure mode (time to
 * the first page of its severity, failure-modes.ts); a P1 alarm slower than that still shows here.
 */
function detectionFigures(assessments: readonly AlarmAssessment[]): Figure[] {
  return assessments.map((a): Figure => {
    const severity = a.assessed ? a.timing.severity : a.severity;
    const name = `Detection: [${severity ?? 'no severity'}] ${a.assessed ? a.timing.alarmName : a.alarmName}`;
    const id = `detection/${a.assessed ? a.timing.logicalId : a.logicalId}`;
    if (!a.assessed)
      return {
        id,
        category: 'detection',
        name,
        unit: 'seconds',
        status: 'not-assessed',
        sources: a.sources,
        reason: a.reason,
        fix: a.fix,
      };
    const t = a.timing;
    return {
      id,
      category: 'detection',
      name,
      value: t.worstCaseSeconds,
      unit: 'seconds',
      formula: t.formula,
      status: 'info',
      sources: t.sources,
      notes: [...(t.summary ? [t.summary] : []), ...t.notes],
      fix: `shorten Period (${t.periodSeconds} s) or DatapointsToAlarm (${t.datapointsToAlarm}) of ${t.logicalId}, or alarm on a high-resolution signal`,
    };
  });
}

function dnsFigures(stack: StackTemplate, dns: ReturnType<typeof dnsFailovers>): Figure[] {
  const mine = dns.filter(
    (d) => d.primaryEnvironment === stack.environment || d.secondaryEnvironment === stack.environment,
  );
  if (mine.length === 0) {
    return [
      {
        id: 'dns',
        category: 'dns',
        name: 'DNS failover worst case',
        unit: 'seconds',
        status: 'not-assessed',
        sources: [],
        reason: 'no failover record with a health check serves this environment',
        fix: 'only environments with a DR standby have failover records',
      },
    ];
  }
  return mine.map((d) => ({
    id: `dns/${d.recordName}`,
    category: 'dns',
    name: `DNS failover worst case (${d.recordName})`,
    unit: 'seconds',
    sources: d.sources,
    targetKey: 'dnsFailoverSeconds',
    ...(d.seconds === undefined
      ? { status: 'not-assessed' as const, reason: d.reason, fix: d.fix }
      : {
          status: 'info' as const,
          value: d.seconds,
          formula: d.formula,
          fix:
            d.fix ??
            "shorten the primary health check (RequestInterval 10, lower FailureThreshold) or the record's TTL (a record whose TTL you set instead of an alias)",
        }),
  }));
}

/**
 * A figure with a target and a value is met when it does not exceed the target. One with a target and no
 * value fails the report unless the environment acknowledges it (`acknowledgeNotAssessed`: its id, or the
 * id's prefix before a `/`). A target the environment does not set (dnsFailoverSeconds) judges nothing.
 */
function compare(figure: Figure, targets: ResilienceTargets, acknowledged: Readonly<Record<string, string>>): Figure {
  const ack = acknowledged[figure.id] ?? acknowledged[figure.id.split('/')[0]];
  // A failure mode no alarm of its severity sees is a miss even without a time target (P2 and below).
  if (!figure.targetKey && figure.category === 'failure-mode' && figure.value === undefined) {
    return ack ? { ...figure, acknowledged: ack } : { ...figure, status: 'missed' };
  }
  if (!figure.targetKey) return figure;
  const target = targets[figure.targetKey];
  if (target === undefined) {
    const { targetKey: _unjudged, ...rest } = figure;
    return rest;
  }
  if (figure.value === undefined) {
    return ack
      ? { ...figure, target, status: 'not-assessed', acknowledged: ack }
      : { ...figure, target, status: 'missed' };
  }
  return { ...figure, target, status: figure.value <= target ? 'met' : 'missed' };
}

function headline(key: keyof ResilienceTargets, target: number, figures: readonly Figure[]): Headline {
  const mine = figures.filter((f) => f.targetKey === key);
  const assessed = mine.filter((f) => f.value !== undefined);
  const worst = assessed.reduce<Figure | undefined>((a, b) => (!a || b.value! > a.value! ? b : a), undefined);
  return {
    targetKey: key,
    label: TARGET_LABELS[key].label,
    unit: TARGET_LABELS[key].unit,
    target,
    value: worst?.value,
    status: mine.some((f) => f.status === 'missed') ? 'missed' : worst ? 'met' : 'not-assessed',
    figureId: worst?.id,
    notAssessed: mine.length - assessed.length,
  };
}
