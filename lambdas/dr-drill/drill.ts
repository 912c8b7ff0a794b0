import { BackupClient, ListRecoveryPointsByBackupVaultCommand } from '@aws-sdk/client-backup';
import { CloudWatchClient, PutMetricDataCommand, StandardUnit } from '@aws-sdk/client-cloudwatch';
import {
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  ListResourceRecordSetsCommand,
  ListTagsForResourceCommand,
  ResourceRecordSet,
  Route53Client,
  TestDNSAnswerCommand,
  UpdateHealthCheckCommand,
} from '@aws-sdk/client-route-53';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  HeadObjectCommandOutput,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import type { RegionSwitchApi } from '../shared/arc-region-switch';
import { withRetry } from '../shared/retry';
import { checkPlanEvaluation, checkReplicationLag, PlanReadiness, ReplicationLag } from './readiness';

/** zod/mini loads no locale; English, as classic zod has, keeps the parse errors' wording. */
z.config(en());

/** What the stack tells the drill (one JSON environment variable, parsed at cold start). */
export const drillSettingsSchema = z.object({
  serviceName: z.string().check(z.minLength(1)),
  hostedZoneId: z.string().check(z.minLength(1)),
  /** The drill pair's name (`drill.<domain>`), never the live one (with or without the trailing dot). */
  recordName: z.string().check(z.minLength(1)),
  /** The drill pair's set identifiers. */
  primarySetIdentifier: z.string().check(z.minLength(1)),
  secondarySetIdentifier: z.string().check(z.minLength(1)),
  /** The only health check the drill may invert: the drill pair's primary (its role may update no other). */
  drillHealthCheckId: z.string().check(z.minLength(1)),
  /** The tag that marks a health check as a drill check; the drill refuses to invert one without it. */
  drillHealthCheckTag: z.object({ key: z.string().check(z.minLength(1)), value: z.string().check(z.minLength(1)) }),
  standbyMode: z.enum(['pilot-light', 'warm-standby']),
  reportBucket: z.string().check(z.minLength(1)),
  /** Reports and the lock live under this prefix; the replica freshness check ignores it. */
  reportPrefix: z._default(z.string(), 'drills/'),
  replicaBucket: z.optional(z.string().check(z.minLength(1))),
  /** Where replicated objects are expected (a heartbeat prefix keeps the listing short). */
  replicaPrefix: z._default(z.string(), ''),
  vaultName: z.optional(z.string().check(z.minLength(1))),
  metricNamespace: z.string().check(z.minLength(1)),
  targets: z.object({
    failoverSeconds: z.number().check(z.positive()),
    recoveryPointMaxAgeSeconds: z.number().check(z.positive()),
    replicaObjectMaxAgeSeconds: z.number().check(z.positive()),
    waitBoundSeconds: z.number().check(z.positive()),
  }),
  /** A lock older than this belongs to a drill that cannot still be running (longer than the function's timeout). */
  lockStaleSeconds: z.number().check(z.positive()),
  pollSeconds: z._default(z.number().check(z.positive()), 5),
  /** The Region switch plan whose latest evaluation the drill checks (and, in a switchover drill, executes). */
  planArn: z.optional(z.string().check(z.minLength(1))),
  /** An evaluation older than this fails the drill (readiness.ts says why an hour). */
  planEvaluationMaxAgeSeconds: z._default(z.number().check(z.positive()), 3600),
  /** The global database secondary whose replication lag the drill checks, and its bound. */
  replicationLag: z.optional(
    z.object({ clusterIdentifier: z.string().check(z.minLength(1)), boundSeconds: z.number().check(z.positive()) }),
  ),
  /** `-c drill=switchover`: the Regions and what each step and each direction must beat. */
  switchover: z.optional(
    z.object({
      primaryRegion: z.string().check(z.minLength(1)),
      standbyRegion: z.string().check(z.minLength(1)),
      /**
       * Per leg ("out" runs the failover workflow, "back" the failback one), per plan step name: its bound in the
       * plan as built, the most it may take. A step the execution names that is missing here fails the leg.
       */
      stepTargetSeconds: z.object({
        out: z.record(z.string(), z.number().check(z.positive())),
        back: z.record(z.string(), z.number().check(z.positive())),
      }),
      /** Each direction, end to end: the tier's RTO. */
      totalTargetSeconds: z.number().check(z.positive()),
      /** How long the drill waits for one direction before failing it (inside CloudFormation's hour). */
      waitBoundSeconds: z.number().check(z.positive()),
    }),
  ),
});
export type DrillSettings = z.output<typeof drillSettingsSchema>;

