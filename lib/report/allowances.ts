/**
 * Every term the report adds to what the templates say, each with where it comes from. `documented`
 * terms are AWS's published behaviour (the page is cited); the others are assumptions: AWS publishes
 * no figure, so we chose a budget and say so in the report (Assumptions) and in docs/recovery-model.md.
 * Change them here and in the docs together.
 */
export interface ModelTerm {
  readonly name: string;
  readonly value: number;
  readonly unit: 'seconds' | 'minutes';
  readonly documented: boolean;
  /** The AWS page that states it, or why it is our assumption. */
  readonly source: string;
}

const ALARM_PAGE = 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html';

/**
 * A standard alarm (period of a minute or more) is evaluated once a minute; one with a 10- or 30-second
 * period every 10 s ("Using Amazon CloudWatch alarms", and "Evaluating an alarm" on the same page): a
 * datapoint that closes just after an evaluation waits for the next one.
 */
export const STANDARD_EVALUATION_INTERVAL_SECONDS = 60;
export const HIGH_RESOLUTION_EVALUATION_INTERVAL_SECONDS = 10;

/**
 * AWS-vended metrics (namespaces `AWS/...`) reach CloudWatch after their period closes. AWS publishes no
 * bound; ALB and ECS metrics commonly land within a minute. Assumption.
 */
export const VENDED_METRIC_DELAY_SECONDS = 60;

/**
 * Metrics a function puts itself (PutMetricData) or a log metric filter produces become visible to
 * alarms within seconds. AWS publishes no bound for current datapoints. Assumption.
 */
export const CUSTOM_METRIC_DELAY_SECONDS = 20;

/**
 * A scheduled EventBridge rule runs within the minute it is due ("the minimum precision for schedules
 * is one minute": https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-rule-schedule.html),
 * so two consecutive runs of `rate(n minutes)` may start up to n minutes + 60 s apart.
 */
export const SCHEDULE_PRECISION_SECONDS = 60;

/**
 * CodeDeploy watches a deployment group's alarms by polling their state; AWS does not publish the
 * interval. Assumption: one minute between the alarm entering ALARM and the deployment stopping.
 */
export const CODEDEPLOY_ALARM_POLL_SECONDS = 60;

/**
 * CloudWatch guarantees delivery of alarm state change events to EventBridge ("Alarm events and
 * EventBridge": https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html)
 * but publishes no latency, nor does EventBridge for invoking a Lambda target. Assumption: 10 s.
 */
export const ALARM_EVENT_DELIVERY_SECONDS = 10;

/**
 * An alias record to an Application Load Balancer is answered with the load balancer's own TTL, 60 s
 * (Route 53 "Choosing between alias and non-alias records": an alias's TTL is the AWS resource's).
 */
export const ALB_ALIAS_TTL_SECONDS = 60;

/** AWS Backup starts a scheduled job within its start window, 8 hours unless StartWindowMinutes says otherwise. */
export const DEFAULT_BACKUP_START_WINDOW_MINUTES = 480;

/**
 * Route 53 defaults when a health check leaves them out (HealthCheckConfig: RequestInterval 30,
 * FailureThreshold 3). A health checker's RequestInterval runs from the endpoint's response (or the
 * timeout) to the next request; an HTTP/HTTPS check fails when no TCP connection within 4 s or no status
 * within 2 s after connecting, a TCP check when no connection within 10 s ("How Amazon Route 53
 * determines whether a health check is healthy":
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html).
 */
export const ROUTE53_DEFAULT_REQUEST_INTERVAL_SECONDS = 30;
export const ROUTE53_DEFAULT_FAILURE_THRESHOLD = 3;
export const ROUTE53_HTTP_CONNECT_TIMEOUT_SECONDS = 4;
export const ROUTE53_HTTP_FIRST_BYTE_TIMEOUT_SECONDS = 2;
export const ROUTE53_TCP_CONNECT_TIMEOUT_SECONDS = 10;

/**
 * Region switch starts an execution when a trigger's alarm condition holds; AWS publishes no delay between the
 * alarm entering ALARM and the execution's first step (Trigger in the API reference:
 * https://docs.aws.amazon.com/arc-region-switch/latest/api/API_Trigger.html). Assumption: 60 s.
 */
export const REGION_SWITCH_TRIGGER_START_SECONDS = 60;

/**
 * A Region switch step without TimeoutMinutes waits 60 minutes, the default of every execution block's
 * TimeoutMinutes in the resource schema (AWS::ARCRegionSwitch::Plan, e.g. Route53HealthCheckConfiguration:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/
 * aws-properties-arcregionswitch-plan-route53healthcheckconfiguration.html).
 */
