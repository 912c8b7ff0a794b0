import * as http from 'http';
import { AddressInfo } from 'net';
import {
  CodeDeployClient,
  LifecycleEventAlreadyCompletedException,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { Journey } from '../../../lambdas/shared/journeys';
import { HookEvent, hookEventSchema, runSmokeCheck, SmokeCheckDeps } from '../../../lambdas/deploy-hook/smoke-check';
import { LocalServer, selfSignedCertificate, startLocalServer } from '../../helpers/tls-server';

const codedeploy = mockClient(CodeDeployClient);
const secrets = mockClient(SecretsManagerClient);
let server: http.Server;
let baseUrl: string;
const seenAuthorization: (string | undefined)[] = [];
const seenHost: (string | undefined)[] = [];
// The HTTPS test listener: a certificate for the service's domain, reached by the load balancer's address.
const SERVICE_HOSTNAME = 'orders.example.test';
const certificate = selfSignedCertificate(SERVICE_HOSTNAME);
let tlsListener: LocalServer;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seenAuthorization.push(req.headers.authorization);
    seenHost.push(req.headers.host);
    const url = req.url ?? '/';
    if (url === '/health') return void res.writeHead(200).end('ok');
    if (url === '/')
      return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>orders</body></html>');
    if (url === '/broken') return void res.writeHead(500).end('boom');
    if (url === '/slow') return void setTimeout(() => res.writeHead(200).end('late'), 300);
    if (url === '/hang') return; // never answers
    if (url === '/api/me')
      return void res.writeHead(req.headers.authorization === 'Bearer t0ken' ? 200 : 401).end('{}');
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tlsListener = await startLocalServer((req, res) => {
    if (req.url === '/api/me')
      return void res.writeHead(req.headers.authorization === 'Bearer t0ken' ? 200 : 401).end('{}');
    res.writeHead(200).end('<html>ok</html>');
  }, certificate);
});
afterAll(async () => {
  await tlsListener.close();
  await new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
});
beforeEach(() => {
  codedeploy.reset();
  secrets.reset();
  codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({ lifecycleEventHookExecutionId: 'exec-1' });
  seenAuthorization.length = 0;
  seenHost.length = 0;
  tlsListener.seen.splice(0);
});

const event: HookEvent = { DeploymentId: 'd-ABC123XYZ', LifecycleEventHookExecutionId: 'exec-1' };
const journey = (over: Partial<Journey>): Journey => ({
  name: 'j',
  method: 'GET',
  path: '/health',
  expectStatus: 200,
  latencyBudgetMs: 1000,
  authenticated: false,
  ...over,
});
const standard = [journey({ name: 'health' }), journey({ name: 'home', path: '/', bodyMatch: '<html' })];
const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
const deps = (over: Partial<SmokeCheckDeps> = {}): SmokeCheckDeps =>
  ({
    codedeploy: new CodeDeployClient({}),
    secrets: new SecretsManagerClient({}),
    baseUrl,
    journeys: standard,
    budgetMs: 5000,
    logger,
    retry: { sleep: async () => undefined },
    ...over,
  }) as SmokeCheckDeps;

function reported(status: 'Succeeded' | 'Failed') {
  expect(codedeploy).toHaveReceivedCommandWith(PutLifecycleEventHookExecutionStatusCommand, {
    deploymentId: 'd-ABC123XYZ',
    lifecycleEventHookExecutionId: 'exec-1',
    status,
  });
}