export type DrillLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface DrillDeps {
  readonly route53: Route53Client;
  readonly s3: S3Client;
  readonly cloudwatch: CloudWatchClient;
  readonly backup: BackupClient;
  /** Region switch, for the plan's evaluation (when settings name a plan). */
  readonly arc?: RegionSwitchApi;
  readonly logger: DrillLogger;
  /** The IPv4 addresses a DNS name resolves to (the standby load balancer's, to recognise its answer). */
  readonly resolveIps: (host: string) => Promise<string[]>;
  readonly runId: string;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Absolute time (ms) by which the drill must stop waiting, so the restore fits in the function's timeout. */
  readonly deadlineMs?: number;
}

/** Another drill holds the lock, or the drill refuses to start (real incident, manual failover). */
export class DrillRefusedError extends Error {
  override name = 'DrillRefusedError';
}

/** The drill ran and a figure exceeded its target: the deployment fails with this message. */
export class DrillTargetMissedError extends Error {
  override name = 'DrillTargetMissedError';
}

/** The drill health check could not be restored: the drill name keeps answering with the standby until someone acts. */
export class DrillRestoreFailedError extends Error {
  override name = 'DrillRestoreFailedError';
}

export interface DataFreshness {
  readonly recoveryPoint?: {
    readonly arn?: string;
    readonly createdAt: string;
    readonly ageSeconds: number;
    readonly targetSeconds: number;
  };
  readonly replicaObject?: {
    readonly key?: string;
    readonly lastModified: string;
    readonly ageSeconds: number;
    readonly targetSeconds: number;
  };
  /** The global database secondary's newest replication lag (warm standby). */
  readonly replicationLag?: ReplicationLag;
  readonly problems: string[];
}

export interface DrillReport {
  readonly runId: string;
  readonly serviceName: string;
  readonly standbyMode: DrillSettings['standbyMode'];
  readonly startedAt: string;
  finishedAt?: string;
  status: 'passed' | 'failed' | 'error' | 'refused';
  lockTakenOver?: boolean;
  restoredAtStart?: boolean;
  /** The record the drill failed over (the drill pair's name) and the health check it inverted. */
  drillRecordName?: string;
  drillHealthCheckId?: string;
  data?: DataFreshness;
  /** The Region switch plan's latest evaluation. */
  plan?: PlanReadiness;
  failover?: {
    failoverSeconds?: number;
    targetSeconds: number;
    dnsAnswer?: string[];
    secondaryAddresses?: string[];
    answeredBySecondary?: boolean;
    note?: string;
  };
  healthCheckRestored?: boolean;
  problems: string[];
  error?: string;
}

/**
 * The DR drill. Takes a lock (one drill at a time), checks the DR data is fresh, simulates a primary
 * failure by inverting the primary health check of the drill pair (`drill.<domain>`, the same
 * targets and check settings as the live pair, but a name no user resolves), measures until Route 53
 * answers the drill name with the standby, restores the health check in every path, publishes the
 * figures, writes the report, and throws when a figure misses its target. It never touches the live
 * record or its health checks: it refuses any health check not tagged as a drill check, and its IAM
 * role may update only the drill check.
 */
