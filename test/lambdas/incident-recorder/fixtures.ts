import type { IncidentSettings } from '../../../lambdas/incident-recorder/settings';

/** Settings as the stack would pass them for orders Prod (written out by hand, not built by the code under test). */
export const SETTINGS: IncidentSettings = {
  environment: 'Prod',
  tableName: 'orders-prod-incidents',
  metricNamespace: 'Bulwark/orders',
  alarms: {
    'orders-prod-http-5xx-critical': 'P1',
    'orders-prod-service-unhealthy': 'P1',
    'orders-prod-latency-p95': 'P2',
  },
  switchParameterPrefix: '/orders/prod/switches/',
  deploymentGroup: 'orders-prod',
  quietPeriodSeconds: 900,
  contextLeadSeconds: 1800,
  lookbackSeconds: 7 * 86400,
  metricsSettleSeconds: 3600,
  eventRetentionDays: 400,
};

const ARN = 'arn:aws:cloudwatch:us-east-1:333333333333:alarm:';
const ACCOUNT = '333333333333';
/** `10:02:30` -> the ISO time of that moment on 2026-11-29; `cw(...)` the same as CloudWatch writes it. */
const at = (hms: string) => `2026-11-29T${hms}.000Z`;
const cw = (hms: string) => `2026-11-29T${hms}.000+0000`;
const COMPOSITE_RULE = 'ALARM("orders-prod-http-5xx-critical") OR ALARM("orders-prod-service-down")';
const METRICS = [{ id: 'm1', metricStat: { metric: { name: 'X', namespace: 'Y' }, period: 60, stat: 'Sum' } }];

type State = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';

/** A CloudWatch Alarm State Change event in the documented shape (cloudwatch-and-eventbridge.html). */
export function alarmEvent(options: {
  id: string;
  name: string;
  state: State;
  previous: State;
  at: string;
  reason?: string;
  reasonData?: object;
  composite?: boolean;
  description?: string;
}): Record<string, unknown> {
  const state = {
    value: options.state,
    reason: options.reason ?? `${options.state} reason`,
    ...(options.reasonData ? { reasonData: JSON.stringify(options.reasonData) } : {}),
    timestamp: options.at.replace('Z', '+0000'),
  };
  return {
    version: '0',
    id: options.id,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: ACCOUNT,
    time: options.at.replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-east-1',
    resources: [`${ARN}${options.name}`],
    detail: {
      alarmName: options.name,
      state,
      previousState: { value: options.previous, reason: 'before', timestamp: cw('08:00:00') },
      configuration: options.composite
        ? { alarmRule: COMPOSITE_RULE, description: options.description }
        : { description: options.description, metrics: METRICS },
    },
  };
}

export function deploymentEvent(
  id: string,
  time: string,
  state: string,
  group = 'orders-prod',
): Record<string, unknown> {
  return {
    version: '0',
    id,
    'detail-type': 'CodeDeploy Deployment State-change Notification',
    source: 'aws.codedeploy',
    account: ACCOUNT,
    time,
    region: 'us-east-1',
    resources: [],
    detail: {
      region: 'us-east-1',
      application: group,
      deploymentGroup: group,
      deploymentId: 'd-ABC123',
      state,
      instanceGroupId: 'x',
    },
  };
}

export function switchEvent(id: string, time: string, name: string, operation = 'Update'): Record<string, unknown> {
  return {
    version: '0',
    id,
    'detail-type': 'Parameter Store Change',
    source: 'aws.ssm',
    account: ACCOUNT,
    time,
    region: 'us-east-1',
    resources: [`arn:aws:ssm:us-east-1:${ACCOUNT}:parameter${name}`],
    detail: { operation, name, type: 'String', description: '' },
  };
}

const FIVE_XX = 'orders-prod-http-5xx-critical';
const UNHEALTHY = 'orders-prod-service-unhealthy';
const LATENCY = 'orders-prod-latency-p95';

/**
 * One morning in Prod: a deployment, then a P1 (5xx critical), its composite and a P2 (latency) fire within a
 * minute, a kill switch is flipped, all recover by 10:12; at 11:00 the P2 fires alone and recovers by 11:04. Plus
 * noise the recorder must ignore: a P3 alarm, a test fire and another deployment group.
 */
