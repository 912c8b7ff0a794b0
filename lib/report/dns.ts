import { DRILL_HEALTH_CHECK_TAG } from '../dr/failover-record';
import { PLAN_HEALTH_CHECK_ATTRIBUTE, PLAN_HEALTH_CHECKS_TYPE } from '../dr/plan-health-checks';
import { assessAlarm } from './alarms';
import {
  ALB_ALIAS_TTL_SECONDS,
  REGION_SWITCH_DEFAULT_STEP_TIMEOUT_MINUTES,
  REGION_SWITCH_TRIGGER_START_SECONDS,
  ROUTE53_DEFAULT_FAILURE_THRESHOLD,
  ROUTE53_DEFAULT_REQUEST_INTERVAL_SECONDS,
  ROUTE53_HTTP_CONNECT_TIMEOUT_SECONDS,
  ROUTE53_HTTP_FIRST_BYTE_TIMEOUT_SECONDS,
  ROUTE53_TCP_CONNECT_TIMEOUT_SECONDS,
} from './allowances';
import { CfnResource, SourceRef, StackTemplate } from './model';
import { isObject, numberValue, props, refTarget, referencedIds, resolveCrossStack, source } from './templates';

export interface FailoverRecord {
  readonly stack: StackTemplate;
  readonly logicalId: string;
  /** Path of the record inside its resource: '' for a RecordSet, `RecordSets[i].` in a RecordSetGroup. */
  readonly path: string;
  readonly name: string;
  readonly role: 'PRIMARY' | 'SECONDARY';
  readonly record: Record<string, unknown>;
}

/**
 * How a record pair that follows the Region switch plan's health checks moves: only when the plan's failover
 * workflow reaches its Route53HealthCheck step. Each part in seconds, worst case.
 */
export interface PlanDrivenDns {
  /** The slowest trigger alarm's worst-case detection (assessAlarm), or undefined when no trigger starts the plan. */
  readonly detectionSeconds: number;
  /** From the trigger alarm in ALARM to the execution starting (assumption: AWS publishes no figure). */
  readonly triggerSeconds: number;
  /** The workflow's steps before the DNS step, each at its timeout (a Parallel step at its slowest child). */
  readonly beforeDnsSeconds: number;
  /** The DNS step at its timeout, then the record's TTL: the DNS failover figure itself. */
  readonly dnsStepSeconds: number;
  readonly ttlSeconds: number;
  /** The whole chain from the failure to resolvers answering the standby: the regional RTO's (recovery.ts). */
  readonly chainSeconds: number;
  readonly chainFormula: string;
}

export interface DnsFailover {
  readonly recordName: string;
  /** The environment of the PRIMARY record (whose users fail over) and of the SECONDARY. */
  readonly primaryEnvironment: string;
  readonly secondaryEnvironment?: string;
  readonly seconds?: number;
  readonly formula?: string;
  readonly reason?: string;
  readonly fix?: string;
  readonly sources: readonly SourceRef[];
  /** Set when the pair follows the Region switch plan's health checks (the live pair since issue 15). */
  readonly plan?: PlanDrivenDns;
}

/** Every failover record (RecordSet, or inside a RecordSetGroup) of the assembly. */
export function failoverRecords(stacks: readonly StackTemplate[]): FailoverRecord[] {
  const out: FailoverRecord[] = [];
  for (const stack of stacks) {
    for (const [logicalId, resource] of Object.entries(stack.resources)) {
      const add = (record: Record<string, unknown>, path: string) => {
        if (record.Failover === 'PRIMARY' || record.Failover === 'SECONDARY') {
          out.push({ stack, logicalId, path, name: recordName(record.Name), role: record.Failover, record });
        }
      };
      if (resource.Type === 'AWS::Route53::RecordSet') add(props(resource), '');
      if (resource.Type === 'AWS::Route53::RecordSetGroup' && Array.isArray(props(resource).RecordSets)) {
        (props(resource).RecordSets as unknown[]).forEach((r, i) => isObject(r) && add(r, `RecordSets[${i}].`));
      }
    }
  }
  return out;
}

function recordName(name: unknown): string {
  return typeof name === 'string' ? name.replace(/\.$/, '') : JSON.stringify(name);
}

