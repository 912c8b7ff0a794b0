import { AlarmTiming, assessAlarm, findAlarm } from './alarms';
import { ALARM_EVENT_DELIVERY_SECONDS, CODEDEPLOY_ALARM_POLL_SECONDS } from './allowances';
import { Figure, SourceRef, StackTemplate } from './model';
import { isObject, numberValue, props, refTarget, resourcesOfType, source } from './templates';

export type TrafficShift =
  | { readonly type: 'all-at-once' }
  | { readonly type: 'canary' | 'linear'; readonly percentage: number; readonly intervalMinutes: number };

/** CodeDeploy's predefined ECS and Lambda configurations, by name. */
export const PREDEFINED_DEPLOYMENT_CONFIGS: Readonly<Record<string, TrafficShift>> = {
  'CodeDeployDefault.ECSAllAtOnce': { type: 'all-at-once' },
  'CodeDeployDefault.ECSLinear10PercentEvery1Minutes': { type: 'linear', percentage: 10, intervalMinutes: 1 },
  'CodeDeployDefault.ECSLinear10PercentEvery3Minutes': { type: 'linear', percentage: 10, intervalMinutes: 3 },
  'CodeDeployDefault.ECSCanary10Percent5Minutes': { type: 'canary', percentage: 10, intervalMinutes: 5 },
  'CodeDeployDefault.ECSCanary10Percent15Minutes': { type: 'canary', percentage: 10, intervalMinutes: 15 },
  'CodeDeployDefault.LambdaAllAtOnce': { type: 'all-at-once' },
  'CodeDeployDefault.LambdaCanary10Percent5Minutes': { type: 'canary', percentage: 10, intervalMinutes: 5 },
  'CodeDeployDefault.LambdaCanary10Percent10Minutes': { type: 'canary', percentage: 10, intervalMinutes: 10 },
  'CodeDeployDefault.LambdaCanary10Percent15Minutes': { type: 'canary', percentage: 10, intervalMinutes: 15 },
  'CodeDeployDefault.LambdaCanary10Percent30Minutes': { type: 'canary', percentage: 10, intervalMinutes: 30 },
  'CodeDeployDefault.LambdaLinear10PercentEvery1Minute': { type: 'linear', percentage: 10, intervalMinutes: 1 },
  'CodeDeployDefault.LambdaLinear10PercentEvery2Minutes': { type: 'linear', percentage: 10, intervalMinutes: 2 },
  'CodeDeployDefault.LambdaLinear10PercentEvery3Minutes': { type: 'linear', percentage: 10, intervalMinutes: 3 },
  'CodeDeployDefault.LambdaLinear10PercentEvery10Minutes': { type: 'linear', percentage: 10, intervalMinutes: 10 },
};

/**
 * Share of traffic a bad release reaches before the rest shifts, and minutes to full shift. Canary:
 * its share at once, the rest one interval later. Linear: one increment at once and one more after
 * each interval, so ceil(100 / p) increments take ceil(100 / p) - 1 intervals.
 */
export function shiftTiming(shift: TrafficShift): {
  exposedPercent: number;
  fullShiftMinutes: number;
  formula: string;
} {
  switch (shift.type) {
    case 'all-at-once':
      return { exposedPercent: 100, fullShiftMinutes: 0, formula: 'all at once: 100 % at once' };
    case 'canary':
      return {
        exposedPercent: shift.percentage,
        fullShiftMinutes: shift.intervalMinutes,
        formula: `canary: ${shift.percentage} %, the rest after ${shift.intervalMinutes} min`,
      };
    case 'linear': {
      const steps = Math.ceil(100 / shift.percentage);
      return {
        exposedPercent: shift.percentage,
        fullShiftMinutes: (steps - 1) * shift.intervalMinutes,
        formula: `linear: ${steps} increments of ${shift.percentage} %, ${steps - 1} x ${shift.intervalMinutes} min apart`,
      };
    }
  }
}

