import { RDSClient } from '@aws-sdk/client-rds';
import { CLIENT_CONFIG, createLogger, requiredEnv } from '../shared/aws';
import { InstanceResult, addDatabaseInstance, instanceSettingsSchema } from './instance';

const logger = createLogger('region-switch-db-instance');
const settings = instanceSettingsSchema.parse(JSON.parse(requiredEnv('DB_INSTANCE_STEP_SETTINGS')));
/** The function runs in the DR region, where the headless secondary is. */
const rds = new RDSClient(CLIENT_CONFIG);

export async function handler(event: unknown): Promise<InstanceResult> {
  return addDatabaseInstance(event, settings, rds, { logger });
}
