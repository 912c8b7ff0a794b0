import { BackupClient, ListRecoveryPointsByBackupVaultCommand } from '@aws-sdk/client-backup';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  HealthCheckRegion,
  ListResourceRecordSetsCommand,
  ListTagsForResourceCommand,
  Route53Client,
  TestDNSAnswerCommand,
  UpdateHealthCheckCommand,
} from '@aws-sdk/client-route-53';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DrillRefusedError,
  DrillRestoreFailedError,
  drillSettingsSchema,
  runDrill,
} from '../../../lambdas/dr-drill/drill';
import { baseSettings, PRIMARY_IP, resolveIps, SECONDARY_ALB, SECONDARY_IP, silentLogger, VirtualClock } from './world';

/**
 * Unit tests with aws-sdk-client-mock for what moto cannot show: DNS answers that change, the guard
 * against inverting a live health check, throttling, and faults in the restore itself. The zone holds
 * both pairs: the live one (orders.example.com, health check hc-live-primary) and the drill one
 * (drill.orders.example.com, hc-drill-primary, tagged as a drill check).
 */
const route53 = new Route53Client({ region: 'us-east-1' });
const s3 = new S3Client({ region: 'us-west-2' });
const cloudwatch = new CloudWatchClient({ region: 'us-west-2' });
const backup = new BackupClient({ region: 'us-west-2' });
const r53 = mockClient(route53);
const s3m = mockClient(s3);
const cw = mockClient(cloudwatch);
const bk = mockClient(backup);

const HC = 'hc-drill-primary';
const LIVE_HC = 'hc-live-primary';
const DRILL_TAGS = [
  { Key: 'Name', Value: 'orders-drill-primary' },
  { Key: 'bulwark:purpose', Value: 'dr-drill' },
];
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
  s3m
    .on(ListObjectsV2Command)
    .resolves({ Contents: [{ Key: 'heartbeat/latest', LastModified: new Date(clock.now() - 60_000) }] });
  bk.on(ListRecoveryPointsByBackupVaultCommand).resolves({
    RecoveryPoints: [{ RecoveryPointArn: 'rp', Status: 'COMPLETED', CreationDate: new Date(clock.now() - 600_000) }],
  });
  cw.on(PutMetricDataCommand).resolves({});
  // Route 53 lists records from the start name on, in order: the drill pair, then the live pair.
  r53.on(ListResourceRecordSetsCommand).resolves({
    IsTruncated: false,
    ResourceRecordSets: [
      {
        Name: 'drill.orders.example.com.',
        Type: 'A',
        SetIdentifier: 'orders-drill-primary',
        Failover: 'PRIMARY',
        HealthCheckId: HC,
        AliasTarget: { HostedZoneId: 'Z1', DNSName: 'p.', EvaluateTargetHealth: true },
      },
      {
        Name: 'drill.orders.example.com.',
        Type: 'A',
        SetIdentifier: 'orders-drill-secondary',
        Failover: 'SECONDARY',
        HealthCheckId: 'hc-drill-secondary',
        AliasTarget: { HostedZoneId: 'Z2', DNSName: `dualstack.${SECONDARY_ALB}.`, EvaluateTargetHealth: true },
      },
      {
        Name: 'orders.example.com.',
        Type: 'A',
        SetIdentifier: 'orders-primary',
        Failover: 'PRIMARY',
        HealthCheckId: LIVE_HC,
        AliasTarget: { HostedZoneId: 'Z1', DNSName: 'p.', EvaluateTargetHealth: true },
      },
      {
        Name: 'orders.example.com.',
        Type: 'A',
        SetIdentifier: 'orders-secondary',
        Failover: 'SECONDARY',
        AliasTarget: { HostedZoneId: 'Z2', DNSName: `dualstack.${SECONDARY_ALB}.`, EvaluateTargetHealth: true },
      },
    ],
  });
  r53
    .on(ListTagsForResourceCommand)
    .resolves({ ResourceTagSet: { ResourceType: 'healthcheck', ResourceId: HC, Tags: DRILL_TAGS } });
  r53.on(ListTagsForResourceCommand, { ResourceId: LIVE_HC }).resolves({
    ResourceTagSet: { ResourceType: 'healthcheck', ResourceId: LIVE_HC, Tags: [{ Key: 'service', Value: 'orders' }] },
  });
  r53.on(GetHealthCheckCommand).callsFake(() => ({
    HealthCheck: {
      Id: HC,
      CallerReference: 'x',
      HealthCheckVersion: 1,
      HealthCheckConfig: { Type: 'HTTP', Inverted: inverted },
    },
  }));
  r53.on(UpdateHealthCheckCommand).callsFake((input: { Inverted?: boolean }) => {
    inverted = Boolean(input.Inverted);
    invertedAt = inverted ? clock.now() : undefined;
    return {};
  });
  // The checkers' observations of Prod's endpoint: healthy, whatever the inversion (AWS does not say they reflect it).
  r53.on(GetHealthCheckStatusCommand).resolves(healthy(true));
  r53.on(TestDNSAnswerCommand).callsFake(() => ({
    RecordData: [invertedAt !== undefined && clock.now() - invertedAt >= 35_000 ? SECONDARY_IP : PRIMARY_IP],
  }));
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

