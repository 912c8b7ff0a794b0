import {
  BackupClient,
  ListRecoveryPointsByBackupVaultCommand,
  RecoveryPointByBackupVault,
} from '@aws-sdk/client-backup';
import { CloudWatchClient, MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { RetryOptions, withRetry } from '../shared/retry';

/** zod/mini loads no locale; English, as classic zod has, keeps the parse errors' wording. */
z.config(en());

/**
 * Freshness of backup stores: how old the newest restorable copy of the data is. Pure functions with
 * injected clients and an injected `now`, shared by the scheduled verifier and the DR drill.
 */

export const METRIC_NAME = 'BackupAgeSeconds';

/** What to check, as the stack passes it to the function (JSON in the STORES environment variable). */
export const storeSpecSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('backup-vault'),
    store: z.string().check(z.minLength(1)),
    vaultName: z.string().check(z.minLength(1)),
    /** Every one of these must have a recovery point; without it, the stalest resource found counts. */
    resourceArns: z._default(z.array(z.string().check(z.minLength(1))), []),
  }),
  z.object({
    kind: z.literal('s3-bucket'),
    store: z.string().check(z.minLength(1)),
    bucket: z.string().check(z.minLength(1)),
    prefix: z._default(z.string(), ''),
    /** Keys under these prefixes are not backup data (drill reports, locks) and do not count. */
    excludePrefixes: z._default(z.array(z.string().check(z.minLength(1))), []),
  }),
  z.object({
    kind: z.literal('rds-cluster'),
    store: z.string().check(z.minLength(1)),
    clusterIdentifier: z.string().check(z.minLength(1)),
  }),
]);
export const storeSpecsSchema = z.array(storeSpecSchema).check(z.minLength(1));
export type StoreSpec = z.output<typeof storeSpecSchema>;
export type StoreSpecInput = z.input<typeof storeSpecSchema>;

export interface FreshnessClients {
  readonly backup?: BackupClient;
  readonly s3?: S3Client;
  readonly rds?: RDSClient;
}

export interface FreshnessOptions {
  readonly now: Date;
  readonly retry?: RetryOptions;
  /** Page size of listings (tests use small pages to exercise pagination). @default 1000 */
  readonly pageSize?: number;
  /** Stop paginating after this many pages, as a bad listing. @default 10000 */
  readonly maxPages?: number;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, detail?: Record<string, unknown>) => void;
}

export type Freshness =
  /** `newest` is the point in time the store can restore to; `how` says which evidence gave it. */
  | {
      readonly store: string;
      readonly status: 'ok';
      readonly ageSeconds: number;
      readonly newest: Date;
      readonly how: 'snapshot' | 'continuous' | 'object' | 'pitr';
      readonly skipped: number;
    }
  /** Nothing restorable found (empty store or a protected resource without any recovery point). */
  | { readonly store: string; readonly status: 'empty'; readonly detail: string; readonly skipped: number }
  | { readonly store: string; readonly status: 'error'; readonly detail: string };

export class BadListingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadListingError';
  }
}

/** Check every store; one store's failure never hides another's result. */
export async function measureFreshness(
  specs: readonly StoreSpec[],
  clients: FreshnessClients,
  options: FreshnessOptions,
): Promise<Freshness[]> {
  const results: Freshness[] = [];
  for (const spec of specs) {
    try {
      results.push(await measureStore(spec, clients, options));
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      options.log?.('error', 'could not measure backup freshness', { store: spec.store, error: detail });
      results.push({ store: spec.store, status: 'error', detail });
    }
  }
  return results;
}

function measureStore(spec: StoreSpec, clients: FreshnessClients, options: FreshnessOptions): Promise<Freshness> {
  switch (spec.kind) {
    case 'backup-vault':
      return vaultFreshness(spec, required(clients.backup, 'backup'), clients.rds, options);
    case 's3-bucket':
      return bucketFreshness(spec, required(clients.s3, 's3'), options);
    case 'rds-cluster':
      return clusterFreshness(spec, required(clients.rds, 'rds'), options);
  }
}

function required<T>(client: T | undefined, name: string): T {
  if (!client) throw new Error(`no ${name} client was given for a store that needs it`);
  return client;
}

function ageSeconds(now: Date, then: Date): number {
  // A clock a little ahead of AWS's must not produce a negative age.
  return Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
}

