import { BackupClient, ListRecoveryPointsByBackupVaultCommand } from '@aws-sdk/client-backup';
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import {
  ChangeResourceRecordSetsCommand,
  ChangeTagsForResourceCommand,
  CreateHealthCheckCommand,
  CreateHostedZoneCommand,
  GetHealthCheckCommand,
  Route53Client,
  UpdateHealthCheckCommand,
} from '@aws-sdk/client-route-53';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DrillDeps,
  DrillRefusedError,
  DrillReport,
  DrillSettings,
  DrillTargetMissedError,
  runDrill,
} from '../../../lambdas/dr-drill/drill';
import { MotoServer } from '../../helpers/moto';
import {
  baseSettings,
  PRIMARY_ALB,
  resolveIps,
  route53World,
  Route53Behaviour,
  SECONDARY_ALB,
  silentLogger,
  VirtualClock,
} from './world';

/**
 * The drill against moto on 127.0.0.1: a real hosted zone with the live failover pair and the drill
 * pair (drill.<domain>, health checks tagged as drill checks), real inversion and restore of the
 * drill check only, real S3 lock and report, real CloudWatch metrics. What moto
 * does not do (health status that follows the inversion, TestDNSAnswer) is layered on top in
 * world.ts; AWS Backup recovery points are mocked (moto keeps none).
 */
const moto = new MotoServer();
beforeAll(() => moto.start(), 30_000);
afterAll(() => moto.stop());

interface Fixture {
  settings: DrillSettings;
  realRoute53: Route53Client;
  s3: S3Client;
  cloudwatch: CloudWatchClient;
  backup: BackupClient;
  /** The drill pair's primary check: the only one the drill may invert. */
  drillHealthCheckId: string;
  /** The live pair's primary check: the drill must never touch it. */
  livePrimaryHealthCheckId: string;
  clock: VirtualClock;
}

let fixture: Fixture;

async function healthCheck(route53: Route53Client, reference: string, fqdn: string): Promise<string> {
  const out = await route53.send(
    new CreateHealthCheckCommand({
      CallerReference: reference,
      HealthCheckConfig: {
        Type: 'HTTP',
        FullyQualifiedDomainName: fqdn,
        Port: 80,
        ResourcePath: '/health',
        RequestInterval: 10,
        FailureThreshold: 3,
      },
    }),
  );
  return out.HealthCheck!.Id!;
}

