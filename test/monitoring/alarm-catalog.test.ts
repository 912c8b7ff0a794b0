/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized CloudFormation JSON is untyped; these tests index into it freely */
import * as fs from 'fs';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { EnvironmentConfig, TIER_CEILINGS } from '../../config';
import { Naming } from '../../lib/common/naming';
import { AlarmCatalog } from '../../lib/monitoring/alarm-catalog';
import { ALARM_DESCRIPTION_PATTERN } from '../../lib/monitoring/alarm-spec';
import { Monitoring } from '../../lib/monitoring/monitoring';
import { defaultConfig, testApp } from '../helpers/app';
import { RUNBOOK_BASE_URL, catalogStack, serviceFixture } from './fixture';

const RUNBOOKS_DIR = path.join(__dirname, '..', '..', 'runbooks');
/** AWS-vended metrics land about a minute after their period closes (lib/report/allowances.ts). */
const PUBLICATION_DELAY_SECONDS = 60;

const config = defaultConfig();
const env = (name: string): EnvironmentConfig => config.environments.find((e) => e.name === name)!;
const abroad: EnvironmentConfig = { ...env('Staging'), name: 'Abroad', region: 'eu-west-1' };

// One app, synthesized once: the three configured environments, one outside us-east-1, and one whose
// composite alarm gains a member after construction (as the canary's failure alarm will).
const app = testApp();
for (const name of ['Dev', 'Staging', 'Prod']) catalogStack(app, env(name));
const abroadStack = catalogStack(app, abroad, false);
const lateStack = new Stack(app, 'Late', { env: { account: '111111111111', region: 'us-east-1' } });
const lateMonitoring = new Monitoring(lateStack, 'Monitoring', {
  naming: new Naming('orders', 'Late'),
  runbookBaseUrl: RUNBOOK_BASE_URL,
  notifications: {},
  thresholds: env('Dev').alarms,
});
const lateCatalog = new AlarmCatalog(lateStack, 'Alarms', {
  factory: lateMonitoring.alarms,
  signals: serviceFixture(lateStack).signals,
  thresholds: env('Dev').alarms,
});
const canaryAlarm = lateMonitoring.alarms.createAlarm(lateStack, {
  id: 'canary-failing',
  summary: 'Canary journeys fail',
  severity: 'P1',
  runbook: 'service-down',
  metric: new cloudwatch.Metric({ namespace: 'Bulwark/orders', metricName: 'JourneyFailures', statistic: 'Sum' }),
  threshold: 0,
  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  evaluationPeriods: 1,
});
lateCatalog.addServiceHealthAlarm(canaryAlarm);
const assembly = app.synth();
const template = (id: string) => Template.fromJSON(assembly.getStackByName(id).template);

type Resource = { Type: string; Properties: Record<string, any> };
const alarmsOf = (id: string) =>
  Object.values(template(id).findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>).map(
    (r) => r.Properties,
  );
const alarm = (id: string, alarmId: string) => {
  const found = alarmsOf(id).find((p) => p.AlarmName === `orders-${id.toLowerCase()}-${alarmId}`);
  if (!found)
    throw new Error(
      `no alarm ${alarmId} in ${id}; have ${alarmsOf(id)
        .map((p) => p.AlarmName)
        .join(', ')}`,
    );
  return found;
};
/** The period of a plain or metric-math alarm (every metric of a math alarm shares one). */
const periodOf = (p: Record<string, any>): number =>
  p.Period ?? Math.max(...(p.Metrics as any[]).filter((m) => m.MetricStat).map((m) => m.MetricStat.Period));

const SERVICE_IDS = [
  'service-down',
  'http-5xx-critical',
  'http-5xx-elevated',
  'latency-p95',
  'latency-p50',
  'unhealthy-targets',
  'ecs-cpu-high',
  'ecs-memory-high',
  'error-log-spike',
];
const DATABASE_IDS = ['db-connections-high', 'db-cpu-high', 'db-local-storage-low'];