export async function runDrill(settings: DrillSettings, deps: DrillDeps): Promise<DrillReport> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = deps.logger;
  const report: DrillReport = {
    runId: deps.runId,
    serviceName: settings.serviceName,
    standbyMode: settings.standbyMode,
    startedAt: new Date(now()).toISOString(),
    status: 'error',
    problems: [],
  };

  const lock = await acquireLock(settings, deps, now);
  report.lockTakenOver = lock.tookOver;

  let drillCheck: DrillHealthCheck | undefined;
  let inversionAttempted = false;
  let failure: unknown;
  try {
    const records = await findFailoverRecords(settings, deps.route53);
    report.drillRecordName = records.recordName;
    report.drillHealthCheckId = records.primaryHealthCheckId;
    // The guard comes before any UpdateHealthCheck, the crash-recovery restore included.
    drillCheck = await verifiedDrillHealthCheck(settings, deps.route53, records.primaryHealthCheckId);
    const healthCheckId = drillCheck.id;

    const current = await withRetry(() =>
      deps.route53.send(new GetHealthCheckCommand({ HealthCheckId: healthCheckId })),
    );
    if (current.HealthCheck?.HealthCheckConfig?.Inverted) {
      if (!lock.tookOver) {
        // No crashed drill left it so (there was no stale lock): someone inverted it by hand, perhaps
        // to try the drill pair themselves. Leave it to them rather than race them.
        throw new DrillRefusedError(
          `the drill health check ${healthCheckId} is inverted and no crashed drill left it so: someone may be ` +
            'failing the drill record over by hand; the drill will not run. When they are done, restore it with: ' +
            `aws route53 update-health-check --health-check-id ${healthCheckId} --no-inverted`,
        );
      }
      log.warn('restoring the drill health check a crashed drill left inverted', { healthCheckId });
      await setDrillHealthCheckInverted(deps.route53, drillCheck, false);
      report.restoredAtStart = true;
    }

    report.data = await checkDataFreshness(settings, deps, now);
    report.problems.push(...report.data.problems);
    if (settings.planArn) {
      if (!deps.arc)
        throw new Error('the drill settings name a Region switch plan but no Region switch client was given');
      report.plan = await checkPlanEvaluation(deps.arc, settings.planArn, settings.planEvaluationMaxAgeSeconds, now);
      report.problems.push(...report.plan.problems);
    }

    // GetHealthCheckStatus returns what each checker observed at the endpoint
    // (https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHealthCheckStatus.html): the drill
    // check probes Prod's load balancer as the live one does, so failed observations mean Prod itself is
    // failing. AWS does not say the observations reflect an inversion, so the drill never reads them to
    // see its own inversion; it watches the DNS answer instead.
    const before = await healthStatus(deps.route53, healthCheckId);
    if (!before.healthy) {
      throw new DrillRefusedError(
        `the checkers report Prod's endpoint failing (${before.summary}, drill health check ${healthCheckId}): ` +
          'this looks like a real incident, not a drill; follow runbooks/dr-primary-unhealthy.md',
      );
    }

    if (settings.standbyMode === 'pilot-light') {
      // A pilot-light standby runs no tasks until the failover procedure scales it up, so its health check
      // fails, and while the secondary is unhealthy Route 53 answers with the primary whatever the primary's health
      // (Failover, https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html).
      // Nothing to measure.
      report.failover = {
        targetSeconds: settings.targets.failoverSeconds,
        note:
          'pilot light: the standby serves (and the drill name can fail over to it) only once ' +
          'runbooks/dr-failover.md has scaled it up; DNS failover not measured, nothing inverted',
      };
    } else {
      const secondaryAddresses = await resolveQuietly(deps, records.secondaryAliasDnsName);
      const answerBefore = await dnsAnswer(settings, deps.route53, records.recordName);
      if (answerBefore.some((ip) => secondaryAddresses.includes(ip))) {
        throw new DrillRefusedError(
          `${records.recordName} already answers with the standby (${JSON.stringify(answerBefore)}) before the ` +
            "drill inverted anything: Route 53 considers the drill pair's primary unhealthy, so a failover cannot be " +
            `measured; check Prod's load balancer and the drill health check ${healthCheckId}`,
        );
      }

      log.info('simulating a primary failure: inverting the drill health check', {
        healthCheckId,
        recordName: records.recordName,
      });
      inversionAttempted = true;
      await setDrillHealthCheckInverted(deps.route53, drillCheck, true);
      const started = now();
      report.failover = await measureFailover(settings, deps, {
        recordName: records.recordName,
        secondaryAliasDnsName: records.secondaryAliasDnsName,
        secondaryAddresses,
        started,
        now,
        sleep,
      });
      const { failover } = report;
      if (failover.failoverSeconds === undefined) {
        report.problems.push(
          `failover not observed within the ${Math.round((now() - started) / 1000)} s bound ` +
            `(target ${failover.targetSeconds} s): ${failover.note ?? 'Route 53 did not answer with the standby'}`,
        );
      } else if (failover.failoverSeconds > failover.targetSeconds) {
        report.problems.push(
          `failover took ${failover.failoverSeconds} s, over the ${failover.targetSeconds} s target`,
        );
      }
    }
  } catch (error) {
    failure = error;
  } finally {
    if (inversionAttempted && drillCheck) {
      // Every path that may have inverted the check restores it, even when the drill itself failed.
      const healthCheckId = drillCheck.id;
      try {
        await setDrillHealthCheckInverted(deps.route53, drillCheck, false);
        report.healthCheckRestored = true;
      } catch (error) {
        report.healthCheckRestored = false;
        log.error('could not restore the drill health check', { healthCheckId, error: String(error) });
        failure = new DrillRestoreFailedError(
          `the drill health check ${healthCheckId} may still be inverted (${report.drillRecordName} keeps ` +
            'answering with the standby; live traffic is not affected): restore it with: ' +
            `aws route53 update-health-check --health-check-id ${healthCheckId} --no-inverted ` +
            `(cause: ${errorMessage(error)}` +
            `${failure ? `; the drill had failed before: ${errorMessage(failure)}` : ''})`,
        );
      }
    }
  }

  report.finishedAt = new Date(now()).toISOString();
  if (failure) {
    report.status = failure instanceof DrillRefusedError ? 'refused' : 'error';
    report.error = errorMessage(failure);
  } else {
    report.status = report.problems.length > 0 ? 'failed' : 'passed';
  }

  await publishMetrics(settings, deps, report).catch((error) =>
    log.error('could not publish drill metrics', { error: String(error) }),
  );
  await writeReport(settings, deps, report).catch((error) =>
    log.error('could not write the drill report', { error: String(error) }),
  );
  // A failed restore keeps the lock: the next run takes it over once stale and restores first.
  if (report.healthCheckRestored !== false)
    await releaseLock(settings, deps, lock.etag).catch((error) =>
      log.warn('could not release the drill lock', { error: String(error) }),
    );

  log.info('drill finished', { status: report.status, problems: report.problems, error: report.error });
  if (failure) throw failure;
  if (report.problems.length > 0)
    throw new DrillTargetMissedError(`DR drill ${report.runId} missed its targets: ${report.problems.join('; ')}`);
  return report;
}

