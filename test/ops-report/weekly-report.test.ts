import { synthBulwark } from '../helpers/app';

/*
 * WeeklyOpsReport in the synthesized environment stacks: the function, its weekly schedule, its least-privilege
 * policy (written out by hand), and the backup verifier leaving the report prefix out of the archive's freshness.
 */
const bulwark = synthBulwark();
const prod = bulwark.template('Prod');
const dev = bulwark.template('Dev');

type Resource = { Type: string; Properties: Record<string, unknown> };
const resources = (template: typeof prod, type: string, idPrefix = '') =>
  Object.entries(template.findResources(type) as Record<string, Resource>).filter(([id]) => id.startsWith(idPrefix));
const only = (template: typeof prod, type: string, idPrefix: string) => {
  const found = resources(template, type, idPrefix);
  expect(found).toHaveLength(1);
  return found[0];
};
const logicalId = (template: typeof prod, type: string, idPrefix: string) => only(template, type, idPrefix)[0];
/** A Lambda environment variable with its CloudFormation references flattened: Ref X -> <X>, GetAtt X.Y -> <X.Y>. */
const flatten = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (v.Ref) return `<${v.Ref}>`;
  if (v['Fn::GetAtt']) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
  if (v['Fn::Join']) return (v['Fn::Join'] as [string, unknown[]])[1].map(flatten).join('');
  return JSON.stringify(value);
};

