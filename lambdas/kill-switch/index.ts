import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { CLIENT_CONFIG, createLogger } from '../shared/aws';
import { handleSwitchEvent } from './handle';
import { parseSettings } from './settings';

const logger = createLogger('kill-switch');
const settings = parseSettings(process.env.KILL_SWITCH_SETTINGS);
const clients = {
  ssm: new SSMClient(CLIENT_CONFIG),
  ecs: new ECSClient(CLIENT_CONFIG),
  autoscaling: new ApplicationAutoScalingClient(CLIENT_CONFIG),
  lambda: new LambdaClient(CLIENT_CONFIG),
  sns: new SNSClient(CLIENT_CONFIG),
};

export const handler = (event: unknown) => handleSwitchEvent(event, settings, clients, { logger });
