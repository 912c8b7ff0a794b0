import { Arn, ArnFormat, CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import * as triggers from 'aws-cdk-lib/triggers';
import { Construct } from 'constructs';
import { DrConfig, ServiceConfig } from '../../config';
import { BulwarkFunction, putMetricDataStatement } from '../common/bulwark-function';
import { Naming } from '../common/naming';
import { hostedZoneArn } from '../common/route53-arns';
import { acknowledgeShortLogRetention } from '../common/control-tower';
import { DataProtection, logRetentionDays, statefulRemovalPolicy } from '../common/protection';
import { acknowledgeProviderFindings } from '../common/provider-findings';
import { retentionDays } from '../network/network';
import { DrillTargets, SWITCHOVER_PROVIDER_TIMEOUT_MINUTES, SwitchoverTargets } from './drill-targets';
import { DRILL_HEALTH_CHECK_TAG, drillRecordName, failoverSetIdentifier } from './failover-record';
import { drillHealthCheckIdOf, PrimaryStackLocation } from './primary-failover';

/** Lambda's ceiling: the drill's waits (bounded by the targets) fit inside it with the restore. */
export const DRILL_TIMEOUT = Duration.minutes(15);
/** A lock older than any run can live belongs to a crashed run and may be taken over. */
export const DRILL_LOCK_STALE_SECONDS = DRILL_TIMEOUT.toSeconds() + 60;
/** Where the drill keeps its lock and reports in the report bucket. */
export const DRILL_PREFIX = 'drills/';
/** The custom resource type of one switchover leg (`-c drill=switchover`). */
export const SWITCHOVER_LEG_TYPE = 'Custom::DrillSwitchoverLeg';

/**
 * `measure` (`-c drill=true`): readiness checks and the drill pair's DNS failover, live traffic untouched.
 * `switchover` (`-c drill=switchover`): readiness checks, then the Region switch plan's graceful switchover to
 * DrRegion and back, which moves live traffic.
 */
export type DrillMode = 'measure' | 'switchover';

export interface DrDrillProps {
  readonly naming: Naming;
  readonly protection: DataProtection;
  readonly service: Pick<ServiceConfig, 'name' | 'domainName' | 'hostedZoneId'>;
  readonly dr: Pick<DrConfig, 'standbyMode'>;
  readonly targets: DrillTargets;
  /** The primary stack (Prod), whose output names the drill pair's primary health check. */
  readonly primaryStack: PrimaryStackLocation;
  /** Holds the lock and the JSON reports (under `drills/`). */
  readonly reportBucket: s3.IBucket;
  /** Checked for the newest replicated object. @default no replica check */
  readonly replicaBucket?: s3.IBucket;
  /** Prefix under which replicated objects are expected (a heartbeat keeps the listing short). @default the whole bucket */
  readonly replicaPrefix?: string;
  /** The DR backup vault, checked for the newest copied recovery point. @default no recovery point check */
  readonly vault?: backup.IBackupVault;
  /** The standby resources the drill runs after (service, data, failover record). */
  readonly executeAfter: Construct[];
  /** @default 'measure' */
  readonly mode?: DrillMode;
  /** The Region switch plan: its evaluation is checked (both modes), and a switchover drill executes it. */
  readonly planArn?: string;
  /** The global database secondary whose replication lag is checked, and its bound. @default no lag check */
  readonly replicationLag?: { readonly clusterIdentifier: string; readonly boundSeconds: number };
  /** Required in switchover mode. */
  readonly switchover?: SwitchoverTargets;
}

/** The Region switch actions each drill function calls, on the plan's ARN only. */
const PLAN_READ_ACTIONS = ['arc-region-switch:GetPlanEvaluationStatus'];
const SWITCHOVER_START_ACTIONS = [
  'arc-region-switch:GetPlanEvaluationStatus',
  'arc-region-switch:ListPlanExecutions',
  'arc-region-switch:StartPlanExecution',
];
const SWITCHOVER_WAIT_ACTIONS = ['arc-region-switch:GetPlanExecution', 'arc-region-switch:ListPlanExecutionEvents'];

/**
 * The DR drill, run by CloudFormation at deploy time (`cdk deploy DrRegion -c drill=true`): a
 * trigger invokes lambdas/dr-drill once the standby is in place, and a thrown drill fails the
 * deployment. It fails over the drill pair (`drill.<domain>`, see FailoverPair), never the live
 * record: inverting the live primary check would send every user to the standby, whose database is
 * a read-only global secondary until someone promotes it. Its role may update only the drill
 * pair's primary health check. CloudFormation runs a trigger when it is created or its handler
 * changes, so a drill runs on the first `-c drill=true` deploy after a deploy without it (the
 * pipeline's ordinary DrRegion deploy removes the trigger again).
 */
export class DrDrill extends Construct {
  readonly mode: DrillMode;
  /** The measuring drill (the trigger's function), or the switchover's onEvent function. */
  readonly handler: BulwarkFunction;
  /** `measure` only. */
  readonly trigger?: triggers.Trigger;
  /** `switchover` only: the isComplete function that waits for each leg. */
  readonly waitHandler?: BulwarkFunction;
  /** `switchover` only: to DrRegion, then back (the second reads the first's execution id, so it runs after it). */
  readonly legs: CustomResource[] = [];
  /** The only health check the drill may invert (a token: Prod's output, read at deploy time). */
  readonly drillHealthCheckId: string;

  constructor(scope: Construct, id: string, props: DrDrillProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.drillHealthCheckId = drillHealthCheckIdOf(props.primaryStack);
    const settings = {
      serviceName: props.service.name,
      hostedZoneId: props.service.hostedZoneId,
      recordName: drillRecordName(props.service.domainName),
      primarySetIdentifier: failoverSetIdentifier(props.service.name, 'PRIMARY', 'drill'),
      secondarySetIdentifier: failoverSetIdentifier(props.service.name, 'SECONDARY', 'drill'),
      drillHealthCheckId: this.drillHealthCheckId,
      drillHealthCheckTag: DRILL_HEALTH_CHECK_TAG,
      standbyMode: props.dr.standbyMode,
      reportBucket: props.reportBucket.bucketName,
      reportPrefix: DRILL_PREFIX,
      replicaBucket: props.replicaBucket?.bucketName,
      replicaPrefix: props.replicaPrefix ?? '',
      vaultName: props.vault?.backupVaultName,
      metricNamespace: props.naming.metricNamespace,
      targets: props.targets,
      lockStaleSeconds: DRILL_LOCK_STALE_SECONDS,
      planArn: props.planArn,
      replicationLag: props.replicationLag,
      switchover: props.switchover,
    };
    this.mode = props.mode ?? 'measure';
    if (this.mode === 'switchover' && (!props.planArn || !props.switchover))
      throw new Error('DrDrill: a switchover drill needs planArn and switchover targets');
    const environment = { DRILL_SETTINGS: stack.toJsonString(settings) };

    if (this.mode === 'switchover') {
      this.handler = new BulwarkFunction(this, 'SwitchoverStart', {
        lambdaName: 'dr-drill',
        description: `DR switchover drill for ${props.service.name}: checks readiness, starts a leg (custom resource onEvent)`,
        timeout: Duration.minutes(2),
        protection: props.protection,
        environment: { ...environment, DRILL_STEP: 'switchover-start' },
      });
      this.waitHandler = new BulwarkFunction(this, 'SwitchoverWait', {
        lambdaName: 'dr-drill',
        description: `DR switchover drill for ${props.service.name}: measures a leg's steps (custom resource isComplete)`,
        timeout: Duration.minutes(2),
        protection: props.protection,
        environment: { ...environment, DRILL_STEP: 'switchover-wait' },
      });
      this.grantReports(this.handler, props);
      this.grantReadiness(this.handler, props);
      this.grantPlan(this.handler, props.planArn!, SWITCHOVER_START_ACTIONS);
      this.grantReports(this.waitHandler, props);
      this.grantPlan(this.waitHandler, props.planArn!, SWITCHOVER_WAIT_ACTIONS);

      const waiterLogs = new logs.LogGroup(this, 'WaiterLogs', {
        retention: retentionDays(logRetentionDays(props.protection, 30)),
        removalPolicy: statefulRemovalPolicy(props.protection),
      });
      acknowledgeShortLogRetention(waiterLogs, props.protection);
      const provider = new cr.Provider(this, 'SwitchoverProvider', {
        onEventHandler: this.handler,
        isCompleteHandler: this.waitHandler,
        queryInterval: Duration.seconds(30),
        // Inside CloudFormation's hour per custom resource (drill-targets.ts); each leg is its own resource.
        totalTimeout: Duration.minutes(SWITCHOVER_PROVIDER_TIMEOUT_MINUTES),
        disableWaiterStateMachineLogging: false,
        waiterStateMachineLogOptions: { level: sfn.LogLevel.ALL, destination: waiterLogs },
      });
      acknowledgeProviderFindings(provider, [this.handler, this.waitHandler]);
      const out = new CustomResource(this, 'SwitchoverOut', {
        serviceToken: provider.serviceToken,
        resourceType: SWITCHOVER_LEG_TYPE,
        properties: { Leg: 'out', PlanArn: props.planArn, TargetRegion: props.switchover!.standbyRegion },
      });
      for (const after of props.executeAfter) out.node.addDependency(after);
      const back = new CustomResource(this, 'SwitchoverBack', {
        serviceToken: provider.serviceToken,
        resourceType: SWITCHOVER_LEG_TYPE,
        properties: {
          Leg: 'back',
          PlanArn: props.planArn,
          TargetRegion: props.switchover!.primaryRegion,
          // Runs after "out" has ended (and only if it passed): CloudFormation waits for the attribute.
          AfterExecutionId: out.getAttString('ExecutionId'),
        },
      });
      this.legs.push(out, back);
      return;
    }

    this.handler = new BulwarkFunction(this, 'Handler', {
      lambdaName: 'dr-drill',
      description: `DR drill for ${props.service.name}: fails the drill record over to the standby, measures, restores`,
      timeout: DRILL_TIMEOUT,
      protection: props.protection,
      environment,
    });
    this.grant(props);
    this.grantReadiness(this.handler, props);
    if (props.planArn) this.grantPlan(this.handler, props.planArn, PLAN_READ_ACTIONS);

    this.trigger = new triggers.Trigger(this, 'Trigger', {
      handler: this.handler,
      invocationType: triggers.InvocationType.REQUEST_RESPONSE,
      timeout: DRILL_TIMEOUT,
      executeAfter: props.executeAfter,
    });
  }

  private grant(props: DrDrillProps): void {
    const role = this.handler.role!;
    const stack = Stack.of(this);
    const zoneArn = hostedZoneArn(stack, props.service.hostedZoneId);
    // Health check ARNs have no region or account: arn:${Partition}:route53:::healthcheck/${Id}, and
    // GetHealthCheck, GetHealthCheckStatus, UpdateHealthCheck and ListTagsForResource all take that resource
    // type (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonroute53.html).
    // Only the drill pair's primary check: the live one stays out of this role's reach whatever the settings say.
    const drillHealthCheckArn = Arn.format(
      {
        service: 'route53',
        region: '',
        account: '',
        resource: 'healthcheck',
        resourceName: this.drillHealthCheckId,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      },
      stack,
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['route53:ListResourceRecordSets'], resources: [zoneArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'route53:GetHealthCheck',
          'route53:GetHealthCheckStatus',
          'route53:ListTagsForResource',
          'route53:UpdateHealthCheck',
        ],
        resources: [drillHealthCheckArn],
      }),
    );
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['route53:TestDNSAnswer'], resources: ['*'] }));
    this.grantReports(this.handler, props);
  }

  /** Metrics, and the report and lock objects under drills/ (every drill function writes a report). */
  private grantReports(fn: BulwarkFunction, props: DrDrillProps): void {
    const role = fn.role!;
    role.addToPrincipalPolicy(putMetricDataStatement(props.naming.metricNamespace));
    const reportObjects = props.reportBucket.arnForObjects(`${DRILL_PREFIX}*`);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [reportObjects],
      }),
    );
    // SSE-KMS: write (GenerateDataKey) and read (Decrypt) report and lock objects; named actions, no wildcards.
    const key = props.reportBucket.encryptionKey;
    if (key)
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] }),
      );
    const reasons: Record<string, string> = {
      'Resource::*':
        'route53:TestDNSAnswer and cloudwatch:GetMetricData have no resource-level permissions ' +
        '(Service Authorization Reference); cloudwatch:PutMetricData has none either and is limited to the ' +
        'service namespace by the cloudwatch:namespace condition.',
      [`Resource::${this.bucketArnTokenText(props.reportBucket)}/${DRILL_PREFIX}*`]:
        'The drill writes a new report object per run and its lock under the drills/ prefix only.',
    };
    for (const [finding, reason] of Object.entries(reasons))
      Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
  }

  /** Data freshness: the replica listing, the DR vault's recovery points, the secondary's replication lag. */
  private grantReadiness(fn: BulwarkFunction, props: DrDrillProps): void {
    const role = fn.role!;
    if (props.replicaBucket)
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.replicaBucket.bucketArn] }),
      );
    if (props.vault)
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['backup:ListRecoveryPointsByBackupVault'],
          resources: [props.vault.backupVaultArn],
        }),
      );
    // GetMetricData takes no resource type: Resource "*" is the only form
    // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html).
    if (props.replicationLag)
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
  }

  /**
   * The Region switch actions on this plan's ARN alone (`arn:${Partition}:arc-region-switch::${Account}:plan/${Id}`,
   * every action here takes the `plan` resource type:
   * https://docs.aws.amazon.com/service-authorization/latest/reference/list_arc-region-switch.html).
   */
  private grantPlan(fn: BulwarkFunction, planArn: string, actions: string[]): void {
    fn.role!.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [planArn] }));
  }

  /** How cdk-nag spells a bucket ARN in a finding id: `<LogicalId.Arn>` for a bucket of this stack. */
  private bucketArnTokenText(bucket: s3.IBucket): string {
    const cfn = bucket.node.defaultChild as s3.CfnBucket | undefined;
    return cfn ? `<${Stack.of(cfn).getLogicalId(cfn)}.Arn>` : bucket.bucketArn;
  }
}
