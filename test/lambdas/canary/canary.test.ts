import * as http from 'http';
import * as https from 'https';
import { AddressInfo } from 'net';
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CanaryDeps, CanarySettings, TokenCache, probe, runCanary } from '../../../lambdas/canary/canary';
import { Journey } from '../../../lambdas/shared/journeys';
import { MotoServer } from '../../helpers/moto';
import { memoryLogger } from '../kill-switch/helpers';
import { selfSignedCertificate } from '../../helpers/tls-server';

const moto = new MotoServer();
// The service as behind its load balancer: HTTPS with a certificate for the service's domain, reached by address.
const SERVICE_HOSTNAME = 'orders.example.test';
const certificate = selfSignedCertificate(SERVICE_HOSTNAME);
let server: https.Server;
let baseUrl: string;
let seenTls: { servername?: string; host?: string }[] = [];
let mode: 'healthy' | 'broken' | 'hang' | 'slow' | 'flaky' = 'healthy';
let flakyFailures = 0;
let seenAuth: (string | undefined)[] = [];
let cloudwatch: CloudWatchClient;
let secrets: SecretsManagerClient;
let secretArn: string;

beforeAll(async () => {
  await moto.start();
  server = https.createServer(certificate, (req, res) => {
    seenTls.push({ servername: (req.socket as unknown as { servername?: string }).servername, host: req.headers.host });
    if (req.url === '/api/me') seenAuth.push(req.headers.authorization);
    if (mode === 'broken' && req.url === '/api/orders') return void res.writeHead(503).end('down');
    if (mode === 'hang' && req.url === '/api/orders') return; // never answers
    if (mode === 'slow' && req.url === '/api/orders') return void setTimeout(() => res.writeHead(200).end('[]'), 250);
    if (mode === 'flaky' && req.url === '/api/orders' && flakyFailures-- > 0)
      return void res.writeHead(502).end('blip');
    if (req.url === '/api/me' && req.headers.authorization !== 'Bearer s3cret') return void res.writeHead(401).end();
    if (req.url === '/') return void res.writeHead(200).end('<html>orders</html>');
    res.writeHead(200).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 30_000);
afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  await moto.stop();
});
beforeEach(async () => {
  await moto.reset();
  mode = 'healthy';
  seenAuth = [];
  seenTls = [];
  cloudwatch = new CloudWatchClient(moto.clientConfig());
  secrets = new SecretsManagerClient(moto.clientConfig());
  secretArn = (
    await secrets.send(
      new CreateSecretCommand({
        Name: 'orders-prod-canary-credentials',
        SecretString: JSON.stringify({ token: 's3cret' }),
      }),
    )
  ).ARN!;
});

const journeys: Journey[] = [
  { name: 'health', method: 'GET', path: '/health', expectStatus: 200, latencyBudgetMs: 1000, authenticated: false },
  {
    name: 'home',
    method: 'GET',
    path: '/',
    expectStatus: 200,
    bodyMatch: '<html',
    latencyBudgetMs: 1000,
    authenticated: false,
  },
  {
    name: 'list-orders',
    method: 'GET',
    path: '/api/orders',
    expectStatus: 200,
    latencyBudgetMs: 150,
    authenticated: false,
  },
  { name: 'my-account', method: 'GET', path: '/api/me', expectStatus: 200, latencyBudgetMs: 1000, authenticated: true },
];
const settings = (over: Partial<CanarySettings> = {}): CanarySettings => ({
  endpointUrl: baseUrl,
  serviceHostname: SERVICE_HOSTNAME,
  environment: 'Prod',
  namespace: 'Bulwark/orders',
  journeys,
  credentialsSecretId: secretArn,
  probesPerRun: 1,
  probeEveryMs: 20_000,
  requestTimeoutMs: 300,
  ...over,
});
const deps = (over: Partial<CanaryDeps> = {}): CanaryDeps => ({
  cloudwatch,
  secrets,
  logger: memoryLogger(),
  tokenCache: new TokenCache(),
  retry: { attempts: 2, sleep: async () => undefined },
  ca: certificate.cert,
  ...over,
});

async function latest(metric: string, dims: Record<string, string>): Promise<number | undefined> {
  const end = new Date(Date.now() + 60_000);
  const start = new Date(Date.now() - 10 * 60_000);
  const out = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: start,
      EndTime: end,
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: {
            Metric: {
              Namespace: 'Bulwark/orders',
              MetricName: metric,
              Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
            },
            Period: 1,
            Stat: 'Minimum',
          },
        },
      ],
    }),
  );
  return out.MetricDataResults?.[0]?.Values?.[0];
}