// ---------------------------------------------------------------------------------------------- lock

interface HeldLock {
  readonly etag?: string;
  readonly tookOver: boolean;
}

function lockKey(settings: DrillSettings): string {
  return `${settings.reportPrefix}lock.json`;
}

/**
 * Times a run tries the lock again when the lock it was refused is gone before it could read it: its holder
 * finished in between, so the lock is free (a drill starting as another ends).
 */
const LOCK_ATTEMPTS = 3;

/** S3 conditional writes: If-None-Match creates the lock only if absent; If-Match takes over a stale one atomically. */
async function acquireLock(settings: DrillSettings, deps: DrillDeps, now: () => number): Promise<HeldLock> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await tryLock(settings, deps, now);
    if (outcome !== 'released-meanwhile') return outcome;
    if (attempt >= LOCK_ATTEMPTS) {
      throw new DrillRefusedError(
        `the drill lock s3://${settings.reportBucket}/${lockKey(settings)} was taken and released ${attempt} times while this run tried to take it; this run refuses to start. Run it again once no other drill is starting`,
      );
    }
  }
}

async function tryLock(
  settings: DrillSettings,
  deps: DrillDeps,
  now: () => number,
): Promise<HeldLock | 'released-meanwhile'> {
  const Key = lockKey(settings);
  const body = JSON.stringify({ runId: deps.runId, startedAt: new Date(now()).toISOString() });
  try {
    const put = await deps.s3.send(
      new PutObjectCommand({
        Bucket: settings.reportBucket,
        Key,
        Body: body,
        ContentType: 'application/json',
        IfNoneMatch: '*',
      }),
    );
    return { etag: put.ETag, tookOver: false };
  } catch (error) {
    if (!isPreconditionFailed(error)) throw error;
  }
  let head: HeadObjectCommandOutput;
  try {
    head = await withRetry(() => deps.s3.send(new HeadObjectCommand({ Bucket: settings.reportBucket, Key })));
  } catch (error) {
    // HeadObject answers 404 for a key that does not exist
    // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html): the holder released the lock after our
    // conditional put was refused.
    if (isNotFound(error)) return 'released-meanwhile';
    throw error;
  }
  const holder = await readLockHolder(settings, deps);
  const ageSeconds = Math.round((now() - (head.LastModified?.getTime() ?? now())) / 1000);
  if (ageSeconds < settings.lockStaleSeconds) {
    throw new DrillRefusedError(
      `another DR drill (run ${holder.runId ?? 'unknown'}, started ${holder.startedAt ?? `${ageSeconds} s ago`}) holds s3://${settings.reportBucket}/${Key}; this run refuses to start. Wait for it to finish (at most ${settings.lockStaleSeconds - ageSeconds} s more); if it crashed, the next drill after that takes the lock over and restores the health check`,
    );
  }
  try {
    const put = await deps.s3.send(
      new PutObjectCommand({
        Bucket: settings.reportBucket,
        Key,
        Body: body,
        ContentType: 'application/json',
        IfMatch: head.ETag,
      }),
    );
    deps.logger.warn('took over a stale drill lock left by a crashed run', { previousRun: holder.runId, ageSeconds });
    return { etag: put.ETag, tookOver: true };
  } catch (error) {
    if (isPreconditionFailed(error))
      throw new DrillRefusedError(
        `another DR drill took over the stale lock s3://${settings.reportBucket}/${Key} at the same moment; this run refuses to start`,
      );
    throw error;
  }
}