/** The traffic shift a deployment group uses, from a predefined name or its AWS::CodeDeploy::DeploymentConfig. */
export function deploymentShift(
  stack: StackTemplate,
  groupId: string,
): { shift: TrafficShift; sources: SourceRef[] } | { reason: string; sources: SourceRef[] } {
  const group = props(stack.resources[groupId]);
  const groupSource = source(stack, groupId, ['DeploymentConfigName']);
  const name = group.DeploymentConfigName;
  if (name === undefined) {
    // CodeDeploy's default for an ECS deployment group is all at once.
    const app = refTarget(group.ApplicationName);
    if (app && props(stack.resources[app] ?? { Type: '' }).ComputePlatform === 'ECS') {
      return { shift: { type: 'all-at-once' }, sources: [groupSource, source(stack, app, ['ComputePlatform'])] };
    }
    return { reason: 'DeploymentConfigName is absent and the compute platform is not ECS', sources: [groupSource] };
  }
  if (typeof name === 'string') {
    const shift = PREDEFINED_DEPLOYMENT_CONFIGS[name];
    return shift
      ? { shift, sources: [groupSource] }
      : { reason: `deployment config "${name}" is not one the report knows`, sources: [groupSource] };
  }
  const configId = refTarget(name);
  const config = configId ? stack.resources[configId] : undefined;
  if (!configId || config?.Type !== 'AWS::CodeDeploy::DeploymentConfig')
    return { reason: 'DeploymentConfigName points outside this template', sources: [groupSource] };
  const routing = props(config).TrafficRoutingConfig;
  const configSource = (properties: string[]) => source(stack, configId, properties);
  if (!isObject(routing))
    return {
      reason: `${configId} has no TrafficRoutingConfig (an EC2 deployment config)`,
      sources: [groupSource, configSource(['TrafficRoutingConfig'])],
    };
  switch (routing.Type) {
    case 'AllAtOnce':
      return { shift: { type: 'all-at-once' }, sources: [groupSource, configSource(['TrafficRoutingConfig.Type'])] };
    case 'TimeBasedCanary':
    case 'TimeBasedLinear': {
      const canary = routing.Type === 'TimeBasedCanary';
      const block = canary ? routing.TimeBasedCanary : routing.TimeBasedLinear;
      const prefix = canary ? 'Canary' : 'Linear';
      const percentage = isObject(block) ? numberValue(block[`${prefix}Percentage`]) : undefined;
      const interval = isObject(block) ? numberValue(block[`${prefix}Interval`]) : undefined;
      const read = [
        `TrafficRoutingConfig.${routing.Type}.${prefix}Percentage`,
        `TrafficRoutingConfig.${routing.Type}.${prefix}Interval`,
      ];
      if (percentage === undefined || interval === undefined)
        return {
          reason: `${configId} has no literal ${prefix} percentage and interval`,
          sources: [groupSource, configSource(read)],
        };
      return {
        shift: { type: canary ? 'canary' : 'linear', percentage, intervalMinutes: interval },
        sources: [groupSource, configSource(read)],
      };
    }
    default:
      return {
        reason: `traffic routing type ${String(routing.Type)} is not one the report knows`,
        sources: [groupSource, configSource(['TrafficRoutingConfig.Type'])],
      };
  }
}

/**
 * Deployment safety figures of every CodeDeploy deployment group: exposure, time to full shift, bake
 * time and (against the rollback target) the time from a deployment alarm's breach to rollback start.
 */
export function deploymentFigures(stack: StackTemplate): Figure[] {
  const groups = resourcesOfType(stack, 'AWS::CodeDeploy::DeploymentGroup');
  if (groups.length === 0) {
    return [
      {
        id: 'rollback',
        category: 'deployment',
        name: 'Alarm breach to rollback start',
        unit: 'seconds',
        targetKey: 'rollbackSeconds',
        status: 'not-assessed',
        sources: [],
        reason: `no AWS::CodeDeploy::DeploymentGroup in ${stack.file}`,
        fix: 'deploy the service through a CodeDeploy deployment group with alarms and auto-rollback',
      },
    ];
  }
  return groups.flatMap(([groupId]) => groupFigures(stack, groupId));
}

