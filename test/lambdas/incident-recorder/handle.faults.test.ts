import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handleIncidentEvent } from '../../../lambdas/incident-recorder/handle';
import { StoreDeps } from '../../../lambdas/incident-recorder/store';
import { SETTINGS, alarmEvent, deploymentEvent, morning, switchEvent } from './fixtures';

/*
 * The handler with the AWS SDK mocked (aws-sdk-client-mock): faults moto cannot produce on demand (throttling,
 * access denied, a conditional write losing to a newer derivation, CloudWatch failing after the claim) and events
 * the recorder must refuse or ignore without touching the table.
 */
const ddb = mockClient(DynamoDBDocumentClient);
const cloudwatch = mockClient(CloudWatchClient);
const lines: { level: string; message: string; extra?: object }[] = [];
const logger = {
  info: (message: string, extra?: object) => lines.push({ level: 'INFO', message, extra }),
  warn: (message: string, extra?: object) => lines.push({ level: 'WARN', message, extra }),
  error: (message: string, extra?: object) => lines.push({ level: 'ERROR', message, extra }),
} as unknown as StoreDeps['logger'];
const deps: StoreDeps = {
  ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
  cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
  logger,
  sleep: async () => undefined,
};

const fault = (name: string, message: string) => {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
};
const throttle = () => fault('ThrottlingException', 'Rate exceeded');
const conditionFailed = () => fault('ConditionalCheckFailedException', 'The conditional request failed');
const denied = () => fault('AccessDeniedException', 'not authorized');
const EVENTS_QUERY = { KeyConditionExpression: 'pk = :pk AND sk >= :from' };
/** A stored event as the table returns it. */
const stored = (id: string, time: string, alarmName: string, severity: string, state: string) => ({
  event: { kind: 'alarm', id, time, alarmName, severity, state, reason: 'x', composite: false },
});
const P1_ALARM = morning()[2];
const envelope = (detailType: string, source: string, detail: object) => ({
  id: 'x',
  'detail-type': detailType,
  source,
  time: '2026-11-29T10:00:00Z',
  detail,
});
const AT = Date.parse('2026-11-29T10:03:00Z');

beforeEach(() => {
  ddb.reset();
  cloudwatch.reset();
  lines.length = 0;
  ddb.on(GetCommand).resolves({ Item: { version: 3 } });
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  cloudwatch.on(PutMetricDataCommand).resolves({});
});

