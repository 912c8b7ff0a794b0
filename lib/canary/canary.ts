import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CanaryConfig, JourneyConfig } from '../../config';
import { BulwarkFunction } from '../common/bulwark-function';
import { Naming } from '../common/naming';
import { DataProtection, statefulRemovalPolicy } from '../common/protection';
import { AlarmFactory } from '../monitoring/alarm-factory';
import { probeJourneys, SERVICE_HOSTNAME_VARIABLE } from './probe-journeys';
import { CANARY_METRICS, canaryEnvironmentDimension } from './canary-metrics';

export interface CanaryProps {
  readonly naming: Naming;
  readonly protection: DataProtection;
  readonly journeys: readonly JourneyConfig[];
  readonly canary: CanaryConfig;
  /** The public endpoint the journeys run against (`BlueGreenService.endpointUrl`): the load balancer's DNS name. */
  readonly endpointUrl: string;
  /**
   * The service's domain (`BlueGreenService.serviceHostname`), sent as TLS server name and Host and verified
   * against the certificate, which covers it and not the load balancer's DNS name. Set exactly when the endpoint is
   * HTTPS. @default none: plain HTTP, and the authenticated journeys are not walked
   */
  readonly serviceHostname?: string;
  readonly alarms: AlarmFactory;
  /** The bearer token secret. @default a new secret `<service>-<env>-canary-credentials` */
  readonly credentials?: secretsmanager.ISecret;
  /**
   * Name of this probe when a stack has more than one: the function is `<service>-<env>-<probeName>`, its
   * alarms `<probeName>-journey-failed` / `<probeName>-latency`, its metrics' Environment `<env>-<probeName>`.
   * @default 'canary' (the names above without a suffix on the Environment dimension)
   */
  readonly probeName?: string;
  /** Runbook of the P1 failure alarm, in the symptom form the on-call reads. @default 'canary-journey-failed' */
  readonly failureRunbook?: string;
  /** What the P1 failure alarm says. @default 'A canary journey fails against the public endpoint ...' */
  readonly failureSummary?: string;
}

/** Period of the P1 failure alarm: the shortest high-resolution alarm period but one. */
export const FAILURE_ALARM_PERIOD_SECONDS = 10;
/** The detection ceiling the failure alarm must meet (issue 7; P1 detection targets are minutes). */
export const MAX_DETECTION_SECONDS = 60;
/** Seconds a scheduled rule may run late within its minute (EventBridge: schedule precision is one minute). */
export const SCHEDULE_PRECISION_SECONDS = 60;
/** Margin for PutMetricData, CloudWatch's evaluation after the period closes, and SNS delivery. */
export const DELIVERY_ALLOWANCE_SECONDS = 5;

/** The secret holding the canary's bearer token; its own construct so the deploy hook can share it. */
export class CanaryCredentials extends secretsmanager.Secret {
  constructor(scope: Construct, id: string, props: { naming: Naming; protection: DataProtection }) {
    super(scope, id, {
      secretName: props.naming.resource('canary-credentials'),
      description:
        'Bearer token of the canary user for authenticated journeys: {"token": "..."}. Replace the generated placeholder with a token issued by the service.',
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'token',
        excludePunctuation: true,
        passwordLength: 48,
      },
      removalPolicy: statefulRemovalPolicy(props.protection),
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        "The token is issued by the service's identity provider for a dedicated canary user; rotating it here would only break the canary. It is rotated where it is issued, then stored with put-secret-value.",
    });
  }
}

/**
 * The scheduled canary: a function named `<service>-<env>-canary` that every `canary.everyMinutes`
 * walks the journeys against the public endpoint `probeEverySeconds` apart until the next run, and
 * publishes high-resolution Success/LatencyMs. One probe a minute cannot detect a failure within
 * 60 s (the next sample alone may be 60 s away), hence several probes per run.
 *
 * P1 `canary-journey-failed`: overall Success, Minimum over 10 s, 1 of 1, below 1, missing data
 * BREACHING (a canary that stops publishing is a failed canary). CloudWatch uses the most recent real
 * datapoints in its evaluation range and treats missing ones as breaching only when there are too
 * few real ones, so the 10-s periods between 20-s probes do not page.
 * Worst case, service breaks just after a probe passed: next probe <= probeEverySeconds later; it and
 * its confirmation each wait at most one request timeout per journey; the period closes <= 10 s after
 * the datapoint; plus delivery. See `worstCaseDetectionSeconds`.
 */
export class Canary extends Construct {
  readonly function: BulwarkFunction;
  readonly credentials: secretsmanager.ISecret;
  readonly failureAlarm: cloudwatch.Alarm;
  readonly latencyAlarm: cloudwatch.Alarm;
  readonly schedule: events.Rule;
  /** Aborts a request after the largest latency budget: a slower answer has failed already. */
  readonly requestTimeoutMs: number;
  readonly probesPerRun: number;
  /** Worst-case seconds from a service failure to the P1 alarm's notification (default config: 20 + 16 + 10 + 5 = 51). */
  readonly worstCaseDetectionSeconds: number;