function validDate(value: unknown): Date | undefined {
  const date =
    value instanceof Date
      ? value
      : typeof value === 'string' || typeof value === 'number'
        ? new Date(value)
        : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/** Newest object (by LastModified) under a prefix, across every page of the listing. */
export async function bucketFreshness(
  spec: Extract<StoreSpec, { kind: 's3-bucket' }>,
  s3: S3Client,
  options: FreshnessOptions,
): Promise<Freshness> {
  let newest: Date | undefined;
  let skipped = 0;
  let token: string | undefined;
  const maxPages = options.maxPages ?? 10_000;
  for (let page = 1; ; page++) {
    if (page > maxPages)
      throw new BadListingError(`s3://${spec.bucket}/${spec.prefix} still truncated after ${maxPages} pages`);
    const response = await withRetry(
      () =>
        s3.send(
          new ListObjectsV2Command({
            Bucket: spec.bucket,
            Prefix: spec.prefix || undefined,
            ContinuationToken: token,
            MaxKeys: options.pageSize ?? 1000,
          }),
        ),
      options.retry,
    );
    for (const object of response.Contents ?? []) {
      const modified = validDate(object.LastModified);
      if (!object.Key || !modified) {
        skipped++;
        continue;
      }
      if (spec.excludePrefixes.some((prefix) => object.Key!.startsWith(prefix))) continue;
      if (!newest || modified > newest) newest = modified;
    }
    if (!response.IsTruncated) break;
    if (!response.NextContinuationToken || response.NextContinuationToken === token) {
      throw new BadListingError(
        `s3://${spec.bucket} listing is truncated but gives no new continuation token (page ${page})`,
      );
    }
    token = response.NextContinuationToken;
  }
  if (skipped > 0) options.log?.('warn', 'skipped malformed objects in the listing', { store: spec.store, skipped });
  if (!newest)
    return { store: spec.store, status: 'empty', detail: `no objects in s3://${spec.bucket}/${spec.prefix}`, skipped };
  return {
    store: spec.store,
    status: 'ok',
    ageSeconds: ageSeconds(options.now, newest),
    newest,
    how: 'object',
    skipped,
  };
}

/** Aurora point-in-time recovery: the cluster can be restored to LatestRestorableTime. */
export async function clusterFreshness(
  spec: Extract<StoreSpec, { kind: 'rds-cluster' }>,
  rds: RDSClient,
  options: FreshnessOptions,
): Promise<Freshness> {
  const latest = await latestRestorableTime(rds, spec.clusterIdentifier, options);
  if (!latest)
    return {
      store: spec.store,
      status: 'empty',
      detail: `${spec.clusterIdentifier} reports no LatestRestorableTime (no automated backup yet, or the cluster is gone)`,
      skipped: 0,
    };
  return {
    store: spec.store,
    status: 'ok',
    ageSeconds: ageSeconds(options.now, latest),
    newest: latest,
    how: 'pitr',
    skipped: 0,
  };
}

async function latestRestorableTime(
  rds: RDSClient,
  identifierOrArn: string,
  options: FreshnessOptions,
): Promise<Date | undefined> {
  if (/^arn:aws[a-z-]*:rds:[^:]+:\d+:db:/.test(identifierOrArn)) {
    const response = await withRetry(
      () => rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifierOrArn })),
      options.retry,
    );
    return validDate(response.DBInstances?.[0]?.LatestRestorableTime);
  }
  const response = await withRetry(
    () => rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifierOrArn })),
    options.retry,
  );
  return validDate(response.DBClusters?.[0]?.LatestRestorableTime);
}

/** Statuses of a recovery point that can be restored from. */
const RESTORABLE = new Set(['COMPLETED', 'AVAILABLE']);

export function isContinuous(point: RecoveryPointByBackupVault): boolean {
  return /:recovery-point:continuous:/.test(point.RecoveryPointArn ?? '');
}

/**
 * Newest restorable point per protected resource in a vault. A snapshot counts from its CreationDate
 * (the moment its data was taken, not when the job finished). A continuous recovery point restores to
 * any second up to the source's latest restorable time, so for RDS and Aurora its age is
 * `now - LatestRestorableTime` (asked of RDS); where that cannot be asked, the snapshots decide.
 * The store's age is that of its stalest resource: every protected resource must be fresh.
 */
