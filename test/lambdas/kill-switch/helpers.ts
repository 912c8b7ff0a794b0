import type { AuditLogger } from '../../../lambdas/kill-switch/switches';
import { SwitchSettings } from '../../../lambdas/kill-switch/settings';

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly extra: Record<string, unknown>;
}

/** A logger that keeps the structured lines, so tests can assert the audit record. */
export function memoryLogger(): AuditLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (message: unknown, extra?: unknown) =>
    void lines.push({ level, message: String(message), extra: (extra ?? {}) as Record<string, unknown> });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') } as unknown as AuditLogger & {
    lines: LogLine[];
  };
}

export function testSettings(over: Partial<SwitchSettings> = {}): SwitchSettings {
  return {
    environment: 'Prod',
    parameterPrefix: '/orders/prod/switches/',
    switches: ['features', 'cost', 'deploy-freeze'],
    features: ['recommendations', 'reviews'],
    nonCriticalServices: ['orders-prod/reports', 'orders-prod/thumbnails'],
    nonCriticalFunctions: ['orders-prod-batch', 'orders-prod-digest'],
    alarmTriggers: { 'orders-prod-http-5xx-critical': ['features'] },
    onAnyP1: ['deploy-freeze'],
    onBudget: ['cost'],
    budgetName: 'orders-prod-monthly-cost',
    p1TopicArn: 'arn:aws:sns:us-east-1:123456789012:orders-prod-alerts-p1',
    budgetTopicArn: 'arn:aws:sns:us-east-1:123456789012:orders-prod-budget',
    noticeTopicArn: 'arn:aws:sns:us-east-1:123456789012:orders-prod-alerts-p3',
    ...over,
  };
}

/** No real waiting between retries in tests. */
export const FAST_RETRY = { attempts: 3, sleep: async () => undefined };
