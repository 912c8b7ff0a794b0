import * as http from 'node:http';
import * as https from 'node:https';
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';

/** zod/mini loads no locale; English, as classic zod has, keeps the parse errors' wording. */
z.config(en());

/**
 * The journey runner: walks the service's critical journeys against a base URL and judges each by
 * status, body and latency. The blue/green smoke-check hook (test listener) and the scheduled canary
 * (public endpoint) both use it unchanged, so "passes the smoke check" and "passes the canary" mean
 * the same thing.
 */
export const journeySchema = z.object({
  name: z.string().check(z.minLength(1)),
  method: z._default(z.enum(['GET', 'POST', 'PUT', 'DELETE', 'HEAD']), 'GET'),
  path: z.string().check(z.startsWith('/')),
  expectStatus: z._default(z.number().check(z.int()), 200),
  bodyMatch: z.optional(z.string()),
  body: z.optional(z.string()),
  latencyBudgetMs: z._default(z.number().check(z.int(), z.positive()), 2000),
  authenticated: z._default(z.boolean(), false),
});
export const journeysSchema = z.array(journeySchema).check(z.minLength(1));
export type Journey = z.output<typeof journeySchema>;

export type JourneyOutcome = 'ok' | 'status' | 'body' | 'slow' | 'timeout' | 'error';

export interface JourneyResult {
  readonly name: string;
  readonly ok: boolean;
  readonly outcome: JourneyOutcome;
  readonly latencyMs: number;
  readonly status?: number;
  /** Why it failed, in words fit for a log line and a CodeDeploy status. */
  readonly detail?: string;
}

export interface RunOptions {
  /** Abort a request after this long. @default twice the journey's latency budget */
  readonly timeoutMs?: number;
  /** Bearer token for journeys marked `authenticated`; sent over HTTPS only. */
  readonly authToken?: string;
  /**
   * The service's hostname, sent as TLS server name (SNI) and Host, and the name the server's certificate is
   * verified against, while the connection goes to the base URL's host (the load balancer's DNS name, which the
   * certificate does not cover). @default the base URL's host
   */
  readonly serviceHostname?: string;
  /** Certificate authorities to trust instead of Node's bundled ones (a test's self-signed one). @default Node's */
  readonly ca?: string | Buffer;
  readonly now?: () => number;
}

/** Bytes of a response body kept for `bodyMatch`; a page larger than this is judged on its beginning. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Parse journeys from an environment variable (JSON), failing clearly when the stack passed garbage. */
export function parseJourneys(json: string | undefined): Journey[] {
  if (!json) throw new Error('JOURNEYS is not set: the stack must pass the service journeys as JSON');
  return journeysSchema.parse(JSON.parse(json));
}

