import { CfnResource, StackTemplate } from '../../lib/report/model';

/** A hand-written template as the report sees it. */
export function stackOf(resources: Record<string, CfnResource>, overrides: Partial<StackTemplate> = {}): StackTemplate {
  return {
    stackId: overrides.environment ?? 'Prod',
    file: `${overrides.environment ?? 'Prod'}.template.json`,
    environment: 'Prod',
    tier: 1,
    region: 'us-east-1',
    account: '333333333333',
    outputs: {},
    ...overrides,
    resources,
  };
}

export const RUNBOOK = '| Runbook: https://example.com/runbooks/http-5xx-rate.md';

/** A single-metric alarm. */
export function alarm(props: Record<string, unknown>): CfnResource {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: `[P1] Requests fail ${RUNBOOK}`,
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_Target_5XX_Count',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      ...props,
    },
  };
}
