import { CloudWatchClient, MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Logger } from '@aws-lambda-powertools/logger';
import { Journey, JourneyResult, RunOptions, runJourneys, summarize } from '../shared/journeys';
import { RetryOptions, realSleep, withRetry } from '../shared/retry';

export interface CanarySettings {
  /** The public endpoint by the load balancer's DNS name (`https://<ALB DNS name>`): where the probes connect. */
  readonly endpointUrl: string;
  /** The service domain, sent as TLS server name and Host (the certificate covers it). @default the endpoint's host */
  readonly serviceHostname?: string;
  readonly environment: string;
  readonly namespace: string;
  readonly journeys: readonly Journey[];
  /** Secrets Manager secret holding the bearer token (`{"token": "..."}` or the bare token). */
  readonly credentialsSecretId?: string;
  /** Probes a scheduled run makes, `probeEveryMs` apart (a run covers the time until the next run). */
  readonly probesPerRun: number;
  readonly probeEveryMs: number;
  /** Abort one request after this long (a request slower than its budget has failed already). */
  readonly requestTimeoutMs: number;
}

export interface CanaryDeps {
  readonly cloudwatch: Pick<CloudWatchClient, 'send'>;
  readonly secrets: Pick<SecretsManagerClient, 'send'>;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  readonly tokenCache: TokenCache;
  readonly retry?: RetryOptions;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  /** Certificate authorities to trust instead of Node's (tests). @default Node's bundled CAs */
  readonly ca?: string | Buffer;
}

export interface ProbeResult {
  readonly ok: boolean;
  readonly at: string;
  readonly summary: string;
  readonly results: readonly JourneyResult[];
  readonly published: boolean;
}

export interface CanaryResponse {
  /** True when every journey of every probe passed: the pipeline's post-deploy check reads this. */
  readonly ok: boolean;
  readonly environment: string;
  readonly summary: string;
  /** Per-journey results of the last probe. */
  readonly results: readonly JourneyResult[];
  readonly probes: readonly ProbeResult[];
}

/** Bearer token cached per container; a short TTL so a rotated token is picked up within minutes. */
export class TokenCache {
  private value?: { token: string; expires: number };

  constructor(
    readonly ttlMs = 5 * 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  async get(secretId: string, deps: Pick<CanaryDeps, 'secrets' | 'retry'>): Promise<string> {
    if (this.value && this.value.expires > this.clock()) return this.value.token;
    const out = await withRetry(() => deps.secrets.send(new GetSecretValueCommand({ SecretId: secretId })), deps.retry);
    const token = tokenFrom(out.SecretString, secretId);
    this.value = { token, expires: this.clock() + this.ttlMs };
    return token;
  }

  /** Forget the token (an authenticated journey was refused: it may have been rotated). */
  invalidate(): void {
    this.value = undefined;
  }
}

function tokenFrom(raw: string | undefined, secretId: string): string {
  if (!raw) throw new Error(`secret ${secretId} has no string value; store {"token": "<bearer token>"}`);
  try {
    const parsed = JSON.parse(raw) as { token?: unknown };
    if (typeof parsed.token === 'string' && parsed.token) return parsed.token;
  } catch {
    // Not JSON: the whole string is the token (the deploy hook reads it the same way).
  }
  return raw;
}

/**
 * One scheduled run: `probesPerRun` probes, `probeEveryMs` apart from the run's start, each walking
 * every journey and publishing its metrics at once. A single run (the pipeline's post-deploy
 * check) is `probesPerRun: 1`.
 */
export async function runCanary(settings: CanarySettings, deps: CanaryDeps): Promise<CanaryResponse> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const start = now();
  const probes: ProbeResult[] = [];
  for (let i = 0; i < settings.probesPerRun; i++) {
    const due = start + i * settings.probeEveryMs;
    if (due > now()) await sleep(due - now());
    probes.push(await probe(settings, deps));
  }
  const last = probes[probes.length - 1];
  return {
    ok: probes.every((p) => p.ok),
    environment: settings.environment,
    summary: last.summary,
    results: last.results,
    probes,
  };
}

