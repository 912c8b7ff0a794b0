import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';

/** zod/mini loads no locale; English, as classic zod has, keeps the parse errors' wording. */
z.config(en());

/** An AWS Region name, the pattern Region switch itself uses for `region` (API_Route53HealthCheck). */
const REGION_PATTERN = /^[a-z]{2}-[a-z-]+-\d+$/;
const region = z.string().check(z.regex(REGION_PATTERN, { error: 'must be an AWS Region name such as us-east-1' }));
const nonEmpty = z.string().check(z.minLength(1));

/**
 * The custom resource's properties. `PlanHealthChecks` is the plan's `Fn::GetAtt <Plan>.PlanHealthChecks`, so
 * CloudFormation runs this again whenever the plan's health checks change.
 */
export const pickPropertiesSchema = z.object({
  PlanHealthChecks: z.array(nonEmpty),
  HostedZoneId: nonEmpty,
  RecordName: nonEmpty,
  PrimaryRegion: region,
  SecondaryRegion: region,
});
export type PickProperties = z.infer<typeof pickPropertiesSchema>;

const baseEvent = { RequestId: nonEmpty, ResourceProperties: pickPropertiesSchema };
export const pickEventSchema = z.discriminatedUnion('RequestType', [
  z.object({ ...baseEvent, RequestType: z.literal('Create') }),
  z.object({ ...baseEvent, RequestType: z.literal('Update'), PhysicalResourceId: nonEmpty }),
  z.object({ ...baseEvent, RequestType: z.literal('Delete'), PhysicalResourceId: nonEmpty }),
]);
export type PickEvent = z.infer<typeof pickEventSchema>;

/** The attributes the failover records read (`Fn::GetAtt <resource>.PrimaryHealthCheckId`). */
export interface PickResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: { readonly PrimaryHealthCheckId: string; readonly SecondaryHealthCheckId: string };
}

/** One health check Region switch created for the plan's Route 53 health check block. */
export interface PlanHealthCheck {
  readonly hostedZoneId: string;
  readonly recordName: string;
  readonly region: string;
  readonly healthCheckId: string;
}

/** Route 53 health check ids: at most 64 characters (API_Route53HealthCheck, healthCheckId), a UUID in practice. */
const HEALTH_CHECK_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;

/**
 * One `PlanHealthChecks` entry. AWS's CloudFormation reference gives the attribute no description; a public
 * project that deployed a plan read its entries as `<hostedZoneId>:<recordName>:<region>:<healthCheckId>`, the
 * same four fields the documented ListRoute53HealthChecks API returns for each check (hostedZoneId, recordName,
 * region, healthCheckId: https://docs.aws.amazon.com/arc-region-switch/latest/api/API_Route53HealthCheck.html).
 * Assumption until seen on a real account: anything else is refused, so a changed shape fails the deploy
 * instead of giving a record the wrong check.
 */
export function parsePlanHealthCheck(entry: string): PlanHealthCheck {
  const fields = entry.split(':');
  const [hostedZoneId, recordName, entryRegion, healthCheckId] = fields;
  if (
    fields.length !== 4 ||
    !hostedZoneId ||
    !recordName ||
    !REGION_PATTERN.test(entryRegion) ||
    !HEALTH_CHECK_ID_PATTERN.test(healthCheckId)
  ) {
    throw new Error(
      `PlanHealthChecks entry ${JSON.stringify(entry)} is not <hostedZoneId>:<recordName>:<region>:<healthCheckId>; ` +
        'compare with `aws arc-region-switch list-route53-health-checks --arn <plan ARN>` and update ' +
        'lambdas/plan-health-checks/pick.ts to the shape Region switch returns',
    );
  }
  return { hostedZoneId, recordName, region: entryRegion, healthCheckId };
}

/** Route 53 names compare without the final dot and without case. */
function sameName(a: string, b: string): boolean {
  return a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();
}

/**
 * The plan's health check for `wanted` among the checks of this hosted zone and record name: exactly one id,
 * chosen by its Region, never by its position in the list (AWS documents no order). None, or two different
 * ids for one Region, fails: a guess could point the PRIMARY record at the standby's check and send users the
 * wrong way when the plan runs.
 */
export function healthCheckFor(checks: readonly PlanHealthCheck[], props: PickProperties, wanted: string): string {
  const ids = new Set(
    checks
      .filter((c) => c.hostedZoneId === props.HostedZoneId && sameName(c.recordName, props.RecordName))
      .filter((c) => c.region === wanted)
      .map((c) => c.healthCheckId),
  );
  if (ids.size !== 1) {
    const seen = checks.map((c) => `${c.hostedZoneId}:${c.recordName}:${c.region}:${c.healthCheckId}`);
    throw new Error(
      `the Region switch plan has ${ids.size === 0 ? 'no' : `${ids.size} different`} Route 53 health ` +
        `check(s) for ${props.RecordName} in ${props.HostedZoneId} and Region ${wanted} ` +
        `(PlanHealthChecks: ${JSON.stringify(seen)}); check the plan's Route53HealthCheck step (hosted zone, ` +
        'record name, record set identifiers per Region)',
    );
  }
  return [...ids][0];
}

export interface PickDeps {
  readonly logger: Pick<Logger, 'info'>;
}

/**
 * Gives each live failover record the Region switch plan's health check for its Region. No AWS call: the
 * plan's own attribute carries the checks, so this is idempotent and has nothing to retry or clean up.
 */
export function pickPlanHealthChecks(event: PickEvent, deps: PickDeps): PickResponse {
  const props = event.ResourceProperties;
  const physicalId = `${props.HostedZoneId}/${props.RecordName}/plan-health-checks`;
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const checks = props.PlanHealthChecks.map(parsePlanHealthCheck);
  const data = {
    PrimaryHealthCheckId: healthCheckFor(checks, props, props.PrimaryRegion),
    SecondaryHealthCheckId: healthCheckFor(checks, props, props.SecondaryRegion),
  };
  if (data.PrimaryHealthCheckId === data.SecondaryHealthCheckId) {
    throw new Error(`the plan gives ${props.PrimaryRegion} and ${props.SecondaryRegion} the same health check`);
  }
  deps.logger.info('plan health checks picked by Region', {
    requestType: event.RequestType,
    recordName: props.RecordName,
    [props.PrimaryRegion]: data.PrimaryHealthCheckId,
    [props.SecondaryRegion]: data.SecondaryHealthCheckId,
  });
  return { PhysicalResourceId: physicalId, Data: data };
}
