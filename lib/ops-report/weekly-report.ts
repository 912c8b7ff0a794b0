import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../../config';
import { INCIDENT_TABLE } from '../../lambdas/incident-recorder/table';
import type { WeeklyReportSettings } from '../../lambdas/weekly-report/settings';
import { OPS_REPORTS_PREFIX } from '../backup/archive-bucket';
import { BACKUP_AGE_METRIC } from '../backup/backup-verifier';
import { canarySuccessMetric } from '../canary/canary-metrics';
import { BulwarkFunction } from '../common/bulwark-function';
import { Naming } from '../common/naming';
import { DataProtection } from '../common/protection';
import { incidentSettings, incidentTableName } from '../incidents/incident-record';
import { AlarmFactory, alarmNamePrefix } from '../monitoring/alarm-factory';
import { ERROR_LOG_TERMS } from '../monitoring/alarm-catalog';
import { containerLogGroupName, serviceBaseName } from '../service/blue-green-service';

/** Where the weekly reports go in the archive bucket: `ops-reports/<env>/<YYYY-Www>.{md,html}`. */
export function opsReportPrefix(naming: Naming): string {
  return `${OPS_REPORTS_PREFIX}${naming.environmentName}/`;
}

/** The settings the Lambda and `npm run ops -- weekly-report` share, from the config, through each name's owner. */
export function weeklyReportSettings(
  naming: Naming,
  environment: Pick<EnvironmentConfig, 'name' | 'region' | 'alarms' | 'slo' | 'budget'>,
  extra: Pick<WeeklyReportSettings, 'loadBalancer' | 'archive' | 'noticeTopicArn'> = {},
): WeeklyReportSettings {
  const deployment = serviceBaseName(naming);
  const canary = canarySuccessMetric(naming);
  return {
    service: naming.serviceName,
    environment: environment.name,
    region: environment.region,
    alarmNamePrefix: alarmNamePrefix(naming),
    incidents: incidentSettings(naming, {}),
    deploymentGroup: { application: deployment, group: deployment },
    canary: { namespace: canary.namespace, metricName: canary.metricName, dimensions: { ...canary.dimensions } },
    backupMetric: { namespace: naming.metricNamespace, metricName: BACKUP_AGE_METRIC },
    logGroupName: containerLogGroupName(naming),
    errorTerms: [...ERROR_LOG_TERMS],
    targets: {
      availabilityPercent: environment.slo.availabilityPercent,
      p50Ms: environment.alarms.p50LatencySeconds * 1000,
      p95Ms: environment.alarms.p95LatencySeconds * 1000,
      ...(environment.slo.p99LatencySeconds !== undefined ? { p99Ms: environment.slo.p99LatencySeconds * 1000 } : {}),
    },
    monthlyBudgetUsd: environment.budget.monthlyUsd,
    ...extra,
  };
}

export interface WeeklyOpsReportProps {
  readonly naming: Naming;
  readonly protection: DataProtection;
  readonly environment: EnvironmentConfig;
  /** The load balancer's CloudWatch dimension (`loadBalancerFullName`). */
  readonly loadBalancerFullName: string;
  readonly archiveBucket: s3.IBucket;
  readonly archiveKey: kms.IKey;
  /** The P3 topic the notice goes to, and its key. */
  readonly noticeTopic: sns.ITopic;
  readonly incidentTableKey: kms.IKey;
  /** The environment's alarm factory: a failed report pages P3 (after EventBridge's retries). */
  readonly alarms: AlarmFactory;
}

/**
 * The weekly ops report of one environment (issue 16 section 3): a Lambda (lambdas/weekly-report/) run every
 * Monday at 06:00 UTC for the week that ended at midnight, writing Markdown and HTML to the archive bucket
 * under `ops-reports/<env>/` and a short notice to the P3 topic.
 */