beforeEach(async () => {
  await moto.reset();
  silentLogger.lines.length = 0;
  const realRoute53 = new Route53Client(moto.clientConfig('us-east-1'));
  const s3 = new S3Client({ ...moto.clientConfig('us-west-2'), forcePathStyle: true });
  const cloudwatch = new CloudWatchClient(moto.clientConfig('us-west-2'));
  const backup = new BackupClient(moto.clientConfig('us-west-2'));
  const clock = new VirtualClock();

  const zone = await realRoute53.send(
    new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: `zone-${Date.now()}` }),
  );
  const hostedZoneId = zone.HostedZone!.Id!.replace('/hostedzone/', '');
  const livePrimaryHealthCheckId = await healthCheck(realRoute53, 'primary', PRIMARY_ALB);
  const liveSecondaryHealthCheckId = await healthCheck(realRoute53, 'secondary', SECONDARY_ALB);
  const drillHealthCheckId = await healthCheck(realRoute53, 'drill-primary', PRIMARY_ALB);
  const drillSecondaryHealthCheckId = await healthCheck(realRoute53, 'drill-secondary', SECONDARY_ALB);
  for (const id of [drillHealthCheckId, drillSecondaryHealthCheckId]) {
    await realRoute53.send(
      new ChangeTagsForResourceCommand({
        ResourceType: 'healthcheck',
        ResourceId: id,
        AddTags: [{ Key: 'bulwark:purpose', Value: 'dr-drill' }],
      }),
    );
  }
  const record = (
    name: string,
    setIdentifier: string,
    role: 'PRIMARY' | 'SECONDARY',
    alb: string,
    healthCheckId: string,
    albZone: string,
  ) => ({
    Action: 'CREATE' as const,
    ResourceRecordSet: {
      Name: name,
      Type: 'A' as const,
      SetIdentifier: setIdentifier,
      Failover: role,
      HealthCheckId: healthCheckId,
      AliasTarget: { HostedZoneId: albZone, DNSName: `dualstack.${alb}.`, EvaluateTargetHealth: true },
    },
  });
  await realRoute53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: hostedZoneId,
      ChangeBatch: {
        Changes: [
          record(
            'orders.example.com.',
            'orders-primary',
            'PRIMARY',
            PRIMARY_ALB,
            livePrimaryHealthCheckId,
            'Z35SXDOTRQ7X7K',
          ),
          record(
            'orders.example.com.',
            'orders-secondary',
            'SECONDARY',
            SECONDARY_ALB,
            liveSecondaryHealthCheckId,
            'Z1H1FL5HABSF5',
          ),
          record(
            'drill.orders.example.com.',
            'orders-drill-primary',
            'PRIMARY',
            PRIMARY_ALB,
            drillHealthCheckId,
            'Z35SXDOTRQ7X7K',
          ),
          record(
            'drill.orders.example.com.',
            'orders-drill-secondary',
            'SECONDARY',
            SECONDARY_ALB,
            drillSecondaryHealthCheckId,
            'Z1H1FL5HABSF5',
          ),
        ],
      },
    }),
  );

  await s3.send(
    new CreateBucketCommand({
      Bucket: 'orders-dr-replica',
      CreateBucketConfiguration: { LocationConstraint: 'us-west-2' },
    }),
  );
  await s3.send(new PutObjectCommand({ Bucket: 'orders-dr-replica', Key: 'heartbeat/latest', Body: 'replicated' }));

  fixture = {
    settings: baseSettings({ hostedZoneId, drillHealthCheckId }),
    realRoute53,
    s3,
    cloudwatch,
    backup,
    drillHealthCheckId,
    livePrimaryHealthCheckId,
    clock,
  };
});

/** Recovery points: moto's AWS Backup keeps none, so the vault listing is mocked with a point `ageSeconds` old. */
function withRecoveryPoint(ageSeconds: number): void {
  mockClient(fixture.backup)
    .on(ListRecoveryPointsByBackupVaultCommand)
    .resolves({
      RecoveryPoints: [
        {
          RecoveryPointArn: 'arn:aws:backup:us-west-2:333333333333:recovery-point:old',
          Status: 'COMPLETED',
          CreationDate: new Date(fixture.clock.now() - 2 * 86_400_000),
        },
        {
          RecoveryPointArn: 'arn:aws:backup:us-west-2:333333333333:recovery-point:new',
          Status: 'COMPLETED',
          CreationDate: new Date(fixture.clock.now() - ageSeconds * 1000),
        },
        {
          RecoveryPointArn: 'arn:aws:backup:us-west-2:333333333333:recovery-point:partial',
          Status: 'PARTIAL',
          CreationDate: new Date(fixture.clock.now()),
        },
      ],
    });
}

function drill(
  behaviour: Route53Behaviour = {},
  settings: Partial<DrillSettings> = {},
  runId = 'run-1',
  overrides: Partial<Pick<DrillDeps, 's3' | 'sleep'>> = {},
) {
  const route53 = route53World(fixture.realRoute53, fixture.clock, behaviour);
  const promise = runDrill(
    { ...fixture.settings, ...settings },
    {
      route53,
      s3: fixture.s3,
      cloudwatch: fixture.cloudwatch,
      backup: fixture.backup,
      logger: silentLogger,
      resolveIps,
      runId,
      now: fixture.clock.now,
      sleep: fixture.clock.sleep,
      ...overrides,
    },
  );
  return { route53, promise };
}