export async function vaultFreshness(
  spec: Extract<StoreSpec, { kind: 'backup-vault' }>,
  backup: BackupClient,
  rds: RDSClient | undefined,
  options: FreshnessOptions,
): Promise<Freshness> {
  const newestSnapshot = new Map<string, Date>();
  const continuous = new Set<string>();
  let skipped = 0;
  let token: string | undefined;
  const maxPages = options.maxPages ?? 10_000;
  for (let page = 1; ; page++) {
    if (page > maxPages)
      throw new BadListingError(`vault ${spec.vaultName} still has more recovery points after ${maxPages} pages`);
    const response = await withRetry(
      () =>
        backup.send(
          new ListRecoveryPointsByBackupVaultCommand({
            BackupVaultName: spec.vaultName,
            NextToken: token,
            MaxResults: Math.min(options.pageSize ?? 1000, 1000),
          }),
        ),
      options.retry,
    );
    for (const point of response.RecoveryPoints ?? []) {
      const created = validDate(point.CreationDate);
      if (!point.ResourceArn || !point.Status || !created) {
        skipped++;
        continue;
      }
      if (!RESTORABLE.has(point.Status)) continue;
      if (isContinuous(point)) {
        continuous.add(point.ResourceArn);
        continue;
      }
      const known = newestSnapshot.get(point.ResourceArn);
      if (!known || created > known) newestSnapshot.set(point.ResourceArn, created);
    }
    if (!response.NextToken) break;
    if (response.NextToken === token)
      throw new BadListingError(`vault ${spec.vaultName} listing repeats its NextToken (page ${page})`);
    token = response.NextToken;
  }
  if (skipped > 0)
    options.log?.('warn', 'skipped malformed recovery points in the listing', { store: spec.store, skipped });

  const resources =
    spec.resourceArns.length > 0 ? spec.resourceArns : [...new Set([...newestSnapshot.keys(), ...continuous])];
  if (resources.length === 0)
    return {
      store: spec.store,
      status: 'empty',
      detail: `no restorable recovery points in vault ${spec.vaultName}`,
      skipped,
    };

  let stalest: { newest: Date; how: 'snapshot' | 'continuous' } | undefined;
  for (const resource of resources) {
    let best: { newest: Date; how: 'snapshot' | 'continuous' } | undefined;
    const snapshot = newestSnapshot.get(resource);
    if (snapshot) best = { newest: snapshot, how: 'snapshot' };
    if (continuous.has(resource) && rds && /^arn:aws[a-z-]*:rds:/.test(resource)) {
      const latest = await latestRestorableTime(rds, resource, options);
      if (latest && (!best || latest > best.newest)) best = { newest: latest, how: 'continuous' };
    }
    if (!best)
      return {
        store: spec.store,
        status: 'empty',
        detail: `no restorable recovery point for ${resource} in vault ${spec.vaultName}`,
        skipped,
      };
    if (!stalest || best.newest < stalest.newest) stalest = best;
  }
  return {
    store: spec.store,
    status: 'ok',
    ageSeconds: ageSeconds(options.now, stalest!.newest),
    newest: stalest!.newest,
    how: stalest!.how,
    skipped,
  };
}

/**
 * One datum per store that could be measured. Stores that are empty or failed publish nothing: the
 * alarm treats missing data as breaching, so an empty store, a broken listing and a dead verifier all
 * page the same way as a stale backup.
 */
export function freshnessMetricData(results: readonly Freshness[], environment: string, now: Date): MetricDatum[] {
  return results
    .filter((r): r is Extract<Freshness, { status: 'ok' }> => r.status === 'ok')
    .map((r) => ({
      MetricName: METRIC_NAME,
      Dimensions: [
        { Name: 'environment', Value: environment },
        { Name: 'store', Value: r.store },
      ],
      Timestamp: now,
      Value: r.ageSeconds,
      Unit: 'Seconds',
    }));
}

export async function publishFreshness(
  cloudwatch: CloudWatchClient,
  namespace: string,
  environment: string,
  results: readonly Freshness[],
  now: Date,
  retry?: RetryOptions,
): Promise<number> {
  const data = freshnessMetricData(results, environment, now);
  // PutMetricData takes up to 1000 data per call; a verifier checks a handful of stores.
  for (let i = 0; i < data.length; i += 1000) {
    const batch = data.slice(i, i + 1000);
    await withRetry(
      () => cloudwatch.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: batch })),
      retry,
    );
  }
  return data.length;
}