describe('alarm catalog', () => {
  test.each(['Dev', 'Staging', 'Prod'])(
    '%s has every catalog alarm: 9 service + 3 database + cost spike, and the composite',
    (id) => {
      const names = alarmsOf(id)
        .map((p) => p.AlarmName)
        .sort();
      expect(names).toEqual(
        [...SERVICE_IDS, ...DATABASE_IDS, 'cost-spike'].map((a) => `orders-${id.toLowerCase()}-${a}`).sort(),
      );
      template(id).resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    },
  );

  test('every entry states its period, M of N, threshold and missing-data treatment (Prod)', () => {
    const expected: Record<
      string,
      [period: number, m: number, n: number, threshold: number, missing: string, op: string]
    > = {
      'service-down': [60, 1, 1, 1, 'breaching', 'LessThanThreshold'],
      'http-5xx-critical': [60, 1, 1, 5, 'notBreaching', 'GreaterThanThreshold'],
      'http-5xx-elevated': [60, 2, 2, 1, 'notBreaching', 'GreaterThanThreshold'],
      'latency-p95': [60, 2, 2, 3, 'notBreaching', 'GreaterThanThreshold'],
      'latency-p50': [60, 3, 5, 1, 'notBreaching', 'GreaterThanThreshold'],
      'unhealthy-targets': [60, 2, 2, 0, 'notBreaching', 'GreaterThanThreshold'],
      'ecs-cpu-high': [60, 5, 5, 80, 'notBreaching', 'GreaterThanThreshold'],
      'ecs-memory-high': [60, 3, 5, 80, 'notBreaching', 'GreaterThanThreshold'],
      'error-log-spike': [60, 3, 5, 10, 'notBreaching', 'GreaterThanThreshold'],
      'db-connections-high': [60, 3, 5, 800, 'notBreaching', 'GreaterThanThreshold'],
      'db-cpu-high': [60, 5, 5, 80, 'notBreaching', 'GreaterThanThreshold'],
      'db-local-storage-low': [60, 3, 3, 5 * 1024 ** 3, 'notBreaching', 'LessThanThreshold'],
      'cost-spike': [21600, 2, 4, 240, 'missing', 'GreaterThanThreshold'],
    };
    for (const [id, [period, m, n, threshold, missing, op]] of Object.entries(expected)) {
      const p = alarm('Prod', id);
      expect({
        id,
        period: periodOf(p),
        m: p.DatapointsToAlarm,
        n: p.EvaluationPeriods,
        threshold: p.Threshold,
        missing: p.TreatMissingData,
        op: p.ComparisonOperator,
      }).toEqual({
        id,
        period,
        m,
        n,
        threshold,
        missing,
        op,
      });
    }
  });

  test("thresholds come from each environment's config: Dev is looser than Prod", () => {
    expect(alarm('Dev', 'http-5xx-critical').Threshold).toBe(10);
    expect(alarm('Prod', 'http-5xx-critical').Threshold).toBe(5);
    expect(alarm('Dev', 'latency-p95').Threshold).toBe(5);
    expect(alarm('Prod', 'latency-p95').Threshold).toBe(3);
    expect(alarm('Dev', 'cost-spike').Threshold).toBe(30);
    expect(alarm('Staging', 'cost-spike').Threshold).toBe(60);
    expect(alarm('Prod', 'cost-spike').Threshold).toBe(240);
  });

  test('the metrics are the ones named in the runbooks', () => {
    const metricNames = (p: Record<string, any>) =>
      p.MetricName
        ? [p.MetricName]
        : (p.Metrics as any[]).filter((m) => m.MetricStat).map((m) => m.MetricStat.Metric.MetricName);
    expect(metricNames(alarm('Prod', 'service-down'))).toEqual(['HealthyHostCount', 'HealthyHostCount']);
    expect(metricNames(alarm('Prod', 'http-5xx-critical')).sort()).toEqual([
      'HTTPCode_ELB_5XX_Count',
      'HTTPCode_Target_5XX_Count',
      'RequestCount',
    ]);
    expect(alarm('Prod', 'http-5xx-critical').Metrics.find((m: any) => m.ReturnData !== false).Expression).toMatch(
      /^IF\(.* >= 10, 100 \* /,
    );
    expect(alarm('Prod', 'latency-p95')).toMatchObject({ MetricName: 'TargetResponseTime', ExtendedStatistic: 'p95' });
    expect(alarm('Prod', 'latency-p50')).toMatchObject({ MetricName: 'TargetResponseTime', ExtendedStatistic: 'p50' });
    expect(alarm('Prod', 'ecs-cpu-high')).toMatchObject({
      Namespace: 'AWS/ECS',
      MetricName: 'CPUUtilization',
      Statistic: 'Average',
    });
    expect(alarm('Prod', 'ecs-memory-high')).toMatchObject({
      Namespace: 'AWS/ECS',
      MetricName: 'MemoryUtilization',
      Statistic: 'Maximum',
    });
    expect(alarm('Prod', 'error-log-spike')).toMatchObject({
      Namespace: 'Bulwark/orders',
      MetricName: 'orders-prod-error-log-lines',
      Statistic: 'Sum',
    });
    expect(alarm('Prod', 'db-connections-high')).toMatchObject({
      Namespace: 'AWS/RDS',
      MetricName: 'DatabaseConnections',
    });
    expect(alarm('Prod', 'db-local-storage-low')).toMatchObject({
      Namespace: 'AWS/RDS',
      MetricName: 'FreeLocalStorage',
      Statistic: 'Minimum',
    });
    const cost = alarm('Prod', 'cost-spike').Metrics as any[];
    expect(cost.find((m) => m.Expression).Expression).toBe('RATE(charges) * 86400');
    expect(cost.find((m) => m.MetricStat).MetricStat.Metric).toMatchObject({
      Namespace: 'AWS/Billing',
      MetricName: 'EstimatedCharges',
      Dimensions: [{ Name: 'Currency', Value: 'USD' }],
    });
  });

  test('every alarm and event notification reads "[Px] summary | Runbook: <base>/<id>.md" and its runbook exists', () => {
    for (const id of ['Dev', 'Staging', 'Prod', 'Abroad']) {
      const resources = (type: string) =>
        Object.values(template(id).findResources(type) as Record<string, Resource>).map((r) => r.Properties);
      // EventBridge notifications carry the same form in their description (the RunbookCheck sees only alarms).
      const descriptions = [...resources('AWS::CloudWatch::Alarm'), ...resources('AWS::CloudWatch::CompositeAlarm')]
        .map((p) => p.AlarmDescription)
        .concat(resources('AWS::Events::Rule').map((p) => p.Description));
      expect(descriptions.length).toBeGreaterThanOrEqual(12);
      for (const description of descriptions) {
        const match = ALARM_DESCRIPTION_PATTERN.exec(description);
        expect(match).not.toBeNull();
        expect(match![3]).toBe(RUNBOOK_BASE_URL);
        expect(fs.existsSync(path.join(RUNBOOKS_DIR, `${match![4]}.md`))).toBe(true);
      }
    }
  });

  test('P1 and P2 alarms announce recovery (OK actions) on their severity topic; P3 alarms only alarm', () => {
    const topicRef = (severity: string) => ({
      Ref: Object.keys(
        template('Prod').findResources('AWS::SNS::Topic', {
          Properties: { TopicName: `orders-prod-alerts-${severity}` },
        }),
      )[0],
    });
    expect(alarm('Prod', 'http-5xx-critical')).toMatchObject({
      AlarmActions: [topicRef('p1')],
      OKActions: [topicRef('p1')],
    });
    expect(alarm('Prod', 'latency-p95')).toMatchObject({ AlarmActions: [topicRef('p2')], OKActions: [topicRef('p2')] });
    expect(alarm('Prod', 'ecs-cpu-high').AlarmActions).toEqual([topicRef('p3')]);
    expect(alarm('Prod', 'ecs-cpu-high').OKActions).toBeUndefined();
  });

  test('P1 alarms detect a sustained breach well inside the tier-1 ceiling (period x N + publication delay)', () => {
    const ceiling = TIER_CEILINGS[1].detectionSeconds;
    const p1 = alarmsOf('Prod').filter((p) => p.AlarmDescription.startsWith('[P1]'));
    expect(p1.map((p) => p.AlarmName).sort()).toEqual(['orders-prod-http-5xx-critical', 'orders-prod-service-down']);
    for (const p of p1)
      expect(periodOf(p) * p.EvaluationPeriods + PUBLICATION_DELAY_SECONDS).toBeLessThanOrEqual((ceiling * 2) / 3);
  });

  test('composite orders-<env>-service-unhealthy is P1 and fires on 5xx critical or service down', () => {
    const composite = Object.values(
      template('Prod').findResources('AWS::CloudWatch::CompositeAlarm') as Record<string, Resource>,
    )[0].Properties;
    expect(composite.AlarmName).toBe('orders-prod-service-unhealthy');
    expect(composite.AlarmDescription).toMatch(/^\[P1\] .* \| Runbook: .*\/service-unhealthy\.md$/);
    const rule = JSON.stringify(composite.AlarmRule);
    expect(rule).toMatch(/ALARM\(.*Http5xxCritical/);
    expect(rule).toMatch(/ServiceDown/);
    expect(rule).toContain(' OR ');
    expect(composite.OKActions).toHaveLength(1);
  });

  test("an alarm added after construction (the canary's) joins the composite rule", () => {
    const composite = Object.values(
      template('Late').findResources('AWS::CloudWatch::CompositeAlarm') as Record<string, Resource>,
    )[0].Properties;
    expect(JSON.stringify(composite.AlarmRule)).toMatch(/CanaryFailing/);
  });

  test("no catalog alarm gates deployments: a 60-s ALB alarm takes 180-300 s under the report's worst case", () => {
    expect(lateCatalog.deploymentAlarms).toEqual([]);
  });

  test('an error-log metric filter on the container log group feeds the error-log-spike alarm', () => {
    template('Prod').hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: Match.stringLikeRegexp('ContainerLogs') },
      FilterPattern: '?"ERROR" ?"Error" ?"FATAL" ?"Exception"',
      MetricTransformations: [
        {
          MetricNamespace: 'Bulwark/orders',
          MetricName: 'orders-prod-error-log-lines',
          MetricValue: '1',
          DefaultValue: 0,
        },
      ],
    });
  });

  test('failed or stopped CodeDeploy deployments notify P2 through EventBridge, with the runbook link', () => {
    const t = template('Prod');
    t.hasResourceProperties('AWS::Events::Rule', {
      Name: 'orders-prod-deployment-failed',
      Description: `[P2] A deployment failed or was rolled back | Runbook: ${RUNBOOK_BASE_URL}/deployment-failed.md`,
      EventPattern: {
        source: ['aws.codedeploy'],
        'detail-type': ['CodeDeploy Deployment State-change Notification'],
        detail: { state: ['FAILURE', 'STOP'], application: [{ prefix: 'orders-prod' }] },
      },
      Targets: [
        Match.objectLike({
          Arn: { Ref: Match.stringLikeRegexp('TopicsP2') },
          InputTransformer: Match.objectLike({
            InputTemplate: Match.stringLikeRegexp(
              `^"\\[P2\\] Deployment <detail-deploymentId>.*Runbook: ${RUNBOOK_BASE_URL}/deployment-failed\\.md"$`,
            ),
          }),
        }),
      ],
    });
  });

  test('failed AWS Backup and copy jobs notify P2 through EventBridge, with the runbook link', () => {
    template('Prod').hasResourceProperties('AWS::Events::Rule', {
      Name: 'orders-prod-aws-backup-job-failed',
      EventPattern: {
        source: ['aws.backup'],
        'detail-type': ['Backup Job State Change', 'Copy Job State Change'],
        detail: { state: ['FAILED', 'ABORTED', 'EXPIRED'] },
      },
      Targets: [
        Match.objectLike({
          Arn: { Ref: Match.stringLikeRegexp('TopicsP2') },
          InputTransformer: Match.objectLike({ InputTemplate: Match.stringLikeRegexp('aws-backup-job-failed\\.md"$') }),
        }),
      ],
    });
  });

  test('outside us-east-1 there is no cost alarm (no billing metrics there), and synth says so', () => {
    expect(alarmsOf('Abroad').map((p) => p.AlarmName)).not.toContain('orders-abroad-cost-spike');
    Annotations.fromStack(abroadStack).hasWarning(
      '*',
      Match.stringLikeRegexp('EstimatedCharges exists only in us-east-1'),
    );
  });

  test('the dashboard orders-<env> shows alarms by severity, golden signals, deployments and the database', () => {
    const dashboards = template('Prod').findResources('AWS::CloudWatch::Dashboard');
    expect(Object.values(dashboards).map((d: any) => d.Properties.DashboardName)).toEqual(['orders-prod']);
    // The body is an Fn::Join of text and alarm ARNs; render each ARN as <LogicalId> and parse the widgets.
    const parts = (Object.values(dashboards)[0].Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] })[
      'Fn::Join'
    ][1];
    const rendered = parts
      .map((part) => (typeof part === 'string' ? part : `<${JSON.stringify(part).replace(/[^A-Za-z0-9]/g, '')}>`))
      .join('');
    const widgets = (
      JSON.parse(rendered) as {
        widgets: Array<{ type: string; properties: { title?: string; markdown?: string; alarms?: string[] } }>;
      }
    ).widgets;
    const titles = widgets.map((w) => w.properties.title ?? w.properties.markdown ?? '').join('\n');
    for (const title of [
      'P1 - pages now',
      'P2 - pages',
      'P3 - ticket',
      'Golden signals',
      'Traffic',
      'Errors: 5xx rate',
      'Latency',
      'Saturation',
      'Deployments',
      'Requests per target group',
      'Alarms that roll a deployment back',
      'Database',
    ]) {
      expect(titles).toContain(title);
    }
    expect(titles).toContain('No alarms of this severity'); // P4 has none yet
    const bySeverity = (prefix: string) =>
      widgets.find((w) => w.type === 'alarm' && w.properties.title?.startsWith(prefix))!.properties.alarms!.join(' ');
    expect(bySeverity('P1')).toMatch(/ServiceDownAlarm.*Http5xxCriticalAlarm.*ServiceUnhealthyAlarm/);
    expect(bySeverity('P3')).toMatch(/EcsCpuHighAlarm/);
    expect(bySeverity('P3')).toMatch(/CostSpikeAlarm/);
    expect(bySeverity('P2')).toMatch(/DbConnectionsHighAlarm/);
  });
});
