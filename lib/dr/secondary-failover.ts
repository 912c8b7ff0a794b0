import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { DrConfig, ServiceConfig } from '../../config';
import { FailoverRecord } from './failover-record';

export interface SecondaryFailoverProps {
  readonly service: Pick<ServiceConfig, 'name' | 'domainName' | 'hostedZoneId' | 'hostedZoneName' | 'healthCheckPath'>;
  readonly dr: Pick<DrConfig, 'healthCheck'>;
  /** The standby's load balancer. */
  readonly loadBalancer: elbv2.ILoadBalancerV2;
  readonly https: boolean;
  /** The Region switch plan's health check for this (the DR) Region: the live SECONDARY record's check. */
  readonly planHealthCheckId: string;
}

/**
 * DrRegion's side of the DNS failover: the SECONDARY record for the service's domain, which follows the Region
 * switch plan's health check for this Region (users reach the standby only after the plan's database step), and
 * the standby's endpoint health check, which Prod alarms on (the metrics exist only in us-east-1). Also the
 * SECONDARY of the drill pair, which only the DR drill fails over to.
 */
export class SecondaryFailover extends Construct {
  readonly failover: FailoverRecord;
  /** The drill pair's SECONDARY (`drill.<domain>`): what the drill name answers once the drill fails it over. */
  readonly drillFailover: FailoverRecord;

  constructor(scope: Construct, id: string, props: SecondaryFailoverProps) {
    super(scope, id);
    this.failover = new FailoverRecord(this, 'Failover', {
      role: 'SECONDARY',
      service: props.service,
      healthCheck: props.dr.healthCheck,
      loadBalancer: props.loadBalancer,
      https: props.https,
      planHealthCheckId: props.planHealthCheckId,
    });
    // Always present, like the drill PRIMARY in Prod (see PrimaryFailover): its own health check on the
    // standby, so the drill name fails over only to a standby that can serve, as the live name would.
    this.drillFailover = new FailoverRecord(this, 'DrillFailover', {
      role: 'SECONDARY',
      pair: 'drill',
      service: props.service,
      healthCheck: props.dr.healthCheck,
      loadBalancer: props.loadBalancer,
      https: props.https,
    });
  }
}
