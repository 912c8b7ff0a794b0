import * as http from 'http';
import { AddressInfo } from 'net';
import { Journey, parseJourneys, runJourney, runJourneys, summarize } from '../../../lambdas/shared/journeys';
import { LocalServer, SelfSignedCertificate, selfSignedCertificate, startLocalServer } from '../../helpers/tls-server';

let server: http.Server;
let baseUrl: string;
let lastAuthorization: string | undefined;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    lastAuthorization = req.headers.authorization;
    const url = req.url ?? '/';
    if (url === '/health') return void res.writeHead(200).end('ok');
    if (url === '/')
      return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>orders</body></html>');
    if (url === '/broken') return void res.writeHead(500).end('boom');
    if (url === '/slow') return void setTimeout(() => res.writeHead(200).end('late'), 300);
    if (url === '/hang') return; // never answers
    if (url === '/trickle') return void res.writeHead(200).write('<html'); // headers, then the body never ends
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

const journey = (over: Partial<Journey>): Journey => ({
  name: 'j',
  method: 'GET',
  path: '/health',
  expectStatus: 200,
  latencyBudgetMs: 1000,
  authenticated: false,
  ...over,
});

describe('journey runner against a local HTTP server', () => {
  test('passes a healthy journey and measures latency', async () => {
    const result = await runJourney(baseUrl, journey({}));
    expect(result).toMatchObject({ ok: true, outcome: 'ok', status: 200 });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  test('fails on HTTP 500', async () => {
    expect(await runJourney(baseUrl, journey({ path: '/broken' }))).toMatchObject({
      ok: false,
      outcome: 'status',
      status: 500,
      detail: 'expected HTTP 200, got 500',
    });
  });

  test('fails when the body does not match', async () => {
    expect(await runJourney(baseUrl, journey({ path: '/', bodyMatch: 'checkout' }))).toMatchObject({
      ok: false,
      outcome: 'body',
    });
    expect(await runJourney(baseUrl, journey({ path: '/', bodyMatch: '<html' }))).toMatchObject({ ok: true });
  });

  test('fails a response slower than its latency budget', async () => {
    const result = await runJourney(baseUrl, journey({ path: '/slow', latencyBudgetMs: 100 }), { timeoutMs: 2000 });
    expect(result).toMatchObject({ ok: false, outcome: 'slow', status: 200 });
    expect(result.latencyMs).toBeGreaterThanOrEqual(250);
  });

  test('times out a request that never answers', async () => {
    const result = await runJourney(baseUrl, journey({ path: '/hang' }), { timeoutMs: 200 });
    expect(result).toMatchObject({ ok: false, outcome: 'timeout', detail: 'no response within 200 ms' });
  });

  test('times out a response whose body never ends', async () => {
    const result = await runJourney(baseUrl, journey({ path: '/trickle', bodyMatch: '<html' }), { timeoutMs: 200 });
    expect(result).toMatchObject({ ok: false, outcome: 'timeout', detail: 'no response within 200 ms' });
  });

  test('reports a connection failure as an error, not a crash', async () => {
    expect(await runJourney('http://127.0.0.1:1', journey({}))).toMatchObject({ ok: false, outcome: 'error' });
  });

  test('fails an authenticated journey without a token, before sending anything', async () => {
    lastAuthorization = 'untouched';
    expect(await runJourney(baseUrl, journey({ authenticated: true }))).toMatchObject({
      ok: false,
      outcome: 'error',
      detail: 'journey needs credentials but no token was supplied',
    });
    expect(lastAuthorization).toBe('untouched');
  });

  test('never sends a bearer token over plain HTTP: the journey errors and the server receives no request', async () => {
    let requests = 0;
    const plain = await startLocalServer((_req, res) => {
      requests++;
      res.writeHead(200).end('ok');
    });
    try {
      const result = await runJourney(plain.baseUrl, journey({ authenticated: true }), { authToken: 's3cret' });
      expect(result).toMatchObject({ ok: false, outcome: 'error' });
      expect(result.detail).toBe(
        `refusing to send the bearer token over plain HTTP to ${plain.baseUrl}; serve the endpoint over HTTPS`,
      );
      expect(requests).toBe(0);
      // An unauthenticated journey still runs over HTTP.
      expect(await runJourney(plain.baseUrl, journey({}), { authToken: 's3cret' })).toMatchObject({ ok: true });
      expect(plain.seen.map((r) => r.authorization)).toEqual([undefined]);
    } finally {
      await plain.close();
    }
  });

  test('runs journeys in order and summarizes failures', async () => {
    const results = await runJourneys(baseUrl, [
      journey({ name: 'health' }),
      journey({ name: 'broken', path: '/broken' }),
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false]);
    expect(summarize(results)).toBe('1 of 2 journeys failed: broken (status: expected HTTP 200, got 500)');
  });

  test('parses journeys from JSON with defaults, and refuses bad input', () => {
    expect(parseJourneys('[{"name":"h","path":"/health"}]')[0]).toMatchObject({
      method: 'GET',
      expectStatus: 200,
      latencyBudgetMs: 2000,
    });
    expect(() => parseJourneys(undefined)).toThrow('JOURNEYS is not set');
    expect(() => parseJourneys('[{"name":"h","path":"health"}]')).toThrow();
  });
});

describe('journey runner over HTTPS, as against the load balancer: connect by address, verify the service name', () => {
  // The certificate covers the service's domain only, as an ACM certificate for service.domainName does; the
  // server's address (127.0.0.1 here, the load balancer's DNS name in AWS) is not in it.
  const SERVICE_HOSTNAME = 'orders.example.test';
  let certificate: SelfSignedCertificate;
  let tls: LocalServer;

  beforeAll(async () => {
    certificate = selfSignedCertificate(SERVICE_HOSTNAME);
    tls = await startLocalServer(
      (req, res) => void res.writeHead(req.url === '/health' ? 200 : 404).end('ok'),
      certificate,
    );
  });
  afterAll(() => tls.close());
  beforeEach(() => tls.seen.splice(0));

  test('sends the service hostname as TLS server name (SNI) and Host, and passes with the certificate verified', async () => {
    const port = new URL(tls.baseUrl).port;
    const result = await runJourney(tls.baseUrl, journey({}), {
      serviceHostname: SERVICE_HOSTNAME,
      ca: certificate.cert,
    });
    expect(result).toMatchObject({ ok: true, outcome: 'ok', status: 200 });
    expect(tls.seen).toEqual([
      {
        path: '/health',
        servername: 'orders.example.test',
        host: `orders.example.test:${port}`,
        authorization: undefined,
      },
    ]);
  });

  test('sends the bearer token over HTTPS on authenticated journeys only', async () => {
    const options = { serviceHostname: SERVICE_HOSTNAME, ca: certificate.cert, authToken: 's3cret' };
    expect(await runJourney(tls.baseUrl, journey({ authenticated: true }), options)).toMatchObject({ ok: true });
    expect(await runJourney(tls.baseUrl, journey({}), options)).toMatchObject({ ok: true });
    expect(tls.seen.map((r) => r.authorization)).toEqual(['Bearer s3cret', undefined]);
  });

  test('verifies the certificate against the service hostname: without it the address does not match, and nothing is sent', async () => {
    const result = await runJourney(tls.baseUrl, journey({ authenticated: true }), {
      ca: certificate.cert,
      authToken: 's3cret',
    });
    expect(result).toMatchObject({ ok: false, outcome: 'error' });
    expect(result.detail).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(tls.seen).toEqual([]);
  });

  test('refuses a certificate nobody trusts (TLS is verified, not just encrypted)', async () => {
    const result = await runJourney(tls.baseUrl, journey({}), { serviceHostname: SERVICE_HOSTNAME });
    expect(result).toMatchObject({ ok: false, outcome: 'error' });
    expect(result.detail).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(tls.seen).toEqual([]);
  });
});
