import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { StoreDeps } from '../../../lambdas/incident-recorder/store';
import { MotoServer } from '../../helpers/moto';

/** The incidents table as lib/incidents/incident-record.ts declares it, written out by hand. */
export async function createIncidentTable(moto: MotoServer, tableName: string): Promise<void> {
  await new DynamoDBClient(moto.clientConfig()).send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'status', AttributeType: 'S' },
        { AttributeName: 'detectedKey', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byStatus',
          KeySchema: [
            { AttributeName: 'status', KeyType: 'HASH' },
            { AttributeName: 'detectedKey', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
}

const nothing = () => undefined;
export const quietLogger = { info: nothing, warn: nothing, error: nothing } as unknown as StoreDeps['logger'];

export function motoStore(moto: MotoServer): StoreDeps {
  return {
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient(moto.clientConfig()), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    cloudwatch: new CloudWatchClient(moto.clientConfig()),
    logger: quietLogger,
    sleep: async () => undefined,
  };
}
