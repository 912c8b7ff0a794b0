import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { CLIENT_CONFIG, createLogger, requiredEnv } from '../shared/aws';
import { alarmEventSchema, stopDeployments, StopResult } from './stopper';

const logger = createLogger('deployment-stopper');
const codedeploy = new CodeDeployClient(CLIENT_CONFIG);
const settings = {
  applicationName: requiredEnv('APPLICATION_NAME'),
  deploymentGroupName: requiredEnv('DEPLOYMENT_GROUP_NAME'),
};

export async function handler(rawEvent: unknown): Promise<StopResult> {
  // Backoff kept short: the whole invocation must end within the function's 20-s timeout, which the report counts.
  return stopDeployments(alarmEventSchema.parse(rawEvent), settings, {
    codedeploy,
    logger,
    retry: { attempts: 4, maxDelayMs: 2000 },
  });
}
