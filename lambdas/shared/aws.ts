import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Settings for every SDK v3 client a handler creates (once per container, at module load): adaptive
 * retries back off on throttling; short timeouts so a hung call fails inside the function's budget.
 */
export const CLIENT_CONFIG = {
  maxAttempts: 5,
  retryMode: 'adaptive',
} as const;

/** Structured JSON logs with the function name and request id on every line. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName, logLevel: (process.env.LOG_LEVEL as 'INFO' | 'DEBUG' | undefined) ?? 'INFO' });
}

/** Read a required environment variable, failing clearly at cold start when the stack did not set it. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set; the stack must pass it to this function`);
  return value;
}