/**
 * Worst case from the primary failing to resolvers getting the secondary: the primary's health check
 * needs FailureThreshold consecutive failed checks, each ending at its timeout and RequestInterval apart
 * from the next, then resolvers may serve
 * the cached primary answer for the record's TTL (an alias to an ALB answers with 60 s). Only pairs
 * users resolve: a pair whose primary health check carries the drill tag exists for the DR drill
 * alone (drill.<domain>) and is left out, so the figure is always the live record's.
 */
export function dnsFailovers(stacks: readonly StackTemplate[]): DnsFailover[] {
  const records = failoverRecords(stacks);
  return records
    .filter((r) => r.role === 'PRIMARY' && !isDrillPair(r, stacks))
    .map((primary) => {
      const secondary = records.find((r) => r.role === 'SECONDARY' && r.name === primary.name);
      const base = {
        recordName: primary.name,
        primaryEnvironment: primary.stack.environment,
        secondaryEnvironment: secondary?.stack.environment,
      };
      const recordSource = (properties: string[]) =>
        source(
          primary.stack,
          primary.logicalId,
          properties.map((p) => primary.path + p),
        );
      if (!secondary) {
        return {
          ...base,
          sources: [recordSource(['Failover', 'Name'])],
          reason: `no SECONDARY record named ${primary.name} in the assembly`,
          fix: 'add the secondary failover record in the DR stack',
        };
      }

      const check = healthCheckOf(primary, stacks);
      if (check.id && check.resource?.Type === PLAN_HEALTH_CHECKS_TYPE) {
        return planDrivenFailover(primary, secondary, { stack: check.stack, id: check.id }, stacks, base);
      }
      const healthCheck = resolveHealthCheck(primary, stacks);
      if ('reason' in healthCheck)
        return {
          ...base,
          sources: [recordSource(['HealthCheckId'])],
          reason: healthCheck.reason,
          fix: healthCheck.fix,
        };
      const ttl = effectiveTtl(primary, stacks);
      if ('reason' in ttl)
        return { ...base, sources: [recordSource(['TTL', 'AliasTarget'])], reason: ttl.reason, fix: ttl.fix };

      // A blackholed endpoint (what a regional outage looks like) fails each check only at the timeout,
      // and the next request waits RequestInterval after that (allowances.ts, Route 53 sources).
      const perCheck = healthCheck.interval + healthCheck.timeout;
      const seconds = healthCheck.threshold * perCheck + ttl.seconds;
      return {
        ...base,
        seconds,
        formula: `${healthCheck.threshold} failures x (${healthCheck.interval} s interval + ${healthCheck.timeout} s ${healthCheck.timeoutWhy}) + ${ttl.seconds} s TTL (${ttl.why}) = ${seconds} s`,
        sources: [
          recordSource([ttl.property, 'HealthCheckId']),
          healthCheck.source,
          source(secondary.stack, secondary.logicalId, [`${secondary.path}Failover`]),
        ],
      };
    });
}

/** The health check a record names, in its own stack or another (through Fn::GetStackOutput). */
function healthCheckOf(
  record: FailoverRecord,
  stacks: readonly StackTemplate[],
): { stack: StackTemplate; id?: string; resource?: CfnResource } {
  let stack = record.stack;
  let id = refTarget(record.record.HealthCheckId);
  if (!id) {
    const cross = resolveCrossStack(record.record.HealthCheckId, stacks);
    if (cross) ({ stack, logicalId: id } = cross);
  }
  return { stack, id, resource: id ? stack.resources[id] : undefined };
}

/** A pair that only the DR drill fails over: its primary health check carries the drill tag. */
function isDrillPair(primary: FailoverRecord, stacks: readonly StackTemplate[]): boolean {
  if (primary.record.HealthCheckId === undefined) return false;
  const { resource } = healthCheckOf(primary, stacks);
  const tags = resource?.Type === 'AWS::Route53::HealthCheck' ? props(resource).HealthCheckTags : undefined;
  const { key, value } = DRILL_HEALTH_CHECK_TAG;
  const isDrillTag = (t: unknown) => isObject(t) && t.Key === key && t.Value === value;
  return Array.isArray(tags) && tags.some(isDrillTag);
}

