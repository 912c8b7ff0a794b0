/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized CloudFormation JSON is untyped */
import { ALARM_DESCRIPTION_PATTERN } from '../../lib/monitoring/alarm-spec';
import { synthBulwark } from '../helpers/app';

// The whole app, with cdk-nag and the RunbookCheck on: synth itself would throw on an alarm without a
// complete runbook or on an unacknowledged cdk-nag finding in the monitoring resources.
const bulwark = synthBulwark();

const alarms = (stackId: string) => {
  const t = bulwark.template(stackId);
  return [
    ...Object.values(t.findResources('AWS::CloudWatch::Alarm')),
    ...Object.values(t.findResources('AWS::CloudWatch::CompositeAlarm')),
  ].map((r: any) => r.Properties);
};

describe('monitoring in the synthesized environments', () => {
  test.each(['Dev', 'Staging', 'Prod'])(
    '%s carries the whole catalog, the composite and the dashboard orders-<env>',
    (id) => {
      const env = id.toLowerCase();
      const names = alarms(id).map((p) => p.AlarmName);
      for (const alarmId of [
        'service-down',
        'http-5xx-critical',
        'http-5xx-elevated',
        'latency-p95',
        'latency-p50',
        'unhealthy-targets',
        'ecs-cpu-high',
        'ecs-memory-high',
        'error-log-spike',
        'db-connections-high',
        'db-cpu-high',
        'db-local-storage-low',
        'cost-spike',
        'service-unhealthy',
      ]) {
        expect(names).toContain(`orders-${env}-${alarmId}`);
      }
      bulwark.template(id).hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: `orders-${env}` });
      bulwark.template(id).hasResourceProperties('AWS::Events::Rule', { Name: `orders-${env}-deployment-failed` });
      bulwark.template(id).hasResourceProperties('AWS::Events::Rule', { Name: `orders-${env}-aws-backup-job-failed` });
    },
  );

  test('every alarm in every stack has a severity and a runbook link', () => {
    for (const stack of bulwark.assembly.stacks) {
      for (const [logicalId, r] of Object.entries(stack.template.Resources as Record<string, any>)) {
        if (r.Type === 'AWS::CloudWatch::Alarm' || r.Type === 'AWS::CloudWatch::CompositeAlarm') {
          expect(`${stack.stackName}/${logicalId}: ${r.Properties.AlarmDescription}`).toMatch(
            new RegExp(`: ${ALARM_DESCRIPTION_PATTERN.source.slice(1)}`),
          );
        }
      }
    }
  });

  test('the CodeDeploy deployment group rolls back on the canary alarm only (60-s ALB alarms are too slow to gate)', () => {
    const group = Object.values(bulwark.template('Prod').findResources('AWS::CodeDeploy::DeploymentGroup'))[0] as any;
    const names = JSON.stringify(group.Properties.AlarmConfiguration.Alarms);
    expect(names).toContain('CanaryJourneyFailed');
    for (const id of ['Http5xxCritical', 'Http5xxElevated', 'LatencyP95', 'UnhealthyTargets', 'ServiceDown'])
      expect(names).not.toContain(id);
  });

  test("the composite service-unhealthy includes the canary's journey-failure alarm", () => {
    const composite = Object.values(
      bulwark.template('Prod').findResources('AWS::CloudWatch::CompositeAlarm'),
    )[0] as any;
    expect(JSON.stringify(composite.Properties.AlarmRule)).toMatch(/Http5xxCritical.*ServiceDown.*CanaryJourneyFailed/);
  });

  test('DrRegion has no cost alarm (billing metrics exist only in us-east-1) but still gets the event notifications', () => {
    expect(alarms('DrRegion').map((p) => p.AlarmName)).not.toContain('orders-dr-cost-spike');
    bulwark
      .template('DrRegion')
      .hasResourceProperties('AWS::Events::Rule', { Name: 'orders-dr-aws-backup-job-failed' });
  });
});