describe('canary against a local HTTPS server, metrics on moto', () => {
  test('connects to the endpoint address but sends the service hostname as TLS server name and Host', async () => {
    const result = await runCanary(settings(), deps());
    expect(result.ok).toBe(true);
    const port = new URL(baseUrl).port;
    expect(seenTls).toHaveLength(4);
    for (const seen of seenTls)
      expect(seen).toEqual({ servername: 'orders.example.test', host: `orders.example.test:${port}` });
  });

  test('over plain HTTP the token is never sent: the authenticated journey fails, the others run', async () => {
    const plain = http.createServer((req, res) => {
      if (req.url === '/api/me') seenAuth.push(req.headers.authorization);
      res.writeHead(200).end('<html>ok</html>');
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
      const result = await runCanary(settings({ endpointUrl: plainUrl, serviceHostname: undefined }), deps());
      expect(result.ok).toBe(false);
      const account = result.results.find((r) => r.name === 'my-account')!;
      expect(account).toMatchObject({
        ok: false,
        outcome: 'error',
        detail: `refusing to send the bearer token over plain HTTP to ${plainUrl}; serve the endpoint over HTTPS`,
      });
      expect(result.results.filter((r) => r.ok).map((r) => r.name)).toEqual(['health', 'home', 'list-orders']);
      expect(seenAuth).toEqual([]);
    } finally {
      plain.closeAllConnections();
      await new Promise<void>((resolve) => plain.close(() => resolve()));
    }
  });

  test("pass: every journey passes, with the secret's token; Success 1 and LatencyMs per journey and overall", async () => {
    const result = await runCanary(settings(), deps());
    expect(result).toMatchObject({ ok: true, environment: 'Prod', summary: 'all 4 journeys passed' });
    expect(result.results.map((r) => [r.name, r.ok])).toEqual([
      ['health', true],
      ['home', true],
      ['list-orders', true],
      ['my-account', true],
    ]);
    expect(seenAuth).toEqual(['Bearer s3cret']);
    expect(await latest('Success', { Environment: 'Prod' })).toBe(1);
    expect(await latest('Success', { Environment: 'Prod', Journey: 'my-account' })).toBe(1);
    expect(await latest('LatencyMs', { Environment: 'Prod', Journey: 'health' })).toBeGreaterThanOrEqual(0);
    const listed = await cloudwatch.send(new ListMetricsCommand({ Namespace: 'Bulwark/orders' }));
    const names = (listed.Metrics ?? []).map(
      (m) =>
        `${m.MetricName}{${(m.Dimensions ?? [])
          .map((d) => `${d.Name}=${d.Value}`)
          .sort()
          .join(',')}}`,
    );
    expect(new Set(names)).toEqual(
      new Set([
        'Success{Environment=Prod}',
        ...journeys.flatMap((j) => [
          `Success{Environment=Prod,Journey=${j.name}}`,
          `LatencyMs{Environment=Prod,Journey=${j.name}}`,
        ]),
      ]),
    );
  });

  test('fail: an HTTP 503 fails the journey and the probe; Success 0 is published', async () => {
    mode = 'broken';
    const result = await runCanary(settings(), deps());
    expect(result.ok).toBe(false);
    expect(result.results.find((r) => r.name === 'list-orders')).toMatchObject({
      ok: false,
      outcome: 'status',
      status: 503,
    });
    expect(result.summary).toContain('1 of 4 journeys failed: list-orders (status: expected HTTP 200, got 503)');
    expect(await latest('Success', { Environment: 'Prod' })).toBe(0);
    expect(await latest('Success', { Environment: 'Prod', Journey: 'list-orders' })).toBe(0);
    expect(await latest('Success', { Environment: 'Prod', Journey: 'health' })).toBe(1);
  });

  test('timeout: a request that never answers fails after the request timeout', async () => {
    mode = 'hang';
    const started = Date.now();
    const result = await runCanary(settings(), deps());
    expect(result.results.find((r) => r.name === 'list-orders')).toMatchObject({
      ok: false,
      outcome: 'timeout',
      detail: 'no response within 300 ms',
    });
    // First attempt plus the confirmation: two request timeouts, no more.
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await latest('Success', { Environment: 'Prod' })).toBe(0);
  });

  test('slow: a response over its latency budget fails the journey and publishes its latency', async () => {
    mode = 'slow';
    const result = await runCanary(settings({ requestTimeoutMs: 2_000 }), deps());
    expect(result.results.find((r) => r.name === 'list-orders')).toMatchObject({ ok: false, outcome: 'slow' });
    expect(await latest('LatencyMs', { Environment: 'Prod', Journey: 'list-orders' })).toBeGreaterThanOrEqual(240);
  });

  test('one transient failure is confirmed away by the immediate second attempt', async () => {
    mode = 'flaky';
    flakyFailures = 1;
    const result = await runCanary(settings(), deps());
    expect(result.ok).toBe(true);
  });

  test('a scheduled run probes probesPerRun times, probeEveryMs apart, and publishes each probe', async () => {
    const sleeps: number[] = [];
    let clock = 1_000_000;
    const result = await runCanary(
      settings({ probesPerRun: 3, probeEveryMs: 20_000 }),
      deps({
        now: () => clock,
        sleep: async (ms) => {
          sleeps.push(ms);
          clock += ms;
        },
      }),
    );
    expect(result.probes).toHaveLength(3);
    expect(sleeps).toEqual([20_000, 20_000]);
    expect(result.probes.every((p) => p.published)).toBe(true);
  });

  test('the token is read once per container within its TTL, and re-read after a 401', async () => {
    const cache = new TokenCache(60_000);
    const counting = {
      send: jest.fn((command: GetSecretValueCommand) => secrets.send(command)),
    } as unknown as SecretsManagerClient;
    await probe(settings(), deps({ secrets: counting, tokenCache: cache }));
    await probe(settings(), deps({ secrets: counting, tokenCache: cache }));
    expect((counting.send as jest.Mock).mock.calls).toHaveLength(1);
    // A rotated token: the service refuses the cached one; the canary forgets it and reads the secret again.
    const stale = new TokenCache(60_000);
    jest.spyOn(stale, 'get').mockResolvedValueOnce('old-token');
    const invalidate = jest.spyOn(stale, 'invalidate');
    await probe(settings(), deps({ tokenCache: stale }));
    expect(invalidate).toHaveBeenCalled();
  });

  test('a canary that cannot publish still answers, says so, and logs the error (the alarm then sees missing data)', async () => {
    const logger = memoryLogger();
    const broken = {
      send: jest.fn().mockRejectedValue(Object.assign(new Error('AccessDenied'), { name: 'AccessDenied' })),
    } as unknown as CloudWatchClient;
    const result = await runCanary(settings(), deps({ cloudwatch: broken, logger }));
    expect(result.ok).toBe(true);
    expect(result.probes[0].published).toBe(false);
    expect(logger.lines.some((l) => l.level === 'error' && l.message === 'canary metrics could not be published')).toBe(
      true,
    );
  });
});