function groupFigures(stack: StackTemplate, groupId: string): Figure[] {
  const figures: Figure[] = [];
  const group = props(stack.resources[groupId]);
  const label = groups(stack) > 1 ? ` (${groupId})` : '';

  const shift = deploymentShift(stack, groupId);
  if ('shift' in shift) {
    const t = shiftTiming(shift.shift);
    figures.push({
      id: `exposure/${groupId}`,
      category: 'deployment',
      name: `Traffic exposed before full shift${label}`,
      value: t.exposedPercent,
      unit: 'percent',
      formula: t.formula,
      status: 'info',
      sources: shift.sources,
    });
    figures.push({
      id: `full-shift/${groupId}`,
      category: 'deployment',
      name: `Time to full shift${label}`,
      value: t.fullShiftMinutes,
      unit: 'minutes',
      formula: t.formula,
      status: 'info',
      sources: shift.sources,
      notes: ['lifecycle hooks (the smoke check before traffic) run before the first shift and are not counted'],
    });
  } else {
    for (const [id, name] of [
      ['exposure', 'Traffic exposed before full shift'],
      ['full-shift', 'Time to full shift'],
    ] as const) {
      figures.push({
        id: `${id}/${groupId}`,
        category: 'deployment',
        name: `${name}${label}`,
        unit: id === 'exposure' ? 'percent' : 'minutes',
        status: 'not-assessed',
        sources: shift.sources,
        reason: shift.reason,
        fix: 'use a predefined CodeDeploy config or an AWS::CodeDeploy::DeploymentConfig with TrafficRoutingConfig in the same template',
      });
    }
  }

  const blueGreen = group.BlueGreenDeploymentConfiguration;
  const terminate = isObject(blueGreen) ? blueGreen.TerminateBlueInstancesOnDeploymentSuccess : undefined;
  const bakePath = 'BlueGreenDeploymentConfiguration.TerminateBlueInstancesOnDeploymentSuccess';
  const bake = isObject(terminate) ? numberValue(terminate.TerminationWaitTimeInMinutes) : undefined;
  if (isObject(terminate) && terminate.Action === 'KEEP_ALIVE') {
    figures.push({
      id: `bake/${groupId}`,
      category: 'deployment',
      name: `Bake time (old task set kept)${label}`,
      unit: 'minutes',
      status: 'info',
      formula: 'KEEP_ALIVE: kept until removed by hand',
      sources: [source(stack, groupId, [`${bakePath}.Action`])],
    });
  } else if (bake !== undefined) {
    figures.push({
      id: `bake/${groupId}`,
      category: 'deployment',
      name: `Bake time (old task set kept)${label}`,
      value: bake,
      unit: 'minutes',
      status: 'info',
      formula: `TerminationWaitTimeInMinutes ${bake}`,
      sources: [source(stack, groupId, [`${bakePath}.TerminationWaitTimeInMinutes`])],
    });
  } else {
    figures.push({
      id: `bake/${groupId}`,
      category: 'deployment',
      name: `Bake time (old task set kept)${label}`,
      unit: 'minutes',
      status: 'not-assessed',
      sources: [source(stack, groupId, [bakePath])],
      reason: 'no literal TerminationWaitTimeInMinutes',
      fix: `set ${bakePath}.TerminationWaitTimeInMinutes`,
    });
  }

  figures.push(rollbackFigure(stack, groupId, label));
  return figures;
}

function groups(stack: StackTemplate): number {
  return resourcesOfType(stack, 'AWS::CodeDeploy::DeploymentGroup').length;
}

/**
 * Breach to rollback start = the slowest deployment alarm's worst-case detection + the path to the
 * rollback: the alarm's state-change event and the function that stops the deployment when the template
 * has one (eventRollback), else CodeDeploy's own alarm polling (undocumented: an assumption). Only
 * counted when a deployment in alarm really rolls back.
 */
