import { Duration } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { DrConfig, ServiceConfig } from '../../config';

/**
 * Route 53 gives alias records the TTL of their target: 60 seconds for an Elastic Load Balancing
 * alias. Resolvers may keep serving the old answer that long after the failover.
 */
export const ALIAS_TTL_SECONDS = 60;

export type FailoverRole = 'PRIMARY' | 'SECONDARY';

/**
 * The record set identifier of each side of the pair. One function decides it, because the drill
 * finds the records (and through them the primary health check) by these identifiers at run time:
 * DrRegion deploys before Prod, so it cannot reference Prod's health check id.
 */
export function failoverSetIdentifier(serviceName: string, role: FailoverRole): string {
  return `${serviceName}-${role.toLowerCase()}`;
}

/**
 * Worst-case seconds from the endpoint failing to clients resolving the other side: the checkers
 * need `failureThreshold` failed checks `intervalSeconds` apart, then resolvers may hold the alias
 * answer for its TTL.
 */
export function worstCaseDnsFailoverSeconds(healthCheck: DrConfig['healthCheck']): number {
  return healthCheck.intervalSeconds * healthCheck.failureThreshold + ALIAS_TTL_SECONDS;
}

export interface FailoverRecordProps {
  readonly role: FailoverRole;
  readonly service: Pick<ServiceConfig, 'name' | 'domainName' | 'hostedZoneId' | 'hostedZoneName' | 'healthCheckPath'>;
  readonly healthCheck: DrConfig['healthCheck'];
  /** The load balancer the record answers with and the health check probes. */
  readonly loadBalancer: elbv2.ILoadBalancerV2;
  /** Probe over HTTPS on 443 (a certificate is configured) rather than HTTP on 80. */
  readonly https: boolean;
}

/**
 * One side of the failover pair: a Route 53 health check probing the load balancer's health path
 * from the configured checker regions, and an A alias record for the service's domain with the
 * failover role, answering only while both the health check and the load balancer's own targets
 * (evaluateTargetHealth) are healthy.
 */
export class FailoverRecord extends Construct {
  readonly healthCheck: route53.HealthCheck;
  readonly record: route53.ARecord;
  readonly setIdentifier: string;

  constructor(scope: Construct, id: string, props: FailoverRecordProps) {
    super(scope, id);
    const { service, healthCheck } = props;
    this.setIdentifier = failoverSetIdentifier(service.name, props.role);

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

    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: service.hostedZoneId,
      zoneName: service.hostedZoneName,
    });
    this.record = new route53.ARecord(this, 'Record', {
      zone,
      recordName: `${service.domainName}.`,
      target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(props.loadBalancer, { evaluateTargetHealth: true })),
      failover: props.role === 'PRIMARY' ? route53.Failover.PRIMARY : route53.Failover.SECONDARY,
      setIdentifier: this.setIdentifier,
      healthCheck: this.healthCheck,
      comment: `${service.name} ${props.role.toLowerCase()} (failover pair: ${failoverSetIdentifier(service.name, 'PRIMARY')} / ${failoverSetIdentifier(service.name, 'SECONDARY')})`,
    });
  }
}
