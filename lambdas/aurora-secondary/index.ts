import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { RDSClient } from '@aws-sdk/client-rds';
import * as z from 'zod/mini';
import { CLIENT_CONFIG, createLogger } from '../shared/aws';
import { isComplete, isCompleteSchema, IsCompleteResponse, onEvent, onEventSchema, OnEventResponse } from './secondary';

const logger = createLogger('aurora-secondary');
const cloudformation = new CloudFormationClient(CLIENT_CONFIG);
/** The function runs in the primary's region; RDS calls go to the secondary's region named by the event. */
const clients = new Map<string, RDSClient>();
const rds = (region: string): RDSClient => {
  if (!clients.has(region)) clients.set(region, new RDSClient({ ...CLIENT_CONFIG, region }));
  return clients.get(region)!;
};
/** One code base, two functions: `create` is the Provider's onEvent, `wait` its isComplete. */
const step = z.enum(['create', 'wait']).parse(process.env.SECONDARY_STEP);

export async function handler(rawEvent: unknown): Promise<OnEventResponse | IsCompleteResponse> {
  const deps = { rds, cloudformation, logger };
  if (step === 'create') return onEvent(onEventSchema.parse(rawEvent), deps);
  return isComplete(isCompleteSchema.parse(rawEvent), deps);
}
