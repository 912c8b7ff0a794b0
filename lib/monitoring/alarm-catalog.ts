import { Duration, Lazy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../../config';
import { Naming } from '../common/naming';
import { AlarmFactory } from './alarm-factory';
import { AlarmMeta, AlarmSpec } from './alarm-spec';
import { OpsDashboard } from './ops-dashboard';
import { DatabaseSignals, ServiceSignals } from './service-signals';

/**
 * THE alarm catalog: every alarm Bulwark defines for an environment is listed in this file, with its
 * metric (or metric math), statistic, threshold (from the environment's `alarms` config), period,
 * M of N, missing-data treatment, severity and runbook. Constructs below and in
 * environment-alarms.ts only instantiate these entries through the AlarmFactory.
 *
 * Periods: every service alarm uses 60 s, the shortest period ALB and ECS metrics have. Under the
 * report's worst case (docs/recovery-model.md: partial period, M periods, publication delay, evaluation
 * interval) a 60-s ALB alarm takes 180-300 s, so none gates deployments any more: the high-resolution
 * canary alarm (10-s periods) does, and pages the user-facing P1 failure modes within 60 s. These stay as
 * paging context. Lower severities take M of N > 1 so one noisy minute does not page anybody.
 */

export type AlarmThresholds = EnvironmentConfig['alarms'];

/** A catalog entry; `gatesDeployment` entries also stop and roll back a CodeDeploy deployment. */
export interface CatalogEntry extends AlarmSpec {
  readonly gatesDeployment?: boolean;
}

/** Something that notifies a severity topic from an EventBridge event rather than a metric. */
export interface EventNotificationEntry extends AlarmMeta {
  readonly description: string;
  readonly pattern: events.EventPattern;
  /** The notification text, built from event fields; `[Px] ... | Runbook: <url>` like an alarm's. */
  readonly message: (runbookUrl: string) => events.RuleTargetInput;
}

const ONE_MINUTE = Duration.minutes(1);
const GIB = 1024 ** 3;

/** The composite P1 alarm the pipeline's Prod stage condition and the on-call look at: `<service>-<env>-service-unhealthy`. */
export const SERVICE_UNHEALTHY: AlarmMeta = {
  id: 'service-unhealthy',
  summary: 'The service is failing its users (5xx critical, no healthy targets, or another P1 health signal)',
  severity: 'P1',
  runbook: 'service-unhealthy',
};

/** Words that mark a log line as an error: plain-text and JSON (`"level":"ERROR"`) loggers both contain one. */
export const ERROR_LOG_TERMS = ['ERROR', 'Error', 'FATAL', 'Exception'] as const;

/** The metric the error-log metric filter publishes; one per environment, so environments sharing an account stay apart. */
export function errorLogMetric(naming: Naming, period: Duration = ONE_MINUTE): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: naming.metricNamespace,
    metricName: naming.resource('error-log-lines'),
    statistic: 'Sum',
    period,
  });
}

/**
 * The metric filter that produces `errorLogMetric` from the service's container logs: every stack that
 * alarms on error-log-spike needs it in the same account and region, or the alarm can never fire.
 */
export function errorLogMetricFilter(scope: Construct, signals: ServiceSignals, naming: Naming): logs.MetricFilter {
  const errorLogs = errorLogMetric(naming);
  return new logs.MetricFilter(scope, 'ErrorLogLines', {
    logGroup: signals.containerLogGroup,
    filterPattern: logs.FilterPattern.anyTerm(...ERROR_LOG_TERMS),
    metricNamespace: errorLogs.namespace,
    metricName: errorLogs.metricName,
    metricValue: '1',
    // Zero on every batch without errors, so the graph is continuous rather than gaps.
    defaultValue: 0,
  });
}

/**
 * Share of requests answered with a 5xx, in percent, over 1 minute. The denominator adds ELB 5xx
 * because a request rejected before a target is chosen (503, no healthy target) is not counted in
 * RequestCount; below `minRequests` a minute reads 0, so two failures out of three requests at night
 * do not page anyone.
 */
export function serverErrorRate(
  alb: elbv2.IApplicationLoadBalancerMetrics,
  minRequests: number,
): cloudwatch.MathExpression {
  const total = '(FILL(requests, 0) + FILL(elb5xx, 0))';
  return new cloudwatch.MathExpression({
    label: '5xx rate (%)',
    expression: `IF(${total} >= ${minRequests}, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / ${total}, 0)`,
    usingMetrics: {
      target5xx: alb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: ONE_MINUTE, statistic: 'Sum' }),
      elb5xx: alb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: ONE_MINUTE, statistic: 'Sum' }),
      requests: alb.requestCount({ period: ONE_MINUTE, statistic: 'Sum' }),
    },
    period: ONE_MINUTE,
  });
}