describe('AfterAllowTestTraffic smoke check against a local server', () => {
  test('passes when every journey passes, and reports Succeeded', async () => {
    const outcome = await runSmokeCheck(event, deps());
    expect(outcome).toMatchObject({ status: 'Succeeded', summary: 'all 2 journeys passed' });
    reported('Succeeded');
  });

  test('HTTP 500 fails the check', async () => {
    const outcome = await runSmokeCheck(
      event,
      deps({ journeys: [...standard, journey({ name: 'orders', path: '/broken' })] }),
    );
    expect(outcome.status).toBe('Failed');
    expect(outcome.summary).toContain('orders (status: expected HTTP 200, got 500)');
    reported('Failed');
  });

  test('a wrong body fails the check', async () => {
    const outcome = await runSmokeCheck(
      event,
      deps({ journeys: [journey({ name: 'home', path: '/', bodyMatch: 'checkout' })] }),
    );
    expect(outcome).toMatchObject({ status: 'Failed' });
    expect(outcome.summary).toContain('body');
    reported('Failed');
  });

  test('a slow response beyond its latency budget fails the check', async () => {
    const outcome = await runSmokeCheck(
      event,
      deps({ journeys: [journey({ name: 'slow', path: '/slow', latencyBudgetMs: 200 })] }),
    );
    expect(outcome.status).toBe('Failed');
    expect(outcome.results[0]).toMatchObject({ outcome: 'slow', status: 200 });
    reported('Failed');
  });

  test('a request that never answers times out and fails the check', async () => {
    const outcome = await runSmokeCheck(
      event,
      deps({ journeys: [journey({ name: 'hang', path: '/hang', latencyBudgetMs: 100 })] }),
    );
    expect(outcome.status).toBe('Failed');
    expect(outcome.results[0]).toMatchObject({ outcome: 'timeout' });
    reported('Failed');
  });

  test('running out of the function budget reports Failed instead of leaving CodeDeploy waiting', async () => {
    const outcome = await runSmokeCheck(
      event,
      deps({ budgetMs: 150, journeys: [journey({ name: 'hang', path: '/hang', latencyBudgetMs: 10_000 })] }),
    );
    expect(outcome.status).toBe('Failed');
    expect(outcome.summary).toContain('did not finish within 150 ms');
    reported('Failed');
  });

  test('a throttled status report is retried until it lands', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    codedeploy
      .on(PutLifecycleEventHookExecutionStatusCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .resolves({});
    const outcome = await runSmokeCheck(event, deps());
    expect(outcome.status).toBe('Succeeded');
    expect(codedeploy).toHaveReceivedCommandTimes(PutLifecycleEventHookExecutionStatusCommand, 3);
  });

  test('a status already reported (retried invocation) is not an error', async () => {
    codedeploy
      .on(PutLifecycleEventHookExecutionStatusCommand)
      .rejects(new LifecycleEventAlreadyCompletedException({ message: 'done', $metadata: {} }));
    await expect(runSmokeCheck(event, deps())).resolves.toMatchObject({ status: 'Succeeded' });
  });

  test('a report that keeps failing surfaces as an error (Lambda retries the invocation)', async () => {
    codedeploy
      .on(PutLifecycleEventHookExecutionStatusCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(runSmokeCheck(event, deps())).rejects.toThrow('denied');
  });

  test('without a credentials secret, authenticated journeys are skipped and the skip is logged', async () => {
    const outcome = await runSmokeCheck(
      event,
      deps({ journeys: [...standard, journey({ name: 'my-account', path: '/api/me', authenticated: true })] }),
    );
    expect(outcome.status).toBe('Succeeded');
    expect(outcome.results.map((r) => r.name)).toEqual(['health', 'home']);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('skipping authenticated journeys'), {
      skipped: ['my-account'],
    });
  });

  test('with a credentials secret, authenticated journeys run over HTTPS with the token, verified against the service hostname', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: 'arn:secret' })
      .resolves({ SecretString: JSON.stringify({ token: 't0ken' }) });
    const outcome = await runSmokeCheck(
      event,
      deps({
        baseUrl: tlsListener.baseUrl,
        serviceHostname: SERVICE_HOSTNAME,
        ca: certificate.cert,
        authSecretArn: 'arn:secret',
        journeys: [journey({ name: 'my-account', path: '/api/me', authenticated: true })],
      }),
    );
    expect(outcome.status).toBe('Succeeded');
    const port = new URL(tlsListener.baseUrl).port;
    expect(tlsListener.seen).toEqual([
      {
        path: '/api/me',
        servername: 'orders.example.test',
        host: `orders.example.test:${port}`,
        authorization: 'Bearer t0ken',
      },
    ]);
    reported('Succeeded');
  });

  test('on a plain-HTTP test listener the token is never sent: the authenticated journey fails and so does the check', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: 'arn:secret' })
      .resolves({ SecretString: JSON.stringify({ token: 't0ken' }) });
    const outcome = await runSmokeCheck(
      event,
      deps({
        authSecretArn: 'arn:secret',
        journeys: [...standard, journey({ name: 'my-account', path: '/api/me', authenticated: true })],
      }),
    );
    expect(outcome.status).toBe('Failed');
    expect(outcome.summary).toBe(
      `1 of 3 journeys failed: my-account (error: refusing to send the bearer token over plain HTTP to ${baseUrl}; serve the endpoint over HTTPS)`,
    );
    expect(seenAuthorization).toEqual([undefined, undefined]);
    reported('Failed');
  });

  test('an unreadable credentials secret fails the check (fail closed)', async () => {
    secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('no access'), { name: 'AccessDeniedException' }));
    const outcome = await runSmokeCheck(event, deps({ authSecretArn: 'arn:secret' }));
    expect(outcome.status).toBe('Failed');
    reported('Failed');
  });

  test('a check with nothing left to run fails rather than passing vacuously', async () => {
    const outcome = await runSmokeCheck(event, deps({ journeys: [journey({ authenticated: true })] }));
    expect(outcome.status).toBe('Failed');
  });

  test('a bad event is rejected before anything runs', () => {
    expect(() => hookEventSchema.parse({ DeploymentId: 'not-an-id' })).toThrow();
    expect(() => hookEventSchema.parse({})).toThrow();
  });
});

describe('handler', () => {
  test('rejects a bad event and reports nothing', async () => {
    process.env.TEST_ENDPOINT_URL = baseUrl;
    process.env.SERVICE_HOSTNAME = SERVICE_HOSTNAME;
    process.env.JOURNEYS = JSON.stringify(standard);
    const { handler } = await import('../../../lambdas/deploy-hook/index');
    await expect(handler({ foo: 'bar' })).rejects.toThrow();
    expect(codedeploy).not.toHaveReceivedAnyCommand();
  });

  test('runs the journeys from JOURNEYS against TEST_ENDPOINT_URL, with SERVICE_HOSTNAME as Host, and reports', async () => {
    const { handler } = await import('../../../lambdas/deploy-hook/index');
    await expect(handler(event, { getRemainingTimeInMillis: () => 60_000 })).resolves.toEqual({
      status: 'Succeeded',
      summary: 'all 2 journeys passed',
    });
    const port = new URL(baseUrl).port;
    expect(seenHost).toEqual([`orders.example.test:${port}`, `orders.example.test:${port}`]);
    reported('Succeeded');
  });
});
