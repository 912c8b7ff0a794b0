import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Canary } from '../../lib/canary/canary';
import { Naming } from '../../lib/common/naming';
import { AlarmFactory } from '../../lib/monitoring/alarm-factory';
import { SeverityTopics } from '../../lib/monitoring/severity-topics';
import { defaultConfig, synthBulwark, testApp } from '../helpers/app';

const bulwark = synthBulwark();
const prod = bulwark.template('Prod');

/**
 * Prod's canary construct built alone from Prod's config, as EnvironmentStack builds it (HTTPS, so every journey):
 * its worst case is a property of the construct, in no template, and the alternative, building the constructs of the
 * whole app again, costs this file about 2 s of CPU. The first test checks that the app's Prod canary gets the same
 * inputs the worst case is made of (PROBE_EVERY_SECONDS, REQUEST_TIMEOUT_MS).
 */
function prodCanaryAlone(): Canary {
  const config = defaultConfig();
  const environment = config.environments.find((env) => env.name === 'Prod')!;
  const stack = new Stack(testApp(), 'ProdCanaryAlone', {
    env: { account: environment.account, region: environment.region },
  });
  const naming = new Naming(config.service.name, environment.name);
  const topics = new SeverityTopics(stack, 'Topics', { naming, subscriptions: {} });
  return new Canary(stack, 'Canary', {
    naming,
    protection: { retain: environment.retainStatefulResources },
    journeys: config.service.journeys,
    canary: environment.canary,
    endpointUrl: 'https://load-balancer.example.com',
    serviceHostname: config.service.domainName,
    alarms: new AlarmFactory({ naming, topics, runbookBaseUrl: 'https://runbooks.example.com' }),
  });
}

describe('Canary in every environment', () => {
  test('a function named orders-<env>-canary on nodejs24.x, aimed at the public endpoint, probing every 20 s', () => {
    prod.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'orders-prod-canary',
      Runtime: 'nodejs24.x',
      Environment: {
        Variables: Match.objectLike({
          ENDPOINT_URL: Match.anyValue(),
          ENVIRONMENT: 'Prod',
          METRIC_NAMESPACE: 'Bulwark/orders',
          // Prod probes every 10 s; a run covers its minute plus the schedule's 60-s precision: 120 / 10.
          PROBES_PER_RUN: '12',
          PROBE_EVERY_SECONDS: '10',
          REQUEST_TIMEOUT_MS: '2000',
          JOURNEYS_IN_PARALLEL: 'true',
          CREDENTIALS_SECRET_ARN: { Ref: Match.stringLikeRegexp('CanaryCredentials') },
        }),
      },
    });
    bulwark.template('Dev').hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'orders-dev-canary' });
  });

  test('runs every minute', () => {
    prod.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
  });

  test('may put metrics only in the service namespace', () => {
    prod.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 'cloudwatch:PutMetricData',
            Effect: 'Allow',
            Resource: '*',
            Condition: { StringEquals: { 'cloudwatch:namespace': 'Bulwark/orders' } },
          },
        ]),
      },
    });
  });

  test('a credentials secret orders-<env>-canary-credentials the canary and the smoke check read', () => {
    prod.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'orders-prod-canary-credentials' });
  });

  test('P1 on journey failure: 10-s high-resolution Minimum, 1 of 1, missing data breaching, worst case <= 60 s', () => {
    prod.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-prod-canary-journey-failed',
      Namespace: 'Bulwark/orders',
      MetricName: 'Success',
      Dimensions: [{ Name: 'Environment', Value: 'Prod' }],
      Statistic: 'Minimum',
      Period: 10,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmDescription: Match.stringLikeRegexp('^\\[P1\\] A canary journey fails .*canary-journey-failed\\.md$'),
    });
    const canary = prodCanaryAlone();
    // 10 s probe cadence + 2 x 2000 ms (journeys at once, one confirmation) + 10 s period + 5 s delivery.
    expect(canary.worstCaseDetectionSeconds).toBe(29);
    expect(canary.worstCaseDetectionSeconds).toBeLessThanOrEqual(60);
  });

  test('the failure alarm gates blue/green deployments', () => {
    const groups = prod.findResources('AWS::CodeDeploy::DeploymentGroup');
    const alarms = JSON.stringify(Object.values(groups)[0].Properties.AlarmConfiguration);
    expect(alarms).toMatch(/CanaryCanaryJourneyFailedAlarm/);
  });

  test('P2 on latency: the slowest journey above 80 % of its budget, 3 of 5 minutes, missing data not breaching', () => {
    prod.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-prod-canary-latency',
      Threshold: 80,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: '100 * MAX([l0 / 1000, l1 / 2000, l2 / 2000, l3 / 2000])' }),
      ]),
      AlarmDescription: Match.stringLikeRegexp('^\\[P2\\] .*canary-latency\\.md$'),
    });
  });
});
