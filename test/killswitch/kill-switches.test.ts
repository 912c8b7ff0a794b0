import { Match } from 'aws-cdk-lib/assertions';
import { synthBulwark } from '../helpers/app';

const bulwark = synthBulwark();
const prod = bulwark.template('Prod');

describe('KillSwitches in every environment', () => {
  test('one SSM parameter per switch under /orders/<env>/switches/, created off', () => {
    for (const name of ['features', 'cost', 'deploy-freeze']) {
      prod.hasResourceProperties('AWS::SSM::Parameter', {
        Name: `/orders/prod/switches/${name}`,
        Type: 'String',
        Value: JSON.stringify({
          state: 'off',
          reason: 'created by CloudFormation',
          changedAt: '1970-01-01T00:00:00.000Z',
          changedBy: 'cloudformation',
        }),
      });
    }
    bulwark
      .template('Dev')
      .hasResourceProperties('AWS::SSM::Parameter', { Name: '/orders/dev/switches/deploy-freeze' });
  });

  test('a monthly cost budget from config notifies the budget topic at forecast 80 % and actual 100 %', () => {
    const subscriber = [{ SubscriptionType: 'SNS', Address: { Ref: Match.stringLikeRegexp('BudgetTopic') } }];
    prod.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: {
        BudgetName: 'orders-prod-monthly-cost',
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: 6000, Unit: 'USD' },
      },
      NotificationsWithSubscribers: [
        {
          Notification: {
            NotificationType: 'FORECASTED',
            ComparisonOperator: 'GREATER_THAN',
            Threshold: 80,
            ThresholdType: 'PERCENTAGE',
          },
          Subscribers: subscriber,
        },
        {
          Notification: {
            NotificationType: 'ACTUAL',
            ComparisonOperator: 'GREATER_THAN',
            Threshold: 100,
            ThresholdType: 'PERCENTAGE',
          },
          Subscribers: subscriber,
        },
      ],
    });
    bulwark
      .template('Dev')
      .hasResourceProperties('AWS::Budgets::Budget', { Budget: { BudgetLimit: { Amount: 500, Unit: 'USD' } } });
  });

  test('AWS Budgets may publish to the encrypted budget topic and use its key, for this account only', () => {
    prod.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowBudgetsOfThisAccount',
            Principal: { Service: 'budgets.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': '333333333333' } }),
          }),
        ]),
      },
    });
    prod.hasResourceProperties('AWS::KMS::Key', {
      Description: 'Encrypts orders-prod-budget notifications',
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'budgets.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    prod.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'orders-prod-budget',
      KmsMasterKeyId: Match.anyValue(),
    });
  });

  test('the kill-switch function runs on nodejs24.x, reserves no concurrency, subscribed to the P1 and budget topics', () => {
    // No reservation: a new account's quota refuses any (concurrent "on"s are resolved from the SSM versions).
    prod.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'orders-prod-kill-switch',
      Runtime: 'nodejs24.x',
      ReservedConcurrentExecutions: Match.absent(),
    });
    const subs = prod.findResources('AWS::SNS::Subscription', {
      Properties: {
        Protocol: 'lambda',
        Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('KillSwitchesFunction'), 'Arn'] },
      },
    });
    const topics = Object.values(subs).map((s) => JSON.stringify(s.Properties.TopicArn));
    expect(topics).toEqual(
      expect.arrayContaining([expect.stringMatching(/TopicsP1/), expect.stringMatching(/BudgetTopic/)]),
    );
    expect(topics).toHaveLength(2);
  });

  test('the function may write only its switch parameters and publish the P3 notice', () => {
    prod.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'sns:Publish', Resource: { Ref: Match.stringLikeRegexp('TopicsP3') } }),
          // GetParameterHistory: concurrent "on"s are resolved from the parameter's versions.
          Match.objectLike({
            Action: ['ssm:GetParameter', 'ssm:GetParameterHistory', 'ssm:PutParameter'],
            Resource: Match.arrayWith([
              { 'Fn::Join': ['', Match.arrayWith([{ Ref: Match.stringLikeRegexp('KillSwitchesSwitchcost') }])] },
            ]),
          }),
        ]),
      },
    });
  });

  test('with no non-critical services or functions configured, the function gets no ECS, auto-scaling or Lambda rights', () => {
    const json = JSON.stringify(prod.findResources('AWS::IAM::Policy'));
    expect(json).not.toContain('ecs:UpdateService');
    expect(json).not.toContain('lambda:PutFunctionConcurrency');
  });

  test('the service task role may read the switches (never write), and the container gets their names', () => {
    prod.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('ServiceTaskRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['ssm:GetParameter', 'ssm:GetParameters'] }),
          Match.objectLike({ Action: 'ssm:GetParametersByPath' }),
        ]),
      },
    });
    prod.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([
            { Name: 'KILL_SWITCH_FEATURES_PARAMETER', Value: '/orders/prod/switches/features' },
            { Name: 'KILL_SWITCH_DEPLOY_FREEZE_PARAMETER', Value: '/orders/prod/switches/deploy-freeze' },
            { Name: 'NON_CRITICAL_FEATURES', Value: 'recommendations,reviews' },
          ]),
        }),
      ],
    });
  });

  test("a P2 alarm with a runbook watches the function's errors", () => {
    prod.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-prod-kill-switch-failed',
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      AlarmDescription: Match.stringLikeRegexp('^\\[P2\\] .*kill-switch-failed\\.md$'),
    });
  });

  test('the function settings map the 5xx-critical alarm to the feature switch and the budget to the cost switch', () => {
    const fn = Object.values(
      prod.findResources('AWS::Lambda::Function', { Properties: { FunctionName: 'orders-prod-kill-switch' } }),
    )[0];
    const settings = JSON.stringify(fn.Properties.Environment.Variables.KILL_SWITCH_SETTINGS);
    expect(settings).toContain('\\"alarmTriggers\\":{\\"orders-prod-http-5xx-critical\\":[\\"features\\"]}');
    expect(settings).toContain('\\"onBudget\\":[\\"cost\\"]');
    expect(settings).toContain('\\"onAnyP1\\":[\\"deploy-freeze\\"]');
  });
});
