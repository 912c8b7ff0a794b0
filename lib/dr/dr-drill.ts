import { Arn, ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as triggers from 'aws-cdk-lib/triggers';
import { Construct } from 'constructs';
import { DrConfig, ServiceConfig } from '../../config';
import { BulwarkFunction, putMetricDataStatement } from '../common/bulwark-function';
import { Naming } from '../common/naming';
import { DataProtection } from '../common/protection';
import { DrillTargets } from './drill-targets';
import { DRILL_HEALTH_CHECK_TAG, drillRecordName, failoverSetIdentifier } from './failover-record';
import { drillHealthCheckIdOf, PrimaryStackLocation } from './primary-failover';

/** Lambda's ceiling: the drill's waits (bounded by the targets) fit inside it with the restore. */
export const DRILL_TIMEOUT = Duration.minutes(15);
/** A lock older than any run can live belongs to a crashed run and may be taken over. */
export const DRILL_LOCK_STALE_SECONDS = DRILL_TIMEOUT.toSeconds() + 60;
/** Where the drill keeps its lock and reports in the report bucket. */
export const DRILL_PREFIX = 'drills/';

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
}

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
  readonly handler: BulwarkFunction;
  readonly trigger: triggers.Trigger;
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
    };

    this.handler = new BulwarkFunction(this, 'Handler', {
      lambdaName: 'dr-drill',
      description: `DR drill for ${props.service.name}: fails the drill record over to the standby, measures, restores`,
      timeout: DRILL_TIMEOUT,
      protection: props.protection,
      environment: { DRILL_SETTINGS: stack.toJsonString(settings) },
    });
    this.grant(props);

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
    const zoneArn = Arn.format(
      {
        service: 'route53',
        region: '',
        account: '',
        resource: 'hostedzone',
        resourceName: props.service.hostedZoneId,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      },
      stack,
    );
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

    const reasons: Record<string, string> = {
      'Resource::*':
        'route53:TestDNSAnswer has no resource-level permissions; cloudwatch:PutMetricData has none either and is limited to the service namespace by the cloudwatch:namespace condition.',
      [`Resource::${this.bucketArnTokenText(props.reportBucket)}/${DRILL_PREFIX}*`]:
        'The drill writes a new report object per run and its lock under the drills/ prefix only.',
    };
    for (const [finding, reason] of Object.entries(reasons))
      Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
  }

  /** How cdk-nag spells a bucket ARN in a finding id: `<LogicalId.Arn>` for a bucket of this stack. */
  private bucketArnTokenText(bucket: s3.IBucket): string {
    const cfn = bucket.node.defaultChild as s3.CfnBucket | undefined;
    return cfn ? `<${Stack.of(cfn).getLogicalId(cfn)}.Arn>` : bucket.bucketArn;
  }
}
