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
  /** Bearer token for journeys marked `authenticated`. */
  readonly authToken?: string;
  readonly fetchImpl?: typeof fetch;
  readonly now?: () => number;
}

/** Parse journeys from an environment variable (JSON), failing clearly when the stack passed garbage. */
export function parseJourneys(json: string | undefined): Journey[] {
  if (!json) throw new Error('JOURNEYS is not set: the stack must pass the service journeys as JSON');
  return journeysSchema.parse(JSON.parse(json));
}

export async function runJourney(baseUrl: string, journey: Journey, options: RunOptions = {}): Promise<JourneyResult> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const now = options.now ?? (() => performance.now());
  const timeoutMs = options.timeoutMs ?? journey.latencyBudgetMs * 2;
  const headers: Record<string, string> = { 'user-agent': 'bulwark-journey/1', accept: '*/*' };
  if (journey.authenticated) {
    if (!options.authToken) return { name: journey.name, ok: false, outcome: 'error', latencyMs: 0, detail: 'journey needs credentials but no token was supplied' };
    headers.authorization = `Bearer ${options.authToken}`;
  }
  if (journey.body !== undefined) headers['content-type'] = 'application/json';

  const started = now();
  const elapsed = () => Math.round(now() - started);
  try {
    const response = await fetchImpl(new URL(journey.path, baseUrl), {
      method: journey.method,
      headers,
      body: journey.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = journey.method === 'HEAD' ? '' : await response.text();
    const latencyMs = elapsed();
    const base = { name: journey.name, latencyMs, status: response.status };
    if (response.status !== journey.expectStatus) {
      return { ...base, ok: false, outcome: 'status', detail: `expected HTTP ${journey.expectStatus}, got ${response.status}` };
    }
    if (journey.bodyMatch !== undefined && !text.includes(journey.bodyMatch)) {
      return { ...base, ok: false, outcome: 'body', detail: `response body does not contain ${JSON.stringify(journey.bodyMatch)}` };
    }
    if (latencyMs > journey.latencyBudgetMs) {
      return { ...base, ok: false, outcome: 'slow', detail: `took ${latencyMs} ms, budget ${journey.latencyBudgetMs} ms` };
    }
    return { ...base, ok: true, outcome: 'ok' };
  } catch (error) {
    const latencyMs = elapsed();
    const name = (error as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return { name: journey.name, ok: false, outcome: 'timeout', latencyMs, detail: `no response within ${timeoutMs} ms` };
    }
    return { name: journey.name, ok: false, outcome: 'error', latencyMs, detail: `request failed: ${(error as Error).message}${causeOf(error)}` };
  }
}

/** Run journeys in order (a journey may depend on state an earlier one set up). */
export async function runJourneys(baseUrl: string, journeys: readonly Journey[], options: RunOptions = {}): Promise<JourneyResult[]> {
  const results: JourneyResult[] = [];
  for (const journey of journeys) results.push(await runJourney(baseUrl, journey, options));
  return results;
}

export function summarize(results: readonly JourneyResult[]): string {
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return `all ${results.length} journeys passed`;
  return `${failed.length} of ${results.length} journeys failed: ${failed.map((r) => `${r.name} (${r.outcome}: ${r.detail})`).join('; ')}`;
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause ? ` (${cause.code ?? cause.message})` : '';
}
