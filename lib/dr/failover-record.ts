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
 * 15 s keeps the worst-case failover (two 10-s checks ending at Route 53's 4 s + 2 s timeouts, 32 s, plus
 * this TTL: 47 s) within the 60-s tier 1 target with room to spare. A CNAME is allowed because the service
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
 * Worst-case seconds from the endpoint failing to clients resolving the other side (live pair, endpoint
 * refusing connections): the checkers need `failureThreshold` failed checks `intervalSeconds` apart, then
 * resolvers may hold the record's answer for its TTL. The report (lib/report/dns.ts) adds Route 53's
 * timeouts for a blackholed endpoint.
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
}

/**
 * One side of the failover pair: a Route 53 health check probing the load balancer's health path
 * from the configured checker regions, and a record with the failover role answering while the health
 * check is healthy. The live pair's record is a CNAME to the load balancer with LIVE_RECORD_TTL_SECONDS
 * (active-passive failover with non-alias records answers with the primary while its health check is healthy:
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-types.html); the
 * health check reaches the targets through the health path, so it also covers what evaluateTargetHealth
 * did. The drill pair stays an A alias (evaluateTargetHealth), which the drill function looks up by type.
 */
export class FailoverRecord extends Construct {
  readonly healthCheck: route53.HealthCheck;
  readonly record: route53.RecordSet;
  readonly setIdentifier: string;

  constructor(scope: Construct, id: string, props: FailoverRecordProps) {
    super(scope, id);
    const { service, healthCheck } = props;
    const pair = props.pair ?? 'live';
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
      healthCheck: this.healthCheck,
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
