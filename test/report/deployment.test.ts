import { deploymentFigures, shiftTiming } from '../../lib/report/deployment';
import { CfnResource, Figure } from '../../lib/report/model';
import { alarm, stackOf } from './helpers';

function group(props: Record<string, unknown> = {}): CfnResource {
  return {
    Type: 'AWS::CodeDeploy::DeploymentGroup',
    Properties: {
      ApplicationName: { Ref: 'App' },
      DeploymentConfigName: { Ref: 'TrafficConfig' },
      AlarmConfiguration: { Enabled: true, Alarms: [{ Name: { Ref: 'FiveXx' } }, { Name: 'orders-prod-latency' }] },
      AutoRollbackConfiguration: {
        Enabled: true,
        Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM'],
      },
      BlueGreenDeploymentConfiguration: {
        TerminateBlueInstancesOnDeploymentSuccess: { Action: 'TERMINATE', TerminationWaitTimeInMinutes: 30 },
      },
      ...props,
    },
  };
}

function trafficConfig(routing: Record<string, unknown>): CfnResource {
  return {
    Type: 'AWS::CodeDeploy::DeploymentConfig',
    Properties: { ComputePlatform: 'ECS', TrafficRoutingConfig: routing },
  };
}

function figures(resources: Record<string, CfnResource>): Record<string, Figure> {
  const stack = stackOf({
    App: { Type: 'AWS::CodeDeploy::Application', Properties: { ComputePlatform: 'ECS' } },
    FiveXx: alarm({ Period: 60, EvaluationPeriods: 2 }),
    Latency: alarm({ AlarmName: 'orders-prod-latency', Period: 60, EvaluationPeriods: 3, DatapointsToAlarm: 2 }),
    ...resources,
  });
  return Object.fromEntries(deploymentFigures(stack).map((f) => [f.id.split('/')[0], f]));
}