async function readLockHolder(
  settings: DrillSettings,
  deps: DrillDeps,
): Promise<{ runId?: string; startedAt?: string }> {
  try {
    const got = await deps.s3.send(new GetObjectCommand({ Bucket: settings.reportBucket, Key: lockKey(settings) }));
    return JSON.parse((await got.Body?.transformToString()) ?? '{}') as { runId?: string; startedAt?: string };
  } catch {
    return {};
  }
}

async function releaseLock(settings: DrillSettings, deps: DrillDeps, etag?: string): Promise<void> {
  // Only our own lock: if someone took it over meanwhile, leave theirs alone.
  const head = await deps.s3.send(new HeadObjectCommand({ Bucket: settings.reportBucket, Key: lockKey(settings) }));
  if (etag && head.ETag !== etag) return;
  await withRetry(() =>
    deps.s3.send(new DeleteObjectCommand({ Bucket: settings.reportBucket, Key: lockKey(settings) })),
  );
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

function isPreconditionFailed(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e?.name === 'PreconditionFailed' ||
    e?.Code === 'PreconditionFailed' ||
    e?.$metadata?.httpStatusCode === 412 ||
    e?.name === 'ConditionalRequestConflict'
  );
}

// ------------------------------------------------------------------------------------------ records

interface FailoverRecords {
  readonly recordName: string;
  readonly primaryHealthCheckId: string;
  readonly secondaryAliasDnsName?: string;
}

/**
 * The drill pair's records, found by their set identifiers: the drill reads the standby's alias (to
 * recognise its answer) and checks that the drill PRIMARY record uses the health check it was granted.
 */
async function findFailoverRecords(settings: DrillSettings, route53: Route53Client): Promise<FailoverRecords> {
  const recordName = settings.recordName.endsWith('.') ? settings.recordName : `${settings.recordName}.`;
  const found: ResourceRecordSet[] = [];
  let start: { StartRecordName?: string; StartRecordType?: ResourceRecordSet['Type']; StartRecordIdentifier?: string } =
    { StartRecordName: recordName, StartRecordType: 'A' };
  for (let page = 0; page < 10; page++) {
    const out = await withRetry(() =>
      route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: settings.hostedZoneId, ...start })),
    );
    const sets = out.ResourceRecordSets ?? [];
    found.push(...sets.filter((r) => sameName(r.Name, recordName) && r.Type === 'A'));
    if (!out.IsTruncated || sets.some((r) => !sameName(r.Name, recordName))) break;
    start = {
      StartRecordName: out.NextRecordName,
      StartRecordType: out.NextRecordType,
      StartRecordIdentifier: out.NextRecordIdentifier,
    };
  }
  const primary = found.find((r) => r.SetIdentifier === settings.primarySetIdentifier);
  const secondary = found.find((r) => r.SetIdentifier === settings.secondarySetIdentifier);
  if (!primary) {
    throw new Error(
      `no PRIMARY failover record "${settings.primarySetIdentifier}" for ${recordName} in hosted zone ` +
        `${settings.hostedZoneId}: deploy Prod (it owns the drill pair's primary record) before drilling`,
    );
  }
  if (!primary.HealthCheckId)
    throw new Error(
      `the PRIMARY record "${settings.primarySetIdentifier}" has no health check; the drill inverts it to simulate the failure`,
    );
  if (primary.HealthCheckId !== settings.drillHealthCheckId) {
    throw new DrillRefusedError(
      `the PRIMARY record "${settings.primarySetIdentifier}" of ${recordName} uses health check ` +
        `${primary.HealthCheckId}, not ${settings.drillHealthCheckId}, the drill health check Prod's stack output ` +
        'names (and the only one the drill may update): Prod and DrRegion disagree; deploy Prod, then DrRegion ' +
        'with -c drill=true again',
    );
  }
  if (!secondary)
    throw new Error(
      `no SECONDARY failover record "${settings.secondarySetIdentifier}" for ${recordName} in hosted zone ${settings.hostedZoneId}: deploy DrRegion without the drill first`,
    );
  return {
    recordName,
    primaryHealthCheckId: primary.HealthCheckId,
    secondaryAliasDnsName: secondary.AliasTarget?.DNSName,
  };
}