  constructor(scope: Construct, id: string, props: CanaryProps) {
    super(scope, id);
    const { naming, canary } = props;
    const probeName = props.probeName ?? 'canary';
    // The metrics' Environment dimension: a second probe in the same stack must not mix its datapoints in.
    const environment = canaryEnvironmentDimension(naming, props.probeName);
    const journeys = probeJourneys(this, {
      journeys: props.journeys,
      serviceHostname: props.serviceHostname,
      probe: `${environment} canary`,
      certificateField: `${environment}.service.certificateArn`,
    });
    const namespace = naming.metricNamespace;

    this.requestTimeoutMs = Math.max(...journeys.map((j) => j.latencyBudgetMs));
    // A scheduled rule runs within the minute it is due ("the minimum precision for schedules is one minute":
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-rule-schedule.html), so two runs may
    // start interval + 60 s apart: each run probes for that long, and runs overlap rather than leave a gap.
    const runSeconds = canary.everyMinutes * 60 + SCHEDULE_PRECISION_SECONDS;
    this.probesPerRun = Math.max(1, Math.ceil(runSeconds / canary.probeEverySeconds));
    // Journeys run at once (lambdas/canary): a probe and its confirmation take at most two request timeouts.
    const probeWorstSeconds = (2 * this.requestTimeoutMs) / 1000;
    this.worstCaseDetectionSeconds = Math.ceil(
      canary.probeEverySeconds + probeWorstSeconds + FAILURE_ALARM_PERIOD_SECONDS + DELIVERY_ALLOWANCE_SECONDS,
    );
    this.node.addValidation({
      validate: () =>
        this.worstCaseDetectionSeconds <= MAX_DETECTION_SECONDS
          ? []
          : [
              `${environment}.canary: worst-case detection is ${this.worstCaseDetectionSeconds} s (probe every ${canary.probeEverySeconds} s + 2 x ${this.requestTimeoutMs} ms timeout + ${FAILURE_ALARM_PERIOD_SECONDS} s period + ${DELIVERY_ALLOWANCE_SECONDS} s delivery), above ${MAX_DETECTION_SECONDS} s; lower canary.probeEverySeconds, the largest service.journeys latencyBudgetMs, or the number of journeys`,
            ],
    });

    this.credentials =
      props.credentials ?? new CanaryCredentials(this, 'Credentials', { naming, protection: props.protection });

    // The last probe starts (probesPerRun - 1) x probeEvery after the start and may take two request timeouts.
    const timeoutSeconds = Math.min(
      900,
      Math.ceil((this.probesPerRun - 1) * canary.probeEverySeconds + probeWorstSeconds + 10),
    );
    this.function = new BulwarkFunction(this, 'Function', {
      lambdaName: 'canary',
      description: `Walks the ${naming.serviceName} journeys against ${environment}'s public endpoint every ${canary.probeEverySeconds} s and publishes Success/LatencyMs`,
      protection: props.protection,
      timeout: Duration.seconds(timeoutSeconds),
      memorySize: 256,
      environment: {
        ENDPOINT_URL: props.endpointUrl,
        ...(props.serviceHostname ? { [SERVICE_HOSTNAME_VARIABLE]: props.serviceHostname } : {}),
        ENVIRONMENT: environment,
        METRIC_NAMESPACE: namespace,
        JOURNEYS: JSON.stringify(journeys),
        CREDENTIALS_SECRET_ARN: this.credentials.secretArn,
        PROBES_PER_RUN: String(this.probesPerRun),
        PROBE_EVERY_SECONDS: String(canary.probeEverySeconds),
        REQUEST_TIMEOUT_MS: String(this.requestTimeoutMs),
        // Read by the resilience report (lib/report/alarms.ts) to size a probe: it must say what the code does.
        JOURNEYS_IN_PARALLEL: 'true',
      },
    });
    // The pipeline invokes the canary by this name after each deploy (BulwarkFunction has no name option).
    (this.function.node.defaultChild as lambda.CfnFunction).functionName = naming.resource(probeName);
    // A late retry of a scheduled run measures nothing useful: the next run is a minute away.
    this.function.configureAsyncInvoke({ retryAttempts: 0 });
    this.credentials.grantRead(this.function);
    this.function.grantPutMetricData(namespace);

    this.schedule = new events.Rule(this, 'Schedule', {
      description: `Runs ${naming.resource(probeName)} every ${canary.everyMinutes} minute(s)`,
      schedule: events.Schedule.rate(Duration.minutes(canary.everyMinutes)),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });

    const overall = new cloudwatch.Metric({
      namespace,
      metricName: CANARY_METRICS.success,
      dimensionsMap: { Environment: environment },
      statistic: 'Minimum',
      period: Duration.seconds(FAILURE_ALARM_PERIOD_SECONDS),
    });
    this.failureAlarm = props.alarms.createAlarm(this, {
      id: `${probeName}-journey-failed`,
      // No figure here: the worst case is the resilience report's, read from this template (lib/report/alarms.ts).
      summary:
        props.failureSummary ?? 'A canary journey fails against the public endpoint (or the canary stopped reporting)',
      severity: 'P1',
      runbook: props.failureRunbook ?? 'canary-journey-failed',
      metric: overall,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    // P2: the slowest journey uses more than 80 % of its latency budget, 3 of 5 minutes: a warning before it fails.
    const usingMetrics = Object.fromEntries(
      journeys.map((j, i) => [
        `l${i}`,
        new cloudwatch.Metric({
          namespace,
          metricName: CANARY_METRICS.latency,
          dimensionsMap: { Environment: environment, Journey: j.name },
          statistic: 'Average',
          period: Duration.minutes(1),
        }),
      ]),
    );
    this.latencyAlarm = props.alarms.createAlarm(this, {
      id: `${probeName}-latency`,
      summary: 'A canary journey uses more than 80 % of its latency budget',
      severity: 'P2',
      runbook: 'canary-latency',
      metric: new cloudwatch.MathExpression({
        label: 'Slowest journey, % of its latency budget',
        expression: `100 * MAX([${journeys.map((j, i) => `l${i} / ${j.latencyBudgetMs}`).join(', ')}])`,
        usingMetrics,
        period: Duration.minutes(1),
      }),
      threshold: 80,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      // A canary that stops reporting is the P1 alarm's business; this one only judges the latencies it sees.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
