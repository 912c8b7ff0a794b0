import { BackupClient } from '@aws-sdk/client-backup';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import { CLIENT_CONFIG, createLogger, requiredEnv } from '../shared/aws';
import { Freshness, measureFreshness, publishFreshness, storeSpecsSchema } from './freshness';

const logger = createLogger('backup-verifier');
// Parsed at cold start: a stack that passes a bad store list fails loudly on the first run.
const stores = storeSpecsSchema.parse(JSON.parse(requiredEnv('STORES')));
const namespace = requiredEnv('METRIC_NAMESPACE');
const environment = requiredEnv('ENVIRONMENT');

const clients = {
  backup: new BackupClient(CLIENT_CONFIG),
  s3: new S3Client(CLIENT_CONFIG),
  rds: new RDSClient(CLIENT_CONFIG),
};
const cloudwatch = new CloudWatchClient(CLIENT_CONFIG);

/** EventBridge scheduled event; nothing in it is needed beyond its shape. */
const eventSchema = z.looseObject({ 'detail-type': z.optional(z.string()), time: z.optional(z.string()) });

export interface VerifierResult {
  readonly results: readonly Freshness[];
  readonly published: number;
}

export async function handler(event: unknown): Promise<VerifierResult> {
  eventSchema.parse(event ?? {});
  const now = new Date();
  const log = (level: 'info' | 'warn' | 'error', message: string, detail?: Record<string, unknown>) =>
    logger[level](message, detail ?? {});
  const results = await measureFreshness(stores, clients, { now, log });
  const published = await publishFreshness(cloudwatch, namespace, environment, results, now);
  for (const result of results) logger.info('backup freshness', { ...result });
  // Read-only and repeatable: a retried invocation publishes another datum, which is harmless.
  return { results, published };
}