function sameName(a: string | undefined, b: string): boolean {
  return (a ?? '').replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();
}

// ------------------------------------------------------------------------------------------- health

/** A health check the guard has found tagged as a drill check: the only kind the drill ever updates. */
export interface DrillHealthCheck {
  readonly id: string;
  readonly verified: 'drill-tag';
}

/**
 * The hard guard: refuses unless the health check carries the drill tag (ListTagsForResource,
 * https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListTagsForResource.html). Only drill pair
 * health checks are created with it, so a settings mistake that points the drill at the live primary
 * check fails here, before anything is inverted (and the role could not update it anyway).
 */
export async function verifiedDrillHealthCheck(
  settings: DrillSettings,
  route53: Route53Client,
  healthCheckId: string,
): Promise<DrillHealthCheck> {
  const { key, value } = settings.drillHealthCheckTag;
  const input = { ResourceType: 'healthcheck' as const, ResourceId: healthCheckId };
  const out = await withRetry(() => route53.send(new ListTagsForResourceCommand(input)));
  const tags = out.ResourceTagSet?.Tags ?? [];
  if (!tags.some((t) => t.Key === key && t.Value === value)) {
    const seen = tags.map((t) => `${t.Key}=${t.Value}`).join(', ') || 'none';
    throw new DrillRefusedError(
      `refusing to invert health check ${healthCheckId}: it is not tagged ${key}=${value} (its tags: ${seen}), ` +
        'so it may be a live health check whose inversion would send users to the standby. The drill inverts ' +
        "only the drill pair's primary check (drill.<domain>); check the drill settings (recordName, set " +
        'identifiers, drillHealthCheckId)',
    );
  }
  return { id: healthCheckId, verified: 'drill-tag' };
}

/** The only UpdateHealthCheck the drill makes; it takes a verified drill check, never a bare id. */
async function setDrillHealthCheckInverted(
  route53: Route53Client,
  check: DrillHealthCheck,
  inverted: boolean,
): Promise<void> {
  if (check.verified !== 'drill-tag') {
    throw new DrillRefusedError(`health check ${check.id} was not verified as a drill check`);
  }
  const update = new UpdateHealthCheckCommand({ HealthCheckId: check.id, Inverted: inverted });
  // The restore must stick: more attempts than the default.
  await withRetry(() => route53.send(update), inverted ? undefined : { attempts: 8 });
  if (inverted) return;
  const after = await withRetry(() => route53.send(new GetHealthCheckCommand({ HealthCheckId: check.id })));
  if (after.HealthCheck?.HealthCheckConfig?.Inverted) {
    throw new Error(`health check ${check.id} still reads Inverted=true after the update`);
  }
}

/** Route 53 calls an endpoint healthy while more than 18 % of its checkers do. */
const HEALTHY_CHECKER_FRACTION = 0.18;

/** What the checkers observed at the endpoint (not whether Route 53, after any inversion, calls the check healthy). */
async function healthStatus(
  route53: Route53Client,
  healthCheckId: string,
): Promise<{ healthy: boolean; summary: string }> {
  const out = await withRetry(() => route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: healthCheckId })));
  const observations = out.HealthCheckObservations ?? [];
  if (observations.length === 0) return { healthy: true, summary: 'no checker observations yet' };
  const ok = observations.filter((o) => (o.StatusReport?.Status ?? '').startsWith('Success')).length;
  return {
    healthy: ok / observations.length > HEALTHY_CHECKER_FRACTION,
    summary: `${ok} of ${observations.length} checkers report success`,
  };
}

async function resolveQuietly(deps: DrillDeps, host: string | undefined): Promise<string[]> {
  if (!host) return [];
  try {
    return await deps.resolveIps(host.replace(/\.$/, '').replace(/^dualstack\./, ''));
  } catch (error) {
    deps.logger.warn('could not resolve the standby load balancer', { host, error: String(error) });
    return [];
  }
}

