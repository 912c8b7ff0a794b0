import { DRILL_HEALTH_CHECK_TAG } from '../dr/failover-record';
import {
  ALB_ALIAS_TTL_SECONDS,
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