function resolveHealthCheck(
  primary: FailoverRecord,
  stacks: readonly StackTemplate[],
):
  | { interval: number; threshold: number; timeout: number; timeoutWhy: string; source: SourceRef }
  | { reason: string; fix: string } {
  const ref = primary.record.HealthCheckId;
  if (ref === undefined) {
    return {
      reason: `the PRIMARY record ${primary.name} has no health check (alias target health alone is not modelled)`,
      fix: `give ${primary.logicalId} a HealthCheckId (an AWS::Route53::HealthCheck)`,
    };
  }
  const { stack, id, resource } = healthCheckOf(primary, stacks);
  if (!id || resource?.Type !== 'AWS::Route53::HealthCheck') {
    return {
      reason: `HealthCheckId of ${primary.logicalId} does not resolve to an AWS::Route53::HealthCheck in the assembly`,
      fix: 'define the health check in a stack of this app',
    };
  }
  const config = props(resource).HealthCheckConfig;
  const c = isObject(config) ? config : {};
  if (c.Type === 'CALCULATED' || c.Type === 'CLOUDWATCH_METRIC') {
    return {
      reason: `health check ${id} is ${String(c.Type)}, whose timing depends on other checks or alarms`,
      fix: 'assess the child checks or alarm directly',
    };
  }
  const interval =
    c.RequestInterval === undefined ? ROUTE53_DEFAULT_REQUEST_INTERVAL_SECONDS : numberValue(c.RequestInterval);
  const threshold =
    c.FailureThreshold === undefined ? ROUTE53_DEFAULT_FAILURE_THRESHOLD : numberValue(c.FailureThreshold);
  if (interval === undefined || threshold === undefined)
    return {
      reason: `health check ${id} has no literal RequestInterval/FailureThreshold`,
      fix: 'write them as numbers',
    };
  const tcp = c.Type === 'TCP';
  const timeout = tcp
    ? ROUTE53_TCP_CONNECT_TIMEOUT_SECONDS
    : ROUTE53_HTTP_CONNECT_TIMEOUT_SECONDS + ROUTE53_HTTP_FIRST_BYTE_TIMEOUT_SECONDS;
  const timeoutWhy = tcp
    ? 'TCP connect timeout'
    : `${ROUTE53_HTTP_CONNECT_TIMEOUT_SECONDS} s connect + ${ROUTE53_HTTP_FIRST_BYTE_TIMEOUT_SECONDS} s first-byte timeouts`;
  return {
    interval,
    threshold,
    timeout,
    timeoutWhy,
    source: source(stack, id, [
      'HealthCheckConfig.Type',
      'HealthCheckConfig.RequestInterval',
      'HealthCheckConfig.FailureThreshold',
    ]),
  };
}

function effectiveTtl(
  record: FailoverRecord,
  stacks: readonly StackTemplate[],
): { seconds: number; why: string; property: string } | { reason: string; fix: string } {
  const alias = record.record.AliasTarget;
  if (isObject(alias)) {
    // CDK writes an ALB alias as Fn::Join ["dualstack.", GetAtt <Alb>.DNSName]; another stack's ALB comes through an output.
    const cross = resolveCrossStack(alias.DNSName, stacks);
    const pointsAtAlb = cross
      ? cross.stack.resources[cross.logicalId]?.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer'
      : [...referencedIds(alias.DNSName)].some(
          (id) => record.stack.resources[id]?.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer',
        );
    const literal = typeof alias.DNSName === 'string' ? alias.DNSName : '';
    if (pointsAtAlb || /\.elb\.amazonaws\.com\.?$/.test(literal)) {
      return { seconds: ALB_ALIAS_TTL_SECONDS, why: 'alias to a load balancer', property: 'AliasTarget.DNSName' };
    }
    return {
      reason: `alias target of ${record.logicalId} is not a load balancer; its TTL is the target's and unknown here`,
      fix: 'point the failover alias at the ALB, or use a record with a TTL',
    };
  }
  const ttl = numberValue(record.record.TTL);
  if (ttl === undefined)
    return { reason: `${record.logicalId} has neither an alias nor a literal TTL`, fix: 'set TTL on the record' };
  return { seconds: ttl, why: 'record TTL', property: 'TTL' };
}

