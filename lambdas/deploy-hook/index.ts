import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { CLIENT_CONFIG, createLogger, requiredEnv } from '../shared/aws';
import { parseJourneys } from '../shared/journeys';
import { hookEventSchema, runSmokeCheck, SmokeCheckOutcome } from './smoke-check';

const logger = createLogger('deploy-hook');
const codedeploy = new CodeDeployClient(CLIENT_CONFIG);
const secrets = new SecretsManagerClient(CLIENT_CONFIG);
const baseUrl = requiredEnv('TEST_ENDPOINT_URL');
const serviceHostname = process.env.SERVICE_HOSTNAME || undefined;
const journeys = parseJourneys(process.env.JOURNEYS);
const authSecretArn = process.env.AUTH_SECRET_ARN || undefined;

/** Time kept back from the function's timeout to report the status to CodeDeploy. */
const REPORT_RESERVE_MS = 20_000;

export async function handler(
  rawEvent: unknown,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<Pick<SmokeCheckOutcome, 'status' | 'summary'>> {
  const event = hookEventSchema.parse(rawEvent);
  const remaining = context?.getRemainingTimeInMillis() ?? 120_000;
  const outcome = await runSmokeCheck(event, {
    codedeploy,
    secrets,
    baseUrl,
    serviceHostname,
    journeys,
    authSecretArn,
    budgetMs: Math.max(1_000, remaining - REPORT_RESERVE_MS),
    logger,
  });
  return { status: outcome.status, summary: outcome.summary };
}
