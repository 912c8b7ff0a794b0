import type { Logger } from '@aws-lambda-powertools/logger';
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { Journey, JourneyResult, runJourneys, summarize } from '../shared/journeys';
import { RetryOptions, withRetry } from '../shared/retry';

/** What CodeDeploy sends a lifecycle hook. */
export const hookEventSchema = z.object({
  DeploymentId: z
    .string()
    .check(z.regex(/^d-[A-Z0-9]+$/, { error: 'must be a CodeDeploy deployment id (d-XXXXXXXXX)' })),
  LifecycleEventHookExecutionId: z.string().check(z.minLength(1)),
});
export type HookEvent = z.infer<typeof hookEventSchema>;

export type HookStatus = 'Succeeded' | 'Failed';

export type SmokeCheckLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface SmokeCheckDeps {
  readonly codedeploy: Pick<CodeDeployClient, 'send'>;
  readonly secrets?: Pick<SecretsManagerClient, 'send'>;
  /** The test listener by the load balancer's DNS name, e.g. https://orders-prod-1.us-east-1.elb.amazonaws.com:8080. */
  readonly baseUrl: string;
  /** The service domain, sent as TLS server name and Host (the certificate covers it). @default the base URL's host */
  readonly serviceHostname?: string;
  readonly journeys: readonly Journey[];
  /** Secrets Manager secret with the bearer token for authenticated journeys. */
  readonly authSecretArn?: string;
  /** Milliseconds the checks may take before they count as failed (the function must still report in time). */
  readonly budgetMs: number;
  readonly logger: SmokeCheckLogger;
  readonly retry?: RetryOptions;
  /** Certificate authorities to trust instead of Node's (tests). @default Node's bundled CAs */
  readonly ca?: string | Buffer;
}

export interface SmokeCheckOutcome {
  readonly status: HookStatus;
  readonly summary: string;
  readonly results: readonly JourneyResult[];
}

/**
 * AfterAllowTestTraffic: the green task set serves the test listener only. Walk the journeys there and
 * tell CodeDeploy Succeeded or Failed; Failed (including any error or running out of time) makes
 * CodeDeploy roll back before a single production request reaches green.
 */
export async function runSmokeCheck(event: HookEvent, deps: SmokeCheckDeps): Promise<SmokeCheckOutcome> {
  let outcome: SmokeCheckOutcome;
  try {
    outcome = await withDeadline(checkJourneys(deps), deps.budgetMs);
  } catch (error) {
    outcome = { status: 'Failed', summary: `smoke check could not complete: ${(error as Error).message}`, results: [] };
  }
  const details = {
    deploymentId: event.DeploymentId,
    status: outcome.status,
    summary: outcome.summary,
    results: outcome.results,
  };
  if (outcome.status === 'Succeeded') deps.logger.info('smoke check passed', details);
  else deps.logger.error('smoke check failed', details);
  await reportStatus(event, outcome.status, deps);
  return outcome;
}

async function checkJourneys(deps: SmokeCheckDeps): Promise<SmokeCheckOutcome> {
  let journeys = deps.journeys;
  let authToken: string | undefined;
  if (deps.authSecretArn) {
    authToken = await readToken(deps.authSecretArn, deps);
  } else {
    const skipped = journeys.filter((j) => j.authenticated).map((j) => j.name);
    if (skipped.length > 0) {
      deps.logger.warn('no credentials secret configured; skipping authenticated journeys in the smoke check', {
        skipped,
      });
      journeys = journeys.filter((j) => !j.authenticated);
    }
  }
  if (journeys.length === 0)
    return {
      status: 'Failed',
      summary: 'no journeys to run: refusing to pass a smoke check that checked nothing',
      results: [],
    };
  const options = { authToken, serviceHostname: deps.serviceHostname, ca: deps.ca };
  const results = await runJourneys(deps.baseUrl, journeys, options);
  return { status: results.every((r) => r.ok) ? 'Succeeded' : 'Failed', summary: summarize(results), results };
}

async function readToken(secretArn: string, deps: SmokeCheckDeps): Promise<string> {
  if (!deps.secrets) throw new Error('a credentials secret is configured but no Secrets Manager client was given');
  const secret = await withRetry(
    () => deps.secrets!.send(new GetSecretValueCommand({ SecretId: secretArn })),
    deps.retry,
  );
  const raw = secret.SecretString;
  if (!raw) throw new Error(`secret ${secretArn} has no string value`);
  try {
    const parsed = JSON.parse(raw) as { token?: unknown };
    if (typeof parsed.token === 'string' && parsed.token) return parsed.token;
  } catch {
    // Not JSON: the whole string is the token.
  }
  return raw;
}

async function reportStatus(event: HookEvent, status: HookStatus, deps: SmokeCheckDeps): Promise<void> {
  try {
    await withRetry(
      () =>
        deps.codedeploy.send(
          new PutLifecycleEventHookExecutionStatusCommand({
            deploymentId: event.DeploymentId,
            lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
            status,
          }),
        ),
      {
        ...deps.retry,
        onRetry: (error, attempt, delayMs) =>
          deps.logger.warn('reporting the hook status failed; retrying', {
            attempt,
            delayMs,
            error: (error as Error).name,
          }),
      },
    );
  } catch (error) {
    // A retried invocation (Lambda retries async events) finds the status already reported: nothing left to do.
    if ((error as Error).name === 'LifecycleEventAlreadyCompletedException') {
      deps.logger.info('hook status was already reported', { deploymentId: event.DeploymentId });
      return;
    }
    throw error;
  }
}

async function withDeadline<T>(work: Promise<T>, budgetMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`journeys did not finish within ${budgetMs} ms`)), budgetMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