type Base = Pick<DnsFailover, 'recordName' | 'primaryEnvironment' | 'secondaryEnvironment'>;
type Step = Record<string, unknown>;

/**
 * The live pair since issue 15: its records carry the Region switch plan's health checks (Custom::PlanHealthChecks),
 * whose state the plan changes only in its Route53HealthCheck step ("When you execute your Region switch plan, the
 * Route 53 health check state is updated, and traffic is redirected based on your DNS configuration":
 * https://docs.aws.amazon.com/r53recovery/latest/dg/route53-health-check-block.html). Prod's endpoint failing moves
 * nothing by itself. The DNS failover figure is what DNS itself takes once the plan moves it: from the plan's
 * Route 53 step starting to resolvers answering the standby, the DNS step at its timeout + the record's TTL. The
 * chain from the failure is the regional RTO's (recovery.ts reads `plan.chainSeconds`):
 *
 *   slowest trigger alarm's detection + trigger start (assumption) + every step before the DNS step at its timeout
 *   (a Parallel step at its slowest child) + the DNS step at its timeout + the record's TTL.
 *
 * Timeouts are bounds, not durations: AWS documents no duration for a block, so the report uses the bound after
 * which the execution stops on the step. A manual approval step counts at its timeout, the longest a person may
 * take. Without a trigger for the failover, a person must notice and start the plan: not assessed.
 */