/** Walk the journeys once, confirm failures once, publish, log. Never throws: a failure is a result. */
export async function probe(settings: CanarySettings, deps: CanaryDeps): Promise<ProbeResult> {
  const needsToken = settings.journeys.some((j) => j.authenticated);
  let authToken: string | undefined;
  let tokenProblem: string | undefined;
  if (needsToken && settings.credentialsSecretId) {
    try {
      authToken = await deps.tokenCache.get(settings.credentialsSecretId, deps);
    } catch (error) {
      tokenProblem = (error as Error).message;
      deps.logger.error('canary credentials could not be read; authenticated journeys fail', { error: tokenProblem });
    }
  }
  const options: RunOptions = {
    authToken,
    timeoutMs: settings.requestTimeoutMs,
    serviceHostname: settings.serviceHostname,
    ca: deps.ca,
  };
  // All journeys at once: a probe then takes at most two request timeouts (one confirmation), whatever the
  // number of journeys, which is what keeps a 10-s probe cadence inside a 60-s detection (report: canary lag).
  let results = await runJourneysAtOnce(settings.endpointUrl, settings.journeys, options);

  // Confirm failures once, straight away: one lost packet must not page anyone or freeze deploys,
  // and a second attempt costs at most one request timeout (part of the detection figure).
  const failed = settings.journeys.filter((_, i) => !results[i].ok);
  if (failed.length > 0) {
    if (results.some((r, i) => !r.ok && settings.journeys[i].authenticated && (r.status === 401 || r.status === 403)))
      deps.tokenCache.invalidate();
    const again = await runJourneysAtOnce(settings.endpointUrl, failed, options);
    results = results.map((r) => (r.ok ? r : (again.find((a) => a.name === r.name) ?? r)));
  }

  const at = new Date(deps.now ? deps.now() : Date.now());
  const ok = results.every((r) => r.ok);
  const summary = tokenProblem ? `${summarize(results)} (credentials: ${tokenProblem})` : summarize(results);
  let published = true;
  try {
    await withRetry(
      () =>
        deps.cloudwatch.send(
          new PutMetricDataCommand({
            Namespace: settings.namespace,
            MetricData: metricData(settings.environment, results, at),
          }),
        ),
      deps.retry,
    );
  } catch (error) {
    // Not fatal: missing datapoints count as breaching in the P1 alarm, so a canary that cannot publish still pages.
    published = false;
    deps.logger.error('canary metrics could not be published', { error: (error as Error).message });
  }
  const log = { environment: settings.environment, ok, summary, results, published };
  if (ok) deps.logger.info('canary probe passed', log);
  else deps.logger.warn('canary probe failed', log);
  return { ok, at: at.toISOString(), summary, results, published };
}

/** Walk every journey concurrently; results in the journeys' order. */
export async function runJourneysAtOnce(
  baseUrl: string,
  journeys: readonly Journey[],
  options: RunOptions,
): Promise<JourneyResult[]> {
  return (await Promise.all(journeys.map((journey) => runJourneys(baseUrl, [journey], options)))).flat();
}

/**
 * Per journey `Success` (0/1) and `LatencyMs`, dimensions Environment + Journey; and the probe's
 * overall `Success` with the Environment dimension only, which the P1 alarm watches. All high
 * resolution (StorageResolution 1): the P1 alarm evaluates 10-second periods.
 */
export function metricData(environment: string, results: readonly JourneyResult[], at: Date): MetricDatum[] {
  const datum = (
    name: string,
    value: number,
    unit: 'Count' | 'Milliseconds' | 'None',
    dims: Record<string, string>,
  ): MetricDatum => ({
    MetricName: name,
    Value: value,
    Unit: unit,
    Timestamp: at,
    StorageResolution: 1,
    Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
  });
  return [
    ...results.flatMap((r) => [
      datum('Success', r.ok ? 1 : 0, 'None', { Environment: environment, Journey: r.name }),
      datum('LatencyMs', r.latencyMs, 'Milliseconds', { Environment: environment, Journey: r.name }),
    ]),
    datum('Success', results.every((r) => r.ok) ? 1 : 0, 'None', { Environment: environment }),
  ];
}