function rollbackFigure(stack: StackTemplate, groupId: string, label: string): Figure {
  const group = props(stack.resources[groupId]);
  const base = {
    id: `rollback/${groupId}`,
    category: 'deployment' as const,
    name: `Alarm breach to rollback start${label}`,
    unit: 'seconds' as const,
    targetKey: 'rollbackSeconds' as const,
  };
  const alarmConfig = isObject(group.AlarmConfiguration) ? group.AlarmConfiguration : undefined;
  const rollback = isObject(group.AutoRollbackConfiguration) ? group.AutoRollbackConfiguration : undefined;
  const groupSource = source(stack, groupId, ['AlarmConfiguration', 'AutoRollbackConfiguration']);
  const alarms = Array.isArray(alarmConfig?.Alarms) ? alarmConfig.Alarms : [];
  if (!alarmConfig || alarmConfig.Enabled === false || alarms.length === 0) {
    return {
      ...base,
      status: 'not-assessed',
      sources: [groupSource],
      reason: 'the deployment group watches no alarms',
      fix: `add deployment alarms to ${groupId}.AlarmConfiguration`,
    };
  }
  const events = Array.isArray(rollback?.Events) ? rollback.Events : [];
  if (!rollback || rollback.Enabled === false || !events.includes('DEPLOYMENT_STOP_ON_ALARM')) {
    return {
      ...base,
      status: 'not-assessed',
      sources: [groupSource],
      reason:
        'a deployment in alarm stops but does not roll back (AutoRollbackConfiguration lacks DEPLOYMENT_STOP_ON_ALARM)',
      fix: `enable ${groupId}.AutoRollbackConfiguration with DEPLOYMENT_STOP_ON_ALARM`,
    };
  }
  const timings: AlarmTiming[] = [];
  for (const [i, entry] of alarms.entries()) {
    const alarmId = findAlarm(stack, isObject(entry) ? entry.Name : undefined);
    if (!alarmId)
      return {
        ...base,
        status: 'not-assessed',
        sources: [source(stack, groupId, [`AlarmConfiguration.Alarms[${i}].Name`])],
        reason: `deployment alarm ${i} is not an alarm of ${stack.file}`,
        fix: 'gate deployments on alarms defined in the same stack',
      };
    const assessed = assessAlarm(stack, alarmId);
    if (!assessed.assessed)
      return {
        ...base,
        status: 'not-assessed',
        sources: [groupSource, ...assessed.sources],
        reason: `deployment alarm ${alarmId}: ${assessed.reason}`,
        fix: assessed.fix,
      };
    timings.push(assessed.timing);
  }
  const slowest = timings.reduce((a, b) => (b.worstCaseSeconds > a.worstCaseSeconds ? b : a));
  const onEvent = eventRollback(
    stack,
    groupId,
    timings.map((t) => t.logicalId),
  );
  const path = onEvent
    ? {
        seconds: ALARM_EVENT_DELIVERY_SECONDS + onEvent.timeoutSeconds,
        text: `${ALARM_EVENT_DELIVERY_SECONDS} s alarm event delivery + ${onEvent.timeoutSeconds} s ${onEvent.functionId} timeout (StopDeployment with auto-rollback)`,
      }
    : {
        seconds: CODEDEPLOY_ALARM_POLL_SECONDS,
        text: `${CODEDEPLOY_ALARM_POLL_SECONDS} s CodeDeploy alarm polling (assumption)`,
      };
  const value = slowest.worstCaseSeconds + path.seconds;
  return {
    ...base,
    value,
    status: 'info',
    formula: `slowest deployment alarm ${slowest.logicalId} (${slowest.formula}) + ${path.text} = ${value} s`,
    // The group and the slowest alarm are what to change; the other alarms are listed in the notes.
    sources: [
      source(stack, groupId, ['AlarmConfiguration.Alarms', 'AutoRollbackConfiguration.Events']),
      ...slowest.sources,
      ...(onEvent?.sources ?? []),
    ],
    notes: [
      `${timings.length} deployment alarm(s): ${timings.map((t) => `${t.logicalId} ${t.worstCaseSeconds} s`).join(', ')}`,
    ],
    fix: `gate deployments only on alarms that detect within the target (high-resolution signals), and roll back on the alarm's state-change event; slowest now: ${slowest.logicalId} (${slowest.alarmName})`,
  };
}

/**
 * An EventBridge rule on "CloudWatch Alarm State Change" to ALARM of every given alarm, whose Lambda target
 * stops this group's deployment with auto-rollback (its DEPLOYMENT_GROUP_NAME is a Ref to the group). The
 * function's Timeout bounds one successful invocation.
 */
export function eventRollback(
  stack: StackTemplate,
  groupId: string,
  alarmIds: readonly string[],
): { functionId: string; timeoutSeconds: number; sources: SourceRef[] } | undefined {
  for (const [ruleId, rule] of resourcesOfType(stack, 'AWS::Events::Rule')) {
    const r = props(rule);
    const pattern = isObject(r.EventPattern) ? r.EventPattern : undefined;
    if (!pattern || r.State === 'DISABLED' || !Array.isArray(r.Targets)) continue;
    const detailType = pattern['detail-type'];
    if (!Array.isArray(pattern.source) || !pattern.source.includes('aws.cloudwatch')) continue;
    if (!Array.isArray(detailType) || !detailType.includes('CloudWatch Alarm State Change')) continue;
    const detail = isObject(pattern.detail) ? pattern.detail : {};
    const state = isObject(detail.state) ? detail.state.value : undefined;
    if (!Array.isArray(state) || !state.includes('ALARM')) continue;
    const names = Array.isArray(detail.alarmName) ? detail.alarmName : [];
    const covered = (alarmId: string) =>
      names.some(
        (n) => refTarget(n) === alarmId || (typeof n === 'string' && n === props(stack.resources[alarmId]).AlarmName),
      );
    if (!alarmIds.every(covered)) continue;
    for (const target of r.Targets.filter(isObject)) {
      const fnId = refTarget(target.Arn);
      const fn = fnId ? stack.resources[fnId] : undefined;
      if (!fnId || fn?.Type !== 'AWS::Lambda::Function') continue;
      const env = isObject(props(fn).Environment)
        ? (props(fn).Environment as Record<string, unknown>).Variables
        : undefined;
      if (!isObject(env) || refTarget(env.DEPLOYMENT_GROUP_NAME) !== groupId) continue;
      return {
        functionId: fnId,
        timeoutSeconds: numberValue(props(fn).Timeout) ?? 3,
        sources: [
          source(stack, ruleId, ['EventPattern', 'Targets']),
          source(stack, fnId, ['Timeout', 'Environment.Variables.DEPLOYMENT_GROUP_NAME']),
        ],
      };
    }
  }
  return undefined;
}
