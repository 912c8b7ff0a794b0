import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CLIENT_CONFIG, createLogger } from '../shared/aws';
import { COST_EXPLORER_REGION } from './gather';
import { handleWeeklyReport } from './handle';
import { parseWeeklyReportSettings } from './settings';

const logger = createLogger('weekly-report');
const settings = parseWeeklyReportSettings(process.env.WEEKLY_REPORT_SETTINGS);
const cloudwatch = new CloudWatchClient(CLIENT_CONFIG);
const deps = {
  cloudwatch,
  codedeploy: new CodeDeployClient(CLIENT_CONFIG),
  logs: new CloudWatchLogsClient(CLIENT_CONFIG),
  costExplorer: new CostExplorerClient({ ...CLIENT_CONFIG, region: COST_EXPLORER_REGION }),
  incidentStore: {
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient(CLIENT_CONFIG), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    cloudwatch,
    logger,
  },
  s3: new S3Client(CLIENT_CONFIG),
  sns: new SNSClient(CLIENT_CONFIG),
  logger,
};

export const handler = (event: unknown) => handleWeeklyReport(event, settings, deps);