export async function runJourney(baseUrl: string, journey: Journey, options: RunOptions = {}): Promise<JourneyResult> {
  const now = options.now ?? (() => performance.now());
  const timeoutMs = options.timeoutMs ?? journey.latencyBudgetMs * 2;
  const refuse = (detail: string): JourneyResult => ({
    name: journey.name,
    ok: false,
    outcome: 'error',
    latencyMs: 0,
    detail,
  });
  let url: URL;
  try {
    url = new URL(journey.path, baseUrl);
  } catch {
    return refuse(`base URL ${JSON.stringify(baseUrl)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return refuse(`base URL ${url.origin} is neither http nor https`);
  }
  const secure = url.protocol === 'https:';
  const headers: Record<string, string> = { 'user-agent': 'bulwark-journey/1', accept: '*/*' };
  if (options.serviceHostname) {
    headers.host = url.port ? `${options.serviceHostname}:${url.port}` : options.serviceHostname;
  }
  if (journey.authenticated) {
    if (!options.authToken) return refuse('journey needs credentials but no token was supplied');
    // A bearer token in clear text is a credential handed to anyone on the path: never send it without TLS.
    if (!secure) {
      return refuse(
        `refusing to send the bearer token over plain HTTP to ${url.origin}; serve the endpoint over HTTPS`,
      );
    }
    headers.authorization = `Bearer ${options.authToken}`;
  }
  if (journey.body !== undefined) headers['content-type'] = 'application/json';

  const started = now();
  const elapsed = () => Math.round(now() - started);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await send(url, {
      method: journey.method,
      headers,
      body: journey.body,
      signal,
      serviceHostname: options.serviceHostname,
      ca: options.ca,
    });
    const latencyMs = elapsed();
    const base = { name: journey.name, latencyMs, status: response.status };
    if (response.status !== journey.expectStatus) {
      return {
        ...base,
        ok: false,
        outcome: 'status',
        detail: `expected HTTP ${journey.expectStatus}, got ${response.status}`,
      };
    }
    if (journey.bodyMatch !== undefined && !response.text.includes(journey.bodyMatch)) {
      return {
        ...base,
        ok: false,
        outcome: 'body',
        detail: `response body does not contain ${JSON.stringify(journey.bodyMatch)}`,
      };
    }
    if (latencyMs > journey.latencyBudgetMs) {
      return {
        ...base,
        ok: false,
        outcome: 'slow',
        detail: `took ${latencyMs} ms, budget ${journey.latencyBudgetMs} ms`,
      };
    }
    return { ...base, ok: true, outcome: 'ok' };
  } catch (error) {
    const latencyMs = elapsed();
    if (signal.aborted) {
      return {
        name: journey.name,
        ok: false,
        outcome: 'timeout',
        latencyMs,
        detail: `no response within ${timeoutMs} ms`,
      };
    }
    return {
      name: journey.name,
      ok: false,
      outcome: 'error',
      latencyMs,
      detail: `request failed: ${(error as Error).message}${codeOf(error)}`,
    };
  }
}

interface Outgoing {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly signal: AbortSignal;
  readonly serviceHostname?: string;
  readonly ca?: string | Buffer;
}

/**
 * One request with node:http(s). Node's fetch cannot send a TLS server name other than the URL's host, which
 * is why this is not fetch: `servername` sets SNI and is the name Node checks the certificate against
 * (https://nodejs.org/api/tls.html#tlsconnectoptions-callback). Redirects are not followed: a journey judges
 * the status the service answers.
 */
function send(url: URL, out: Outgoing): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const common = { method: out.method, headers: out.headers, signal: out.signal };
    const onResponse = (response: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      response.on('data', (chunk: Buffer) => {
        if (kept < BODY_LIMIT_BYTES) chunks.push(chunk.subarray(0, BODY_LIMIT_BYTES - kept));
        kept += chunk.length;
      });
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', reject);
      // A connection closed (or aborted by the timeout) before the whole body arrived.
      response.on('close', () => {
        if (!response.complete) reject(new Error('the response was cut off'));
      });
    };
    const tls = { servername: out.serviceHostname, ca: out.ca, rejectUnauthorized: true };
    const request =
      url.protocol === 'https:'
        ? https.request(url, { ...common, ...tls }, onResponse)
        : http.request(url, common, onResponse);
    request.on('error', reject);
    request.end(out.body);
  });
}

/** Run journeys in order (a journey may depend on state an earlier one set up). */
export async function runJourneys(
  baseUrl: string,
  journeys: readonly Journey[],
  options: RunOptions = {},
): Promise<JourneyResult[]> {
  const results: JourneyResult[] = [];
  for (const journey of journeys) results.push(await runJourney(baseUrl, journey, options));
  return results;
}

export function summarize(results: readonly JourneyResult[]): string {
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return `all ${results.length} journeys passed`;
  return `${failed.length} of ${results.length} journeys failed: ${failed.map((r) => `${r.name} (${r.outcome}: ${r.detail})`).join('; ')}`;
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? ` (${code})` : '';
}
