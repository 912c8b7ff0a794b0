import { createLogger } from '../shared/aws';
import { pickEventSchema, pickPlanHealthChecks, PickResponse } from './pick';

const logger = createLogger('plan-health-checks');

/** The Provider framework's onEvent handler of the PlanHealthChecks custom resource. */
export async function handler(rawEvent: unknown): Promise<PickResponse> {
  return pickPlanHealthChecks(pickEventSchema.parse(rawEvent), { logger });
}
