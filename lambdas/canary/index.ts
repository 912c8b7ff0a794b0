import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CLIENT_CONFIG, createLogger, requiredEnv } from '../shared/aws';
import { parseJourneys } from '../shared/journeys';
import { CanarySettings, TokenCache, runCanary } from './canary';

const logger = createLogger('canary');
const cloudwatch = new CloudWatchClient(CLIENT_CONFIG);
const secrets = new SecretsManagerClient(CLIENT_CONFIG);
const tokenCache = new TokenCache();
const settings: CanarySettings = {
  endpointUrl: requiredEnv('ENDPOINT_URL'),
  serviceHostname: process.env.SERVICE_HOSTNAME || undefined,
  environment: requiredEnv('ENVIRONMENT'),
  namespace: requiredEnv('METRIC_NAMESPACE'),
  journeys: parseJourneys(process.env.JOURNEYS),
  credentialsSecretId: process.env.CREDENTIALS_SECRET_ARN || undefined,
  probesPerRun: Number(requiredEnv('PROBES_PER_RUN')),
  probeEveryMs: Number(requiredEnv('PROBE_EVERY_SECONDS')) * 1000,
  requestTimeoutMs: Number(requiredEnv('REQUEST_TIMEOUT_MS')),
};

/**
 * The schedule (an EventBridge "Scheduled Event") gets a full run of probes; any other invocation
 * (the pipeline's post-deploy check: `aws lambda invoke --function-name orders-<env>-canary`) gets one
 * probe and the verdict: `{"ok": true|false, "results": [...]}`.
 */
export const handler = async (event: unknown) => {
  const scheduled =
    typeof event === 'object' &&
    event !== null &&
    (event as Record<string, unknown>)['detail-type'] === 'Scheduled Event';
  return runCanary(scheduled ? settings : { ...settings, probesPerRun: 1 }, {
    cloudwatch,
    secrets,
    logger,
    tokenCache,
  });
};
