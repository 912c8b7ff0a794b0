/**
 * Allowances the report adds to what the templates say, for delays the templates cannot show.
 * Each is a budget we chose and wrote down (docs/recovery-model.md, "Detection and rollback"), not a
 * published AWS figure; change them here and the docs together.
 */

/**
 * AWS-vended metrics (namespaces `AWS/...`) reach CloudWatch after their period closes; ALB and ECS
 * metrics commonly land within a minute. A datapoint the alarm cannot see yet cannot breach.
 */
export const VENDED_METRIC_DELAY_SECONDS = 60;

/** Metrics a function puts itself (PutMetricData or embedded metric format) are visible within seconds. */
export const CUSTOM_METRIC_DELAY_SECONDS = 20;

/**
 * CodeDeploy watches a deployment group's alarms by polling their state; AWS does not publish the
 * interval. We budget one minute between the alarm entering ALARM and the deployment stopping.
 */
export const CODEDEPLOY_ALARM_POLL_SECONDS = 60;

/** An alias record to an Application Load Balancer is answered with a 60-second TTL. */
export const ALB_ALIAS_TTL_SECONDS = 60;

/** AWS Backup starts a scheduled job within its start window, 8 hours unless StartWindowMinutes says otherwise. */
export const DEFAULT_BACKUP_START_WINDOW_MINUTES = 480;

/** Route 53 defaults when a health check leaves them out. */
export const ROUTE53_DEFAULT_REQUEST_INTERVAL_SECONDS = 30;
export const ROUTE53_DEFAULT_FAILURE_THRESHOLD = 3;
