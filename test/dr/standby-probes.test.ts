import { Match } from 'aws-cdk-lib/assertions';
import { synthBulwark } from '../helpers/app';

/** Issue 14: the DR region can page P1 (it serves after failover) and its error-log alarm has a metric to watch. */
describe('DrRegion probes and error-log metric', () => {
  const dr = synthBulwark().template('DrRegion');

  test('a P1 probe of the standby gates its deployments, and a P1 probe of the domain pages region down', () => {
    dr.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-dr-canary-journey-failed',
      AlarmDescription: Match.stringLikeRegexp('^\\[P1\\] .*canary-journey-failed\\.md$'),
      Period: 10,
    });
    dr.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-dr-primary-probe-journey-failed',
      AlarmDescription: Match.stringLikeRegexp('^\\[P1\\] .*dr-primary-unhealthy\\.md$'),
      Dimensions: [{ Name: 'Environment', Value: 'dr-primary-probe' }],
    });
    dr.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'orders-dr-primary-probe',
      Environment: {
        Variables: Match.objectLike({
          ENDPOINT_URL: 'https://orders.example.com',
          SERVICE_HOSTNAME: 'orders.example.com',
        }),
      },
    });
    const group = Object.values(dr.findResources('AWS::CodeDeploy::DeploymentGroup'))[0] as {
      Properties: { AlarmConfiguration: unknown };
    };
    expect(JSON.stringify(group.Properties.AlarmConfiguration)).toMatch(/ProbesCanaryCanaryJourneyFailed/);
  });

  test("the standby's error-log-spike alarm has its metric filter in the same stack", () => {
    dr.hasResourceProperties('AWS::Logs::MetricFilter', {
      MetricTransformations: [
        Match.objectLike({ MetricNamespace: 'Bulwark/orders', MetricName: 'orders-dr-error-log-lines' }),
      ],
    });
  });
});
