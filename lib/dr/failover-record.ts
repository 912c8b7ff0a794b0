import { Duration, Tags } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { DrConfig, ServiceConfig } from '../../config';

/**
 * Route 53 gives alias records the TTL of their target: 60 seconds for an Elastic Load Balancing
 * alias (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-choosing-alias-non-alias.html).
 * Resolvers may keep serving the old answer that long after the failover. The drill pair keeps its aliases.
 */
export const ALIAS_TTL_SECONDS = 60;

/**
 * TTL of the live pair's records. They are non-alias CNAME records to the load balancers' DNS names so
 * that the TTL is ours to set: Route 53 recommends 60 s or less for records with health checks, "so
 * clients respond quickly to changes in health status"
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-failover.html).
 * Since the live pair follows the Region switch plan's health checks (see FailoverRecord), these 15 s are the last
 * term of the plan's worst case (lib/report/dns.ts). A CNAME is allowed because the service
 * domain is a subdomain, not the zone apex, the one name a CNAME cannot have
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-choosing-alias-non-alias.html).
 * Resolvers cache the load balancer's own name separately; after failover they look up the other region's
 * name, which they have not cached, so that cache adds nothing to the switch.
 */
export const LIVE_RECORD_TTL_SECONDS = 15;

export type FailoverRole = 'PRIMARY' | 'SECONDARY';

/**
 * Which failover pair a record belongs to. `live` is the service's domain, the name users resolve.
 * `drill` is a second pair with the same targets and the same health check settings under another
 * name (`drillRecordName`), with its own health checks: the DR drill inverts the drill pair's
 * primary health check, so only the drill name fails over and no user is sent to the standby,
 * whose database is a read-only global secondary until someone promotes it.
 */
export type FailoverPair = 'live' | 'drill';

/**
 * The record set identifier of each side of a pair. One function decides it, because the drill
 * finds its records by these identifiers at run time (and checks that its primary record uses the
 * health check it was granted).
 */
export function failoverSetIdentifier(serviceName: string, role: FailoverRole, pair: FailoverPair = 'live'): string {
  return pair === 'live' ? `${serviceName}-${role.toLowerCase()}` : `${serviceName}-drill-${role.toLowerCase()}`;
}

/** The name the drill pair answers for: a subdomain of the service's domain, so it lives in the same hosted zone. */
export function drillRecordName(domainName: string): string {
  return `drill.${domainName.replace(/\.$/, '')}`;
}

/**
 * The tag every drill health check carries and no live one does. The drill refuses to invert a
 * health check without it (so a configuration mistake can never invert the live primary), and the
 * resilience report leaves pairs whose primary check carries it out of the DNS failover figures.
 */
export const DRILL_HEALTH_CHECK_TAG = { key: 'bulwark:purpose', value: 'dr-drill' } as const;

/**
 * Worst-case seconds from the endpoint failing to clients resolving the other side of a pair that follows an
 * endpoint health check (endpoint refusing connections): the checkers need `failureThreshold` failed checks
 * `intervalSeconds` apart, then resolvers may hold a record's answer for LIVE_RECORD_TTL_SECONDS. The live pair no
 * longer follows endpoint checks (it moves with the Region switch plan); the report (lib/report/dns.ts) computes
 * both and adds Route 53's timeouts for a blackholed endpoint.
 */
export function worstCaseDnsFailoverSeconds(healthCheck: DrConfig['healthCheck']): number {
  return healthCheck.intervalSeconds * healthCheck.failureThreshold + LIVE_RECORD_TTL_SECONDS;
}

export interface FailoverRecordProps {
  readonly role: FailoverRole;
  readonly service: Pick<ServiceConfig, 'name' | 'domainName' | 'hostedZoneId' | 'hostedZoneName' | 'healthCheckPath'>;
  readonly healthCheck: DrConfig['healthCheck'];
  /** The load balancer the record answers with and the health check probes. */
  readonly loadBalancer: elbv2.ILoadBalancerV2;
  /** Probe over HTTPS on 443 (a certificate is configured) rather than HTTP on 80. */
  readonly https: boolean;
  /** The live pair (the service's domain) or the drill pair (`drillRecordName`). @default 'live' */
  readonly pair?: FailoverPair;
  /**
   * The live record's HealthCheckId: the Region switch plan's health check for this record's Region
   * (PlanHealthChecks, lib/dr/plan-health-checks.ts). Required for the live pair, refused for the drill pair,
   * which keeps its own endpoint checks so that a drill moves only `drill.<domain>`.
   */
  readonly planHealthCheckId?: string;
}

