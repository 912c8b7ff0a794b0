import { BackupClient, ListRecoveryPointsByBackupVaultCommand } from '@aws-sdk/client-backup';
import { CloudWatchClient, PutMetricDataCommand, StandardUnit } from '@aws-sdk/client-cloudwatch';
import {
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  ListResourceRecordSetsCommand,
  ResourceRecordSet,
  Route53Client,
  TestDNSAnswerCommand,
  UpdateHealthCheckCommand,
} from '@aws-sdk/client-route-53';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { withRetry } from '../shared/retry';

/** zod/mini loads no locale; English, as classic zod has, keeps the parse errors' wording. */
z.config(en());

/** What the stack tells the drill (one JSON environment variable, parsed at cold start). */
export const drillSettingsSchema = z.object({
  serviceName: z.string().check(z.minLength(1)),
  hostedZoneId: z.string().check(z.minLength(1)),
  /** The service's domain, as in the records (with or without the trailing dot). */
  recordName: z.string().check(z.minLength(1)),
  primarySetIdentifier: z.string().check(z.minLength(1)),
  secondarySetIdentifier: z.string().check(z.minLength(1)),
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
});
export type DrillSettings = z.output<typeof drillSettingsSchema>;

export type DrillLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface DrillDeps {
  readonly route53: Route53Client;
  readonly s3: S3Client;
  readonly cloudwatch: CloudWatchClient;
  readonly backup: BackupClient;
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

/** The health check could not be restored: the primary stays out of DNS until someone acts. */
export class DrillRestoreFailedError extends Error {
  override name = 'DrillRestoreFailedError';
}

export interface DataFreshness {
  readonly recoveryPoint?: { readonly arn?: string; readonly createdAt: string; readonly ageSeconds: number; readonly targetSeconds: number };
  readonly replicaObject?: { readonly key?: string; readonly lastModified: string; readonly ageSeconds: number; readonly targetSeconds: number };
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
  primaryHealthCheckId?: string;
  data?: DataFreshness;
  failover?: {
    detectedSeconds?: number;
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
 * failure by inverting the primary's Route 53 health check, measures until Route 53 calls it
 * unhealthy and answers with the standby, restores the health check in every path, publishes the
 * figures, writes the report, and throws when a figure misses its target.
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

  let healthCheckId: string | undefined;
  let inversionAttempted = false;
  let failure: unknown;
  try {
    const records = await findFailoverRecords(settings, deps.route53);
    healthCheckId = records.primaryHealthCheckId;
    report.primaryHealthCheckId = healthCheckId;

    const current = await withRetry(() => deps.route53.send(new GetHealthCheckCommand({ HealthCheckId: healthCheckId })));
    if (current.HealthCheck?.HealthCheckConfig?.Inverted) {
      if (!lock.tookOver) {
        // Nobody's crashed drill left it so (there was no stale lock): someone inverted it on purpose,
        // which is how the failover runbook forces traffic to the standby. Do not fail them back.
        throw new DrillRefusedError(
          `the primary health check ${healthCheckId} is inverted and no crashed drill left it so: a manual failover may be in progress (runbooks/dr-failover.md); the drill will not run. Once the primary is back, restore it with: aws route53 update-health-check --health-check-id ${healthCheckId} --no-inverted`,
        );
      }
      log.warn('restoring the primary health check a crashed drill left inverted', { healthCheckId });
      await restoreHealthCheck(deps.route53, healthCheckId);
      report.restoredAtStart = true;
    }

    report.data = await checkDataFreshness(settings, deps, now);
    report.problems.push(...report.data.problems);

    const before = await healthStatus(deps.route53, healthCheckId);
    if (!before.healthy) {
      throw new DrillRefusedError(
        `the primary health check ${healthCheckId} is already unhealthy (${before.summary}): this looks like a real incident, not a drill; follow runbooks/dr-primary-unhealthy.md`,
      );
    }
    const secondaryAddresses = await resolveQuietly(deps, records.secondaryAliasDnsName);

    log.info('simulating a primary failure: inverting the primary health check', { healthCheckId });
    inversionAttempted = true;
    await withRetry(() => deps.route53.send(new UpdateHealthCheckCommand({ HealthCheckId: healthCheckId, Inverted: true })));
    const started = now();
    report.failover = await measureFailover(settings, deps, { healthCheckId, recordName: records.recordName, secondaryAliasDnsName: records.secondaryAliasDnsName, secondaryAddresses, started, now, sleep });
    const { failover } = report;
    if (failover.failoverSeconds === undefined) {
      report.problems.push(
        `failover not observed within the ${Math.round((now() - started) / 1000)} s bound (target ${failover.targetSeconds} s): ${failover.note ?? 'Route 53 did not answer with the standby'}`,
      );
    } else if (failover.failoverSeconds > failover.targetSeconds) {
      report.problems.push(`failover took ${failover.failoverSeconds} s, over the ${failover.targetSeconds} s target`);
    }
  } catch (error) {
    failure = error;
  } finally {
    if (inversionAttempted && healthCheckId) {
      // Every path that may have inverted the check restores it, even when the drill itself failed.
      try {
        await restoreHealthCheck(deps.route53, healthCheckId);
        report.healthCheckRestored = true;
      } catch (error) {
        report.healthCheckRestored = false;
        log.error('could not restore the primary health check', { healthCheckId, error: String(error) });
        failure = new DrillRestoreFailedError(
          `the primary health check ${healthCheckId} may still be inverted (Route 53 keeps answering with the standby): restore it now with: aws route53 update-health-check --health-check-id ${healthCheckId} --no-inverted (cause: ${errorMessage(error)}${failure ? `; the drill had failed before: ${errorMessage(failure)}` : ''})`,
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

  await publishMetrics(settings, deps, report).catch((error) => log.error('could not publish drill metrics', { error: String(error) }));
  await writeReport(settings, deps, report).catch((error) => log.error('could not write the drill report', { error: String(error) }));
  // A failed restore keeps the lock: the next run takes it over once stale and restores first.
  if (report.healthCheckRestored !== false) await releaseLock(settings, deps, lock.etag).catch((error) => log.warn('could not release the drill lock', { error: String(error) }));

  log.info('drill finished', { status: report.status, problems: report.problems, error: report.error });
  if (failure) throw failure;
  if (report.problems.length > 0) throw new DrillTargetMissedError(`DR drill ${report.runId} missed its targets: ${report.problems.join('; ')}`);
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

/** S3 conditional writes: If-None-Match creates the lock only if absent; If-Match takes over a stale one atomically. */
async function acquireLock(settings: DrillSettings, deps: DrillDeps, now: () => number): Promise<HeldLock> {
  const Key = lockKey(settings);
  const body = JSON.stringify({ runId: deps.runId, startedAt: new Date(now()).toISOString() });
  try {
    const put = await deps.s3.send(new PutObjectCommand({ Bucket: settings.reportBucket, Key, Body: body, ContentType: 'application/json', IfNoneMatch: '*' }));
    return { etag: put.ETag, tookOver: false };
  } catch (error) {
    if (!isPreconditionFailed(error)) throw error;
  }
  const head = await withRetry(() => deps.s3.send(new HeadObjectCommand({ Bucket: settings.reportBucket, Key })));
  const holder = await readLockHolder(settings, deps);
  const ageSeconds = Math.round((now() - (head.LastModified?.getTime() ?? now())) / 1000);
  if (ageSeconds < settings.lockStaleSeconds) {
    throw new DrillRefusedError(
      `another DR drill (run ${holder.runId ?? 'unknown'}, started ${holder.startedAt ?? `${ageSeconds} s ago`}) holds s3://${settings.reportBucket}/${Key}; this run refuses to start. Wait for it to finish (at most ${settings.lockStaleSeconds - ageSeconds} s more); if it crashed, the next drill after that takes the lock over and restores the health check`,
    );
  }
  try {
    const put = await deps.s3.send(new PutObjectCommand({ Bucket: settings.reportBucket, Key, Body: body, ContentType: 'application/json', IfMatch: head.ETag }));
    deps.logger.warn('took over a stale drill lock left by a crashed run', { previousRun: holder.runId, ageSeconds });
    return { etag: put.ETag, tookOver: true };
  } catch (error) {
    if (isPreconditionFailed(error)) throw new DrillRefusedError(`another DR drill took over the stale lock s3://${settings.reportBucket}/${Key} at the same moment; this run refuses to start`);
    throw error;
  }
}

async function readLockHolder(settings: DrillSettings, deps: DrillDeps): Promise<{ runId?: string; startedAt?: string }> {
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
  await withRetry(() => deps.s3.send(new DeleteObjectCommand({ Bucket: settings.reportBucket, Key: lockKey(settings) })));
}

function isPreconditionFailed(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'PreconditionFailed' || e?.Code === 'PreconditionFailed' || e?.$metadata?.httpStatusCode === 412 || e?.name === 'ConditionalRequestConflict';
}

// ------------------------------------------------------------------------------------------ records

interface FailoverRecords {
  readonly recordName: string;
  readonly primaryHealthCheckId: string;
  readonly secondaryAliasDnsName?: string;
}

/** The primary's health check is found through its record: DrRegion deploys before Prod and cannot reference it. */
async function findFailoverRecords(settings: DrillSettings, route53: Route53Client): Promise<FailoverRecords> {
  const recordName = settings.recordName.endsWith('.') ? settings.recordName : `${settings.recordName}.`;
  const found: ResourceRecordSet[] = [];
  let start: { StartRecordName?: string; StartRecordType?: ResourceRecordSet['Type']; StartRecordIdentifier?: string } = { StartRecordName: recordName, StartRecordType: 'A' };
  for (let page = 0; page < 10; page++) {
    const out = await withRetry(() => route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: settings.hostedZoneId, ...start })));
    const sets = out.ResourceRecordSets ?? [];
    found.push(...sets.filter((r) => sameName(r.Name, recordName) && r.Type === 'A'));
    if (!out.IsTruncated || sets.some((r) => !sameName(r.Name, recordName))) break;
    start = { StartRecordName: out.NextRecordName, StartRecordType: out.NextRecordType, StartRecordIdentifier: out.NextRecordIdentifier };
  }
  const primary = found.find((r) => r.SetIdentifier === settings.primarySetIdentifier);
  const secondary = found.find((r) => r.SetIdentifier === settings.secondarySetIdentifier);
  if (!primary) {
    throw new Error(
      `no PRIMARY failover record "${settings.primarySetIdentifier}" for ${recordName} in hosted zone ${settings.hostedZoneId}: deploy Prod (it owns the primary record) before drilling`,
    );
  }
  if (!primary.HealthCheckId) throw new Error(`the PRIMARY record "${settings.primarySetIdentifier}" has no health check; the drill inverts it to simulate the failure`);
  if (!secondary) throw new Error(`no SECONDARY failover record "${settings.secondarySetIdentifier}" for ${recordName} in hosted zone ${settings.hostedZoneId}: deploy DrRegion without the drill first`);
  return { recordName, primaryHealthCheckId: primary.HealthCheckId, secondaryAliasDnsName: secondary.AliasTarget?.DNSName };
}

function sameName(a: string | undefined, b: string): boolean {
  return (a ?? '').replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();
}

// ------------------------------------------------------------------------------------------- health

async function restoreHealthCheck(route53: Route53Client, healthCheckId: string): Promise<void> {
  await withRetry(() => route53.send(new UpdateHealthCheckCommand({ HealthCheckId: healthCheckId, Inverted: false })), { attempts: 8 });
  const after = await withRetry(() => route53.send(new GetHealthCheckCommand({ HealthCheckId: healthCheckId })));
  if (after.HealthCheck?.HealthCheckConfig?.Inverted) throw new Error(`health check ${healthCheckId} still reads Inverted=true after the update`);
}

/** Route 53 calls an endpoint healthy while more than 18 % of its checkers do. */
const HEALTHY_CHECKER_FRACTION = 0.18;

async function healthStatus(route53: Route53Client, healthCheckId: string): Promise<{ healthy: boolean; summary: string }> {
  const out = await withRetry(() => route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: healthCheckId })));
  const observations = out.HealthCheckObservations ?? [];
  if (observations.length === 0) return { healthy: true, summary: 'no checker observations yet' };
  const ok = observations.filter((o) => (o.StatusReport?.Status ?? '').startsWith('Success')).length;
  return { healthy: ok / observations.length > HEALTHY_CHECKER_FRACTION, summary: `${ok} of ${observations.length} checkers report success` };
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

interface MeasureInput {
  readonly healthCheckId: string;
  readonly recordName: string;
  readonly secondaryAliasDnsName?: string;
  readonly secondaryAddresses: string[];
  readonly started: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

async function measureFailover(settings: DrillSettings, deps: DrillDeps, input: MeasureInput): Promise<NonNullable<DrillReport['failover']>> {
  const { now, started } = input;
  const deadline = Math.min(started + settings.targets.waitBoundSeconds * 1000, deps.deadlineMs ?? Infinity);
  const result: NonNullable<DrillReport['failover']> = { targetSeconds: settings.targets.failoverSeconds, secondaryAddresses: input.secondaryAddresses };
  const elapsed = () => Math.round((now() - started) / 1000);
  let secondaryAddresses = input.secondaryAddresses;

  while (now() < deadline) {
    if (result.detectedSeconds === undefined) {
      const status = await healthStatus(deps.route53, input.healthCheckId);
      if (!status.healthy) {
        result.detectedSeconds = elapsed();
        deps.logger.info('Route 53 reports the primary unhealthy', { seconds: result.detectedSeconds, status: status.summary });
        if (settings.standbyMode === 'pilot-light') {
          // A pilot-light standby runs no tasks until the failover procedure scales it up, so Route 53
          // (evaluateTargetHealth) cannot answer with it yet: the drill measures detection only.
          result.failoverSeconds = result.detectedSeconds;
          result.note = 'pilot light: Route 53 answers with the standby only once runbooks/dr-failover.md has scaled it up; measured detection only';
          return result;
        }
      }
    }
    if (result.detectedSeconds !== undefined) {
      const answer = await withRetry(() => deps.route53.send(new TestDNSAnswerCommand({ HostedZoneId: settings.hostedZoneId, RecordName: input.recordName, RecordType: 'A' })));
      result.dnsAnswer = answer.RecordData ?? [];
      if (secondaryAddresses.length === 0) secondaryAddresses = await resolveQuietly(deps, input.secondaryAliasDnsName);
      if (result.dnsAnswer.some((ip) => secondaryAddresses.includes(ip))) {
        result.failoverSeconds = elapsed();
        result.answeredBySecondary = true;
        deps.logger.info('Route 53 answers with the standby', { seconds: result.failoverSeconds, answer: result.dnsAnswer });
        return result;
      }
      result.answeredBySecondary = false;
    }
    await input.sleep(Math.min(settings.pollSeconds * 1000, Math.max(0, deadline - now())));
  }
  result.note =
    result.detectedSeconds === undefined
      ? 'Route 53 still reported the primary healthy'
      : `Route 53 reported the primary unhealthy after ${result.detectedSeconds} s but kept answering ${JSON.stringify(result.dnsAnswer ?? [])}, not the standby's ${JSON.stringify(secondaryAddresses)}`;
  return result;
}

// --------------------------------------------------------------------------------------------- data

async function checkDataFreshness(settings: DrillSettings, deps: DrillDeps, now: () => number): Promise<DataFreshness> {
  const problems: string[] = [];
  let recoveryPoint: DataFreshness['recoveryPoint'];
  let replicaObject: DataFreshness['replicaObject'];

  if (settings.vaultName) {
    const target = settings.targets.recoveryPointMaxAgeSeconds;
    let newest: { arn?: string; created: Date } | undefined;
    let NextToken: string | undefined;
    do {
      const page = await withRetry(() => deps.backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: settings.vaultName, NextToken })));
      for (const point of page.RecoveryPoints ?? []) {
        if (point.Status !== 'COMPLETED' || !point.CreationDate) continue;
        if (!newest || point.CreationDate > newest.created) newest = { arn: point.RecoveryPointArn, created: point.CreationDate };
      }
      NextToken = page.NextToken;
    } while (NextToken);
    if (!newest) {
      problems.push(`the DR vault ${settings.vaultName} holds no completed recovery point: the cross-region copy has not run (or fails); see runbooks/dr-failover.md`);
    } else {
      const ageSeconds = Math.round((now() - newest.created.getTime()) / 1000);
      recoveryPoint = { arn: newest.arn, createdAt: newest.created.toISOString(), ageSeconds, targetSeconds: target };
      if (ageSeconds > target) problems.push(`the newest recovery point in ${settings.vaultName} is ${ageSeconds} s old, over the ${target} s target`);
    }
  }

  if (settings.replicaBucket) {
    const target = settings.targets.replicaObjectMaxAgeSeconds;
    const MAX_PAGES = 20;
    let newest: { key?: string; modified: Date } | undefined;
    let ContinuationToken: string | undefined;
    let pages = 0;
    do {
      const page = await withRetry(() => deps.s3.send(new ListObjectsV2Command({ Bucket: settings.replicaBucket, Prefix: settings.replicaPrefix || undefined, ContinuationToken })));
      for (const object of page.Contents ?? []) {
        // The drill's own reports and lock are not replicated data.
        if (!object.LastModified || (object.Key ?? '').startsWith(settings.reportPrefix)) continue;
        if (!newest || object.LastModified > newest.modified) newest = { key: object.Key, modified: object.LastModified };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken && ++pages < MAX_PAGES);
    if (ContinuationToken) {
      problems.push(`the replica bucket ${settings.replicaBucket} has more than ${MAX_PAGES * 1000} objects under "${settings.replicaPrefix}": the drill cannot find the newest one; point replicaPrefix at a heartbeat prefix`);
    } else if (!newest) {
      problems.push(`the replica bucket ${settings.replicaBucket} holds no replicated object under "${settings.replicaPrefix}": replication has not run (or fails)`);
    } else {
      const ageSeconds = Math.round((now() - newest.modified.getTime()) / 1000);
      replicaObject = { key: newest.key, lastModified: newest.modified.toISOString(), ageSeconds, targetSeconds: target };
      if (ageSeconds > target) problems.push(`the newest replicated object in ${settings.replicaBucket} is ${ageSeconds} s old, over the ${target} s target`);
    }
  }
  return { recoveryPoint, replicaObject, problems };
}

// ---------------------------------------------------------------------------------------- reporting

/** The metric names the drill publishes (the resilience report and dashboards read them). */
export const DRILL_METRICS = { failoverSeconds: 'DrillFailoverSeconds', dataAgeSeconds: 'DrillDataAgeSeconds' } as const;

async function publishMetrics(settings: DrillSettings, deps: DrillDeps, report: DrillReport): Promise<void> {
  const dimensions = [{ Name: 'Service', Value: settings.serviceName }];
  const timestamp = new Date(deps.now?.() ?? Date.now());
  const data = [
    ...(report.failover?.failoverSeconds !== undefined
      ? [{ MetricName: DRILL_METRICS.failoverSeconds, Dimensions: dimensions, Value: report.failover.failoverSeconds, Unit: StandardUnit.Seconds, Timestamp: timestamp }]
      : []),
    ...([report.data?.recoveryPoint && ['RecoveryPoint', report.data.recoveryPoint.ageSeconds], report.data?.replicaObject && ['ReplicaObject', report.data.replicaObject.ageSeconds]].filter(Boolean) as [string, number][]).map(
      ([source, value]) => ({ MetricName: DRILL_METRICS.dataAgeSeconds, Dimensions: [...dimensions, { Name: 'Source', Value: source }], Value: value, Unit: StandardUnit.Seconds, Timestamp: timestamp }),
    ),
  ];
  if (data.length === 0) return;
  await withRetry(() => deps.cloudwatch.send(new PutMetricDataCommand({ Namespace: settings.metricNamespace, MetricData: data })));
}

async function writeReport(settings: DrillSettings, deps: DrillDeps, report: DrillReport): Promise<void> {
  const Body = JSON.stringify(report, null, 2);
  for (const Key of [`${settings.reportPrefix}reports/${report.startedAt}-${report.runId}.json`, `${settings.reportPrefix}latest.json`]) {
    await withRetry(() => deps.s3.send(new PutObjectCommand({ Bucket: settings.reportBucket, Key, Body, ContentType: 'application/json' })));
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
