import { BackupClient, ListRecoveryPointsByBackupVaultCommand } from '@aws-sdk/client-backup';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  HealthCheckRegion,
  ListResourceRecordSetsCommand,
  Route53Client,
  TestDNSAnswerCommand,
  UpdateHealthCheckCommand,
} from '@aws-sdk/client-route-53';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { DrillRestoreFailedError, drillSettingsSchema, runDrill } from '../../../lambdas/dr-drill/drill';
import { baseSettings, PRIMARY_IP, resolveIps, SECONDARY_ALB, SECONDARY_IP, silentLogger, VirtualClock } from './world';

/**
 * Unit tests with aws-sdk-client-mock for what moto cannot show: health status that changes, DNS
 * answers, throttling, and faults in the restore itself.
 */
const route53 = new Route53Client({ region: 'us-east-1' });
const s3 = new S3Client({ region: 'us-west-2' });
const cloudwatch = new CloudWatchClient({ region: 'us-west-2' });
const backup = new BackupClient({ region: 'us-west-2' });
const r53 = mockClient(route53);
const s3m = mockClient(s3);
const cw = mockClient(cloudwatch);
const bk = mockClient(backup);

const HC = 'hc-primary';
let clock: VirtualClock;
let inverted: boolean;
let invertedAt: number | undefined;

function healthy(ok: boolean) {
  const Status = ok ? 'Success: HTTP Status Code 200' : 'Failure: Connection timed out';
  const regions: HealthCheckRegion[] = ['us-east-1', 'us-west-2', 'eu-west-1'];
  return { HealthCheckObservations: regions.map((Region) => ({ Region, StatusReport: { Status } })) };
}

beforeEach(() => {
  for (const m of [r53, s3m, cw, bk]) m.reset();
  clock = new VirtualClock();
  inverted = false;
  invertedAt = undefined;
  s3m.on(PutObjectCommand).resolves({ ETag: '"etag-1"' });
  s3m.on(HeadObjectCommand).resolves({ ETag: '"etag-1"', LastModified: new Date(clock.now()) });
  s3m.on(DeleteObjectCommand).resolves({});
  s3m.on(GetObjectCommand).rejects(new Error('not needed'));
  s3m.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'heartbeat/latest', LastModified: new Date(clock.now() - 60_000) }] });
  bk.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [{ RecoveryPointArn: 'rp', Status: 'COMPLETED', CreationDate: new Date(clock.now() - 600_000) }] });
  cw.on(PutMetricDataCommand).resolves({});
  r53.on(ListResourceRecordSetsCommand).resolves({
    IsTruncated: false,
    ResourceRecordSets: [
      { Name: 'orders.example.com.', Type: 'A', SetIdentifier: 'orders-primary', Failover: 'PRIMARY', HealthCheckId: HC, AliasTarget: { HostedZoneId: 'Z1', DNSName: 'p.', EvaluateTargetHealth: true } },
      { Name: 'orders.example.com.', Type: 'A', SetIdentifier: 'orders-secondary', Failover: 'SECONDARY', AliasTarget: { HostedZoneId: 'Z2', DNSName: `dualstack.${SECONDARY_ALB}.`, EvaluateTargetHealth: true } },
    ],
  });
  r53.on(GetHealthCheckCommand).callsFake(() => ({ HealthCheck: { Id: HC, CallerReference: 'x', HealthCheckVersion: 1, HealthCheckConfig: { Type: 'HTTP', Inverted: inverted } } }));
  r53.on(UpdateHealthCheckCommand).callsFake((input: { Inverted?: boolean }) => {
    inverted = Boolean(input.Inverted);
    invertedAt = inverted ? clock.now() : undefined;
    return {};
  });
  r53.on(GetHealthCheckStatusCommand).callsFake(() => healthy(!(invertedAt !== undefined && clock.now() - invertedAt >= 30_000)));
  r53.on(TestDNSAnswerCommand).callsFake(() => ({ RecordData: [invertedAt !== undefined && clock.now() - invertedAt >= 35_000 ? SECONDARY_IP : PRIMARY_IP] }));
});

const deps = (extra: Partial<Parameters<typeof runDrill>[1]> = {}) => ({
  route53,
  s3,
  cloudwatch,
  backup,
  logger: silentLogger,
  resolveIps,
  runId: 'unit',
  now: () => clock.now(),
  sleep: clock.sleep,
  ...extra,
});

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });

describe('runDrill (mocked AWS)', () => {
  test('measures detection and DNS failover from real status changes, publishes both metrics with the figures', async () => {
    const report = await runDrill(baseSettings(), deps());
    expect(report.failover).toMatchObject({ detectedSeconds: 30, failoverSeconds: 35, dnsAnswer: [SECONDARY_IP], answeredBySecondary: true });
    const metricData = cw.commandCalls(PutMetricDataCommand)[0].args[0].input.MetricData!;
    expect(metricData.find((m) => m.MetricName === 'DrillFailoverSeconds')?.Value).toBe(35);
    expect(metricData.filter((m) => m.MetricName === 'DrillDataAgeSeconds').map((m) => m.Value)).toEqual([600, 60]);
    expect(inverted).toBe(false);
  });

  test('takes the lock with a conditional put (If-None-Match: *) and releases only its own', async () => {
    await runDrill(baseSettings(), deps());
    expect(s3m.commandCalls(PutObjectCommand)[0].args[0].input).toMatchObject({ Key: 'drills/lock.json', IfNoneMatch: '*' });
    expect(s3m.commandCalls(DeleteObjectCommand)[0].args[0].input).toMatchObject({ Key: 'drills/lock.json' });
  });

  test('throttled Route 53 calls are retried, not fatal', async () => {
    r53.on(GetHealthCheckStatusCommand).rejectsOnce(throttled()).callsFake(() => healthy(!(invertedAt !== undefined && clock.now() - invertedAt >= 30_000)));
    const report = await runDrill(baseSettings(), deps());
    expect(report.status).toBe('passed');
  });

  test('a crash mid-drill (the status call blows up after the inversion) still restores the health check', async () => {
    let calls = 0;
    r53.on(GetHealthCheckStatusCommand).callsFake(() => {
      if (++calls > 1) throw Object.assign(new TypeError("Cannot read properties of undefined (reading 'Status')"), { name: 'TypeError' });
      return healthy(true);
    });
    await expect(runDrill(baseSettings(), deps())).rejects.toThrow(TypeError);
    const updates = r53.commandCalls(UpdateHealthCheckCommand).map((c) => c.args[0].input.Inverted);
    expect(updates).toEqual([true, false]);
    expect(inverted).toBe(false);
  });

  test('a throttled restore is retried until it sticks', async () => {
    r53.on(UpdateHealthCheckCommand, { Inverted: false }).rejectsOnce(throttled()).rejectsOnce(throttled()).callsFake(() => {
      inverted = false;
      invertedAt = undefined;
      return {};
    });
    await runDrill(baseSettings(), deps());
    expect(inverted).toBe(false);
  });

  test('a restore that cannot succeed fails loudly with the exact command, and keeps the lock so the next run restores', async () => {
    const denied = Object.assign(new Error('Access denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    r53.on(UpdateHealthCheckCommand, { Inverted: false }).rejects(denied);
    const failure = await runDrill(baseSettings(), deps()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DrillRestoreFailedError);
    expect((failure as Error).message).toMatch(/may still be inverted .*aws route53 update-health-check --health-check-id hc-primary --no-inverted/);
    expect(s3m.commandCalls(DeleteObjectCommand)).toHaveLength(0);
  });

  test("stops waiting at the Lambda's deadline, keeping time to restore", async () => {
    r53.on(TestDNSAnswerCommand).resolves({ RecordData: [PRIMARY_IP] });
    const deadlineMs = clock.now() + 60_000;
    await expect(runDrill(baseSettings(), deps({ deadlineMs }))).rejects.toThrow(/failover not observed within the 60 s bound/);
    expect(clock.now()).toBeLessThanOrEqual(deadlineMs + 1000);
    expect(inverted).toBe(false);
  });

  test('refuses to drill while the primary is already unhealthy (a real incident)', async () => {
    r53.on(GetHealthCheckStatusCommand).resolves(healthy(false));
    await expect(runDrill(baseSettings(), deps())).rejects.toThrow(/already unhealthy .*real incident/);
    expect(r53.commandCalls(UpdateHealthCheckCommand)).toHaveLength(0);
  });

  test('an empty DR vault is a problem the drill reports (the copy never ran)', async () => {
    bk.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [] });
    await expect(runDrill(baseSettings(), deps())).rejects.toThrow(/vault orders-dr-vault holds no completed recovery point/);
  });
});

describe('drill settings', () => {
  test('the schema the handler parses at cold start rejects a missing target', () => {
    const settings = baseSettings() as unknown as Record<string, unknown>;
    expect(drillSettingsSchema.safeParse({ ...settings, targets: { failoverSeconds: 180 } }).success).toBe(false);
    expect(drillSettingsSchema.parse(settings).pollSeconds).toBe(5);
  });
});