export class WeeklyOpsReport extends Construct {
  readonly function: BulwarkFunction;
  readonly schedule: events.Rule;
  readonly failureAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: WeeklyOpsReportProps) {
    super(scope, id);
    const { naming } = props;
    const stack = Stack.of(this);
    const prefix = opsReportPrefix(naming);
    const settings = weeklyReportSettings(naming, props.environment, {
      loadBalancer: props.loadBalancerFullName,
      archive: { bucket: props.archiveBucket.bucketName, prefix },
      noticeTopicArn: props.noticeTopic.topicArn,
    });
    this.function = new BulwarkFunction(this, 'Function', {
      lambdaName: 'weekly-report',
      description: `Weekly ops report of ${naming.serviceName} ${naming.environmentName} to the archive and P3`,
      protection: props.protection,
      // Logs Insights polls up to 120 s (gather.ts); the rest are a handful of calls.
      timeout: Duration.minutes(5),
      memorySize: 512,
      environment: { WEEKLY_REPORT_SETTINGS: stack.toJsonString(settings) },
    });
    (this.function.node.defaultChild as lambda.CfnFunction).functionName = naming.resource('weekly-report');
    const allow = (actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      this.function.addToRolePolicy(new iam.PolicyStatement({ actions, resources, conditions }));

    // Metrics: GetMetricData has no required resource type (Service Authorization Reference for CloudWatch,
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html).
    allow(['cloudwatch:GetMetricData'], ['*']);
    // Deployments of the environment's group (ARN `deploymentgroup:<application>/<group>`,
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodedeploy.html).
    const group = serviceBaseName(naming);
    const groupArn = stack.formatArn({
      service: 'codedeploy',
      resource: 'deploymentgroup',
      resourceName: `${group}/${group}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    allow(['codedeploy:ListDeployments', 'codedeploy:BatchGetDeployments'], [groupArn]);
    // Incident records through the status index, and the table's key through DynamoDB only
    // (https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html).
    const tableArn = stack.formatArn({
      service: 'dynamodb',
      resource: 'table',
      resourceName: incidentTableName(naming),
    });
    allow(['dynamodb:Query'], [`${tableArn}/index/${INCIDENT_TABLE.statusIndex}`]);
    allow(['kms:Decrypt'], [props.incidentTableKey.keyArn], {
      StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.amazonaws.com` },
    });
    // Logs Insights on the service's container log group: StartQuery and GetQueryResults both take the
    // log-group resource (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html).
    const logGroupArn = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: settings.logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    allow(['logs:StartQuery', 'logs:GetQueryResults'], [logGroupArn, `${logGroupArn}:*`]);
    // Cost Explorer: no required resource type (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscostexplorerservice.html).
    allow(['ce:GetCostAndUsage'], ['*']);
    // The archive: list only this environment's report prefix (the done-marker check), write only under it.
    // An SSE-KMS upload needs kms:GenerateDataKey on the bucket's key
    // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#aws-managed-customer-managed-keys).
    allow(['s3:ListBucket'], [props.archiveBucket.bucketArn], { StringLike: { 's3:prefix': [`${prefix}*`] } });
    allow(['s3:PutObject'], [props.archiveBucket.arnForObjects(`${prefix}*`)]);
    allow(['kms:GenerateDataKey'], [props.archiveKey.keyArn], {
      StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` },
    });
    props.noticeTopic.grantPublish(this.function);
    Validations.of(this.function.role!).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'cloudwatch:GetMetricData and ce:GetCostAndUsage take no required resource type (Service Authorization Reference); both only read.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'Publishing the notice to the KMS-encrypted P3 topic needs kms:GenerateDataKey* (every data-key variant); the grant is limited to that topic key.',
      },
    );
    const bucketId = stack.getLogicalId(props.archiveBucket.node.defaultChild as s3.CfnBucket);
    Validations.of(this.function.role!).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}*]`,
        reason: `The report writes only its own objects, under ${prefix} of the archive bucket.`,
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:aws:logs:${stack.region}:${stack.account}:log-group:${settings.logGroupName}:*]`,
        reason: "Logs Insights reads only the service's container log group; `:*` is its log streams.",
      },
    );

    // Monday 06:00 UTC: the week ended six hours ago, time for late canary datapoints and Cost Explorer's
    // daily refresh. EventBridge cron fields: minutes hours day-of-month month day-of-week year
    // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html).
    this.schedule = new events.Rule(this, 'Schedule', {
      description: `Weekly ops report of ${naming.serviceName} ${naming.environmentName}`,
      schedule: events.Schedule.cron({ minute: '0', hour: '6', weekDay: 'MON' }),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 4, maxEventAge: Duration.hours(12) })],
    });
    this.failureAlarm = props.alarms.createAlarm(this, {
      id: 'weekly-report-failed',
      summary: 'The weekly ops report failed: this week has no report in the archive yet',
      severity: 'P3',
      runbook: 'weekly-report-failed',
      metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
