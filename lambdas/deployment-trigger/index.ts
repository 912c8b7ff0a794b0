import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { ECSClient } from '@aws-sdk/client-ecs';
import * as z from 'zod/mini';
import { CLIENT_CONFIG, createLogger } from '../shared/aws';
import {
  checkDeployment,
  isCompleteSchema,
  IsCompleteResponse,
  onEventSchema,
  OnEventResponse,
  startDeployment,
} from './trigger';

const logger = createLogger('deployment-trigger');
const codedeploy = new CodeDeployClient(CLIENT_CONFIG);
const ecs = new ECSClient(CLIENT_CONFIG);
/** One code base, two functions: `start` is the Provider's onEvent, `wait` its isComplete. */
const step = z.enum(['start', 'wait']).parse(process.env.TRIGGER_STEP);

export async function handler(rawEvent: unknown): Promise<OnEventResponse | IsCompleteResponse> {
  const deps = { codedeploy, ecs, logger };
  if (step === 'start') return startDeployment(onEventSchema.parse(rawEvent), deps);
  return checkDeployment(isCompleteSchema.parse(rawEvent), deps);
}