export const REGION_SWITCH_DEFAULT_STEP_TIMEOUT_MINUTES = 60;

const R53_HEALTH =
  'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html';

/** What the report prints under "Model terms": every documented term and every assumption. */
export const MODEL_TERMS: readonly ModelTerm[] = [
  {
    name: 'standard alarm evaluation interval',
    value: STANDARD_EVALUATION_INTERVAL_SECONDS,
    unit: 'seconds',
    documented: true,
    source: ALARM_PAGE,
  },
  {
    name: 'high-resolution (10/30 s) alarm evaluation interval',
    value: HIGH_RESOLUTION_EVALUATION_INTERVAL_SECONDS,
    unit: 'seconds',
    documented: true,
    source: ALARM_PAGE,
  },
  {
    name: 'EventBridge scheduled rule precision',
    value: SCHEDULE_PRECISION_SECONDS,
    unit: 'seconds',
    documented: true,
    source: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-rule-schedule.html',
  },
  {
    name: 'Route 53 HTTP(S) check: TCP connect timeout',
    value: ROUTE53_HTTP_CONNECT_TIMEOUT_SECONDS,
    unit: 'seconds',
    documented: true,
    source: R53_HEALTH,
  },
  {
    name: 'Route 53 HTTP(S) check: first byte after connect',
    value: ROUTE53_HTTP_FIRST_BYTE_TIMEOUT_SECONDS,
    unit: 'seconds',
    documented: true,
    source: R53_HEALTH,
  },
  {
    name: 'Route 53 TCP check: connect timeout',
    value: ROUTE53_TCP_CONNECT_TIMEOUT_SECONDS,
    unit: 'seconds',
    documented: true,
    source: R53_HEALTH,
  },
  {
    name: 'alias to an ALB: TTL',
    value: ALB_ALIAS_TTL_SECONDS,
    unit: 'seconds',
    documented: true,
    source:
      'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-choosing-alias-non-alias.html',
  },
  {
    name: 'AWS-vended metric publication delay',
    value: VENDED_METRIC_DELAY_SECONDS,
    unit: 'seconds',
    documented: false,
    source: 'assumption: AWS publishes no bound',
  },
  {
    name: 'custom metric / metric filter publication delay',
    value: CUSTOM_METRIC_DELAY_SECONDS,
    unit: 'seconds',
    documented: false,
    source: 'assumption: AWS publishes no bound for current datapoints',
  },
  {
    name: 'CodeDeploy alarm polling',
    value: CODEDEPLOY_ALARM_POLL_SECONDS,
    unit: 'seconds',
    documented: false,
    source: 'assumption: CodeDeploy does not publish how often it reads deployment alarms',
  },
  {
    name: 'alarm state change event to Lambda target',
    value: ALARM_EVENT_DELIVERY_SECONDS,
    unit: 'seconds',
    documented: false,
    source:
      'assumption: delivery is guaranteed (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html), its latency is not published',
  },
  {
    name: 'Route 53 health status reaching its name servers',
    value: 0,
    unit: 'seconds',
    documented: false,
    source: 'assumption: AWS publishes no figure; not counted',
  },
  {
    name: 'Region switch: trigger alarm in ALARM to the execution starting',
    value: REGION_SWITCH_TRIGGER_START_SECONDS,
    unit: 'seconds',
    documented: false,
    source:
      'assumption: AWS publishes no figure (https://docs.aws.amazon.com/arc-region-switch/latest/api/API_Trigger.html)',
  },
  {
    name: 'Region switch: a step without TimeoutMinutes',
    value: REGION_SWITCH_DEFAULT_STEP_TIMEOUT_MINUTES,
    unit: 'minutes',
    documented: true,
    source:
      'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-arcregionswitch-plan-route53healthcheckconfiguration.html',
  },
  {
    name: 'Region switch: a step lasts up to its TimeoutMinutes (a bound, not a duration)',
    value: 0,
    unit: 'minutes',
    documented: false,
    source:
      'assumption: AWS documents no duration for the execution blocks; the report counts each step at its timeout, ' +
      'the bound of the automated path: a step that runs past it stops the execution, and the manual fallback of ' +
      'runbooks/dr-failover.md applies, which these figures do not bound',
  },
  {
    name: 'composite alarm re-evaluation after a child changes state',
    value: 0,
    unit: 'seconds',
    documented: false,
    source: 'assumption: AWS publishes no figure; not counted',
  },
];