describe('WeeklyOpsReport', () => {
  test('orders-prod-weekly-report runs every Monday at 06:00 UTC, retried for 12 hours', () => {
    const [fnId, fn] = only(prod, 'AWS::Lambda::Function', 'WeeklyReportFunction');
    expect(fn.Properties).toMatchObject({
      FunctionName: 'orders-prod-weekly-report',
      Timeout: 300,
      Runtime: 'nodejs24.x',
    });
    const [, rule] = only(prod, 'AWS::Events::Rule', 'WeeklyReportSchedule');
    expect(rule.Properties).toMatchObject({
      ScheduleExpression: 'cron(0 6 ? * MON *)',
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
          RetryPolicy: { MaximumEventAgeInSeconds: 43200, MaximumRetryAttempts: 4 },
        },
      ],
    });
  });

  test("its settings name the environment's load balancer, log group, archive prefix, P3 topic and targets", () => {
    const [, fn] = only(prod, 'AWS::Lambda::Function', 'WeeklyReportFunction');
    const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    const lb = logicalId(prod, 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'ServiceLoadBalancer');
    const bucket = logicalId(prod, 'AWS::S3::Bucket', 'BackupArchiveBucket');
    const p3 = logicalId(prod, 'AWS::SNS::Topic', 'MonitoringTopicsP3');
    const settings = JSON.parse(
      flatten(env.WEEKLY_REPORT_SETTINGS).replace(/<([^>]+)>/g, (_, ref: string) => `@${ref}`),
    );
    expect(settings).toMatchObject({
      service: 'orders',
      environment: 'Prod',
      loadBalancer: `@${lb}.LoadBalancerFullName`,
      logGroupName: '/ecs/orders-prod',
      archive: { bucket: `@${bucket}`, prefix: 'ops-reports/Prod/' },
      noticeTopicArn: `@${p3}`,
      // Prod's alarm thresholds (p50 1 s, p95 3 s) and the slo default of 99.9 %; no p99 target configured.
      targets: { availabilityPercent: 99.9, p50Ms: 1000, p95Ms: 3000 },
      // Prod's budget.monthlyUsd in config/bulwark.config.ts.
      monthlyBudgetUsd: 6000,
      incidents: { tableName: 'orders-prod-incidents' },
      deploymentGroup: { application: 'orders-prod', group: 'orders-prod' },
    });
  });

  test('least privilege: each call on its own resource, written out by hand', () => {
    const [, policy] = only(prod, 'AWS::IAM::Policy', 'WeeklyReportFunctionRoleDefaultPolicy');
    const bucket = logicalId(prod, 'AWS::S3::Bucket', 'BackupArchiveBucket');
    const archiveKey = logicalId(prod, 'AWS::KMS::Key', 'BackupArchiveKey');
    const tableKey = logicalId(prod, 'AWS::KMS::Key', 'IncidentsTableKey');
    const topicKey = logicalId(prod, 'AWS::KMS::Key', 'MonitoringTopicsTopicKey');
    const p3 = logicalId(prod, 'AWS::SNS::Topic', 'MonitoringTopicsP3');
    const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    const logs = logicalId(prod, 'AWS::Logs::LogGroup', 'WeeklyReportFunctionLogs');
    expect(statements).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logs, 'Arn'] },
      },
      { Action: ['ce:GetCostAndUsage', 'cloudwatch:GetMetricData'], Effect: 'Allow', Resource: '*' },
      {
        Action: ['codedeploy:BatchGetDeployments', 'codedeploy:ListDeployments'],
        Effect: 'Allow',
        Resource: 'arn:aws:codedeploy:us-east-1:333333333333:deploymentgroup:orders-prod/orders-prod',
      },
      {
        Action: 'dynamodb:Query',
        Effect: 'Allow',
        Resource: 'arn:aws:dynamodb:us-east-1:333333333333:table/orders-prod-incidents/index/byStatus',
      },
      {
        Action: 'kms:Decrypt',
        Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.us-east-1.amazonaws.com' } },
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [tableKey, 'Arn'] },
      },
      {
        Action: ['logs:GetQueryResults', 'logs:StartQuery'],
        Effect: 'Allow',
        Resource: [
          'arn:aws:logs:us-east-1:333333333333:log-group:/ecs/orders-prod',
          'arn:aws:logs:us-east-1:333333333333:log-group:/ecs/orders-prod:*',
        ],
      },
      {
        Action: 's3:ListBucket',
        Condition: { StringLike: { 's3:prefix': ['ops-reports/Prod/*'] } },
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [bucket, 'Arn'] },
      },
      {
        Action: 's3:PutObject',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/ops-reports/Prod/*']] },
      },
      {
        Action: 'kms:GenerateDataKey',
        Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [archiveKey, 'Arn'] },
      },
      { Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: p3 } },
      {
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [topicKey, 'Arn'] },
      },
    ]);
  });

  test('a failed run pages P3 with its runbook (after EventBridge gave up retrying it)', () => {
    const [fnId] = only(prod, 'AWS::Lambda::Function', 'WeeklyReportFunction');
    const alarms = resources(prod, 'AWS::CloudWatch::Alarm').filter(
      ([, a]) => a.Properties.AlarmName === 'orders-prod-weekly-report-failed',
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0][1].Properties).toMatchObject({
      AlarmDescription: expect.stringMatching(/^\[P3\] .* \| Runbook: .*\/weekly-report-failed\.md$/),
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('every environment stack has one, writing under its own prefix', () => {
    const [, fn] = only(dev, 'AWS::Lambda::Function', 'WeeklyReportFunction');
    expect(fn.Properties.FunctionName).toBe('orders-dev-weekly-report');
    expect(
      flatten((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.WEEKLY_REPORT_SETTINGS),
    ).toContain('"prefix":"ops-reports/Dev/"');
  });
});

describe('the backup verifier does not count the reports as backups', () => {
  const storesOf = (template: typeof prod, idPrefix: string) => {
    const [, fn] = only(template, 'AWS::Lambda::Function', idPrefix);
    return flatten((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.STORES);
  };

  test('the archive store leaves out ops-reports/ (a weekly report would make a stale archive read fresh)', () => {
    expect(storesOf(prod, 'BackupVerifierFunction')).toContain(
      '{"kind":"s3-bucket","store":"archive","bucket":"<BackupArchiveBucket9AE2EF14>","prefix":"",' +
        '"excludePrefixes":["ops-reports/"]}',
    );
  });

  test("DrRegion's replica store leaves out the drill's prefix and ops-reports/ (replication copies them)", () => {
    const stores = storesOf(bulwark.template('DrRegion'), 'DataSinksVerifierFunction');
    expect(stores).toContain('"store":"replica"');
    expect(stores).toContain('"excludePrefixes":["drills/","ops-reports/"]');
  });
});