/**
 * What Route 53 answers for the drill name. TestDNSAnswer "gets the value that Route 53 returns in
 * response to a DNS request" (https://docs.aws.amazon.com/Route53/latest/APIReference/API_TestDNSAnswer.html);
 * that it applies the failover records' health as a resolver's query does is an assumption to confirm
 * on a real account (the first drill shows it: a drill whose answer never moves fails loudly).
 */
async function dnsAnswer(settings: DrillSettings, route53: Route53Client, recordName: string): Promise<string[]> {
  const query = { HostedZoneId: settings.hostedZoneId, RecordName: recordName, RecordType: 'A' as const };
  const answer = await withRetry(() => route53.send(new TestDNSAnswerCommand(query)));
  return answer.RecordData ?? [];
}

interface MeasureInput {
  readonly recordName: string;
  readonly secondaryAliasDnsName?: string;
  readonly secondaryAddresses: string[];
  readonly started: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Seconds from the inversion until Route 53 answers the drill name with the standby's addresses. */
async function measureFailover(
  settings: DrillSettings,
  deps: DrillDeps,
  input: MeasureInput,
): Promise<NonNullable<DrillReport['failover']>> {
  const { now, started } = input;
  const deadline = Math.min(started + settings.targets.waitBoundSeconds * 1000, deps.deadlineMs ?? Infinity);
  const result: NonNullable<DrillReport['failover']> = {
    targetSeconds: settings.targets.failoverSeconds,
    secondaryAddresses: input.secondaryAddresses,
  };
  const elapsed = () => Math.round((now() - started) / 1000);
  let secondaryAddresses = input.secondaryAddresses;

  while (now() < deadline) {
    result.dnsAnswer = await dnsAnswer(settings, deps.route53, input.recordName);
    if (secondaryAddresses.length === 0) secondaryAddresses = await resolveQuietly(deps, input.secondaryAliasDnsName);
    if (result.dnsAnswer.some((ip) => secondaryAddresses.includes(ip))) {
      result.failoverSeconds = elapsed();
      result.answeredBySecondary = true;
      deps.logger.info('Route 53 answers the drill name with the standby', {
        seconds: result.failoverSeconds,
        answer: result.dnsAnswer,
      });
      return result;
    }
    result.answeredBySecondary = false;
    await input.sleep(Math.min(settings.pollSeconds * 1000, Math.max(0, deadline - now())));
  }
  result.secondaryAddresses = secondaryAddresses;
  result.note =
    `Route 53 kept answering ${input.recordName} with ${JSON.stringify(result.dnsAnswer ?? [])}, ` +
    `not the standby's ${JSON.stringify(secondaryAddresses)}`;
  return result;
}

// --------------------------------------------------------------------------------------------- data

export async function checkDataFreshness(
  settings: DrillSettings,
  deps: Pick<DrillDeps, 'backup' | 's3' | 'cloudwatch'>,
  now: () => number,
): Promise<DataFreshness> {
  const problems: string[] = [];
  let recoveryPoint: DataFreshness['recoveryPoint'];
  let replicaObject: DataFreshness['replicaObject'];

  if (settings.vaultName) {
    const target = settings.targets.recoveryPointMaxAgeSeconds;
    let newest: { arn?: string; created: Date } | undefined;
    let NextToken: string | undefined;
    do {
      const page = await withRetry(() =>
        deps.backup.send(
          new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: settings.vaultName, NextToken }),
        ),
      );
      for (const point of page.RecoveryPoints ?? []) {
        if (point.Status !== 'COMPLETED' || !point.CreationDate) continue;
        if (!newest || point.CreationDate > newest.created)
          newest = { arn: point.RecoveryPointArn, created: point.CreationDate };
      }
      NextToken = page.NextToken;
    } while (NextToken);
    if (!newest) {
      problems.push(
        `the DR vault ${settings.vaultName} holds no completed recovery point: the cross-region copy has not run (or fails); see runbooks/dr-failover.md`,
      );
    } else {
      const ageSeconds = Math.round((now() - newest.created.getTime()) / 1000);
      recoveryPoint = { arn: newest.arn, createdAt: newest.created.toISOString(), ageSeconds, targetSeconds: target };
      if (ageSeconds > target)
        problems.push(
          `the newest recovery point in ${settings.vaultName} is ${ageSeconds} s old, over the ${target} s target`,
        );
    }
  }

  if (settings.replicaBucket) {
    const target = settings.targets.replicaObjectMaxAgeSeconds;
    const MAX_PAGES = 20;
    let newest: { key?: string; modified: Date } | undefined;
    let ContinuationToken: string | undefined;
    let pages = 0;
    do {
      const page = await withRetry(() =>
        deps.s3.send(
          new ListObjectsV2Command({
            Bucket: settings.replicaBucket,
            Prefix: settings.replicaPrefix || undefined,
            ContinuationToken,
          }),
        ),
      );
      for (const object of page.Contents ?? []) {
        // The drill's own reports and lock are not replicated data.
        if (!object.LastModified || (object.Key ?? '').startsWith(settings.reportPrefix)) continue;
        if (!newest || object.LastModified > newest.modified)
          newest = { key: object.Key, modified: object.LastModified };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken && ++pages < MAX_PAGES);
    if (ContinuationToken) {
      problems.push(
        `the replica bucket ${settings.replicaBucket} has more than ${MAX_PAGES * 1000} objects under "${settings.replicaPrefix}": the drill cannot find the newest one; point replicaPrefix at a heartbeat prefix`,
      );
    } else if (!newest) {
      problems.push(
        `the replica bucket ${settings.replicaBucket} holds no replicated object under "${settings.replicaPrefix}": replication has not run (or fails)`,
      );
    } else {
      const ageSeconds = Math.round((now() - newest.modified.getTime()) / 1000);
      replicaObject = {
        key: newest.key,
        lastModified: newest.modified.toISOString(),
        ageSeconds,
        targetSeconds: target,
      };
      if (ageSeconds > target)
        problems.push(
          `the newest replicated object in ${settings.replicaBucket} is ${ageSeconds} s old, over the ${target} s target`,
        );
    }
  }
  let replicationLag: ReplicationLag | undefined;
  if (settings.replicationLag) {
    replicationLag = await checkReplicationLag(deps.cloudwatch, settings.replicationLag, now);
    problems.push(...replicationLag.problems);
  }
  return { recoveryPoint, replicaObject, replicationLag, problems };
}

