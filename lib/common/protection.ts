import { RemovalPolicy } from 'aws-cdk-lib';

/**
 * How stateful resources are treated when their stack or construct is removed. Prod retains and
 * protects; Dev can be torn down. Decided once, from config, passed to every construct that owns data.
 */
export interface DataProtection {
  /** Retain, deletion-protect and snapshot stateful resources. */
  readonly retain: boolean;
}

/**
 * Retained on update and on stack delete, but deleted when the stack operation that created the resource
 * rolls back: CloudFormation's `RetainExceptOnCreate` ("behaves like Retain for stack operations, except
 * for the stack operation that initially created the resource. If the stack operation that created the
 * resource is rolled back, CloudFormation deletes the resource":
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html).
 * Plain `Retain` would leave a failed first create's resources behind, and those with a fixed name (vaults,
 * buckets, log groups, secrets, subnet groups) would make the retry fail with AlreadyExists.
 */
export function statefulRemovalPolicy(protection: DataProtection): RemovalPolicy {
  return protection.retain ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY;
}

/**
 * For a resource CloudFormation names itself (no fixed name, so a retry never collides) that a service
 * may write into while the stack is still being created, such as the load balancer's access-log bucket
 * (the load balancer writes a test file as soon as logging is on:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html): plain `Retain`, because a rollback
 * that tried to delete a bucket holding objects would fail and leave the stack in ROLLBACK_FAILED.
 */
export function generatedNameRemovalPolicy(protection: DataProtection): RemovalPolicy {
  return protection.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}

/**
 * For databases: a final snapshot rather than plain retention, where the resource supports it. A create
 * rollback deletes the empty new cluster too (after a snapshot), so its fixed identifier is free again.
 */
export function databaseRemovalPolicy(protection: DataProtection): RemovalPolicy {
  return protection.retain ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY;
}

/**
 * Logs are kept at least this long where the environment retains its data: an incident found months later can
 * still be traced (AWS Control Tower control CT.CLOUDWATCH.PR.2 asks for a year or more:
 * https://docs.aws.amazon.com/controltower/latest/controlreference/cloudwatch-rules.html).
 */
export const RETAINED_LOG_MIN_DAYS = 365;

/** Days to keep a log group: at least RETAINED_LOG_MIN_DAYS where the environment retains its data, else as asked. */
export function logRetentionDays(protection: DataProtection, days: number): number {
  return protection.retain ? Math.max(RETAINED_LOG_MIN_DAYS, days) : days;
}