async function inverted(healthCheckId = fixture.drillHealthCheckId): Promise<boolean> {
  const out = await fixture.realRoute53.send(new GetHealthCheckCommand({ HealthCheckId: healthCheckId }));
  return Boolean(out.HealthCheck!.HealthCheckConfig!.Inverted);
}

async function s3Json<T>(key: string): Promise<T> {
  const got = await fixture.s3.send(new GetObjectCommand({ Bucket: 'orders-dr-replica', Key: key }));
  return JSON.parse(await got.Body!.transformToString()) as T;
}

async function lockExists(): Promise<boolean> {
  try {
    await fixture.s3.send(new HeadObjectCommand({ Bucket: 'orders-dr-replica', Key: 'drills/lock.json' }));
    return true;
  } catch {
    return false;
  }
}

describe('DR drill against moto', () => {
  test('fails the drill name over by inverting the drill health check, measures, restores, publishes and reports', async () => {
    withRecoveryPoint(1800);
    const { route53, promise } = drill();
    const report = await promise;

    expect(report.status).toBe('passed');
    expect(report).toMatchObject({
      drillHealthCheckId: fixture.drillHealthCheckId,
      drillRecordName: 'drill.orders.example.com.',
    });
    expect(report.failover).toMatchObject({ failoverSeconds: 40, answeredBySecondary: true, targetSeconds: 180 });
    // Only the drill check was ever updated: inverted once, restored once. The live primary was never touched.
    expect(route53.updates).toEqual([
      { healthCheckId: fixture.drillHealthCheckId, inverted: true },
      { healthCheckId: fixture.drillHealthCheckId, inverted: false },
    ]);
    expect(await inverted(fixture.livePrimaryHealthCheckId)).toBe(false);
    expect(report.data?.recoveryPoint).toMatchObject({ arn: expect.stringContaining(':new'), ageSeconds: 1800 });
    expect(report.data?.replicaObject?.key).toBe('heartbeat/latest');
    expect(report.healthCheckRestored).toBe(true);
    expect(route53.calls).toContain('UpdateHealthCheckCommand');
    expect(await inverted()).toBe(false);

    const latest = await s3Json<DrillReport>('drills/latest.json');
    expect(latest).toMatchObject({ runId: 'run-1', status: 'passed', failover: { failoverSeconds: 40 } });
    const reports = await fixture.s3.send(
      new ListObjectsV2Command({ Bucket: 'orders-dr-replica', Prefix: 'drills/reports/' }),
    );
    expect(reports.Contents).toHaveLength(1);
    expect(await lockExists()).toBe(false);

    const metrics = await fixture.cloudwatch.send(new ListMetricsCommand({ Namespace: 'Bulwark/orders' }));
    expect(metrics.Metrics?.map((m) => m.MetricName).sort()).toEqual([
      'DrillDataAgeSeconds',
      'DrillDataAgeSeconds',
      'DrillFailoverSeconds',
    ]);
  });

  test('the drill lock and reports under drills/ do not count as replicated data', async () => {
    withRecoveryPoint(60);
    await fixture.s3.send(new PutObjectCommand({ Bucket: 'orders-dr-replica', Key: 'drills/latest.json', Body: '{}' }));
    const report = await drill().promise;
    expect(report.data?.replicaObject?.key).toBe('heartbeat/latest');
  });

  test('a second drill at the same time refuses clearly and touches nothing', async () => {
    withRecoveryPoint(60);
    await fixture.s3.send(
      new PutObjectCommand({
        Bucket: 'orders-dr-replica',
        Key: 'drills/lock.json',
        Body: JSON.stringify({ runId: 'run-0', startedAt: new Date().toISOString() }),
      }),
    );
    const { route53, promise } = drill({}, {}, 'run-2');
    await expect(promise).rejects.toThrow(DrillRefusedError);
    await expect(drill({}, {}, 'run-3').promise).rejects.toThrow(
      /another DR drill \(run run-0, started .*\) holds s3:\/\/orders-dr-replica\/drills\/lock\.json; this run refuses to start/,
    );
    expect(route53.calls).not.toContain('UpdateHealthCheckCommand');
    expect(await lockExists()).toBe(true);
    expect(await inverted()).toBe(false);
  });

  test('two drills started together: exactly one runs, the other refuses', async () => {
    withRecoveryPoint(60);
    // The drills share the test's virtual clock, and the winner's waits take no real time: unchecked, it could run
    // its whole drill, moving the clock by minutes, while the other still reads the lock (which then looks stale,
    // or is already gone). Real time passes for both alike, so the winner's first wait starts once the other has
    // decided (or after 2 s of real time, so a run where both took the lock still ends, and fails below). The
    // second run reads the lock 300 ms late, in real time, to make that interleaving certain.
    let oneDecided!: () => void;
    const decided = new Promise<void>((resolve) => (oneDecided = resolve));
    const sleep = async (ms: number) => {
      await Promise.race([decided, new Promise((resolve) => setTimeout(resolve, 2000))]);
      await fixture.clock.sleep(ms);
    };
    const lateReader = {
      send: async (command: Parameters<S3Client['send']>[0]) => {
        if (command instanceof HeadObjectCommand) await new Promise((resolve) => setTimeout(resolve, 300));
        return fixture.s3.send(command as never);
      },
    } as unknown as S3Client;
    const runs = [drill({}, {}, 'a', { sleep }), drill({}, {}, 'b', { sleep, s3: lateReader })].map((run) =>
      run.promise.finally(oneDecided),
    );
    const results = await Promise.allSettled(runs);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect(refused[0].reason).toBeInstanceOf(DrillRefusedError);
    expect((refused[0].reason as Error).message).toMatch(/^another DR drill \(run [ab],/);
    expect(await inverted()).toBe(false);
  });

  test('after a crash (stale lock, drill health check left inverted) the next run takes over, restores first, and drills', async () => {
    withRecoveryPoint(60);
    await fixture.s3.send(
      new PutObjectCommand({
        Bucket: 'orders-dr-replica',
        Key: 'drills/lock.json',
        Body: JSON.stringify({ runId: 'crashed' }),
      }),
    );
    await fixture.realRoute53.send(
      new UpdateHealthCheckCommand({ HealthCheckId: fixture.drillHealthCheckId, Inverted: true }),
    );
    fixture.clock.ms += (fixture.settings.lockStaleSeconds + 5) * 1000;

    const report = await drill({}, {}, 'run-after-crash').promise;
    expect(report).toMatchObject({
      status: 'passed',
      lockTakenOver: true,
      restoredAtStart: true,
      healthCheckRestored: true,
    });
    expect(await inverted()).toBe(false);
    expect(await lockExists()).toBe(false);
  });

  test("an inverted drill health check without a crashed drill behind it is someone else's: the drill refuses and leaves it inverted", async () => {
    withRecoveryPoint(60);
    await fixture.realRoute53.send(
      new UpdateHealthCheckCommand({ HealthCheckId: fixture.drillHealthCheckId, Inverted: true }),
    );
    await expect(drill().promise).rejects.toThrow(
      /inverted and no crashed drill left it so: someone may be failing the drill record over by hand/,
    );
    expect(await inverted()).toBe(true);
    expect(await lockExists()).toBe(false);
    expect((await s3Json<DrillReport>('drills/latest.json')).status).toBe('refused');
  });

  test('a fault mid-drill (TestDNSAnswer denied) still restores the health check, reports the error and releases the lock', async () => {
    withRecoveryPoint(60);
    const denied = Object.assign(new Error('User is not authorized to perform: route53:TestDNSAnswer'), {
      name: 'AccessDenied',
    });
    await expect(drill({ dnsFault: denied }).promise).rejects.toThrow('not authorized');
    expect(await inverted()).toBe(false);
    expect(await lockExists()).toBe(false);
    expect(await s3Json<DrillReport>('drills/latest.json')).toMatchObject({
      status: 'error',
      healthCheckRestored: true,
      error: expect.stringContaining('TestDNSAnswer'),
    });
  });

  test('DNS never answers with the standby within the bound: the drill fails the deployment and restores', async () => {
    withRecoveryPoint(60);
    await expect(drill({ secondaryAnswerAfterSeconds: null }).promise).rejects.toThrow(DrillTargetMissedError);
    const report = await s3Json<DrillReport>('drills/latest.json');
    expect(report.status).toBe('failed');
    expect(report.problems.join(' ')).toMatch(
      /failover not observed within the 300 s bound .*kept answering drill\.orders\.example\.com\. with \["192\.0\.2\.10"\]/,
    );
    expect(await inverted()).toBe(false);
  });

  test('a failover slower than the target fails the deployment with the figure', async () => {
    withRecoveryPoint(60);
    await expect(drill({ secondaryAnswerAfterSeconds: 200 }).promise).rejects.toThrow(
      /failover took 200 s, over the 180 s target/,
    );
    expect(await inverted()).toBe(false);
  });

  test('stale DR data fails the drill with both ages, and the ages are still published', async () => {
    withRecoveryPoint(4 * 3600);
    fixture.clock.ms += 2 * 3600 * 1000; // the heartbeat object is now two hours old
    await expect(drill().promise).rejects.toThrow(
      /newest recovery point in orders-dr-vault is \d+ s old, over the 10800 s target.*newest replicated object in orders-dr-replica is \d+ s old, over the 3600 s target/,
    );
    const metrics = await fixture.cloudwatch.send(
      new ListMetricsCommand({ Namespace: 'Bulwark/orders', MetricName: 'DrillDataAgeSeconds' }),
    );
    expect(
      metrics.Metrics?.flatMap((m) => m.Dimensions?.filter((d) => d.Name === 'Source').map((d) => d.Value)).sort(),
    ).toEqual(['RecoveryPoint', 'ReplicaObject']);
  });

  test('without a PRIMARY record (Prod not deployed yet) it fails clearly and inverts nothing', async () => {
    withRecoveryPoint(60);
    await expect(drill({}, { primarySetIdentifier: 'orders-nope' }).promise).rejects.toThrow(
      /no PRIMARY failover record "orders-nope" .*deploy Prod/,
    );
    expect(await inverted()).toBe(false);
  });

  test('settings pointed at the live pair (a configuration mistake): the untagged live check is refused, nothing is inverted', async () => {
    withRecoveryPoint(60);
    const live = {
      recordName: 'orders.example.com',
      primarySetIdentifier: 'orders-primary',
      secondarySetIdentifier: 'orders-secondary',
      drillHealthCheckId: fixture.livePrimaryHealthCheckId,
    };
    const { route53, promise } = drill({}, live);
    await expect(promise).rejects.toThrow(
      new RegExp(
        `refusing to invert health check ${fixture.livePrimaryHealthCheckId}: it is not tagged bulwark:purpose=dr-drill`,
      ),
    );
    expect(route53.updates).toEqual([]);
    expect(await inverted(fixture.livePrimaryHealthCheckId)).toBe(false);
    expect((await s3Json<DrillReport>('drills/latest.json')).status).toBe('refused');
  });

  test('pilot light: checks the data and the drill pair, inverts nothing and never asks DNS (the standby serves once scaled up)', async () => {
    withRecoveryPoint(60);
    const { route53, promise } = drill({}, { standbyMode: 'pilot-light' });
    const report = await promise;
    expect(report.status).toBe('passed');
    expect(report.failover).toEqual({ targetSeconds: 180, note: expect.stringContaining('pilot light') });
    expect(route53.calls).not.toContain('TestDNSAnswerCommand');
    expect(route53.updates).toEqual([]);
  });
});
