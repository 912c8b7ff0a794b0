import * as http from 'http';
import { AddressInfo } from 'net';
import { Journey, parseJourneys, runJourney, runJourneys, summarize } from '../../../lambdas/shared/journeys';

let server: http.Server;
let baseUrl: string;
let lastAuthorization: string | undefined;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    lastAuthorization = req.headers.authorization;
    const url = req.url ?? '/';
    if (url === '/health') return void res.writeHead(200).end('ok');
    if (url === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>orders</body></html>');
    if (url === '/broken') return void res.writeHead(500).end('boom');
    if (url === '/slow') return void setTimeout(() => res.writeHead(200).end('late'), 300);
    if (url === '/hang') return; // never answers
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));

const journey = (over: Partial<Journey>): Journey => ({ name: 'j', method: 'GET', path: '/health', expectStatus: 200, latencyBudgetMs: 1000, authenticated: false, ...over });

describe('journey runner against a local HTTP server', () => {
  test('passes a healthy journey and measures latency', async () => {
    const result = await runJourney(baseUrl, journey({}));
    expect(result).toMatchObject({ ok: true, outcome: 'ok', status: 200 });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  test('fails on HTTP 500', async () => {
    expect(await runJourney(baseUrl, journey({ path: '/broken' }))).toMatchObject({ ok: false, outcome: 'status', status: 500, detail: 'expected HTTP 200, got 500' });
  });

  test('fails when the body does not match', async () => {
    expect(await runJourney(baseUrl, journey({ path: '/', bodyMatch: 'checkout' }))).toMatchObject({ ok: false, outcome: 'body' });
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

  test('reports a connection failure as an error, not a crash', async () => {
    expect(await runJourney('http://127.0.0.1:1', journey({}))).toMatchObject({ ok: false, outcome: 'error' });
  });

  test('sends the bearer token only on authenticated journeys, and fails them without one', async () => {
    await runJourney(baseUrl, journey({ authenticated: true }), { authToken: 's3cret' });
    expect(lastAuthorization).toBe('Bearer s3cret');
    await runJourney(baseUrl, journey({}), { authToken: 's3cret' });
    expect(lastAuthorization).toBeUndefined();
    expect(await runJourney(baseUrl, journey({ authenticated: true }))).toMatchObject({ ok: false, outcome: 'error' });
  });

  test('runs journeys in order and summarizes failures', async () => {
    const results = await runJourneys(baseUrl, [journey({ name: 'health' }), journey({ name: 'broken', path: '/broken' })]);
    expect(results.map((r) => r.ok)).toEqual([true, false]);
    expect(summarize(results)).toBe('1 of 2 journeys failed: broken (status: expected HTTP 200, got 500)');
  });

  test('parses journeys from JSON with defaults, and refuses bad input', () => {
    expect(parseJourneys('[{"name":"h","path":"/health"}]')[0]).toMatchObject({ method: 'GET', expectStatus: 200, latencyBudgetMs: 2000 });
    expect(() => parseJourneys(undefined)).toThrow('JOURNEYS is not set');
    expect(() => parseJourneys('[{"name":"h","path":"health"}]')).toThrow();
  });
});
