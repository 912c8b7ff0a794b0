import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { DrConfig, ServiceConfig } from '../../config';
import { AlarmFactory } from '../monitoring/alarm-factory';
import { AlarmSpec } from '../monitoring/alarm-spec';
import { FailoverRecord } from './failover-record';

/** Route 53 publishes health check metrics (AWS/Route53 HealthCheckStatus) in us-east-1 only. */
export const ROUTE53_METRICS_REGION = 'us-east-1';

export const PRIMARY_UNHEALTHY_ALARM_ID = 'dr-primary-unhealthy';
export const STANDBY_UNHEALTHY_ALARM_ID = 'dr-standby-unhealthy';

export interface PrimaryFailoverProps {
  readonly service: Pick<ServiceConfig, 'name' | 'domainName' | 'hostedZoneId' | 'hostedZoneName' | 'healthCheckPath'>;
  readonly dr: Pick<DrConfig, 'healthCheck' | 'standbyMode'>;
  /** Prod's load balancer. */
  readonly loadBalancer: elbv2.ILoadBalancerV2;
  /** Probe over HTTPS (a certificate is configured) rather than HTTP. */
  readonly https: boolean;
  readonly alarms: AlarmFactory;
  /**
   * The standby's health check (DrRegion's SecondaryFailover). Its alarm lives here because the
   * Route 53 metrics exist only in us-east-1. Only alarmed in warm standby: a pilot-light standby
   * runs no tasks, so its check is unhealthy by design until the failover procedure scales it up.
   * @default no standby alarm
   */
  readonly standbyHealthCheck?: route53.IHealthCheck;
}

/** The health check status metric of a Route 53 health check (1 = healthy, 0 = unhealthy). */
export function healthCheckStatusMetric(healthCheck: route53.IHealthCheck): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Route53',
    metricName: 'HealthCheckStatus',
    dimensionsMap: { HealthCheckId: healthCheck.healthCheckId },
    statistic: 'Minimum',
    period: Duration.minutes(1),
    region: ROUTE53_METRICS_REGION,
  });
}

/**
 * Prod's side of the DNS failover: the PRIMARY record with its health check, and the P1 alarm that
 * pages when Route 53 considers Prod unhealthy (and is therefore answering with the standby).
 */
export class PrimaryFailover extends Construct {
  readonly failover: FailoverRecord;
  readonly primaryUnhealthyAlarm?: cloudwatch.Alarm;
  readonly standbyUnhealthyAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: PrimaryFailoverProps) {
    super(scope, id);
    this.failover = new FailoverRecord(this, 'Failover', {
      role: 'PRIMARY',
      service: props.service,
      healthCheck: props.dr.healthCheck,
      loadBalancer: props.loadBalancer,
      https: props.https,
    });

    const region = Stack.of(this).region;
    if (Token.isUnresolved(region) || region !== ROUTE53_METRICS_REGION) {
      // A metric alarm only sees metrics of its own region: elsewhere it would sit in INSUFFICIENT_DATA
      // forever and never page. Say so at synth rather than ship a silent alarm.
      Annotations.of(this).addWarningV2(
        'bulwark:dr-health-check-alarm-region',
        `The ${PRIMARY_UNHEALTHY_ALARM_ID} alarm is not created: Route 53 health check metrics exist only in ${ROUTE53_METRICS_REGION} and this stack is in ${region}. Watch the health check as runbooks/dr-primary-unhealthy.md describes, or run the primary in ${ROUTE53_METRICS_REGION}.`,
      );
      return;
    }

    this.primaryUnhealthyAlarm = props.alarms.createAlarm(this, primaryUnhealthySpec(this.failover.healthCheck, props.dr.healthCheck));
    if (props.standbyHealthCheck && props.dr.standbyMode === 'warm-standby') {
      this.standbyUnhealthyAlarm = props.alarms.createAlarm(this, standbyUnhealthySpec(props.standbyHealthCheck));
    }
  }
}

function primaryUnhealthySpec(healthCheck: route53.IHealthCheck, config: DrConfig['healthCheck']): AlarmSpec {
  return {
    id: PRIMARY_UNHEALTHY_ALARM_ID,
    summary: `Route 53 considers the primary endpoint unhealthy (${config.failureThreshold} failed checks ${config.intervalSeconds} s apart) and answers with the DR standby`,
    severity: 'P1',
    runbook: 'dr-primary-unhealthy',
    metric: healthCheckStatusMetric(healthCheck),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    // Route 53 already required failureThreshold consecutive failures: one minute is enough to page.
    evaluationPeriods: 1,
    // No data means the health check (or its metric) is gone, which is itself a broken failover.
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  };
}

function standbyUnhealthySpec(healthCheck: route53.IHealthCheck): AlarmSpec {
  return {
    id: STANDBY_UNHEALTHY_ALARM_ID,
    summary: 'The warm standby in the DR region fails its Route 53 health check: a regional failover would have nowhere healthy to go',
    severity: 'P2',
    runbook: 'dr-standby-unhealthy',
    metric: healthCheckStatusMetric(healthCheck),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  };
}
