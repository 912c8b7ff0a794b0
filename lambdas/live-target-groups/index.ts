import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CLIENT_CONFIG, createLogger } from '../shared/aws';
import { lookupEventSchema, LookupResponse, lookUpLiveTargetGroups } from './lookup';

const logger = createLogger('live-target-groups');
const elb = new ElasticLoadBalancingV2Client(CLIENT_CONFIG);

/** The Provider framework's onEvent handler of the LiveTargetGroups custom resource. */
export async function handler(rawEvent: unknown): Promise<LookupResponse> {
  return lookUpLiveTargetGroups(lookupEventSchema.parse(rawEvent), { elb, logger });
}