describe('deployment safety', () => {
  test('canary: exposed share, full shift after one interval, bake time', () => {
    const f = figures({
      Group: group(),
      TrafficConfig: trafficConfig({
        Type: 'TimeBasedCanary',
        TimeBasedCanary: { CanaryPercentage: 10, CanaryInterval: 5 },
      }),
    });
    expect(f.exposure.value).toBe(10);
    expect(f['full-shift'].value).toBe(5);
    expect(f.bake.value).toBe(30);
    expect(f['full-shift'].sources.map((s) => s.logicalId)).toEqual(['Group', 'TrafficConfig']);
  });

  test('linear: one increment at once, the rest one interval apart', () => {
    const f = figures({
      Group: group(),
      TrafficConfig: trafficConfig({
        Type: 'TimeBasedLinear',
        TimeBasedLinear: { LinearPercentage: 10, LinearInterval: 1 },
      }),
    });
    expect(f.exposure.value).toBe(10);
    expect(f['full-shift'].value).toBe(9);
    expect(shiftTiming({ type: 'linear', percentage: 30, intervalMinutes: 2 }).fullShiftMinutes).toBe(3 * 2);
  });

  test('all at once, by predefined name', () => {
    const f = figures({ Group: group({ DeploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce' }) });
    expect(f.exposure.value).toBe(100);
    expect(f['full-shift'].value).toBe(0);
  });

  test('an ECS group without a config name is all at once (the CodeDeploy default)', () => {
    expect(figures({ Group: group({ DeploymentConfigName: undefined }) }).exposure.value).toBe(100);
  });

  test('an unknown config name is not assessed', () => {
    const f = figures({ Group: group({ DeploymentConfigName: 'Custom.Mystery' }) });
    expect(f.exposure.status).toBe('not-assessed');
    expect(f.exposure.reason).toMatch(/Custom.Mystery/);
  });

  test('rollback: slowest deployment alarm (found by Ref and by name) + CodeDeploy polling', () => {
    const f = figures({ Group: group({ DeploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce' }) });
    // Both Sum alarms fire after 2 breaching minutes: 60 partial + 2 x 60 + 60 vended delay + 60 evaluation = 300 s
    // (the 3-period window of Latency does not slow it), + 60 s CodeDeploy polling; the first of the tie is named.
    expect(f.rollback.value).toBe(60 + 2 * 60 + 60 + 60 + 60);
    expect(f.rollback.targetKey).toBe('rollbackSeconds');
    expect(f.rollback.sources.map((s) => s.logicalId)).toEqual(['Group', 'FiveXx']);
    expect(f.rollback.notes).toEqual(['2 deployment alarm(s): FiveXx 300 s, Latency 300 s']);
  });

  test('no alarm-triggered rollback: not assessed', () => {
    const noStop = figures({
      Group: group({ AutoRollbackConfiguration: { Enabled: true, Events: ['DEPLOYMENT_FAILURE'] } }),
    });
    expect(noStop.rollback.status).toBe('not-assessed');
    expect(noStop.rollback.reason).toMatch(/DEPLOYMENT_STOP_ON_ALARM/);
    const noAlarms = figures({ Group: group({ AlarmConfiguration: undefined }) });
    expect(noAlarms.rollback.reason).toMatch(/watches no alarms/);
  });

  test('KEEP_ALIVE and a missing wait are not given a number', () => {
    expect(
      figures({
        Group: group({
          BlueGreenDeploymentConfiguration: { TerminateBlueInstancesOnDeploymentSuccess: { Action: 'KEEP_ALIVE' } },
        }),
      }).bake.value,
    ).toBeUndefined();
    expect(figures({ Group: group({ BlueGreenDeploymentConfiguration: {} }) }).bake.status).toBe('not-assessed');
  });

  test('no deployment group: rollback not assessed', () => {
    const f = deploymentFigures(stackOf({}));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ status: 'not-assessed', targetKey: 'rollbackSeconds' });
  });
});

describe('rollback on the alarm state-change event', () => {
  const canaryAlarm = alarm({
    AlarmName: 'orders-prod-canary-journey-failed',
    Namespace: 'AWS/Synthetic',
    MetricName: 'Success',
    Statistic: 'Minimum',
    Period: 10,
    ComparisonOperator: 'LessThanThreshold',
    EvaluationPeriods: 1,
  });
  const rule = (alarmNames: unknown[]): CfnResource => ({
    Type: 'AWS::Events::Rule',
    Properties: {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: alarmNames, state: { value: ['ALARM'] } },
      },
      Targets: [{ Arn: { 'Fn::GetAtt': ['Stopper', 'Arn'] }, Id: 'stop' }],
    },
  });
  const stopper: CfnResource = {
    Type: 'AWS::Lambda::Function',
    Properties: { Timeout: 15, Environment: { Variables: { DEPLOYMENT_GROUP_NAME: { Ref: 'Group' } } } },
  };
  const groupWith = (alarmName: string): CfnResource => ({
    Type: 'AWS::CodeDeploy::DeploymentGroup',
    Properties: {
      DeploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      AlarmConfiguration: { Enabled: true, Alarms: [{ Name: { Ref: alarmName } }] },
      AutoRollbackConfiguration: { Enabled: true, Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
      BlueGreenDeploymentConfiguration: {
        TerminateBlueInstancesOnDeploymentSuccess: { Action: 'TERMINATE', TerminationWaitTimeInMinutes: 5 },
      },
    },
  });
  const rollbackOf = (resources: Record<string, CfnResource>) =>
    deploymentFigures(stackOf(resources)).find((f) => f.id.startsWith('rollback/'))!;

  test('a rule on every deployment alarm, whose function stops this group: event delivery + the function timeout', () => {
    const f = rollbackOf({
      Canary: canaryAlarm,
      Group: groupWith('Canary'),
      Rule: rule([{ Ref: 'Canary' }]),
      Stopper: stopper,
    });
    // 10-s Minimum alarm on a vended-namespace metric: 0 partial + 1 x 10 + 60 delay + 10 evaluation = 80 s;
    // then 10 s event delivery (assumption) + 15 s function timeout.
    expect(f.value).toBe(10 + 60 + 10 + 10 + 15);
    expect(f.sources.map((s) => s.logicalId)).toEqual(['Group', 'Canary', 'Rule', 'Stopper']);
  });

  test('a rule that misses a deployment alarm leaves CodeDeploy polling in the figure', () => {
    const f = rollbackOf({
      Canary: canaryAlarm,
      Group: groupWith('Canary'),
      Rule: rule(['some-other-alarm']),
      Stopper: stopper,
    });
    expect(f.value).toBe(10 + 60 + 10 + 60);
  });
});
