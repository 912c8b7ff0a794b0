import { assessAlarm, assessAlarms } from '../../lib/report/alarms';
import { CUSTOM_METRIC_DELAY_SECONDS, VENDED_METRIC_DELAY_SECONDS } from '../../lib/report/allowances';
import { alarm, RUNBOOK, stackOf } from './helpers';

function timing(resource: ReturnType<typeof alarm>) {
  const result = assessAlarm(stackOf({ A: resource }), 'A');
  if (!result.assessed) throw new Error(`not assessed: ${result.reason}`);
  return result.timing;
}

describe('alarm detection', () => {
  test('period x evaluation periods + the vended-metric allowance', () => {
    const t = timing(alarm({ Period: 60, EvaluationPeriods: 3 }));
    expect(t.worstCaseSeconds).toBe(3 * 60 + VENDED_METRIC_DELAY_SECONDS);
    expect(t.sources[0]).toEqual({ template: 'Prod.template.json', logicalId: 'A', type: 'AWS::CloudWatch::Alarm', properties: ['EvaluationPeriods', 'Period'] });
  });

  test('M of N: worst case counts N periods, a continuous breach M', () => {
    const t = timing(alarm({ Period: 60, EvaluationPeriods: 5, DatapointsToAlarm: 2 }));
    expect(t.worstCaseSeconds).toBe(5 * 60 + VENDED_METRIC_DELAY_SECONDS);
    expect(t.continuousSeconds).toBe(2 * 60 + VENDED_METRIC_DELAY_SECONDS);
    expect(t.notes.join(' ')).toMatch(/2 of 5: a continuous breach fires after 2 x 60 s/);
    expect(t.sources[0].properties).toContain('DatapointsToAlarm');
  });

  test('DatapointsToAlarm absent means M = N', () => {
    const t = timing(alarm({ Period: 300, EvaluationPeriods: 2 }));
    expect(t.datapointsToAlarm).toBe(2);
    expect(t.continuousSeconds).toBe(t.worstCaseSeconds);
  });

  test('10-second high-resolution periods on a custom metric take the smaller allowance', () => {
    const t = timing(alarm({ Namespace: 'Bulwark/Canary', MetricName: 'JourneyFailed', Period: 10, EvaluationPeriods: 3, DatapointsToAlarm: 3 }));
    expect(t.worstCaseSeconds).toBe(3 * 10 + CUSTOM_METRIC_DELAY_SECONDS);
    expect(t.notes.join(' ')).toMatch(/high-resolution period \(10 s\)/);
  });

  test('30-second periods', () => {
    expect(timing(alarm({ Namespace: 'Custom', Period: 30, EvaluationPeriods: 2 })).worstCaseSeconds).toBe(60 + CUSTOM_METRIC_DELAY_SECONDS);
  });

  test('metric math: the slowest MetricStat period paces the expression', () => {
    const t = timing(alarm({
      Namespace: undefined, MetricName: undefined, Period: undefined, Statistic: undefined, EvaluationPeriods: 2,
      Metrics: [
        { Id: 'rate', Expression: '100 * errors / requests', Label: '5xx rate' },
        { Id: 'errors', ReturnData: false, MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_Target_5XX_Count' }, Period: 60, Stat: 'Sum' } },
        { Id: 'requests', ReturnData: false, MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount' }, Period: 300, Stat: 'Sum' } },
      ],
    }));
    expect(t.periodSeconds).toBe(300);
    expect(t.worstCaseSeconds).toBe(2 * 300 + VENDED_METRIC_DELAY_SECONDS);
    expect(t.sources[0].properties).toEqual(['EvaluationPeriods', 'Metrics[1].MetricStat.Period', 'Metrics[2].MetricStat.Period']);
  });

  test('metric math with the expression Period set and custom inputs', () => {
    const t = timing(alarm({
      Namespace: undefined, MetricName: undefined, Period: undefined, EvaluationPeriods: 1,
      Metrics: [
        { Id: 'e', Expression: 'FILL(m, 0)', Period: 30 },
        { Id: 'm', ReturnData: false, MetricStat: { Metric: { Namespace: 'Bulwark/Canary', MetricName: 'Failed' }, Period: 10, Stat: 'Sum' } },
      ],
    }));
    expect(t.periodSeconds).toBe(30);
    expect(t.allowanceSeconds).toBe(CUSTOM_METRIC_DELAY_SECONDS);
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
          AlarmRule: { 'Fn::Join': ['', ['(ALARM("', { 'Fn::GetAtt': ['Fast', 'Arn'] }, '") OR ALARM("', { 'Fn::GetAtt': ['Slow', 'Arn'] }, '"))']] },
          ActionsSuppressor: { 'Fn::GetAtt': ['Suppressor', 'Arn'] },
          ActionsSuppressorWaitPeriod: 120,
          ActionsSuppressorExtensionPeriod: 60,
        },
      },
    });
    const result = assessAlarm(stack, 'Composite');
    if (!result.assessed) throw new Error(result.reason);
    expect(result.timing.worstCaseSeconds).toBe(4 * 60 + VENDED_METRIC_DELAY_SECONDS + 120);
    expect(result.timing.sources.map((s) => s.logicalId)).toEqual(['Composite', 'Fast', 'Slow']);
  });

  test('assessAlarms finds every alarm of a stack and nothing else', () => {
    const stack = stackOf({ A: alarm({}), B: alarm({}), T: { Type: 'AWS::SNS::Topic' } });
    expect(assessAlarms(stack).map((a) => (a.assessed ? a.timing.logicalId : a.logicalId))).toEqual(['A', 'B']);
  });
});