/** Healthy targets summed over blue and green, as seen by the worst load balancer node in the minute. */
export function healthyTargets(signals: ServiceSignals): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    label: 'Healthy targets (blue + green)',
    expression: signals.targetGroups.map((_, i) => `FILL(healthy${i}, 0)`).join(' + '),
    usingMetrics: Object.fromEntries(
      signals.targetGroups.map((tg, i) => [
        `healthy${i}`,
        tg.metrics.healthyHostCount({ period: ONE_MINUTE, statistic: 'Minimum' }),
      ]),
    ),
    period: ONE_MINUTE,
  });
}

/** Alarms on the service's own signals: load balancer, both target groups, ECS service, container logs. */
export function serviceAlarmCatalog(
  signals: ServiceSignals,
  thresholds: AlarmThresholds,
  naming: Naming,
): CatalogEntry[] {
  const alb = signals.loadBalancer.metrics;
  const errorRate = serverErrorRate(alb, thresholds.http5xxMinRequestsPerMinute);
  const unhealthyHosts = new cloudwatch.MathExpression({
    label: 'Unhealthy targets (max over blue and green)',
    expression: `MAX([${signals.targetGroups.map((_, i) => `unhealthy${i}`).join(', ')}])`,
    usingMetrics: Object.fromEntries(
      signals.targetGroups.map((tg, i) => [
        `unhealthy${i}`,
        tg.metrics.unhealthyHostCount({ period: ONE_MINUTE, statistic: 'Maximum' }),
      ]),
    ),
    period: ONE_MINUTE,
  });
  const gt = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;
  const notBreaching = cloudwatch.TreatMissingData.NOT_BREACHING;

  return [
    {
      id: 'service-down',
      summary: 'No healthy target behind the load balancer (blue and green): the service is down',
      severity: 'P1',
      runbook: 'service-down',
      metric: healthyTargets(signals),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // The load balancer reports healthy-host counts every minute, even at zero; no data means it is gone.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    },
    {
      id: 'http-5xx-critical',
      summary: `More than ${thresholds.http5xxP1Percent} % of requests fail with HTTP 5xx`,
      severity: 'P1',
      runbook: 'http-5xx-rate',
      metric: errorRate,
      threshold: thresholds.http5xxP1Percent,
      comparisonOperator: gt,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: notBreaching,
    },
    {
      id: 'http-5xx-elevated',
      summary: `More than ${thresholds.http5xxP2Percent} % of requests fail with HTTP 5xx`,
      severity: 'P2',
      runbook: 'http-5xx-rate',
      metric: errorRate,
      threshold: thresholds.http5xxP2Percent,
      comparisonOperator: gt,
      // 2 of 2, not M of a longer N: it gates deployments, and breach-to-rollback must stay well under the tier-1 5 minutes.
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: notBreaching,
      // A bad release on a 10 % canary slice shows as a small overall rate: this catches it.
    },
    {
      id: 'latency-p95',
      summary: `p95 response time above ${thresholds.p95LatencySeconds} s`,
      severity: 'P2',
      runbook: 'latency-high',
      metric: alb.targetResponseTime({ period: ONE_MINUTE, statistic: 'p95' }),
      threshold: thresholds.p95LatencySeconds,
      comparisonOperator: gt,
      // Gates deployments: 2 of 2 keeps breach-to-rollback at 240 s worst case (tier-1 ceiling 300 s).
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: notBreaching,
    },
    {
      id: 'latency-p50',
      summary: `Median response time above ${thresholds.p50LatencySeconds} s`,
      severity: 'P3',
      runbook: 'latency-high',
      metric: alb.targetResponseTime({ period: ONE_MINUTE, statistic: 'p50' }),
      threshold: thresholds.p50LatencySeconds,
      comparisonOperator: gt,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: notBreaching,
    },
    {
      id: 'unhealthy-targets',
      summary: 'Load balancer targets fail their health checks',
      severity: 'P2',
      runbook: 'unhealthy-targets',
      metric: unhealthyHosts,
      threshold: 0,
      comparisonOperator: gt,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: notBreaching,
    },
    {
      id: 'ecs-cpu-high',
      summary: `Service CPU above ${thresholds.cpuPercent} % of the tasks' reservation`,
      severity: 'P3',
      runbook: 'ecs-cpu-high',
      // Average over the service's tasks: saturation of the whole service, which more tasks relieve.
      metric: signals.service.metricCpuUtilization({ period: ONE_MINUTE, statistic: 'Average' }),
      threshold: thresholds.cpuPercent,
      comparisonOperator: gt,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: notBreaching,
    },
    {
      id: 'ecs-memory-high',
      summary: `A task uses more than ${thresholds.memoryPercent} % of its memory`,
      severity: 'P2',
      runbook: 'ecs-memory-high',
      // Maximum, not average: the out-of-memory kill hits one task at a time, and more tasks do not relieve a leak.
      metric: signals.service.metricMemoryUtilization({ period: ONE_MINUTE, statistic: 'Maximum' }),
      threshold: thresholds.memoryPercent,
      comparisonOperator: gt,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: notBreaching,
    },
    {
      id: 'error-log-spike',
      summary: `More than ${thresholds.errorLogsPerMinute} error log lines a minute from the service's containers`,
      severity: 'P3',
      runbook: 'error-log-spike',
      metric: errorLogMetric(naming),
      threshold: thresholds.errorLogsPerMinute,
      comparisonOperator: gt,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: notBreaching,
    },
  ];
}

/**
 * Alarms on the Aurora Serverless v2 database. Aurora storage grows by itself (FreeStorageSpace is
 * meaningless there); what runs out is each instance's local storage (temporary tables, sorts, logs),
 * which scales with capacity: FreeLocalStorage, lowest instance.
 */
export function databaseAlarmCatalog(db: DatabaseSignals, thresholds: AlarmThresholds): CatalogEntry[] {
  const connectionLimit = Math.floor((db.maxConnections * thresholds.dbConnectionsPercent) / 100);
  return [
    {
      id: 'db-connections-high',
      summary: `Database connections above ${thresholds.dbConnectionsPercent} % of the maximum (${connectionLimit} of ${db.maxConnections})`,
      severity: 'P2',
      runbook: 'db-connections-high',
      metric: db.cluster.metric('DatabaseConnections', { period: ONE_MINUTE, statistic: 'Maximum' }),
      threshold: connectionLimit,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    },
    {
      id: 'db-cpu-high',
      summary: `Database CPU above ${thresholds.dbCpuPercent} % for 5 minutes`,
      severity: 'P2',
      runbook: 'db-cpu-high',
      // Serverless v2 adds capacity when CPU rises; 5 of 5 minutes above the line means it could not.
      metric: db.cluster.metric('CPUUtilization', { period: ONE_MINUTE, statistic: 'Maximum' }),
      threshold: thresholds.dbCpuPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    },
    {
      id: 'db-local-storage-low',
      summary: `A database instance has less than ${thresholds.dbFreeStorageGiB} GiB of local storage left`,
      severity: 'P2',
      runbook: 'db-local-storage-low',
      metric: db.cluster.metric('FreeLocalStorage', { period: ONE_MINUTE, statistic: 'Minimum' }),
      threshold: thresholds.dbFreeStorageGiB * GIB,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    },
  ];
}

/** The only region where AWS publishes AWS/Billing EstimatedCharges. */
export const BILLING_METRICS_REGION = 'us-east-1';

/**
 * Cost spike: the account's spend rate in USD per day, from AWS/Billing EstimatedCharges (month to
 * date, published a few times a day, only in us-east-1 and only once billing alerts are enabled in
 * the account's billing preferences). RATE() between successive 6-hour maxima times 86400 s is the
 * current daily burn; the month's reset gives a negative rate, which never breaches. Chosen over
 * anomaly detection because the threshold is then the configured baseline a reviewer can read, and
 * it needs no two weeks of training. 2 of 4 six-hour periods: one late, lumpy estimate does not alarm.
 * Missing data stays INSUFFICIENT_DATA so an account without billing alerts shows it on the dashboard.
 */
export function costAlarmCatalog(thresholds: AlarmThresholds): CatalogEntry[] {
  const period = Duration.hours(6);
  return [
    {
      id: 'cost-spike',
      summary: `Spending more than 2x the daily baseline (${2 * thresholds.dailyCostBaselineUsd} USD/day)`,
      severity: 'P3',
      runbook: 'cost-spike',
      metric: new cloudwatch.MathExpression({
        label: 'Spend rate (USD/day)',
        expression: 'RATE(charges) * 86400',
        usingMetrics: {
          charges: new cloudwatch.Metric({
            namespace: 'AWS/Billing',
            metricName: 'EstimatedCharges',
            dimensionsMap: { Currency: 'USD' },
            statistic: 'Maximum',
            period,
          }),
        },
        period,
      }),
      threshold: 2 * thresholds.dailyCostBaselineUsd,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 4,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    },
  ];
}

/**
 * Failures that arrive as events, not metrics: a CodeDeploy deployment that failed or was stopped
 * (auto-rollback marks the original deployment FAILURE) and an AWS Backup or copy job that failed.
 */
export function eventNotificationCatalog(naming: Naming): EventNotificationEntry[] {
  const field = (path: string) => events.EventField.fromPath(path);
  return [
    {
      id: 'deployment-failed',
      summary: 'A deployment failed or was rolled back',
      severity: 'P2',
      runbook: 'deployment-failed',
      description: `CodeDeploy deployments of ${naming.resource('*')} that end in FAILURE or STOP`,
      pattern: {
        source: ['aws.codedeploy'],
        detailType: ['CodeDeploy Deployment State-change Notification'],
        detail: {
          state: ['FAILURE', 'STOP'],
          application: [{ prefix: `${naming.serviceName}-${naming.environmentName.toLowerCase()}` }],
        },
      },
      message: (runbookUrl) =>
        events.RuleTargetInput.fromText(
          `[P2] Deployment ${field('$.detail.deploymentId')} of ${field('$.detail.application')}/${field('$.detail.deploymentGroup')} ended in ${field('$.detail.state')} at ${field('$.time')}; traffic is back on the previous task set if auto-rollback ran | Runbook: ${runbookUrl}`,
        ),
    },
    {
      id: 'aws-backup-job-failed',
      summary: 'An AWS Backup job or copy job failed',
      severity: 'P2',
      runbook: 'aws-backup-job-failed',
      description: `AWS Backup and copy jobs in ${naming.environmentName} that end FAILED, ABORTED or EXPIRED`,
      pattern: {
        source: ['aws.backup'],
        detailType: ['Backup Job State Change', 'Copy Job State Change'],
        detail: { state: ['FAILED', 'ABORTED', 'EXPIRED'] },
      },
      message: (runbookUrl) =>
        events.RuleTargetInput.fromText(
          `[P2] ${field('$.detail-type')}: ${field('$.detail.state')} for ${field('$.detail.resourceType')} in vault ${field('$.detail.backupVaultName')} at ${field('$.time')} (${field('$.detail.statusMessage')}) | Runbook: ${runbookUrl}`,
        ),
    },
  ];
}

export interface AlarmCatalogProps {
  readonly factory: AlarmFactory;
  readonly signals: ServiceSignals;
  readonly thresholds: AlarmThresholds;
  /** Adds the golden-signals and deployments rows. @default no dashboard rows */
  readonly dashboard?: OpsDashboard;
  /** The database to watch. @default none; call `addDatabase` once the database exists */
  readonly database?: DatabaseSignals;
}

/**
 * Creates every service (and database) catalog alarm through the factory, the error-log metric
 * filter, and the composite `service-unhealthy` P1; hands out the alarms that gate deployments.
 */
export class AlarmCatalog extends Construct {
  readonly deploymentAlarms: cloudwatch.IAlarm[] = [];
  readonly alarms: Record<string, cloudwatch.Alarm> = {};
  /** `<service>-<env>-service-unhealthy`: ALARM when any member is. Add members with `addServiceHealthAlarm`. */
  readonly serviceUnhealthy: cloudwatch.CompositeAlarm;
  private readonly healthMembers: cloudwatch.IAlarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: AlarmCatalogProps,
  ) {
    super(scope, id);
    const naming = props.factory.naming;
    errorLogMetricFilter(this, props.signals, naming);
    this.addEntries(serviceAlarmCatalog(props.signals, props.thresholds, naming));

    this.healthMembers.push(this.alarms['http-5xx-critical'], this.alarms['service-down']);
    const members = this.healthMembers;
    this.serviceUnhealthy = props.factory.createCompositeAlarm(this, SERVICE_UNHEALTHY, {
      // Rendered at synth, so alarms added later (canary failure, DR health) join the rule.
      renderAlarmRule: () =>
        Lazy.string({
          produce: () =>
            cloudwatch.AlarmRule.anyOf(
              ...members.map((a) => cloudwatch.AlarmRule.fromAlarm(a, cloudwatch.AlarmState.ALARM)),
            ).renderAlarmRule(),
        }),
    });

    if (props.dashboard) this.addServiceRows(props.dashboard, props.signals);
    if (props.database) this.addDatabase(props.database);
  }

  /** Add a P1 signal (the canary's failure alarm, DR health) to the composite `service-unhealthy`. */
  addServiceHealthAlarm(alarm: cloudwatch.IAlarm): void {
    this.healthMembers.push(alarm);
  }

  /** Watch the database: connections, CPU and local storage alarms, and a dashboard row. */
  addDatabase(db: DatabaseSignals): void {
    this.addEntries(databaseAlarmCatalog(db, this.props.thresholds));
    this.props.dashboard?.addSection(
      'Database',
      graph(
        'Connections',
        [db.cluster.metric('DatabaseConnections', { period: ONE_MINUTE, statistic: 'Maximum' })],
        [Math.floor((db.maxConnections * this.props.thresholds.dbConnectionsPercent) / 100)],
      ),
      graph(
        'CPU (%)',
        [db.cluster.metric('CPUUtilization', { period: ONE_MINUTE, statistic: 'Maximum' })],
        [this.props.thresholds.dbCpuPercent],
      ),
      graph('Capacity (ACU)', [
        db.cluster.metric('ServerlessDatabaseCapacity', { period: ONE_MINUTE, statistic: 'Maximum' }),
      ]),
      graph(
        'Free local storage (bytes)',
        [db.cluster.metric('FreeLocalStorage', { period: ONE_MINUTE, statistic: 'Minimum' })],
        [this.props.thresholds.dbFreeStorageGiB * GIB],
      ),
    );
  }

  private addEntries(entries: readonly CatalogEntry[]): void {
    for (const entry of entries) {
      const alarm = this.props.factory.createAlarm(this, entry);
      this.alarms[entry.id] = alarm;
      if (entry.gatesDeployment) this.deploymentAlarms.push(alarm);
    }
  }

  private addServiceRows(dashboard: OpsDashboard, signals: ServiceSignals): void {
    const alb = signals.loadBalancer.metrics;
    const t = this.props.thresholds;
    dashboard.addSection(
      'Golden signals',
      graph('Traffic (requests/min)', [alb.requestCount({ period: ONE_MINUTE, statistic: 'Sum' })]),
      graph(
        'Errors: 5xx rate (%)',
        [serverErrorRate(alb, t.http5xxMinRequestsPerMinute)],
        [t.http5xxP2Percent, t.http5xxP1Percent],
      ),
      graph(
        'Latency (s)',
        ['p50', 'p95', 'p99'].map((statistic) =>
          alb.targetResponseTime({ period: ONE_MINUTE, statistic, label: statistic }),
        ),
        [t.p50LatencySeconds, t.p95LatencySeconds],
      ),
      graph(
        'Saturation (%)',
        [
          signals.service.metricCpuUtilization({ period: ONE_MINUTE, statistic: 'Average', label: 'CPU (avg)' }),
          signals.service.metricMemoryUtilization({
            period: ONE_MINUTE,
            statistic: 'Maximum',
            label: 'Memory (max task)',
          }),
        ],
        [t.cpuPercent],
      ),
    );
    dashboard.addSection(
      'Deployments',
      graph(
        'Requests per target group (blue/green shift)',
        signals.targetGroups.map((tg, i) =>
          tg.metrics.requestCount({ period: ONE_MINUTE, statistic: 'Sum', label: `target group ${i + 1}` }),
        ),
      ),
      graph(
        'Healthy targets per target group',
        signals.targetGroups.map((tg, i) =>
          tg.metrics.healthyHostCount({ period: ONE_MINUTE, statistic: 'Minimum', label: `target group ${i + 1}` }),
        ),
      ),
      graph('Error log lines/min', [errorLogMetric(this.props.factory.naming)], [t.errorLogsPerMinute]),
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms that roll a deployment back',
        alarms: this.deploymentAlarms,
        width: 6,
        height: 6,
      }),
    );
  }
}

function graph(title: string, metrics: cloudwatch.IMetric[], thresholds: number[] = []): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title,
    left: metrics,
    leftAnnotations: thresholds.map((value) => ({ value, label: `alarm at ${value}` })),
    width: 6,
    height: 6,
  });
}
