import { randomUUID } from 'crypto';
import { promises as dns } from 'dns';
import { BackupClient } from '@aws-sdk/client-backup';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { ArcRegionSwitchClient } from '../shared/arc-region-switch';
import { CLIENT_CONFIG, createLogger, requiredEnv } from '../shared/aws';
import { DrillReport, drillSettingsSchema, runDrill } from './drill';
import { startSwitchoverLeg, SwitchoverLeg, waitForSwitchoverLeg } from './switchover';

const logger = createLogger('dr-drill');
const settings = drillSettingsSchema.parse(JSON.parse(requiredEnv('DRILL_SETTINGS')));
/** Which entry this function is: the drill-pair trigger, or the switchover's onEvent / isComplete. */
const step = z.enum(['measure', 'switchover-start', 'switchover-wait']).parse(process.env.DRILL_STEP ?? 'measure');
// Route 53 is a global service whose control plane answers in us-east-1.
const route53 = new Route53Client({ ...CLIENT_CONFIG, region: 'us-east-1' });
const s3 = new S3Client(CLIENT_CONFIG);
const cloudwatch = new CloudWatchClient(CLIENT_CONFIG);
const backup = new BackupClient(CLIENT_CONFIG);
// Region switch's data plane answers in each Region of the plan: this one (DrRegion) stays up when Prod's is down.
// Credentials: the SDK's default Node chain, as resolved by a client the function already has (in Lambda, the
// execution role's keys from the environment).
const arc = settings.planArn
  ? new ArcRegionSwitchClient({ region: requiredEnv('AWS_REGION'), credentials: cloudwatch.config.credentials })
  : undefined;

/** Kept back from the function's timeout to restore the health check and write the report. */
const RESTORE_RESERVE_MS = 90_000;

/** The trigger invokes the function with its own payload; nothing in it steers the drill. */
const eventSchema = z.nullish(z.looseObject({}));

/** What the Provider framework passes (onEvent; isComplete adds what onEvent returned). */
const customResourceEventSchema = z.looseObject({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  RequestId: z.string().check(z.minLength(1)),
  PhysicalResourceId: z.optional(z.string()),
  ResourceProperties: z.looseObject({ Leg: z.enum(['out', 'back']) }),
});

/** `<leg>|<executionId>|<startedAt>`: an Update or Delete finds what the Create started without a store. */
function physicalId(leg: SwitchoverLeg, executionId: string, startedAt: string): string {
  return `${leg}|${executionId}|${startedAt}`;
}

function parsePhysicalId(id: string | undefined): { executionId?: string; startedAt?: string } {
  const [, executionId, startedAt] = (id ?? '').split('|');
  return { executionId, startedAt };
}

export async function handler(
  rawEvent: unknown,
  context?: Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>,
): Promise<unknown> {
  if (step === 'measure') return measure(rawEvent, context);
  const event = customResourceEventSchema.parse(rawEvent);
  const leg = event.ResourceProperties.Leg;
  if (!arc) throw new Error('DRILL_SETTINGS names no Region switch plan: synthesize with -c drill=switchover');
  const deps = { arc, s3, cloudwatch, backup, logger };
  if (step === 'switchover-start') {
    // Only a Create runs a leg: an Update (changed properties) or a Delete (stack rollback, or the ordinary deploy
    // that removes the drill) must never move traffic.
    if (event.RequestType !== 'Create') {
      const previous = parsePhysicalId(event.PhysicalResourceId);
      return { PhysicalResourceId: event.PhysicalResourceId, Data: { ExecutionId: previous.executionId ?? '' } };
    }
    const started = await startSwitchoverLeg(settings, deps, { leg, requestId: event.RequestId });
    return {
      PhysicalResourceId: physicalId(leg, started.executionId, started.startedAt),
      Data: { ExecutionId: started.executionId },
    };
  }
  if (event.RequestType !== 'Create') return { IsComplete: true };
  const { executionId, startedAt } = parsePhysicalId(event.PhysicalResourceId);
  if (!executionId || !startedAt) throw new Error(`unexpected PhysicalResourceId ${event.PhysicalResourceId}`);
  const progress = await waitForSwitchoverLeg(settings, deps, {
    leg,
    requestId: event.RequestId,
    executionId,
    startedAt,
  });
  return progress.done
    ? {
        IsComplete: true,
        Data: { ExecutionId: executionId, TotalSeconds: String(progress.report?.totalSeconds ?? '') },
      }
    : { IsComplete: false };
}

async function measure(
  rawEvent: unknown,
  context?: Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>,
): Promise<Pick<DrillReport, 'runId' | 'status' | 'failover' | 'data' | 'plan'>> {
  eventSchema.parse(rawEvent);
  const remaining = context?.getRemainingTimeInMillis() ?? 15 * 60_000;
  const report = await runDrill(settings, {
    route53,
    s3,
    cloudwatch,
    backup,
    arc,
    logger,
    resolveIps: (host) => dns.resolve4(host),
    runId: context?.awsRequestId ?? randomUUID(),
    deadlineMs: Date.now() + Math.max(0, remaining - RESTORE_RESERVE_MS),
  });
  return {
    runId: report.runId,
    status: report.status,
    failover: report.failover,
    data: report.data,
    plan: report.plan,
  };
}