describe('incident recorder faults', () => {
  test('a throttled event write is retried with backoff and then stored', async () => {
    ddb.on(PutCommand).rejectsOnce(throttle()).rejectsOnce(throttle()).resolves({});
    const result = await handleIncidentEvent(P1_ALARM, SETTINGS, deps, AT);
    expect(result).toMatchObject({ outcome: 'recorded', eventId: 'evt-a1' });
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 3);
    expect(lines.filter((l) => l.message === 'retrying after a throttle or transient fault')).toHaveLength(2);
  });

  test('a duplicate delivery (the event is stored already) still derives the records, and says so', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    const result = await handleIncidentEvent(P1_ALARM, SETTINGS, deps, AT);
    expect(result).toMatchObject({ outcome: 'duplicate', eventId: 'evt-a1' });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, { KeyConditionExpression: 'pk = :pk AND sk >= :from' });
  });

  test('a record write that loses to a newer derivation is skipped, not retried and not an error', async () => {
    // The stored event comes back from the query; the record write's condition fails (someone derived later).
    ddb.on(QueryCommand, EVENTS_QUERY).resolves({
      Items: [stored('evt-a1', '2026-11-29T10:02:30.000Z', 'orders-prod-http-5xx-critical', 'P1', 'ALARM')],
    });
    const recordWrite = { ConditionExpression: 'attribute_not_exists(pk) OR #logVersion <= :version' };
    ddb.on(UpdateCommand, recordWrite).rejects(conditionFailed());
    const result = await handleIncidentEvent(P1_ALARM, SETTINGS, deps, AT);
    expect(result).toMatchObject({ outcome: 'recorded', result: { written: [], superseded: [], published: [] } });
    const atVersion3 = { ExpressionAttributeValues: expect.objectContaining({ ':version': 3 }) };
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, atVersion3);
    const skipped = 'incident record not written: a derivation that knew more events wrote it';
    expect(lines.some((l) => l.message === skipped)).toBe(true);
  });

  test('access denied is not retried: the handler fails, so EventBridge retries and the alarm counts it', async () => {
    ddb.on(PutCommand).rejects(denied());
    await expect(handleIncidentEvent(P1_ALARM, SETTINGS, deps, AT)).rejects.toThrow('not authorized');
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 1);
  });

  test('CloudWatch failing after the metrics claim releases the claim and fails (next sweep publishes)', async () => {
    ddb.on(QueryCommand, EVENTS_QUERY).resolves({
      Items: [
        stored('a1', '2026-11-29T10:00:00.000Z', 'orders-prod-latency-p95', 'P2', 'ALARM'),
        stored('a2', '2026-11-29T10:05:00.000Z', 'orders-prod-latency-p95', 'P2', 'OK'),
      ],
    });
    cloudwatch.on(PutMetricDataCommand).rejects(denied());
    const noon = '2026-11-29T12:00:00Z';
    const sweep = { id: 's', 'detail-type': 'Scheduled Event', source: 'aws.events', time: noon, detail: {} };
    await expect(handleIncidentEvent(sweep, SETTINGS, deps, Date.parse(noon))).rejects.toThrow('not authorized');
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, { UpdateExpression: 'SET metricsPublishedAt = :now' });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, { UpdateExpression: 'REMOVE metricsPublishedAt' });
  });

  test.each([
    ['a string', 'not an EventBridge event'],
    [{ Records: [] }, 'not an EventBridge event (keys: Records)'],
    [
      envelope('CloudWatch Alarm State Change', 'aws.cloudwatch', { alarmName: 'a' }),
      'alarm event x has no alarmName/state',
    ],
    [envelope('Object Created', 'aws.s3', {}), 'unexpected event aws.s3 / Object Created'],
    [
      { ...envelope('Parameter Store Change', 'aws.ssm', {}), time: 'yesterday' },
      'event x has no valid time (yesterday)',
    ],
  ])('a bad event (%j) is rejected with why, and touches nothing', async (event, why) => {
    const result = await handleIncidentEvent(event, SETTINGS, deps, AT);
    expect(result).toMatchObject({ outcome: 'rejected', why: expect.stringContaining(why) });
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 0);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 0);
    const rejected = 'incident event rejected; nothing recorded';
    expect(lines.some((l) => l.level === 'ERROR' && l.message === rejected)).toBe(true);
  });

  test.each([
    [
      alarmEvent({
        id: 'p3',
        name: 'orders-prod-error-log-spike',
        state: 'ALARM',
        previous: 'OK',
        at: '2026-11-29T10:00:00.000Z',
        description: '[P3] x | Runbook: y',
      }),
      'is not a P1/P2 alarm of Prod',
    ],
    [
      deploymentEvent('d', '2026-11-29T10:00:00Z', 'START', 'orders-staging'),
      'deployment group orders-staging is not orders-prod',
    ],
    [
      switchEvent('s', '2026-11-29T10:00:00Z', '/orders/staging/switches/cost'),
      'parameter /orders/staging/switches/cost is not a kill switch of Prod',
    ],
  ])('an event of another environment or severity is ignored without touching the table', async (event, why) => {
    const result = await handleIncidentEvent(event, SETTINGS, deps, AT);
    expect(result).toEqual({ outcome: 'ignored', why: expect.stringContaining(why) });
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 0);
  });

  test("an alarm missing from the settings is judged by its description's severity", async () => {
    const event = alarmEvent({
      id: 'n',
      name: 'orders-prod-new-alarm',
      state: 'ALARM',
      previous: 'OK',
      at: '2026-11-29T10:00:00.000Z',
      description: '[P1] new | Runbook: u',
    });
    expect(await handleIncidentEvent(event, SETTINGS, deps, AT)).toMatchObject({ outcome: 'recorded', eventId: 'n' });
  });
});
