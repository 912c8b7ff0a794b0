import { Duration, Lazy, Stack, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { Severity } from '../../config';
import type { IncidentSettings } from '../../lambdas/incident-recorder/settings';
import { INCIDENT_TABLE } from '../../lambdas/incident-recorder/table';
import { BulwarkFunction } from '../common/bulwark-function';
import { Naming } from '../common/naming';
import { DataProtection, statefulRemovalPolicy } from '../common/protection';
import { AlarmFactory } from '../monitoring/alarm-factory';
import { serviceBaseName } from '../service/blue-green-service';

/** The severities whose alarms open incidents (P3/P4 are tickets, not incidents). */
export const INCIDENT_SEVERITIES: readonly Severity[] = ['P1', 'P2'];

/** `<service>-<env>-incidents`: the one owner of the table's name (the CLI and the reports read it here). */
export function incidentTableName(naming: Naming): string {
  return naming.resource('incidents');
}

export interface IncidentRecordTimings {
  /** Every member OK this long resolves the incident (and is the grouping window after recovery). @default 15 min */
  readonly quietPeriod?: Duration;
  /** Deployments and switch changes this long before detection join the timeline. @default 30 min */
  readonly contextLead?: Duration;
  /** Events read back when deriving records, at least. @default 7 days */
  readonly lookback?: Duration;
  /** Metrics wait this long after a resolution is confirmed, for late events. @default 1 hour */
  readonly metricsSettle?: Duration;
  /** Stored events expire after this (records never do). @default 400 days */
  readonly eventRetentionDays?: number;
}

export const DEFAULT_TIMINGS = {
  quietPeriod: Duration.minutes(15),
  contextLead: Duration.minutes(30),
  lookback: Duration.days(7),
  metricsSettle: Duration.hours(1),
  eventRetentionDays: 400,
} as const;

/** Settings the function and `npm run ops -- incident` share, from the same inputs. */
export function incidentSettings(
  naming: Naming,
  alarms: Record<string, Severity>,
  timings: IncidentRecordTimings = {},
): IncidentSettings {
  return {
    environment: naming.environmentName,
    tableName: incidentTableName(naming),
    metricNamespace: naming.metricNamespace,
    alarms,
    switchParameterPrefix: naming.parameter('switches/'),
    // BlueGreenService names its CodeDeploy application and deployment group `<service>-<env>`.
    deploymentGroup: serviceBaseName(naming),
    quietPeriodSeconds: (timings.quietPeriod ?? DEFAULT_TIMINGS.quietPeriod).toSeconds(),
    contextLeadSeconds: (timings.contextLead ?? DEFAULT_TIMINGS.contextLead).toSeconds(),
    lookbackSeconds: (timings.lookback ?? DEFAULT_TIMINGS.lookback).toSeconds(),
    metricsSettleSeconds: (timings.metricsSettle ?? DEFAULT_TIMINGS.metricsSettle).toSeconds(),
    eventRetentionDays: timings.eventRetentionDays ?? DEFAULT_TIMINGS.eventRetentionDays,
  };
}

export interface IncidentRecordProps extends IncidentRecordTimings {
  readonly naming: Naming;
  readonly protection: DataProtection;
  /** The environment's alarm factory: its P1/P2 alarms (read at synth, so alarms added later count) feed the record. */
  readonly alarms: AlarmFactory;
  /** AWS Backup selects resources carrying this tag. */
  readonly backupTag: { readonly key: string; readonly value: string };
}

/**
 * The environment's incident record (issue 16 section 1): the `<service>-<env>-incidents` table, and the
 * recorder function that EventBridge feeds with the environment's P1/P2 alarm state changes, its CodeDeploy
 * deployments and its kill-switch changes, plus a sweep every 5 minutes that resolves quiet incidents.
 * Handler and record schema: lambdas/incident-recorder/ (record.ts documents the state machine).
 */
export class IncidentRecord extends Construct {
  readonly table: dynamodb.Table;
  readonly key: kms.Key;
  readonly function: BulwarkFunction;
  readonly failureAlarm: cloudwatch.Alarm;
  readonly alarmRule: events.Rule;

  constructor(scope: Construct, id: string, props: IncidentRecordProps) {
    super(scope, id);
    const { naming, protection } = props;
    const stack = Stack.of(this);
    const tableName = incidentTableName(naming);

    this.key = new kms.Key(this, 'TableKey', {
      description: `Encrypts the ${tableName} table`,
      enableKeyRotation: true,
      removalPolicy: statefulRemovalPolicy(protection),
    });
    // No DeletionProtectionEnabled: a table with deletion protection on cannot be deleted until it is turned off
    // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithTables.Basics.html),
    // so a protected table would make the rollback of a failed first create end in DELETE_FAILED and its fixed
    // name would block the retry (the rule test/common/first-deploy.test.ts keeps for every resource). Prod keeps
    // the table through RetainExceptOnCreate (stack delete, replacement) and its stack's termination protection;
    // PITR (35 days) and AWS Backup (the backup tag) cover a table deleted by hand.
    this.table = new dynamodb.Table(this, 'Table', {
      tableName,
      partitionKey: { name: INCIDENT_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: INCIDENT_TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      timeToLiveAttribute: INCIDENT_TABLE.ttlAttribute,
      removalPolicy: statefulRemovalPolicy(protection),
    });
    this.table.addGlobalSecondaryIndex({
      indexName: INCIDENT_TABLE.statusIndex,
      partitionKey: { name: INCIDENT_TABLE.statusIndexPartitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: INCIDENT_TABLE.statusIndexSortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    Tags.of(this.table).add(props.backupTag.key, props.backupTag.value, {
      includeResourceTypes: ['AWS::DynamoDB::Table'],
    });

    const severities = (): Record<string, Severity> =>
      Object.fromEntries(
        INCIDENT_SEVERITIES.flatMap((severity) =>
          props.alarms.alarmsOf(severity).map((alarm) => [physicalAlarmName(alarm), severity]),
        ),
      );
    const settings = Lazy.string({
      produce: () => stack.toJsonString(incidentSettings(naming, severities(), props)),
    });

    this.function = new BulwarkFunction(this, 'Function', {
      lambdaName: 'incident-recorder',
      description:
        `Records ${naming.serviceName} ${naming.environmentName} incidents ` +
        'from P1/P2 alarms, deployments and kill switches',
      protection,
      timeout: Duration.seconds(60),
      environment: { INCIDENT_SETTINGS: settings },
    });
    (this.function.node.defaultChild as lambda.CfnFunction).functionName = naming.resource('incident-recorder');
    // Item-level actions the handler calls (store.ts), on the table and its status index only. The ARNs are
    // written out (`table/<name>`, `table/<name>/index/<index>`: Service Authorization Reference for DynamoDB,
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html) so the
    // permission-flow proofs can resolve them; the name is fixed, so they equal the table's own ARN.
    const tableArn = stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: tableName });
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        resources: [tableArn, `${tableArn}/index/${INCIDENT_TABLE.statusIndex}`],
      }),
    );
    // DynamoDB uses the table's KMS key on the caller's behalf, so the caller needs the key too
    // (https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html); only through DynamoDB.
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        resources: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.amazonaws.com` } },
      }),
    );
    this.function.grantPutMetricData(naming.metricNamespace);
    const target = new targets.LambdaFunction(this.function, { retryAttempts: 8, maxEventAge: Duration.hours(6) });

    // Exact names of the P1/P2 alarms (all start with alarmNamePrefix), resolved at synth from the catalog.
    this.alarmRule = new events.Rule(this, 'AlarmRule', {
      description: `P1/P2 alarm state changes of ${naming.serviceName} ${naming.environmentName} -> incident record`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: { alarmName: Lazy.list({ produce: () => Object.keys(severities()).sort() }) },
      },
      targets: [target],
    });
    const deployment = serviceBaseName(naming);
    new events.Rule(this, 'DeploymentRule', {
      description: `CodeDeploy deployments of ${deployment} -> incident record`,
      eventPattern: {
        source: ['aws.codedeploy'],
        detailType: ['CodeDeploy Deployment State-change Notification'],
        detail: { application: [deployment], deploymentGroup: [deployment] },
      },
      targets: [target],
    });
    new events.Rule(this, 'SwitchRule', {
      description: `Kill-switch changes of ${naming.serviceName} ${naming.environmentName} -> incident record`,
      eventPattern: {
        source: ['aws.ssm'],
        detailType: ['Parameter Store Change'],
        detail: { name: events.Match.prefix(naming.parameter('switches/')) },
      },
      targets: [target],
    });
    new events.Rule(this, 'SweepRule', {
      description: `Resolves quiet ${naming.serviceName} ${naming.environmentName} incidents, publishes metrics`,
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [target],
    });

    this.failureAlarm = props.alarms.createAlarm(this, {
      id: 'incident-recorder-failed',
      summary: 'The incident recorder failed: incidents may be missing from the record (pages still go out)',
      severity: 'P3',
      runbook: 'incident-recorder-failed',
      metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}

/** The name the AlarmFactory gave (a plain string on the L1), not the Ref token of the L2's `alarmName`. */
function physicalAlarmName(alarm: cloudwatch.AlarmBase): string {
  const cfn = alarm.node.defaultChild as cloudwatch.CfnAlarm | cloudwatch.CfnCompositeAlarm;
  const name = cfn instanceof cloudwatch.CfnCompositeAlarm ? cfn.alarmName : (cfn as cloudwatch.CfnAlarm).alarmName;
  if (typeof name !== 'string') {
    const fix = 'create it with the AlarmFactory, which names every alarm';
    throw new Error(`alarm ${alarm.node.path} has no name the incident rule can match; ${fix}`);
  }
  return name;
}
