import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { RDSClient } from '@aws-sdk/client-rds';
import { CLIENT_CONFIG, createLogger } from '../shared/aws';
import { onEvent, protectionEventSchema, ProtectionResponse } from './protection';

const logger = createLogger('deletion-protection');
const deps = { rds: new RDSClient(CLIENT_CONFIG), cloudformation: new CloudFormationClient(CLIENT_CONFIG), logger };

export const handler = (event: unknown): Promise<ProtectionResponse> =>
  onEvent(protectionEventSchema.parse(event), deps);
