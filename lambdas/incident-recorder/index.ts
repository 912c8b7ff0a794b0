import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CLIENT_CONFIG, createLogger } from '../shared/aws';
import { handleIncidentEvent } from './handle';
import { parseIncidentSettings } from './settings';

const logger = createLogger('incident-recorder');
const settings = parseIncidentSettings(process.env.INCIDENT_SETTINGS);
const deps = {
  ddb: DynamoDBDocumentClient.from(new DynamoDBClient(CLIENT_CONFIG), {
    marshallOptions: { removeUndefinedValues: true },
  }),
  cloudwatch: new CloudWatchClient(CLIENT_CONFIG),
  logger,
};

export const handler = (event: unknown) => handleIncidentEvent(event, settings, deps);
