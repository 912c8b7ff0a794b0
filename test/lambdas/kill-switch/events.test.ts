import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { interpretEvent } from '../../../lambdas/kill-switch/events';
import { handleSwitchEvent } from '../../../lambdas/kill-switch/handle';
import { SwitchClients } from '../../../lambdas/kill-switch/switches';
import { TEST_FIRE_REASON_PREFIX } from '../../../lambdas/shared/test-fire';
import { memoryLogger, testSettings } from './helpers';

const settings = testSettings();
const sns = (topicArn: string, message: string) => ({
  Records: [{ EventSource: 'aws:sns', Sns: { TopicArn: topicArn, Message: message, Subject: 'x' } }],
});
const alarm = (name: string, state = 'ALARM') =>
  sns(
    settings.p1TopicArn,
    JSON.stringify({ AlarmName: name, NewStateValue: state, NewStateReason: 'Threshold Crossed', OldStateValue: 'OK' }),
  );

describe('kill switch event interpretation', () => {
  test('the 5xx-critical P1 alarm turns on the deploy freeze (any P1) and the feature switch', () => {
    const [result] = interpretEvent(alarm('orders-prod-http-5xx-critical'), settings);
    expect(result).toMatchObject({ kind: 'act', source: 'alarm:orders-prod-http-5xx-critical' });
    expect(result.kind === 'act' && result.requests.map((r) => [r.name, r.state])).toEqual([
      ['deploy-freeze', 'on'],
      ['features', 'on'],
    ]);
  });

  test('any other P1 alarm turns on only the deploy freeze', () => {
    const [result] = interpretEvent(alarm('orders-prod-canary-journey-failed'), settings);
    expect(result.kind === 'act' && result.requests.map((r) => r.name)).toEqual(['deploy-freeze']);
  });

  test('a test fire from ops test-alarms reaches the kill switch but changes no switch', () => {
    const testFire = sns(
      settings.p1TopicArn,
      JSON.stringify({
        AlarmName: 'orders-prod-http-5xx-critical',
        NewStateValue: 'ALARM',
        NewStateReason: `${TEST_FIRE_REASON_PREFIX} at 2026-11-23T03:00:00.000Z: checking notification routing`,
      }),
    );
    expect(interpretEvent(testFire, settings)).toEqual([
      expect.objectContaining({ kind: 'ignore', why: expect.stringContaining('test fire') }),
    ]);
  });

  test("an alarm returning to OK is recognised but acts on nothing: turning off is a person's decision", () => {
    expect(interpretEvent(alarm('orders-prod-http-5xx-critical', 'OK'), settings)).toEqual([
      expect.objectContaining({ kind: 'ignore' }),
    ]);
  });

  test("budget notifications (text and JSON) of this environment's budget turn on the cost switch", () => {
    const text = `AWS Budget Notification\n\nBudget Name: orders-prod-monthly-cost\nBudget Type: Cost\nAlert Type: FORECASTED\nAlert Threshold: > $4,800.00`;
    const [fromText] = interpretEvent(sns(settings.budgetTopicArn, text), settings);
    expect(fromText).toMatchObject({
      kind: 'act',
      source: 'budget:orders-prod-monthly-cost',
      requests: [
        { name: 'cost', state: 'on', reason: 'budget orders-prod-monthly-cost: FORECASTED cost notification' },
      ],
    });
    const [fromJson] = interpretEvent(
      sns(
        settings.budgetTopicArn,
        JSON.stringify({ budgetName: 'orders-prod-monthly-cost', notificationType: 'ACTUAL' }),
      ),
      settings,
    );
    expect(fromJson).toMatchObject({
      kind: 'act',
      requests: [{ name: 'cost', reason: 'budget orders-prod-monthly-cost: ACTUAL cost notification' }],
    });
  });

  test('rejects what it does not recognise: other topics, other budgets, non-alarm messages, random events', () => {
    const rejected = (event: unknown) => interpretEvent(event, settings).map((r) => r.kind);
    expect(rejected(sns('arn:aws:sns:us-east-1:123456789012:other', '{}'))).toEqual(['reject']);
    expect(rejected(sns(settings.budgetTopicArn, 'Budget Name: someone-elses-budget\nAlert Type: ACTUAL'))).toEqual([
      'reject',
    ]);
    expect(rejected(sns(settings.p1TopicArn, 'hello'))).toEqual(['reject']);
    expect(rejected(sns(settings.p1TopicArn, '{"foo":1}'))).toEqual(['reject']);
    expect(rejected({ detail: 'x' })).toEqual(['reject']);
    expect(rejected({ switch: 'cost', state: 'maybe', reason: 'x' })).toEqual(['reject']);
    expect(rejected(null)).toEqual(['reject']);
  });

  test('a direct request is accepted', () => {
    expect(
      interpretEvent({ switch: 'cost', state: 'off', reason: 'incident over', changedBy: 'user:alice' }, settings),
    ).toEqual([
      {
        kind: 'act',
        source: 'direct',
        requests: [{ name: 'cost', state: 'off', reason: 'incident over', changedBy: 'user:alice' }],
      },
    ]);
  });

  test('the handler logs a rejected event clearly and makes no AWS call', async () => {
    const ssm = mockClient(SSMClient);
    const logger = memoryLogger();
    const result = await handleSwitchEvent(
      { hello: 'world' },
      settings,
      { ssm: new SSMClient({}) } as unknown as SwitchClients,
      { logger },
    );
    expect(result).toMatchObject({
      outcomes: [],
      rejected: [expect.stringContaining('unrecognised event (keys: hello)')],
    });
    expect(logger.lines).toEqual([
      expect.objectContaining({ level: 'error', message: 'kill switch event rejected; no action taken' }),
    ]);
    expect(ssm.calls()).toHaveLength(0);
  });
});