// ---------------------------------------------------------------------------------------- reporting

/** The metric names the drill publishes (the resilience report and dashboards read them). */
export const DRILL_METRICS = {
  failoverSeconds: 'DrillFailoverSeconds',
  dataAgeSeconds: 'DrillDataAgeSeconds',
} as const;

async function publishMetrics(settings: DrillSettings, deps: DrillDeps, report: DrillReport): Promise<void> {
  const dimensions = [{ Name: 'Service', Value: settings.serviceName }];
  const timestamp = new Date(deps.now?.() ?? Date.now());
  const data = [
    ...(report.failover?.failoverSeconds !== undefined
      ? [
          {
            MetricName: DRILL_METRICS.failoverSeconds,
            Dimensions: dimensions,
            Value: report.failover.failoverSeconds,
            Unit: StandardUnit.Seconds,
            Timestamp: timestamp,
          },
        ]
      : []),
    ...(
      [
        report.data?.recoveryPoint && ['RecoveryPoint', report.data.recoveryPoint.ageSeconds],
        report.data?.replicaObject && ['ReplicaObject', report.data.replicaObject.ageSeconds],
      ].filter(Boolean) as [string, number][]
    ).map(([source, value]) => ({
      MetricName: DRILL_METRICS.dataAgeSeconds,
      Dimensions: [...dimensions, { Name: 'Source', Value: source }],
      Value: value,
      Unit: StandardUnit.Seconds,
      Timestamp: timestamp,
    })),
  ];
  if (data.length === 0) return;
  await withRetry(() =>
    deps.cloudwatch.send(new PutMetricDataCommand({ Namespace: settings.metricNamespace, MetricData: data })),
  );
}

/** The report under `reports/` (one per run) and as `latest.json`: what `cdk deploy` leaves to read afterwards. */
export async function writeReport(
  settings: Pick<DrillSettings, 'reportBucket' | 'reportPrefix'>,
  deps: Pick<DrillDeps, 's3'>,
  report: { readonly startedAt: string; readonly runId: string },
): Promise<void> {
  const Body = JSON.stringify(report, null, 2);
  for (const Key of [
    `${settings.reportPrefix}reports/${report.startedAt}-${report.runId}.json`,
    `${settings.reportPrefix}latest.json`,
  ]) {
    await withRetry(() =>
      deps.s3.send(new PutObjectCommand({ Bucket: settings.reportBucket, Key, Body, ContentType: 'application/json' })),
    );
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
