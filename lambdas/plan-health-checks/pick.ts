import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import type { Route53HealthCheck, Route53HealthCheckLister } from '../shared/arc-region-switch';

/** zod/mini loads no locale; English, as classic zod has, keeps the parse errors' wording. */
z.config(en());

/** An AWS Region name, the pattern Region switch itself uses for `region` (API_Route53HealthCheck). */
const REGION_PATTERN = /^[a-z]{2}-[a-z-]+-\d+$/;
const region = z.string().check(z.regex(REGION_PATTERN, { error: 'must be an AWS Region name such as us-east-1' }));
const nonEmpty = z.string().check(z.minLength(1));
/** The plan ARN pattern of ListRoute53HealthChecks' `arn` (API_ListRoute53HealthChecks.html). */
const PLAN_ARN_PATTERN =
  /^arn:aws[a-zA-Z-]*:arc-region-switch::[0-9]{12}:plan\/([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?):([a-z0-9]{6})$/;
const planArn = z.string().check(z.regex(PLAN_ARN_PATTERN, { error: 'must be a Region switch plan ARN' }));

/**
 * The custom resource's properties. `PlanHealthChecks` is the plan's `Fn::GetAtt <Plan>.PlanHealthChecks` and
 * `PlanArn` its ARN, so CloudFormation runs this again whenever the plan's health checks (or the plan) change.
 */
export const pickPropertiesSchema = z.object({
  PlanArn: planArn,
  PlanHealthChecks: z.array(z.string()),
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

/** Route 53 health check ids: at most 64 characters (API_Route53HealthCheck, healthCheckId), a UUID in practice. */
const HEALTH_CHECK_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;

/**
 * One `PlanHealthChecks` entry, if it has the shape a public project that deployed a plan saw:
 * `<hostedZoneId>:<recordName>:<region>:<healthCheckId>`. AWS's CloudFormation reference describes neither the
 * attribute's entries nor their order, so this shape is an assumption and serves only as a cross-check of the
 * documented API; an entry of any other shape returns undefined and the cross-check is skipped.
 */
export function parsePlanHealthCheck(entry: string): Route53HealthCheck | undefined {
  const fields = entry.split(':');
  const [hostedZoneId, recordName, entryRegion, healthCheckId] = fields;
  if (
    fields.length !== 4 ||
    !hostedZoneId ||
    !recordName ||
    !REGION_PATTERN.test(entryRegion) ||
    !HEALTH_CHECK_ID_PATTERN.test(healthCheckId)
  )
    return undefined;
  return { hostedZoneId, recordName, region: entryRegion, healthCheckId };
}

/** Route 53 names compare without the final dot and without case. */
function sameName(a: string, b: string): boolean {
  return a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();
}

/** The distinct ids of this zone's and record's checks in `wanted`; a check without an id yet counts as none. */
function idsFor(checks: readonly Route53HealthCheck[], props: PickProperties, wanted: string): string[] {
  const ids = checks
    .filter((c) => c.hostedZoneId === props.HostedZoneId && sameName(c.recordName, props.RecordName))
    .filter((c) => c.region === wanted && c.healthCheckId)
    .map((c) => c.healthCheckId!);
  return [...new Set(ids)];
}

const describe = (checks: readonly Route53HealthCheck[]) =>
  JSON.stringify(checks.map((c) => `${c.hostedZoneId}:${c.recordName}:${c.region}:${c.healthCheckId ?? '(no id)'}`));

export interface PickDeps {
  readonly api: Route53HealthCheckLister;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  readonly sleep: (ms: number) => Promise<void>;
  /** Milliseconds left before the function's timeout (Lambda's `context.getRemainingTimeInMillis`). */
  readonly remainingMs: () => number;
  /** Kept back from the timeout to answer with a reason instead of timing out. @default 15 000 */
  readonly reserveMs?: number;
  /** Between two reads while the plan's checks are not all there yet. @default 10 000 */
  readonly pollIntervalMs?: number;
}

type Picked = { readonly PrimaryHealthCheckId: string; readonly SecondaryHealthCheckId: string };

/**
 * Gives each live failover record the Region switch plan's health check for its Region, read through the
 * documented ListRoute53HealthChecks API (https://docs.aws.amazon.com/arc-region-switch/latest/api/API_ListRoute53HealthChecks.html)
 * filtered by the live record's hosted zone and record name, and chosen by Region, never by position (AWS
 * documents no order). Two different ids for one Region fail at once: a guess could point the PRIMARY record at
 * the standby's check. No id yet for a Region is waited for: AWS does not document how soon after a plan's create
 * or update the health checks it creates are listed (an assumption that they may lag), so this reads again every
 * `pollIntervalMs` until `reserveMs` before the function's timeout, then fails naming what it saw. The client
 * retries throttling and server faults with backoff; any other API error fails with the service's message.
 * Read-only: idempotent, and Delete has nothing to clean up (the plan owns its checks).
 */
export async function pickPlanHealthChecks(event: PickEvent, deps: PickDeps): Promise<PickResponse> {
  const props = event.ResourceProperties;
  const physicalId = `${props.HostedZoneId}/${props.RecordName}/plan-health-checks`;
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const reserveMs = deps.reserveMs ?? 15_000;
  const pollIntervalMs = deps.pollIntervalMs ?? 10_000;
  const regions = [props.PrimaryRegion, props.SecondaryRegion];
  let checks: Route53HealthCheck[] = [];
  for (let attempt = 1; ; attempt++) {
    checks = await deps.api.listRoute53HealthChecks({
      arn: props.PlanArn,
      hostedZoneId: props.HostedZoneId,
      recordName: props.RecordName,
    });
    const ids = regions.map((r) => idsFor(checks, props, r));
    const ambiguous = regions.filter((_, i) => ids[i].length > 1);
    if (ambiguous.length > 0)
      throw new Error(
        `the Region switch plan ${props.PlanArn} has ${ambiguous
          .map((r) => `${ids[regions.indexOf(r)].length} different Route 53 health checks for ${r}`)
          .join(' and ')} (record ${props.RecordName} in ${props.HostedZoneId}); ListRoute53HealthChecks returned ` +
          `${describe(checks)}; check the plan's Route53HealthCheck step (one record set identifier per Region)`,
      );
    if (ids.every((list) => list.length === 1)) {
      const picked = { PrimaryHealthCheckId: ids[0][0], SecondaryHealthCheckId: ids[1][0] };
      if (picked.PrimaryHealthCheckId === picked.SecondaryHealthCheckId)
        throw new Error(`the plan gives ${props.PrimaryRegion} and ${props.SecondaryRegion} the same health check`);
      crossCheck(picked, props, deps);
      deps.logger.info('plan health checks picked by Region', {
        requestType: event.RequestType,
        planArn: props.PlanArn,
        recordName: props.RecordName,
        reads: attempt,
        [props.PrimaryRegion]: picked.PrimaryHealthCheckId,
        [props.SecondaryRegion]: picked.SecondaryHealthCheckId,
      });
      return { PhysicalResourceId: physicalId, Data: picked };
    }
    const missing = regions.filter((_, i) => ids[i].length === 0);
    if (deps.remainingMs() - pollIntervalMs < reserveMs)
      throw new Error(
        `the Region switch plan ${props.PlanArn} lists no Route 53 health check for ${missing.join(' and ')} ` +
          `(record ${props.RecordName} in ${props.HostedZoneId}) after ${attempt} read(s); ListRoute53HealthChecks ` +
          `returned ${describe(checks)}; check the plan's Route53HealthCheck step and its record sets`,
      );
    deps.logger.info('plan health checks not all listed yet; reading again', { missing, reads: attempt });
    await deps.sleep(pollIntervalMs);
  }
}

/**
 * The GetAtt value as a second opinion, when its entries have the recognised shape: a disagreement with the API
 * fails the deploy naming both, since one of the two sources is then wrong about which check belongs where.
 */
function crossCheck(picked: Picked, props: PickProperties, deps: Pick<PickDeps, 'logger'>): void {
  const entries = props.PlanHealthChecks.map(parsePlanHealthCheck);
  if (entries.length === 0 || entries.some((e) => e === undefined)) {
    deps.logger.warn('PlanHealthChecks has no entries of a recognised shape; no cross-check', {
      planHealthChecks: props.PlanHealthChecks,
    });
    return;
  }
  const fromAttribute = [props.PrimaryRegion, props.SecondaryRegion].map((r) =>
    idsFor(entries as Route53HealthCheck[], props, r),
  );
  const agrees =
    fromAttribute[0].length === 1 &&
    fromAttribute[1].length === 1 &&
    fromAttribute[0][0] === picked.PrimaryHealthCheckId &&
    fromAttribute[1][0] === picked.SecondaryHealthCheckId;
  if (!agrees)
    throw new Error(
      `ListRoute53HealthChecks and the plan's PlanHealthChecks attribute disagree for ${props.RecordName}: ` +
        `the API gives ${props.PrimaryRegion}=${picked.PrimaryHealthCheckId}, ` +
        `${props.SecondaryRegion}=${picked.SecondaryHealthCheckId}; PlanHealthChecks is ` +
        `${JSON.stringify(props.PlanHealthChecks)}`,
    );
}
