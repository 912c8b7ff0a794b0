import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { CLIENT_CONFIG, createLogger, requiredEnv } from '../shared/aws';
import { ActionResult, actionSettingsSchema, runRegionSwitchAction } from './action';

const logger = createLogger('region-switch-action');
const settings = actionSettingsSchema.parse(JSON.parse(requiredEnv('REGION_SWITCH_ACTION_SETTINGS')));
// The freeze parameter lives in Prod's region; the notice topic in this (the activating) region.
const ssm = new SSMClient({ ...CLIENT_CONFIG, region: settings.freezeParameterRegion });
const sns = new SNSClient(CLIENT_CONFIG);

export async function handler(event: unknown): Promise<ActionResult> {
  return runRegionSwitchAction(event, settings, { ssm, sns }, { logger });
}
