import { assessAlarm, assessAlarms } from '../../lib/report/alarms';
import { alarm, RUNBOOK, stackOf } from './helpers';

function timing(resource: ReturnType<typeof alarm>) {
  const result = assessAlarm(stackOf({ A: resource }), 'A');
  if (!result.assessed) throw new Error(`not assessed: ${result.reason}`);
  return result.timing;
}

// Expected values are worked out by hand from the model in docs/recovery-model.md:
//   partial period (non-extreme statistics) + M x period + publisher lag + publication delay (AWS/... 60 s,
//   custom 20 s) + evaluation interval (60 s; 10 s for 10/30-s periods).
describe('alarm detection', () => {
  test('a Sum alarm: partial period + M periods + vended delay + evaluation interval', () => {
    const t = timing(alarm({ Period: 60, EvaluationPeriods: 3 }));
    expect(t.worstCaseSeconds).toBe(60 + 3 * 60 + 60 + 60);
    expect(t.sources[0]).toEqual({
      template: 'Prod.template.json',
      logicalId: 'A',
      type: 'AWS::CloudWatch::Alarm',
      properties: ['EvaluationPeriods', 'Period', 'Statistic', 'ComparisonOperator'],
    });
  });

  test('M of N: a sustained breach fires after M datapoints, so 1 of 5 is no slower than 1 of 1', () => {
    const oneOfFive = timing(alarm({ Period: 60, EvaluationPeriods: 5, DatapointsToAlarm: 1 }));
    const oneOfOne = timing(alarm({ Period: 60, EvaluationPeriods: 1 }));
    expect(oneOfFive.worstCaseSeconds).toBe(60 + 1 * 60 + 60 + 60);
    expect(oneOfFive.worstCaseSeconds).toBe(oneOfOne.worstCaseSeconds);
    expect(timing(alarm({ Period: 60, EvaluationPeriods: 5, DatapointsToAlarm: 5 })).worstCaseSeconds).toBe(
      60 + 5 * 60 + 60 + 60,
    );
    expect(oneOfFive.sources[0].properties).toContain('DatapointsToAlarm');
  });

  test('Minimum below / Maximum above a threshold lose no partial period', () => {
    expect(timing(alarm({ Statistic: 'Minimum', ComparisonOperator: 'LessThanThreshold' })).worstCaseSeconds).toBe(
      60 + 60 + 60,
    );
    expect(timing(alarm({ Statistic: 'Maximum', ComparisonOperator: 'GreaterThanThreshold' })).worstCaseSeconds).toBe(
      60 + 60 + 60,
    );
    // Maximum compared *below* a line is not extreme: the whole period must stay low.
    expect(timing(alarm({ Statistic: 'Maximum', ComparisonOperator: 'LessThanThreshold' })).worstCaseSeconds).toBe(
      60 + 60 + 60 + 60,
    );
    expect(timing(alarm({ Statistic: undefined, ExtendedStatistic: 'p95' })).worstCaseSeconds).toBe(60 + 60 + 60 + 60);
  });

  test('a 10-second custom metric fed by a log metric filter: 10-s evaluation and the custom delay', () => {
    const stack = stackOf({
      A: alarm({
        Namespace: 'Bulwark/orders',
        MetricName: 'errors',
        Period: 10,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
      }),
      Filter: {
        Type: 'AWS::Logs::MetricFilter',
        Properties: {
          MetricTransformations: [{ MetricNamespace: 'Bulwark/orders', MetricName: 'errors', MetricValue: '1' }],
        },
      },
    });
    const result = assessAlarm(stack, 'A');
    if (!result.assessed) throw new Error(result.reason);
    expect(result.timing.worstCaseSeconds).toBe(10 + 3 * 10 + 20 + 10);
    expect(result.timing.sources.map((x) => x.logicalId)).toEqual(['A', 'Filter']);
  });

  test('a custom metric nothing in the stack publishes can never fire: not assessed, naming it', () => {
    const result = assessAlarm(
      stackOf({ A: alarm({ Namespace: 'Bulwark/orders', MetricName: 'orders-dr-error-log-lines' }) }),
      'A',
    );
    expect(result.assessed).toBe(false);
    if (!result.assessed)
      expect(result.reason).toMatch(
        /nothing in Prod.template.json publishes Bulwark\/orders\/orders-dr-error-log-lines/,
      );
  });

  test('metric math: the slowest MetricStat period paces the expression', () => {
    const t = timing(
      alarm({
        Namespace: undefined,
        MetricName: undefined,
        Period: undefined,
        Statistic: undefined,
        EvaluationPeriods: 2,
        Metrics: [
          { Id: 'rate', Expression: '100 * errors / requests', Label: '5xx rate' },
          {
            Id: 'errors',
            ReturnData: false,
            MetricStat: {
              Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_Target_5XX_Count' },
              Period: 60,
              Stat: 'Sum',
            },
          },
          {
            Id: 'requests',
            ReturnData: false,
            MetricStat: {
              Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount' },
              Period: 300,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    expect(t.periodSeconds).toBe(300);
    expect(t.worstCaseSeconds).toBe(300 + 2 * 300 + 60 + 60);
    expect(t.sources[0].properties).toEqual([
      'EvaluationPeriods',
      'Metrics[1].MetricStat.Period',
      'Metrics[2].MetricStat.Period',
      'ComparisonOperator',
    ]);
  });

  test('missing-data treatment decides whether losing the signal is detected', () => {
    expect(timing(alarm({ TreatMissingData: 'breaching' })).signalLoss).toBe('detected');
    const notBreaching = timing(alarm({ TreatMissingData: 'notBreaching' }));
    expect(notBreaching.signalLoss).toBe('not-detected');
    expect(notBreaching.notes.join(' ')).toMatch(/not detected by this alarm/);
    expect(timing(alarm({})).treatMissingData).toBe('missing');
    expect(timing(alarm({ TreatMissingData: 'ignore' })).signalLoss).toBe('state-held');
  });

  test('severity comes from the Bulwark description', () => {
    expect(timing(alarm({ AlarmDescription: `[P2] Slow ${RUNBOOK}` })).severity).toBe('P2');
    expect(timing(alarm({ AlarmDescription: 'no severity here' })).severity).toBeUndefined();
  });

  test('a period written as an intrinsic is not assessed, never guessed', () => {
    const result = assessAlarm(stackOf({ A: alarm({ Period: { Ref: 'PeriodParam' } }) }), 'A');
    expect(result.assessed).toBe(false);
    if (!result.assessed) expect(result.reason).toMatch(/Period/);
  });

  test('composite alarm: slowest child plus the actions suppressor wait', () => {
    const stack = stackOf({
      Fast: alarm({ Period: 60, EvaluationPeriods: 1 }),
      Slow: alarm({ Period: 60, EvaluationPeriods: 4 }),
      Suppressor: alarm({ Period: 60, EvaluationPeriods: 1 }),
      Composite: {
        Type: 'AWS::CloudWatch::CompositeAlarm',
        Properties: {
          AlarmDescription: `[P1] Service down ${RUNBOOK}`,
          AlarmRule: {
            'Fn::Join': [
              '',
              [
                '(ALARM("',
                { 'Fn::GetAtt': ['Fast', 'Arn'] },
                '") OR ALARM("',
                { 'Fn::GetAtt': ['Slow', 'Arn'] },
                '"))',
              ],
            ],
          },
          ActionsSuppressor: { 'Fn::GetAtt': ['Suppressor', 'Arn'] },
          ActionsSuppressorWaitPeriod: 120,
          ActionsSuppressorExtensionPeriod: 60,
        },
      },
    });
    const result = assessAlarm(stack, 'Composite');
    if (!result.assessed) throw new Error(result.reason);
    // Slow: Sum, 4 of 4 = 60 + 4 x 60 + 60 + 60 = 420 s; + 120 s suppressor wait.
    expect(result.timing.worstCaseSeconds).toBe(60 + 4 * 60 + 60 + 60 + 120);
    expect(result.timing.sources.map((s) => s.logicalId)).toEqual(['Composite', 'Fast', 'Slow']);
  });

  test('assessAlarms finds every alarm of a stack and nothing else', () => {
    const stack = stackOf({ A: alarm({}), B: alarm({}), T: { Type: 'AWS::SNS::Topic' } });
    expect(assessAlarms(stack).map((a) => (a.assessed ? a.timing.logicalId : a.logicalId))).toEqual(['A', 'B']);
  });
});
