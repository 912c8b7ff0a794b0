import type { Context } from 'aws-lambda';
import {
  ArcRegionSwitchClient,
  ARC_REGION_SWITCH_CONTROL_PLANE_REGION,
  arcRegionSwitchControlPlaneEndpoint,
} from '../shared/arc-region-switch';
import { createLogger, requiredEnv } from '../shared/aws';
import { realSleep } from '../shared/retry';
import { pickEventSchema, pickPlanHealthChecks, PickResponse } from './pick';

const logger = createLogger('plan-health-checks');
/** The one plan this function's role may read (its IAM policy names only this ARN). */
const allowedPlanArn = requiredEnv('PLAN_HEALTH_CHECKS_PLAN_ARN');
/**
 * ListRoute53HealthChecks is a control-plane operation (lambdas/shared/arc-region-switch.ts). Credentials: the
 * execution role's keys, which Lambda puts in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime); read on
 * each signing, so a refreshed set is used.
 */
const arc = new ArcRegionSwitchClient({
  region: ARC_REGION_SWITCH_CONTROL_PLANE_REGION,
  endpoint: arcRegionSwitchControlPlaneEndpoint(),
  credentials: async () => ({
    accessKeyId: requiredEnv('AWS_ACCESS_KEY_ID'),
    secretAccessKey: requiredEnv('AWS_SECRET_ACCESS_KEY'),
    sessionToken: process.env.AWS_SESSION_TOKEN,
  }),
});

/** The Provider framework's onEvent handler of the PlanHealthChecks custom resource. */
export async function handler(rawEvent: unknown, context: Context): Promise<PickResponse> {
  const event = pickEventSchema.parse(rawEvent);
  if (event.RequestType !== 'Delete' && event.ResourceProperties.PlanArn !== allowedPlanArn)
    throw new Error(
      `PlanArn ${event.ResourceProperties.PlanArn} is not the plan this function may read (${allowedPlanArn})`,
    );
  return pickPlanHealthChecks(event, {
    api: arc,
    logger,
    sleep: realSleep,
    remainingMs: () => context.getRemainingTimeInMillis(),
  });
}