function planDrivenFailover(
  primary: FailoverRecord,
  secondary: FailoverRecord,
  pick: { stack: StackTemplate; id: string },
  stacks: readonly StackTemplate[],
  base: Base,
): DnsFailover {
  const pickProps = props(pick.stack.resources[pick.id]);
  const pickSource = source(pick.stack, pick.id, ['PlanHealthChecks', 'PrimaryRegion', 'SecondaryRegion']);
  const recordSource = source(primary.stack, primary.logicalId, [`${primary.path}HealthCheckId`]);
  const fail = (reason: string, fix: string, sources: SourceRef[] = []): DnsFailover => ({
    ...base,
    sources: [recordSource, pickSource, ...sources],
    reason,
    fix,
  });
  const wrongAttribute = [
    [primary, PLAN_HEALTH_CHECK_ATTRIBUTE.PRIMARY],
    [secondary, PLAN_HEALTH_CHECK_ATTRIBUTE.SECONDARY],
  ].find(([record, wanted]) => {
    const attribute = healthCheckAttribute(record as FailoverRecord, stacks);
    return attribute !== undefined && attribute !== wanted;
  });
  if (wrongAttribute) {
    const [record, wanted] = wrongAttribute as [FailoverRecord, string];
    return fail(
      `the ${record.role} record ${record.logicalId} does not carry the plan's ${wanted}: DNS would move the wrong way`,
      `give ${record.logicalId} the ${wanted} attribute of ${pick.id}`,
    );
  }
  const planId = refTarget(pickProps.PlanHealthChecks);
  const plan = planId ? pick.stack.resources[planId] : undefined;
  if (!planId || plan?.Type !== 'AWS::ARCRegionSwitch::Plan') {
    return fail(
      `${pick.id}.PlanHealthChecks does not name an AWS::ARCRegionSwitch::Plan in ${pick.stack.stackId}`,
      "pass the plan's Fn::GetAtt PlanHealthChecks",
    );
  }
  const planSource = (properties: string[]) => source(pick.stack, planId, properties);
  const target = pickProps.SecondaryRegion;
  const planProps = props(plan);
  const workflows = Array.isArray(planProps.Workflows) ? planProps.Workflows.filter(isObject) : [];
  const wi = workflows.findIndex((w) => w.WorkflowTargetAction === 'activate' && w.WorkflowTargetRegion === target);
  if (wi < 0) {
    return fail(`plan ${planId} has no workflow that activates ${String(target)}`, `add the failover workflow`, [
      planSource(['Workflows']),
    ]);
  }
  const steps = Array.isArray(workflows[wi].Steps) ? workflows[wi].Steps.filter(isObject) : [];
  const dnsIndex = steps.findIndex((step) => isDnsStepFor(step, pickProps));
  if (dnsIndex < 0) {
    return fail(
      `the ${String(target)} workflow of plan ${planId} has no Route53HealthCheck step for ${primary.name}: ` +
        'the records would never move',
      'add the Route53HealthCheck step for this hosted zone and record name',
      [planSource([`Workflows[${wi}].Steps`])],
    );
  }
  const triggerAlarms = triggerAlarmsOf(planProps, target, pick.stack);
  if ('reason' in triggerAlarms) return fail(triggerAlarms.reason, triggerAlarms.fix, [planSource(['Triggers'])]);
  const ttl = effectiveTtl(primary, stacks);
  if ('reason' in ttl) return fail(ttl.reason, ttl.fix);

  const detections = triggerAlarms.map((id) => ({ id, a: assessAlarm(pick.stack, id) }));
  const unassessed = detections.find((d) => !d.a.assessed);
  if (unassessed && !unassessed.a.assessed) {
    return fail(`trigger alarm ${unassessed.id}: ${unassessed.a.reason}`, unassessed.a.fix, [...unassessed.a.sources]);
  }
  const timings = detections.flatMap((d) => (d.a.assessed ? [d.a.timing] : []));
  const slowest = timings.reduce((a, b) => (b.worstCaseSeconds > a.worstCaseSeconds ? b : a));
  const before = steps.slice(0, dnsIndex).map((step, i) => stepBound(step, `Workflows[${wi}].Steps[${i}]`));
  const dnsBlock = stepBound(steps[dnsIndex], `Workflows[${wi}].Steps[${dnsIndex}]`);
  const dnsSeconds = dnsBlock.minutes * 60 + ttl.seconds;
  const beforeSeconds = before.reduce((sum, b) => sum + b.minutes, 0) * 60;
  const chainSeconds = slowest.worstCaseSeconds + REGION_SWITCH_TRIGGER_START_SECONDS + beforeSeconds + dnsSeconds;
  const beforeText = before.map((b) => `${b.minutes} min ${b.name}`).join(' + ') || '0 min';
  const dnsText = `${dnsBlock.minutes} min ${dnsBlock.name} + ${ttl.seconds} s TTL (${ttl.why})`;
  const parts: PlanDrivenDns = {
    detectionSeconds: slowest.worstCaseSeconds,
    triggerSeconds: REGION_SWITCH_TRIGGER_START_SECONDS,
    beforeDnsSeconds: beforeSeconds,
    dnsStepSeconds: dnsSeconds,
    ttlSeconds: ttl.seconds,
    chainSeconds,
    chainFormula:
      `${slowest.worstCaseSeconds} s trigger alarm ${slowest.alarmName} + ${REGION_SWITCH_TRIGGER_START_SECONDS} s ` +
      `trigger start (assumption) + (${beforeText}) before DNS + ${dnsText} ` +
      `(step timeouts: bounds of the automated path, no documented durations) = ${chainSeconds} s`,
  };
  return {
    ...base,
    seconds: dnsSeconds,
    plan: parts,
    formula:
      `from the plan's Route 53 step starting: ${dnsText} = ${dnsSeconds} s (the step's timeout bounds it: AWS ` +
      'documents no duration; the chain before it, from the failure, is the regional RTO)',
    sources: [
      recordSource,
      pickSource,
      planSource([`Workflows[${wi}].Steps`, 'Triggers', 'AssociatedAlarms']),
      ...slowest.sources,
      source(secondary.stack, secondary.logicalId, [`${secondary.path}HealthCheckId`]),
    ],
    fix:
      "the live records move only in the Region switch plan's DNS step: shorten that step's TimeoutMinutes " +
      "(lib/dr/region-switch-plan.ts) or the record's TTL",
  };
}

