import { randomUUID } from 'crypto';
import { promises as dns } from 'dns';
import { BackupClient } from '@aws-sdk/client-backup';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { CLIENT_CONFIG, createLogger, requiredEnv } from '../shared/aws';
import { DrillReport, drillSettingsSchema, runDrill } from './drill';

const logger = createLogger('dr-drill');
const settings = drillSettingsSchema.parse(JSON.parse(requiredEnv('DRILL_SETTINGS')));
// Route 53 is a global service whose control plane answers in us-east-1.
const route53 = new Route53Client({ ...CLIENT_CONFIG, region: 'us-east-1' });
const s3 = new S3Client(CLIENT_CONFIG);
const cloudwatch = new CloudWatchClient(CLIENT_CONFIG);
const backup = new BackupClient(CLIENT_CONFIG);

/** Kept back from the function's timeout to restore the health check and write the report. */
const RESTORE_RESERVE_MS = 90_000;

/** The trigger invokes the function with its own payload; nothing in it steers the drill. */
const eventSchema = z.nullish(z.looseObject({}));

export async function handler(
  rawEvent: unknown,
  context?: Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>,
): Promise<Pick<DrillReport, 'runId' | 'status' | 'failover' | 'data'>> {
  eventSchema.parse(rawEvent);
  const remaining = context?.getRemainingTimeInMillis() ?? 15 * 60_000;
  const report = await runDrill(settings, {
    route53,
    s3,
    cloudwatch,
    backup,
    logger,
    resolveIps: (host) => dns.resolve4(host),
    runId: context?.awsRequestId ?? randomUUID(),
    deadlineMs: Date.now() + Math.max(0, remaining - RESTORE_RESERVE_MS),
  });
  return { runId: report.runId, status: report.status, failover: report.failover, data: report.data };
}
