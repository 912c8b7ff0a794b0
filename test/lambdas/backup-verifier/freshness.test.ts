import {
  BackupClient,
  ListRecoveryPointsByBackupVaultCommand,
  RecoveryPointByBackupVault,
} from '@aws-sdk/client-backup';
import { CloudWatchClient, GetMetricStatisticsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import {
  BadListingError,
  bucketFreshness,
  clusterFreshness,
  Freshness,
  freshnessMetricData,
  measureFreshness,
  publishFreshness,
  storeSpecSchema,
  vaultFreshness,
} from '../../../lambdas/backup-verifier/freshness';
import { MotoServer } from '../../helpers/moto';

const noWait = { sleep: async () => undefined, baseDelayMs: 1 };
const bucketSpec = (bucket: string, extra: Record<string, unknown> = {}) =>
  storeSpecSchema.parse({ kind: 's3-bucket', store: 'archive', bucket, ...extra }) as Extract<
    ReturnType<typeof storeSpecSchema.parse>,
    { kind: 's3-bucket' }
  >;
const vaultSpec = (resourceArns: string[] = []) =>
  storeSpecSchema.parse({
    kind: 'backup-vault',
    store: 'vault',
    vaultName: 'orders-prod-backup',
    resourceArns,
  }) as Extract<ReturnType<typeof storeSpecSchema.parse>, { kind: 'backup-vault' }>;
const ok = (r: Freshness) => {
  if (r.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r;
};

describe('backup freshness against a moto server (S3, CloudWatch)', () => {
  const moto = new MotoServer();
  let s3: S3Client;
  let cloudwatch: CloudWatchClient;
  beforeAll(async () => {
    await moto.start();
    s3 = new S3Client({ ...moto.clientConfig(), forcePathStyle: true });
    cloudwatch = new CloudWatchClient(moto.clientConfig());
  }, 30_000);
  afterAll(() => moto.stop());
  beforeEach(() => moto.reset());

  async function bucketWith(keys: string[]): Promise<{ bucket: string; written: Date }> {
    const bucket = `archive-${Math.random().toString(36).slice(2, 10)}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const newest = (listed.Contents ?? []).map((o) => o.LastModified!.getTime()).reduce((a, b) => Math.max(a, b), 0);
    return { bucket, written: new Date(newest) };
  }

  test('fresh: the newest object is 2 minutes old at the chosen now', async () => {
    const { bucket, written } = await bucketWith(['db/2026-11-23.dump']);
    const result = ok(await bucketFreshness(bucketSpec(bucket), s3, { now: new Date(written.getTime() + 120_000) }));
    expect(result.ageSeconds).toBe(120);
    expect(result.how).toBe('object');
  });

  test('stale: the age exceeds a 15-minute RPO and is reported as is', async () => {
    const { bucket, written } = await bucketWith(['db/old.dump']);
    const result = ok(
      await bucketFreshness(bucketSpec(bucket), s3, { now: new Date(written.getTime() + 3 * 3600_000) }),
    );
    expect(result.ageSeconds).toBe(10_800);
    expect(result.ageSeconds).toBeGreaterThan(15 * 60);
  });

  test('none: an empty bucket is "empty" and publishes no datum (the alarm treats missing as breaching)', async () => {
    const { bucket } = await bucketWith([]);
    const results = await measureFreshness([bucketSpec(bucket)], { s3 }, { now: new Date() });
    expect(results[0]).toMatchObject({ status: 'empty', store: 'archive' });
    expect(freshnessMetricData(results, 'Prod', new Date())).toEqual([]);
  });

  test('many pages: 23 objects in pages of 5 are all read, the newest wins', async () => {
    const keys = Array.from({ length: 23 }, (_, i) => `db/${String(i).padStart(3, '0')}.dump`);
    const { bucket, written } = await bucketWith(keys);
    const send = jest.spyOn(s3, 'send');
    const result = ok(
      await bucketFreshness(bucketSpec(bucket), s3, { now: new Date(written.getTime() + 60_000), pageSize: 5 }),
    );
    expect(send).toHaveBeenCalledTimes(5);
    send.mockRestore();
    expect(result.ageSeconds).toBe(60);
  });

  test('keys under excluded prefixes (drill reports) do not make the replica look fresh', async () => {
    const { bucket } = await bucketWith(['data/a.dump']);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const dataTime = listed.Contents![0].LastModified!;
    await new Promise((r) => setTimeout(r, 1100));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'drills/report.json', Body: '{}' }));
    const now = new Date(dataTime.getTime() + 600_000);
    const counted = ok(await bucketFreshness(bucketSpec(bucket), s3, { now }));
    const excluded = ok(await bucketFreshness(bucketSpec(bucket, { excludePrefixes: ['drills/'] }), s3, { now }));
    expect(excluded.ageSeconds).toBe(600);
    expect(counted.ageSeconds).toBeLessThan(600);
  });

  test('publishes BackupAgeSeconds per store with environment and store dimensions', async () => {
    const { bucket, written } = await bucketWith(['db/a.dump']);
    const now = new Date(written.getTime() + 90_000);
    const results = await measureFreshness([bucketSpec(bucket)], { s3 }, { now });
    expect(await publishFreshness(cloudwatch, 'Bulwark/orders', 'Prod', results, now)).toBe(1);
    const stats = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: 'Bulwark/orders',
        MetricName: 'BackupAgeSeconds',
        Dimensions: [
          { Name: 'environment', Value: 'Prod' },
          { Name: 'store', Value: 'archive' },
        ],
        StartTime: new Date(now.getTime() - 600_000),
        EndTime: new Date(now.getTime() + 600_000),
        Period: 60,
        Statistics: ['Maximum'],
      }),
    );
    expect(stats.Datapoints?.map((d) => d.Maximum)).toEqual([90]);
  });

  test('a missing bucket is an error for that store only, and other stores are still measured', async () => {
    const { bucket, written } = await bucketWith(['a']);
    const results = await measureFreshness(
      [bucketSpec('does-not-exist'), bucketSpec(bucket)],
      { s3 },
      { now: new Date(written.getTime() + 1000) },
    );
    expect(results[0]).toMatchObject({ status: 'error' });
    expect(results[0].status === 'error' && results[0].detail).toMatch(/NoSuchBucket/);
    expect(results[1]).toMatchObject({ status: 'ok', ageSeconds: 1 });
  });
});

describe('backup freshness with mocked Backup, RDS and S3 (faults)', () => {
  // Instances, not classes: mocking the classes would also intercept the moto clients above.
  const backup = new BackupClient({ region: 'us-east-1' });
  const rds = new RDSClient({ region: 'us-east-1' });
  const s3 = new S3Client({ region: 'us-east-1' });
  const cw = new CloudWatchClient({ region: 'us-east-1' });
  const backupMock = mockClient(backup);
  const rdsMock = mockClient(rds);
  const s3Mock = mockClient(s3);
  const cwMock = mockClient(cw);
  const now = new Date('2026-11-23T12:00:00Z');
  const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
  const cluster = 'arn:aws:rds:us-east-1:333333333333:cluster:orders-prod-db';
  const snapshot = (m: number, extra: Record<string, unknown> = {}): RecoveryPointByBackupVault =>
    ({
      RecoveryPointArn: `arn:aws:rds:us-east-1:333333333333:cluster-snapshot:awsbackup:job-${m}`,
      ResourceArn: cluster,
      Status: 'COMPLETED',
      CreationDate: minutesAgo(m),
      ...extra,
    }) as RecoveryPointByBackupVault;
  const continuousPoint: RecoveryPointByBackupVault = {
    RecoveryPointArn: 'arn:aws:backup:us-east-1:333333333333:recovery-point:continuous:cluster-abc',
    ResourceArn: cluster,
    Status: 'COMPLETED',
    CreationDate: minutesAgo(60 * 24 * 20),
  };
  const throttle = () =>
    Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });

  beforeEach(() => {
    backupMock.reset();
    rdsMock.reset();
    s3Mock.reset();
    cwMock.reset();
  });

  test('vault: the newest COMPLETED snapshot counts from its creation; failed and in-progress points do not', async () => {
    backupMock.on(ListRecoveryPointsByBackupVaultCommand).resolves({
      RecoveryPoints: [
        snapshot(200),
        snapshot(70),
        snapshot(5, { Status: 'CREATING' }),
        snapshot(1, { Status: 'EXPIRED' }),
      ],
    });
    const result = ok(await vaultFreshness(vaultSpec([cluster]), backup, rds, { now }));
    expect(result).toMatchObject({ ageSeconds: 70 * 60, how: 'snapshot' });
  });

  test('vault with continuous backup: age is now - LatestRestorableTime from RDS', async () => {
    backupMock.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [continuousPoint, snapshot(90)] });
    rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ LatestRestorableTime: minutesAgo(4) }] });
    const result = ok(await vaultFreshness(vaultSpec([cluster]), backup, rds, { now }));
    expect(result).toMatchObject({ ageSeconds: 240, how: 'continuous' });
    expect(rdsMock.commandCalls(DescribeDBClustersCommand)[0].args[0].input).toEqual({ DBClusterIdentifier: cluster });
  });

  test('vault: paginates with NextToken and takes the newest across pages', async () => {
    backupMock
      .on(ListRecoveryPointsByBackupVaultCommand)
      .resolvesOnce({ RecoveryPoints: [snapshot(300)], NextToken: 'p2' })
      .resolvesOnce({ RecoveryPoints: [snapshot(30)], NextToken: 'p3' })
      .resolvesOnce({ RecoveryPoints: [snapshot(120)] });
    const result = ok(await vaultFreshness(vaultSpec([cluster]), backup, undefined, { now }));
    expect(result.ageSeconds).toBe(30 * 60);
    expect(
      backupMock.commandCalls(ListRecoveryPointsByBackupVaultCommand).map((c) => c.args[0].input.NextToken),
    ).toEqual([undefined, 'p2', 'p3']);
  });

  test('vault: a protected resource without any recovery point makes the store "empty"', async () => {
    backupMock.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [snapshot(10)] });
    const other = 'arn:aws:rds:us-east-1:333333333333:cluster:other';
    const result = await vaultFreshness(vaultSpec([cluster, other]), backup, undefined, { now });
    expect(result).toMatchObject({ status: 'empty' });
    expect(result.status === 'empty' && result.detail).toContain(other);
  });

  test('vault: the stalest protected resource decides the store age', async () => {
    const other = 'arn:aws:dynamodb:us-east-1:333333333333:table/orders';
    backupMock
      .on(ListRecoveryPointsByBackupVaultCommand)
      .resolves({ RecoveryPoints: [snapshot(10), snapshot(500, { ResourceArn: other })] });
    expect(ok(await vaultFreshness(vaultSpec(), backup, undefined, { now })).ageSeconds).toBe(500 * 60);
  });

  test('vault: an empty or missing listing is "empty", never a fake age', async () => {
    backupMock.on(ListRecoveryPointsByBackupVaultCommand).resolves({});
    expect(await vaultFreshness(vaultSpec(), backup, undefined, { now })).toMatchObject({ status: 'empty' });
  });

  test('bad listings: malformed points are skipped and counted; a repeated NextToken fails instead of looping', async () => {
    backupMock.on(ListRecoveryPointsByBackupVaultCommand).resolves({
      RecoveryPoints: [
        snapshot(15),
        { RecoveryPointArn: 'x', Status: 'COMPLETED' },
        snapshot(5, { CreationDate: new Date('not a date') }),
      ],
    });
    expect(ok(await vaultFreshness(vaultSpec([cluster]), backup, undefined, { now }))).toMatchObject({
      ageSeconds: 900,
      skipped: 2,
    });

    backupMock.reset();
    backupMock
      .on(ListRecoveryPointsByBackupVaultCommand)
      .resolves({ RecoveryPoints: [snapshot(15)], NextToken: 'same' });
    await expect(vaultFreshness(vaultSpec([cluster]), backup, undefined, { now })).rejects.toThrow(BadListingError);
  });

  test('bad listings: S3 truncated without a continuation token fails as a bad listing', async () => {
    s3Mock
      .on(ListObjectsV2Command)
      .resolves({ Contents: [{ Key: 'a', LastModified: minutesAgo(1) }], IsTruncated: true });
    await expect(bucketFreshness(bucketSpec('b'), s3, { now })).rejects.toThrow(
      /truncated but gives no new continuation token/,
    );
    const results = await measureFreshness([bucketSpec('b')], { s3 }, { now });
    expect(results[0]).toMatchObject({ status: 'error' });
  });

  test('throttling: retried with backoff until the listing succeeds', async () => {
    backupMock
      .on(ListRecoveryPointsByBackupVaultCommand)
      .rejectsOnce(throttle())
      .rejectsOnce(throttle())
      .resolves({ RecoveryPoints: [snapshot(20)] });
    s3Mock
      .on(ListObjectsV2Command)
      .rejectsOnce(throttle())
      .resolves({ Contents: [{ Key: 'a', LastModified: minutesAgo(3) }] });
    const results = await measureFreshness(
      [vaultSpec([cluster]), bucketSpec('b')],
      { backup, s3 },
      { now, retry: noWait },
    );
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(backupMock.commandCalls(ListRecoveryPointsByBackupVaultCommand)).toHaveLength(3);
  });

  test('throttling that never ends: the store is an error (no datum, so the alarm fires), not an exception', async () => {
    backupMock.on(ListRecoveryPointsByBackupVaultCommand).rejects(throttle());
    const results = await measureFreshness(
      [vaultSpec([cluster])],
      { backup },
      { now, retry: { ...noWait, attempts: 3 } },
    );
    expect(results[0]).toMatchObject({ status: 'error' });
    expect(freshnessMetricData(results, 'Prod', now)).toEqual([]);
  });

  test('database PITR: LatestRestorableTime gives the age; no time means empty', async () => {
    const spec = storeSpecSchema.parse({
      kind: 'rds-cluster',
      store: 'database',
      clusterIdentifier: 'orders-prod-db',
    }) as Extract<ReturnType<typeof storeSpecSchema.parse>, { kind: 'rds-cluster' }>;
    rdsMock
      .on(DescribeDBClustersCommand)
      .resolvesOnce({ DBClusters: [{ LatestRestorableTime: minutesAgo(5) }] })
      .resolvesOnce({ DBClusters: [] });
    expect(ok(await clusterFreshness(spec, rds, { now }))).toMatchObject({ ageSeconds: 300, how: 'pitr' });
    expect(await clusterFreshness(spec, rds, { now })).toMatchObject({ status: 'empty' });
  });

  test('a clock slightly ahead of AWS never yields a negative age', async () => {
    s3Mock
      .on(ListObjectsV2Command)
      .resolves({ Contents: [{ Key: 'a', LastModified: new Date(now.getTime() + 5000) }] });
    expect(ok(await bucketFreshness(bucketSpec('b'), s3, { now })).ageSeconds).toBe(0);
  });

  test('publishing retries a throttled PutMetricData', async () => {
    cwMock.on(PutMetricDataCommand).rejectsOnce(throttle()).resolves({});
    const results: Freshness[] = [
      { store: 'vault', status: 'ok', ageSeconds: 60, newest: now, how: 'snapshot', skipped: 0 },
    ];
    expect(await publishFreshness(cw, 'Bulwark/orders', 'Prod', results, now, noWait)).toBe(1);
    expect(cwMock.commandCalls(PutMetricDataCommand)).toHaveLength(2);
    expect(cwMock.commandCalls(PutMetricDataCommand)[1].args[0].input.MetricData?.[0]).toMatchObject({
      Value: 60,
      Unit: 'Seconds',
    });
  });
});
