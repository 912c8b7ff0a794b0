import { Match } from 'aws-cdk-lib/assertions';
import { synthBulwark } from '../helpers/app';

const bulwark = synthBulwark();
const prod = bulwark.template('Prod');
const dev = bulwark.template('Dev');

type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};
const resourcesOf = (type: string, template = prod): [string, Resource][] =>
  Object.entries(template.findResources(type) as Record<string, Resource>);
const only = (type: string, template = prod): Resource => {
  const found = resourcesOf(type, template).filter(([id]) => id.startsWith('Incidents'));
  expect(found).toHaveLength(1);
  return found[0][1];
};

describe('IncidentRecord: the table', () => {
  test('orders-prod-incidents: on demand, PITR, its own KMS key, TTL on events, the byStatus index, backup tag', () => {
    const table = only('AWS::DynamoDB::Table');
    const keyId = resourcesOf('AWS::KMS::Key').find(([id]) => id.startsWith('IncidentsTableKey'))![0];
    expect(table.Properties).toMatchObject({
      TableName: 'orders-prod-incidents',
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byStatus',
          KeySchema: [
            { AttributeName: 'status', KeyType: 'HASH' },
            { AttributeName: 'detectedKey', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
    expect(table.Properties.Tags).toEqual(expect.arrayContaining([{ Key: 'backup', Value: 'orders-prod' }]));
    prod.hasResourceProperties('AWS::KMS::Key', {
      Description: 'Encrypts the orders-prod-incidents table',
      EnableKeyRotation: true,
    });
  });

  test('Prod keeps the table and its key (RetainExceptOnCreate); Dev can be torn down', () => {
    const table = only('AWS::DynamoDB::Table');
    expect(table).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
    const prodKey = resourcesOf('AWS::KMS::Key').find(([id]) => id.startsWith('IncidentsTableKey'))![1];
    expect(prodKey.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(only('AWS::DynamoDB::Table', dev)).toMatchObject({ DeletionPolicy: 'Delete' });
  });

  test('not created deletion-protected: a protected table would make a failed first create unable to roll back', () => {
    expect(only('AWS::DynamoDB::Table').Properties.DeletionProtectionEnabled).toBeUndefined();
  });
});

describe('IncidentRecord: the rules', () => {
  test('alarm state changes of exactly the P1/P2 alarms and composites of the environment', () => {
    const rule = resourcesOf('AWS::Events::Rule').find(([id]) => id.startsWith('IncidentsAlarmRule'))![1];
    type Pattern = { source: string[]; 'detail-type': string[]; detail: { alarmName: string[] } };
    const pattern = rule.Properties.EventPattern as Pattern;
    expect(pattern.source).toEqual(['aws.cloudwatch']);
    expect(pattern['detail-type']).toEqual(['CloudWatch Alarm State Change']);
    const names = pattern.detail.alarmName;
    expect(names).toEqual(
      expect.arrayContaining([
        'orders-prod-service-unhealthy',
        'orders-prod-http-5xx-critical',
        'orders-prod-canary-journey-failed',
        'orders-prod-latency-p95',
      ]),
    );
    expect(names.every((n) => n.startsWith('orders-prod-'))).toBe(true);
    // P3 and P4 alarms are tickets, not incidents: the recorder's own alarm among them.
    expect(names).not.toContain('orders-prod-incident-recorder-failed');
    const p1p2 = Object.values(prod.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>)
      .concat(Object.values(prod.findResources('AWS::CloudWatch::CompositeAlarm') as Record<string, Resource>))
      .filter((a) => /^\[P[12]\]/.test(String(a.Properties.AlarmDescription)))
      .map((a) => a.Properties.AlarmName);
    expect([...names].sort()).toEqual([...p1p2].sort());
  });

  test("deployments of the environment's group, its kill switches, and a sweep every 5 minutes", () => {
    prod.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.codedeploy'],
        'detail-type': ['CodeDeploy Deployment State-change Notification'],
        detail: { application: ['orders-prod'], deploymentGroup: ['orders-prod'] },
      },
    });
    prod.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ssm'],
        'detail-type': ['Parameter Store Change'],
        detail: { name: [{ prefix: '/orders/prod/switches/' }] },
      },
    });
    prod.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 } })],
    });
  });
});

describe('IncidentRecord: the function and its grants', () => {
  test('orders-prod-incident-recorder on a live runtime, with the settings it needs', () => {
    const fn = resourcesOf('AWS::Lambda::Function').find(
      ([, r]) => r.Properties.FunctionName === 'orders-prod-incident-recorder',
    )![1];
    expect(fn.Properties.Runtime).toBe('nodejs24.x');
    const variables = (fn.Properties.Environment as { Variables: Record<string, string> }).Variables;
    const settings = JSON.parse(variables.INCIDENT_SETTINGS);
    expect(settings).toMatchObject({
      environment: 'Prod',
      tableName: 'orders-prod-incidents',
      metricNamespace: 'Bulwark/orders',
      deploymentGroup: 'orders-prod',
      switchParameterPrefix: '/orders/prod/switches/',
      quietPeriodSeconds: 900,
      metricsSettleSeconds: 3600,
    });
    expect(settings.alarms).toMatchObject({ 'orders-prod-service-unhealthy': 'P1', 'orders-prod-latency-p95': 'P2' });
  });

  test('IAM: item actions on the table and its index, the key only through DynamoDB, metrics in one namespace', () => {
    const policy = resourcesOf('AWS::IAM::Policy').find(([id]) => id.startsWith('IncidentsFunctionRole'))![1];
    const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    const table = 'arn:aws:dynamodb:us-east-1:333333333333:table/orders-prod-incidents';
    expect(statements.map((s) => s.Action)).toEqual([
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
      ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
      'cloudwatch:PutMetricData',
    ]);
    expect(statements[1].Resource).toEqual([table, `${table}/index/byStatus`]);
    expect(statements[2]).toMatchObject({
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^IncidentsTableKey/), 'Arn'] },
      Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.us-east-1.amazonaws.com' } },
    });
    expect(statements[3]).toMatchObject({
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': 'Bulwark/orders' } },
    });
  });

  test('its own failures are a P3 alarm with a runbook', () => {
    prod.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-prod-incident-recorder-failed',
      AlarmDescription: Match.stringLikeRegexp('^\\[P3\\] .* \\| Runbook: .*/incident-recorder-failed\\.md$'),
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Period: 300,
      Threshold: 0,
      TreatMissingData: 'notBreaching',
    });
  });
});