export function morning(): Record<string, unknown>[] {
  return [
    deploymentEvent('dep-1', '2026-11-29T09:50:00Z', 'START'),
    deploymentEvent('dep-2', '2026-11-29T09:58:00Z', 'SUCCESS'),
    alarmEvent({
      id: 'evt-a1',
      name: FIVE_XX,
      state: 'ALARM',
      previous: 'OK',
      at: at('10:02:30'),
      reason:
        'Threshold Crossed: 1 out of the last 1 datapoints [12.5 (29/11/26 10:01:00)] was greater than the ' +
        'threshold (5.0) (minimum 1 datapoint for OK -> ALARM transition).',
      reasonData: {
        version: '1.0',
        queryDate: '2026-11-29T10:02:30.100+0000',
        startDate: cw('10:01:00'),
        statistic: 'Maximum',
        period: 60,
        recentDatapoints: [12.5],
        threshold: 5.0,
        evaluatedDatapoints: [{ timestamp: cw('10:01:00'), sampleCount: 1, value: 12.5 }],
      },
    }),
    alarmEvent({
      id: 'evt-c1',
      name: UNHEALTHY,
      state: 'ALARM',
      previous: 'OK',
      at: at('10:02:40'),
      composite: true,
      reason: `${ARN}${FIVE_XX} transitioned to ALARM at Sunday 29 November, 2026 10:02:30 UTC`,
      reasonData: {
        triggeringAlarms: [{ arn: `${ARN}${FIVE_XX}`, state: { value: 'ALARM', timestamp: cw('10:02:30') } }],
      },
    }),
    alarmEvent({
      id: 'evt-b1',
      name: LATENCY,
      state: 'ALARM',
      previous: 'OK',
      at: at('10:03:10'),
      reason:
        'Threshold Crossed: 3 out of the last 5 datapoints [0.9 (29/11/26 10:02:00), 0.8 (29/11/26 10:01:00), ' +
        '0.7 (29/11/26 10:00:00)] were greater than the threshold (0.5) ' +
        '(minimum 3 datapoints for OK -> ALARM transition).',
      reasonData: {
        version: '1.0',
        startDate: cw('09:58:00'),
        period: 60,
        threshold: 0.5,
        recentDatapoints: [0.1, 0.2, 0.7, 0.8, 0.9],
        evaluatedDatapoints: [
          { timestamp: cw('10:02:00'), value: 0.9 },
          { timestamp: cw('10:01:00'), value: 0.8 },
          { timestamp: cw('10:00:00'), value: 0.7 },
          { timestamp: cw('09:59:00'), value: 0.2 },
          { timestamp: cw('09:58:00'), value: 0.1 },
        ],
      },
    }),
    switchEvent('sw-1', '2026-11-29T10:05:00Z', '/orders/prod/switches/deploy-freeze'),
    alarmEvent({ id: 'evt-a2', name: FIVE_XX, state: 'OK', previous: 'ALARM', at: at('10:10:00') }),
    alarmEvent({ id: 'evt-c2', name: UNHEALTHY, state: 'OK', previous: 'ALARM', at: at('10:10:20'), composite: true }),
    alarmEvent({ id: 'evt-b3', name: LATENCY, state: 'OK', previous: 'ALARM', at: at('10:12:00') }),
    alarmEvent({
      id: 'evt-b2',
      name: LATENCY,
      state: 'ALARM',
      previous: 'OK',
      at: at('11:00:00'),
      reasonData: {
        version: '1.0',
        startDate: cw('10:58:00'),
        period: 60,
        threshold: 0.5,
        recentDatapoints: [0.7, 0.8, 0.9],
      },
    }),
    alarmEvent({ id: 'evt-b4', name: LATENCY, state: 'OK', previous: 'ALARM', at: at('11:04:00') }),
    // Noise: a P3 alarm, a test fire of a P1, another application's deployment.
    alarmEvent({
      id: 'noise-p3',
      name: 'orders-prod-incident-recorder-failed',
      state: 'ALARM',
      previous: 'OK',
      at: at('10:30:00'),
      description: '[P3] x | Runbook: u',
    }),
    alarmEvent({
      id: 'noise-test',
      name: FIVE_XX,
      state: 'ALARM',
      previous: 'OK',
      at: at('11:30:00'),
      reason: 'Test fire by "ops test-alarms" at 11:30',
    }),
    deploymentEvent('noise-dep', '2026-11-29T10:04:00Z', 'FAILURE', 'other-app'),
  ];
}

/** Deterministic shuffle (mulberry32), so a failure names the seed that reproduces it. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
