import { Annotations, CfnOutput, Duration, Fn, Stack, Token } from 'aws-cdk-lib';
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

/** The output of the primary stack that carries the drill pair's primary health check id. */
export const DRILL_HEALTH_CHECK_OUTPUT = 'DrillPrimaryHealthCheckId';

/** Where the primary stack lives: enough to read its outputs from another region. */
export interface PrimaryStackLocation {
  readonly stackName: string;
  readonly region: string;
}

/**
 * The drill pair's primary health check id, read from the primary stack's output at deploy time.
 * DrRegion deploys before Prod and Prod references DrRegion, so a CDK reference the other way would
 * be a dependency cycle. Fn::GetStackOutput reads another stack's output across Regions without an
 * export; it is a weak reference, resolved when the consuming stack is created or updated:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/
 * intrinsic-function-reference-getstackoutput.html
 * The drill exists only in a `-c drill=true` deploy, which creates it afresh and so reads the id
 * current at that moment. The deploying role needs cloudformation:DescribeStacks on the primary stack
 * (the same page: the RoleArn, by default the stack's execution role, must have it).
 */
export function drillHealthCheckIdOf(primary: PrimaryStackLocation): string {
  return Fn.getStackOutput(primary.stackName, DRILL_HEALTH_CHECK_OUTPUT, primary.region);
}
export const STANDBY_UNHEALTHY_ALARM_ID = 'dr-standby-unhealthy';

export interface PrimaryFailoverProps {
  readonly service: Pick<ServiceConfig, 'name' | 'domainName' | 'hostedZoneId' | 'hostedZoneName' | 'healthCheckPath'>;
  readonly dr: Pick<DrConfig, 'healthCheck' | 'standbyMode'>;
  /** Prod's load balancer. */
  readonly loadBalancer: elbv2.ILoadBalancerV2;
  /** Probe over HTTPS (a certificate is configured) rather than HTTP. */
  readonly https: boolean;
  /**
   * The Region switch plan's health check for Prod's Region (DrRegion's PlanHealthChecks, which Prod reads as a
   * weak reference, Fn::GetStackOutput, like the rest of DrRegion's values): the live PRIMARY record's check.
   */
  readonly planHealthCheckId: string;
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
 * Prod's side of the DNS failover: the PRIMARY record, which follows the Region switch plan's health check for
 * Prod's Region (it moves only when the plan runs), Prod's endpoint health check, and the P1 alarm that pages
 * when Route 53's checkers find Prod's endpoint unhealthy.
 * Also the PRIMARY of the drill pair (`drill.<domain>`), with its own health check, which the DR
 * drill inverts instead of the live one.
 */
export class PrimaryFailover extends Construct {
  readonly failover: FailoverRecord;
  /** The drill pair's PRIMARY record and health check: never alarmed, since drills fail it on purpose. */
  readonly drillFailover: FailoverRecord;
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
      planHealthCheckId: props.planHealthCheckId,
    });

    // Always present, not only in drill deploys: a drill then changes nothing in Prod's template (no
    // stack churn next to the live record), and the cost is that of two more health checks on AWS
    // endpoints (see "Health checks" at https://aws.amazon.com/route53/pricing/). Same load balancer
    // and the same check settings as the live pair, so the drill measures the failover users would get.
    this.drillFailover = new FailoverRecord(this, 'DrillFailover', {
      role: 'PRIMARY',
      pair: 'drill',
      service: props.service,
      healthCheck: props.dr.healthCheck,
      loadBalancer: props.loadBalancer,
      https: props.https,
    });
    const drillOutput = new CfnOutput(this, 'DrillHealthCheckId', {
      value: this.drillFailover.healthCheck.healthCheckId,
      description: 'The DR drill pair primary health check (the only one the drill may invert), read by DrRegion',
    });
    // A fixed name: DrRegion reads it by this name (drillHealthCheckIdOf).
    drillOutput.overrideLogicalId(DRILL_HEALTH_CHECK_OUTPUT);

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

    this.primaryUnhealthyAlarm = props.alarms.createAlarm(
      this,
      primaryUnhealthySpec(this.failover.healthCheck, props.dr.healthCheck),
    );
    if (props.standbyHealthCheck && props.dr.standbyMode === 'warm-standby') {
      this.standbyUnhealthyAlarm = props.alarms.createAlarm(this, standbyUnhealthySpec(props.standbyHealthCheck));
    }
  }
}

function primaryUnhealthySpec(healthCheck: route53.IHealthCheck, config: DrConfig['healthCheck']): AlarmSpec {
  return {
    id: PRIMARY_UNHEALTHY_ALARM_ID,
    summary: `Route 53 health checkers find the primary endpoint unhealthy (${config.failureThreshold} failed checks ${config.intervalSeconds} s apart); DNS moves to the DR standby only when the Region switch plan runs`,
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
    summary:
      'The warm standby in the DR region fails its Route 53 health check: a regional failover would have nowhere healthy to go',
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