/**
 * One side of a failover pair: a Route 53 health check probing the load balancer's health path from the
 * configured checker regions, and a record with the failover role.
 *
 * The live pair's record is a CNAME to the load balancer with LIVE_RECORD_TTL_SECONDS whose health check is the
 * Region switch plan's for its Region (`planHealthCheckId`), not the endpoint check: failover records answer with
 * the primary while its health check is healthy and with the secondary when only the secondary's is
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-types.html), and the plan changes those
 * checks' state only in its DNS step, after the database step. So DNS no longer fails over by itself when Prod's
 * endpoint fails: it moves when the plan runs (its region-down trigger with `dr.automaticFailover`, otherwise a
 * person starting and approving it). The endpoint check stays, watched by alarms (PrimaryFailover), attached to
 * no live record.
 *
 * The drill pair keeps the endpoint check on its record and stays an A alias (evaluateTargetHealth), which the
 * drill function looks up by type; the health check reaches the targets through the health path.
 */
export class FailoverRecord extends Construct {
  /** The endpoint health check: on the drill pair's record; on the live pair, watched by alarms only. */
  readonly healthCheck: route53.HealthCheck;
  readonly record: route53.RecordSet;
  readonly setIdentifier: string;

  constructor(scope: Construct, id: string, props: FailoverRecordProps) {
    super(scope, id);
    const { service, healthCheck } = props;
    const pair = props.pair ?? 'live';
    if ((pair === 'live') !== (props.planHealthCheckId !== undefined)) {
      throw new Error(
        pair === 'live'
          ? `FailoverRecord ${id}: the live ${props.role} record needs planHealthCheckId (the Region switch plan's ` +
              'health check for its Region), so that DNS moves only when the plan does'
          : `FailoverRecord ${id}: the drill pair keeps its own endpoint health checks; leave planHealthCheckId out`,
      );
    }
    this.setIdentifier = failoverSetIdentifier(service.name, props.role, pair);

    // Probe the load balancer itself, not the service domain: the domain answers with whichever side
    // is active, so probing it would make the primary's health depend on the secondary.
    this.healthCheck = new route53.HealthCheck(this, 'HealthCheck', {
      type: props.https ? route53.HealthCheckType.HTTPS : route53.HealthCheckType.HTTP,
      fqdn: props.loadBalancer.loadBalancerDnsName,
      port: props.https ? 443 : 80,
      resourcePath: service.healthCheckPath,
      requestInterval: Duration.seconds(healthCheck.intervalSeconds),
      failureThreshold: healthCheck.failureThreshold,
      regions: [...healthCheck.regions],
      ...(props.https ? { enableSNI: true } : {}),
    });
    if (pair === 'drill') {
      // Route 53 shows the Name tag in its console's list of health checks
      // (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-tagging.html).
      Tags.of(this.healthCheck).add('Name', this.setIdentifier);
      Tags.of(this.healthCheck).add(DRILL_HEALTH_CHECK_TAG.key, DRILL_HEALTH_CHECK_TAG.value);
    }

    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: service.hostedZoneId,
      zoneName: service.hostedZoneName,
    });
    const primaryId = failoverSetIdentifier(service.name, 'PRIMARY', pair);
    const secondaryId = failoverSetIdentifier(service.name, 'SECONDARY', pair);
    const description = `${service.name} ${pair === 'drill' ? 'DR drill ' : ''}${props.role.toLowerCase()}`;
    const common = {
      zone,
      recordName: `${pair === 'live' ? service.domainName : drillRecordName(service.domainName)}.`,
      failover: props.role === 'PRIMARY' ? route53.Failover.PRIMARY : route53.Failover.SECONDARY,
      setIdentifier: this.setIdentifier,
      healthCheck:
        props.planHealthCheckId === undefined
          ? this.healthCheck
          : route53.HealthCheck.fromHealthCheckId(this, 'PlanHealthCheck', props.planHealthCheckId),
      comment: `${description} (failover pair: ${primaryId} / ${secondaryId})`,
    };
    this.record =
      pair === 'live'
        ? new route53.CnameRecord(this, 'Record', {
            ...common,
            domainName: props.loadBalancer.loadBalancerDnsName,
            ttl: Duration.seconds(LIVE_RECORD_TTL_SECONDS),
          })
        : new route53.ARecord(this, 'Record', {
            ...common,
            target: route53.RecordTarget.fromAlias(
              new targets.LoadBalancerTarget(props.loadBalancer, { evaluateTargetHealth: true }),
            ),
          });
  }
}