const throttled = () =>
  Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });

/** Every UpdateHealthCheck the drill sent, as [health check id, Inverted]. */
const updates = () =>
  r53.commandCalls(UpdateHealthCheckCommand).map((c) => [c.args[0].input.HealthCheckId, c.args[0].input.Inverted]);

describe('runDrill (mocked AWS)', () => {
  test('inverts only the drill health check, measures the drill name failing over, restores it, publishes the figures', async () => {
    const report = await runDrill(baseSettings(), deps());
    expect(report).toMatchObject({
      status: 'passed',
      drillHealthCheckId: HC,
      drillRecordName: 'drill.orders.example.com.',
      healthCheckRestored: true,
    });
    // The answer moves 35 s after the inversion; the drill polls every 5 s, so it sees it at 35 s.
    expect(report.failover).toMatchObject({
      failoverSeconds: 35,
      dnsAnswer: [SECONDARY_IP],
      answeredBySecondary: true,
    });
    expect(updates()).toEqual([
      [HC, true],
      [HC, false],
    ]);
    expect(
      r53.commandCalls(TestDNSAnswerCommand).every((c) => c.args[0].input.RecordName === 'drill.orders.example.com.'),
    ).toBe(true);
    const metricData = cw.commandCalls(PutMetricDataCommand)[0].args[0].input.MetricData!;
    expect(metricData.find((m) => m.MetricName === 'DrillFailoverSeconds')?.Value).toBe(35);
    expect(metricData.filter((m) => m.MetricName === 'DrillDataAgeSeconds').map((m) => m.Value)).toEqual([600, 60]);
    expect(inverted).toBe(false);
  });

  test('never sends UpdateHealthCheck for the live primary check, in any outcome', async () => {
    await runDrill(baseSettings(), deps());
    r53.on(TestDNSAnswerCommand).resolves({ RecordData: [PRIMARY_IP] });
    await expect(runDrill(baseSettings(), deps())).rejects.toThrow(/failover not observed/);
    expect(r53.commandCalls(UpdateHealthCheckCommand).length).toBeGreaterThan(0);
    expect(r53.commandCalls(UpdateHealthCheckCommand, { HealthCheckId: LIVE_HC })).toHaveLength(0);
  });

  test('refuses a health check without the drill tag (settings pointed at the live pair) before updating anything', async () => {
    const live = baseSettings({
      recordName: 'orders.example.com',
      primarySetIdentifier: 'orders-primary',
      secondarySetIdentifier: 'orders-secondary',
      drillHealthCheckId: LIVE_HC,
    });
    const failure = await runDrill(live, deps()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DrillRefusedError);
    expect((failure as Error).message).toMatch(
      /^refusing to invert health check hc-live-primary: it is not tagged bulwark:purpose=dr-drill \(its tags: service=orders\)/,
    );
    expect(r53.commandCalls(UpdateHealthCheckCommand)).toHaveLength(0);
    expect(r53.commandCalls(ListTagsForResourceCommand)[0].args[0].input).toEqual({
      ResourceType: 'healthcheck',
      ResourceId: LIVE_HC,
    });
  });

  test('refuses a drill check whose tag value is not the drill value, and a check with no tags at all', async () => {
    r53.on(ListTagsForResourceCommand).resolves({
      ResourceTagSet: {
        ResourceType: 'healthcheck',
        ResourceId: HC,
        Tags: [{ Key: 'bulwark:purpose', Value: 'live' }],
      },
    });
    await expect(runDrill(baseSettings(), deps())).rejects.toThrow(
      /refusing to invert health check hc-drill-primary: it is not tagged bulwark:purpose=dr-drill/,
    );
    r53.on(ListTagsForResourceCommand).resolves({ ResourceTagSet: { ResourceType: 'healthcheck', ResourceId: HC } });
    await expect(runDrill(baseSettings(), deps())).rejects.toThrow(/\(its tags: none\)/);
    expect(r53.commandCalls(UpdateHealthCheckCommand)).toHaveLength(0);
  });

  test('refuses when the drill PRIMARY record uses another health check than the one it was granted', async () => {
    await expect(runDrill(baseSettings({ drillHealthCheckId: 'hc-from-an-old-output' }), deps())).rejects.toThrow(
      /uses health check hc-drill-primary, not hc-from-an-old-output, the drill health check Prod's stack output names/,
    );
    expect(r53.commandCalls(UpdateHealthCheckCommand)).toHaveLength(0);
  });

  test('refuses when the drill name already answers with the standby before anything is inverted', async () => {
    r53.on(TestDNSAnswerCommand).resolves({ RecordData: [SECONDARY_IP] });
    await expect(runDrill(baseSettings(), deps())).rejects.toThrow(
      /drill\.orders\.example\.com\. already answers with the standby \(\["198\.51\.100\.20"\]\) before the drill inverted anything/,
    );
    expect(r53.commandCalls(UpdateHealthCheckCommand)).toHaveLength(0);
  });

  test('pilot light: inverts nothing and reports the failover as not measured', async () => {
    const report = await runDrill(baseSettings({ standbyMode: 'pilot-light' }), deps());
    expect(report.status).toBe('passed');
    expect(report.failover).toEqual({
      targetSeconds: 180,
      note: expect.stringMatching(/^pilot light: .*not measured, nothing inverted$/),
    });
    expect(r53.commandCalls(UpdateHealthCheckCommand)).toHaveLength(0);
    expect(cw.commandCalls(PutMetricDataCommand)[0].args[0].input.MetricData!.map((m) => m.MetricName)).toEqual([
      'DrillDataAgeSeconds',
      'DrillDataAgeSeconds',
    ]);
  });

  test('takes the lock with a conditional put (If-None-Match: *) and releases only its own', async () => {
    await runDrill(baseSettings(), deps());
    expect(s3m.commandCalls(PutObjectCommand)[0].args[0].input).toMatchObject({
      Key: 'drills/lock.json',
      IfNoneMatch: '*',
    });
    expect(s3m.commandCalls(DeleteObjectCommand)[0].args[0].input).toMatchObject({ Key: 'drills/lock.json' });
  });

  test('a lock released between its refused put and the read that follows is taken on the next try', async () => {
    // The holder finished in between: HeadObject answers 404 for a key that does not exist.
    const lockPuts = s3m.on(PutObjectCommand, { Key: 'drills/lock.json', IfNoneMatch: '*' });
    lockPuts.rejectsOnce(s3Error('PreconditionFailed', 412)).resolves({ ETag: '"etag-mine"' });
    s3m
      .on(HeadObjectCommand, { Key: 'drills/lock.json' })
      .rejectsOnce(s3Error('NotFound', 404))
      .resolves({
        ETag: '"etag-mine"',
        LastModified: new Date(clock.now()),
      });
    const report = await runDrill(baseSettings(), deps());
    expect(report.status).toBe('passed');
    expect(s3m.commandCalls(PutObjectCommand, { Key: 'drills/lock.json', IfNoneMatch: '*' })).toHaveLength(2);
    // Its own lock, released at the end.
    expect(s3m.commandCalls(DeleteObjectCommand, { Key: 'drills/lock.json' })).toHaveLength(1);
  });

  test('a lock that keeps being taken and released refuses the run after three tries, naming the lock', async () => {
    s3m.on(PutObjectCommand, { Key: 'drills/lock.json', IfNoneMatch: '*' }).rejects(s3Error('PreconditionFailed', 412));
    s3m.on(HeadObjectCommand, { Key: 'drills/lock.json' }).rejects(s3Error('NotFound', 404));
    const failure = await runDrill(baseSettings(), deps()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DrillRefusedError);
    expect((failure as Error).message).toMatch(
      /^the drill lock s3:\/\/orders-dr-replica\/drills\/lock\.json was taken and released 3 times/,
    );
    expect(s3m.commandCalls(PutObjectCommand, { Key: 'drills/lock.json', IfNoneMatch: '*' })).toHaveLength(3);
    expect(r53.commandCalls(UpdateHealthCheckCommand)).toHaveLength(0);
  });

  test('throttled Route 53 calls are retried, not fatal', async () => {
    r53.on(GetHealthCheckStatusCommand).rejectsOnce(throttled()).resolves(healthy(true));
    r53
      .on(ListTagsForResourceCommand)
      .rejectsOnce(throttled())
      .resolves({ ResourceTagSet: { ResourceType: 'healthcheck', ResourceId: HC, Tags: DRILL_TAGS } });
    const report = await runDrill(baseSettings(), deps());
    expect(report.status).toBe('passed');
  });

  test('a crash mid-drill (the DNS call blows up after the inversion) still restores the drill health check', async () => {
    let calls = 0;
    r53.on(TestDNSAnswerCommand).callsFake(() => {
      if (++calls > 1)
        throw Object.assign(new TypeError("Cannot read properties of undefined (reading 'RecordData')"), {
          name: 'TypeError',
        });
      return { RecordData: [PRIMARY_IP] };
    });
    await expect(runDrill(baseSettings(), deps())).rejects.toThrow(TypeError);
    expect(updates()).toEqual([
      [HC, true],
      [HC, false],
    ]);
    expect(inverted).toBe(false);
  });

  test('a throttled restore is retried until it sticks', async () => {
    r53
      .on(UpdateHealthCheckCommand, { Inverted: false })
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .callsFake(() => {
        inverted = false;
        invertedAt = undefined;
        return {};
      });
    await runDrill(baseSettings(), deps());
    expect(inverted).toBe(false);
  });

  test('a restore that cannot succeed fails loudly with the exact command, and keeps the lock so the next run restores', async () => {
    const denied = Object.assign(new Error('Access denied'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    r53.on(UpdateHealthCheckCommand, { Inverted: false }).rejects(denied);
    const failure = await runDrill(baseSettings(), deps()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DrillRestoreFailedError);
    expect((failure as Error).message).toMatch(
      /may still be inverted .*live traffic is not affected.*aws route53 update-health-check --health-check-id hc-drill-primary --no-inverted/,
    );
    expect(s3m.commandCalls(DeleteObjectCommand)).toHaveLength(0);
  });

  test("stops waiting at the Lambda's deadline, keeping time to restore", async () => {
    r53.on(TestDNSAnswerCommand).resolves({ RecordData: [PRIMARY_IP] });
    const deadlineMs = clock.now() + 60_000;
    await expect(runDrill(baseSettings(), deps({ deadlineMs }))).rejects.toThrow(
      /failover not observed within the 60 s bound/,
    );
    expect(clock.now()).toBeLessThanOrEqual(deadlineMs + 1000);
    expect(inverted).toBe(false);
  });

  test("refuses to drill while the checkers see Prod's endpoint failing (a real incident)", async () => {
    r53.on(GetHealthCheckStatusCommand).resolves(healthy(false));
    await expect(runDrill(baseSettings(), deps())).rejects.toThrow(
      /checkers report Prod's endpoint failing .*real incident/,
    );
    expect(r53.commandCalls(UpdateHealthCheckCommand)).toHaveLength(0);
  });

  test('an empty DR vault is a problem the drill reports (the copy never ran)', async () => {
    bk.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [] });
    await expect(runDrill(baseSettings(), deps())).rejects.toThrow(
      /vault orders-dr-vault holds no completed recovery point/,
    );
  });
});

describe('drill settings', () => {
  test('the schema the handler parses at cold start rejects a missing target', () => {
    const settings = baseSettings() as unknown as Record<string, unknown>;
    expect(drillSettingsSchema.safeParse({ ...settings, targets: { failoverSeconds: 180 } }).success).toBe(false);
    const { drillHealthCheckId: _omitted, ...withoutDrillCheck } = settings;
    expect(drillSettingsSchema.safeParse(withoutDrillCheck).success).toBe(false);
    expect(
      drillSettingsSchema.safeParse({ ...settings, drillHealthCheckTag: { key: 'bulwark:purpose' } }).success,
    ).toBe(false);
    expect(drillSettingsSchema.parse(settings).pollSeconds).toBe(5);
  });
});

/** An S3 error as the SDK raises it: its name and HTTP status. */
function s3Error(name: string, httpStatusCode: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });
}
