import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../../config';
import { AlarmFactory } from './alarm-factory';
import { AlarmSpec } from './alarm-spec';
import { ServiceSignals } from './service-signals';

export type AlarmThresholds = EnvironmentConfig['alarms'];

/** A catalog entry; `gatesDeployment` entries also stop and roll back a CodeDeploy deployment. */
export interface CatalogEntry extends AlarmSpec {
  readonly gatesDeployment?: boolean;
}

const ONE_MINUTE = Duration.minutes(1);

/**
 * The alarm catalog of the service: every alarm on the service's own signals, with its threshold
 * (from the environment's config), period, M-of-N, missing-data treatment, severity and runbook.
 */
export function serviceAlarmCatalog(signals: ServiceSignals, thresholds: AlarmThresholds): CatalogEntry[] {
  const alb = signals.loadBalancer.metrics;
  const serverErrorRate = new cloudwatch.MathExpression({
    label: '5xx rate (%)',
    expression: '100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests',
    usingMetrics: {
      target5xx: alb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: ONE_MINUTE, statistic: 'Sum' }),
      elb5xx: alb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: ONE_MINUTE, statistic: 'Sum' }),
      requests: alb.requestCount({ period: ONE_MINUTE, statistic: 'Sum' }),
    },
    period: ONE_MINUTE,
  });
  const unhealthyHosts = new cloudwatch.MathExpression({
    label: 'Unhealthy targets (max over blue and green)',
    expression: `MAX([${signals.targetGroups.map((_, i) => `unhealthy${i}`).join(', ')}])`,
    usingMetrics: Object.fromEntries(signals.targetGroups.map((tg, i) => [`unhealthy${i}`, tg.metrics.unhealthyHostCount({ period: ONE_MINUTE, statistic: 'Maximum' })])),
    period: ONE_MINUTE,
  });

  return [
    {
      id: 'http-5xx-critical',
      summary: `More than ${thresholds.http5xxP1Percent} % of requests fail with HTTP 5xx`,
      severity: 'P1',
      runbook: 'http-5xx-rate',
      metric: serverErrorRate,
      threshold: thresholds.http5xxP1Percent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      gatesDeployment: true,
    },
    {
      id: 'latency-p95',
      summary: `p95 response time above ${thresholds.p95LatencySeconds} s`,
      severity: 'P2',
      runbook: 'latency-high',
      metric: alb.targetResponseTime({ period: ONE_MINUTE, statistic: 'p95' }),
      threshold: thresholds.p95LatencySeconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      gatesDeployment: true,
    },
    {
      id: 'unhealthy-targets',
      summary: 'Load balancer targets fail their health checks',
      severity: 'P2',
      runbook: 'unhealthy-targets',
      metric: unhealthyHosts,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      gatesDeployment: true,
    },
  ];
}

export interface AlarmCatalogProps {
  readonly factory: AlarmFactory;
  readonly signals: ServiceSignals;
  readonly thresholds: AlarmThresholds;
}

/** Creates every catalog alarm through the factory and hands out the ones that gate deployments. */
export class AlarmCatalog extends Construct {
  readonly deploymentAlarms: cloudwatch.IAlarm[] = [];
  readonly alarms: Record<string, cloudwatch.Alarm> = {};

  constructor(scope: Construct, id: string, props: AlarmCatalogProps) {
    super(scope, id);
    for (const entry of serviceAlarmCatalog(props.signals, props.thresholds)) {
      const alarm = props.factory.createAlarm(this, entry);
      this.alarms[entry.id] = alarm;
      if (entry.gatesDeployment) this.deploymentAlarms.push(alarm);
    }
  }
}