/** Which attribute of the pick a record's HealthCheckId reads (Fn::GetAtt here, or behind another stack's output). */
function healthCheckAttribute(record: FailoverRecord, stacks: readonly StackTemplate[]): string | undefined {
  let value = record.record.HealthCheckId;
  const output = isObject(value) && value['Fn::GetStackOutput'];
  if (isObject(output) && typeof output.StackName === 'string' && typeof output.OutputName === 'string') {
    value = stacks.find((s) => s.stackId === output.StackName)?.outputs[output.OutputName]?.Value;
  }
  const getAtt = isObject(value) ? value['Fn::GetAtt'] : undefined;
  if (Array.isArray(getAtt) && typeof getAtt[1] === 'string') return getAtt[1];
  if (typeof getAtt === 'string') return getAtt.split('.').slice(1).join('.');
  return undefined;
}

function isDnsStepFor(step: Step, pick: Record<string, unknown>): boolean {
  if (step.ExecutionBlockType !== 'Route53HealthCheck') return false;
  const config = isObject(step.ExecutionBlockConfiguration) ? step.ExecutionBlockConfiguration : {};
  const r53 = isObject(config.Route53HealthCheckConfig) ? config.Route53HealthCheckConfig : {};
  const name = (v: unknown) => (typeof v === 'string' ? v.replace(/\.$/, '').toLowerCase() : v);
  return r53.HostedZoneId === pick.HostedZoneId && name(r53.RecordName) === name(pick.RecordName);
}

/** A step's bound in minutes: its block's TimeoutMinutes (60 when absent); a Parallel step, its slowest child. */
function stepBound(step: Step, path: string): { minutes: number; name: string } {
  const name = typeof step.Name === 'string' ? step.Name : path;
  const config = isObject(step.ExecutionBlockConfiguration) ? step.ExecutionBlockConfiguration : {};
  if (step.ExecutionBlockType === 'Parallel') {
    const parallel = isObject(config.ParallelConfig) ? config.ParallelConfig : {};
    const children = Array.isArray(parallel.Steps) ? parallel.Steps.filter(isObject) : [];
    const bounds = children.map((child, i) => stepBound(child, `${path}.ParallelConfig.Steps[${i}]`));
    const slowest = bounds.reduce((a, b) => (b.minutes > a.minutes ? b : a), { minutes: 0, name: 'nothing' });
    return { minutes: slowest.minutes, name: `${name} (slowest: ${slowest.name})` };
  }
  // Each block's configuration is the one object under ExecutionBlockConfiguration (GlobalAuroraConfig, ...).
  const block = Object.values(config).find(isObject) ?? {};
  const minutes = numberValue(block.TimeoutMinutes) ?? REGION_SWITCH_DEFAULT_STEP_TIMEOUT_MINUTES;
  return { minutes, name };
}

/** The alarms whose ALARM state starts the workflow that activates `target` (logical ids in the plan's stack). */
function triggerAlarmsOf(
  plan: Record<string, unknown>,
  target: unknown,
  stack: StackTemplate,
): string[] | { reason: string; fix: string } {
  const triggers = Array.isArray(plan.Triggers) ? plan.Triggers.filter(isObject) : [];
  const associated = isObject(plan.AssociatedAlarms) ? plan.AssociatedAlarms : {};
  const names = triggers
    .filter((t) => t.Action === 'activate' && t.TargetRegion === target)
    .flatMap((t) => (Array.isArray(t.Conditions) ? t.Conditions.filter(isObject) : []))
    .filter((c) => c.Condition === 'red')
    .map((c) => c.AssociatedAlarmName);
  if (names.length === 0) {
    return {
      reason: `no trigger starts the failover to ${String(target)}: a person must notice the outage and start the plan`,
      fix: "add a trigger on a region-down alarm seen from outside the failing region (the plan's Triggers)",
    };
  }
  const ids: string[] = [];
  for (const name of names) {
    const alarm = typeof name === 'string' ? associated[name] : undefined;
    const id = isObject(alarm) ? refTarget(alarm.ResourceIdentifier) : undefined;
    const type = id ? stack.resources[id]?.Type : undefined;
    if (!id || (type !== 'AWS::CloudWatch::Alarm' && type !== 'AWS::CloudWatch::CompositeAlarm')) {
      return {
        reason: `trigger alarm ${String(name)} is not an alarm of ${stack.stackId}, so its detection is unknown`,
        fix: "define the plan's trigger alarms in the plan's stack",
      };
    }
    ids.push(id);
  }
  return ids;
}
