import { ArnFormat, CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DEPLOY_FREEZE_SWITCH, EnvironmentConfig, PipelineConfig, ServiceConfig } from '../../config';
import { accessLogBucket } from '../common/access-log-bucket';
import { ControlTowerRule, acknowledgeControlTower } from '../common/control-tower';
import { Naming } from '../common/naming';
import { BootstrapRoleOptions, bootstrapRoleArn, deployRoleArns } from './bootstrap-roles';
import {
  REPORT_DIRECTORY,
  canaryBuildSpec,
  deployBuildSpec,
  freezeGateCommands,
  integrationBuildSpec,
  p1AlarmGateCommands,
  validateBuildSpec,
} from './buildspecs';
import { switchParameterName } from '../killswitch/kill-switch-settings';
import { NotificationRuleTopicTarget } from '../monitoring/severity-topics';
import { SERVICE_UNHEALTHY } from '../monitoring/alarm-catalog';
import { canaryFunctionName, canaryInvokerRoleName, canaryRunnerRoleName } from './pipeline-canary-access';

export const SOURCE_STAGE = 'Source';
export const VALIDATE_STAGE = 'Validate';
export const DEFAULT_DR_STACK_ID = 'DrRegion';

/**
 * The IAM action that uses a connection, with the connection ARN's own service prefix. Connections created since
 * July 2024 have `arn:aws:codeconnections:...` ARNs, older ones `arn:aws:codestar-connections:...`, and "when
 * specifying a resource in the IAM policy, the service prefix needs to match that of the resource"
 * (https://docs.aws.amazon.com/dtconsole/latest/userguide/security-iam.html; actions and ARN formats:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodeconnections.html and
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodestarconnections.html).
 */
export function useConnectionAction(connectionArn: string): string {
  const service = connectionArn.split(':')[2];
  if (service !== 'codeconnections' && service !== 'codestar-connections') {
    const shape = 'arn:aws:codeconnections:<region>:<account>:connection/<id>';
    throw new Error(`${connectionArn} is not a CodeConnections connection ARN (${shape})`);
  }
  return `${service}:UseConnection`;
}

/**
 * CDK's CodeStarConnectionsSourceAction, but granting `UseConnection` under the connection ARN's own prefix: the
 * original always grants `codestar-connections:UseConnection`, which matches no `codeconnections` ARN, so the
 * Source action of a connection made since mid-2024 fails. UseConnection is the one connection permission the
 * CodeStarSourceConnection action needs, beside the artifact bucket (service role permissions in
 * https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodestarConnectionSource.html).
 */
class ConnectionSourceAction extends actions.CodeStarConnectionsSourceAction {
  constructor(private readonly sourceProps: actions.CodeStarConnectionsSourceActionProps) {
    super(sourceProps);
  }

  protected bound(
    _scope: Construct,
    _stage: codepipeline.IStage,
    options: codepipeline.ActionBindOptions,
  ): codepipeline.ActionConfig {
    const props = this.sourceProps;
    options.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [useConnectionAction(props.connectionArn)],
        resources: [props.connectionArn],
      }),
    );
    // The rest as CDK's own action binds it: the checkout is written to the artifact bucket.
    options.bucket.grantReadWrite(options.role);
    options.bucket.grantPutAcl(options.role);
    return {
      configuration: {
        ConnectionArn: props.connectionArn,
        FullRepositoryId: `${props.owner}/${props.repo}`,
        BranchName: props.branch,
        DetectChanges: props.triggerOnPush,
      },
    };
  }
}

export interface DeliveryPipelineProps {
  readonly service: ServiceConfig;
  readonly pipeline: PipelineConfig;
  /** Deployed in this order, each behind a manual approval except the first. */
  readonly environments: readonly EnvironmentConfig[];
  /** Pipeline failures go here (the tooling account's P3 topic). */
  readonly failureTopic: sns.ITopic;
  /** Stack id of the DR standby, deployed after the environment that has a `dr` block. @default 'DrRegion' */
  readonly drStackId?: string;
  /** @default the default bootstrap qualifier */
  readonly bootstrapQualifier?: string;
}

/** Environments whose stage stays closed while their deploy-freeze switch is on or their P1 alarm fires. */
function isGated(env: EnvironmentConfig): boolean {
  return env.tier === 1;
}

/**
 * The one deploy path: a CodePipeline V2 that runs `npx cdk deploy <Env>` in CodeBuild for each environment in
 * turn, the same command a person runs, through the target account's bootstrap roles. No CDK Pipelines stages:
 * those would create differently named copies of the same stacks.
 *
 * Source -> Validate (tests, cdk-nag, cfn-lint, audit, synth, report) -> Dev (deploy, canary) -> ApproveStaging
 * -> Staging (deploy, canary, integration) -> ApproveProd (report link) -> Prod (closed on freeze or P1;
 * deploy, canary, integration) -> DrRegion (deploy the standby).
 */
export class DeliveryPipeline extends Construct {
  readonly pipeline: codepipeline.Pipeline;
  readonly artifactBucket: s3.Bucket;
  readonly artifactKey: kms.Key;
  /** Console link to this execution's resilience report, shown by every approval. */
  readonly reportLink: string;

  private readonly naming: Naming;
  private readonly logGroup: logs.LogGroup;
  private readonly roleOptions: BootstrapRoleOptions;

  constructor(scope: Construct, id: string, props: DeliveryPipelineProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { service, pipeline: config } = props;
    this.naming = new Naming(service.name, 'pipeline');
    this.roleOptions = { partition: stack.partition, qualifier: props.bootstrapQualifier };
    const drStackId = props.drStackId ?? DEFAULT_DR_STACK_ID;

    this.artifactKey = new kms.Key(this, 'ArtifactKey', {
      description: `Encrypts ${this.naming.resource('delivery')} artifacts and build output`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const accessLogs = accessLogBucket(this, 'AccessLogs', {
      removalPolicy: RemovalPolicy.RETAIN,
      selfLoggingReason:
        'This bucket is itself the access-log destination of the artifact bucket; logging its own access would need another log bucket with the same finding.',
    });
    // No cross-account grants: deploys run in this account's CodeBuild, and the CDK CLI publishes assets to each
    // target's own bootstrap bucket through its file-publishing role. No workload role ever reads this bucket.
    this.artifactBucket = new s3.Bucket(this, 'Artifacts', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.artifactKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'artifacts/',
      lifecycleRules: [{ expiration: Duration.days(180), noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledgeControlTower(
      this.artifactBucket,
      {
        rule: ControlTowerRule.S3_EVENT_NOTIFICATIONS,
        reason: 'CodePipeline and CodeBuild read artifacts by key; nothing reacts to a new object.',
      },
      {
        rule: ControlTowerRule.S3_OBJECT_LOCK,
        reason:
          'Pipeline artifacts are intermediate build output that expires after 180 days; they are versioned and KMS-encrypted, and the source of truth is the repository.',
      },
    );
    this.logGroup = new logs.LogGroup(this, 'BuildLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const region = stack.region;
    const reportPrefix = `${REPORT_DIRECTORY}/#{codepipeline.PipelineExecutionId}/`;
    this.reportLink = `https://${region}.console.aws.amazon.com/s3/buckets/${this.artifactBucket.bucketName}?region=${region}&prefix=${reportPrefix}`;

    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineName: this.naming.resource('delivery'),
      pipelineType: codepipeline.PipelineType.V2,
      artifactBucket: this.artifactBucket,
      // A pipeline edit (new stage, new environment) applies to the change that made it.
      restartExecutionOnUpdate: true,
      // Queued: a newer commit never overtakes or cancels a deploy in progress.
      executionMode: codepipeline.ExecutionMode.QUEUED,
    });

    const source = new codepipeline.Artifact('Source');
    const report = new codepipeline.Artifact('Report');
    this.pipeline.addStage({
      stageName: SOURCE_STAGE,
      actions: [
        new ConnectionSourceAction({
          actionName: 'Checkout',
          connectionArn: config.connectionArn,
          owner: config.repository.split('/')[0],
          repo: config.repository.split('/')[1],
          branch: config.branch,
          output: source,
          triggerOnPush: true,
        }),
      ],
    });

    const bucketVariable = 'ARTIFACT_BUCKET';
    const reportPrefixVariable = 'REPORT_PREFIX';
    this.pipeline.addStage({
      stageName: VALIDATE_STAGE,
      actions: [
        new actions.CodeBuildAction({
          actionName: 'TestAuditSynthReport',
          input: source,
          outputs: [report],
          project: this.project('Validate', {
            buildSpec: validateBuildSpec({ bucketVariable, reportPrefixVariable }),
            computeType: codebuild.ComputeType.MEDIUM,
            timeout: Duration.minutes(45),
          }),
          environmentVariables: {
            [bucketVariable]: { value: this.artifactBucket.bucketName },
            [reportPrefixVariable]: { value: reportPrefix },
          },
        }),
      ],
    });

    props.environments.forEach((env, index) => {
      if (index > 0) {
        this.pipeline.addStage({
          stageName: `Approve${env.name}`,
          actions: [
            new actions.ManualApprovalAction({
              actionName: `Promote${props.environments[index - 1].name}To${env.name}`,
              // The Validate build wrote resilience-report.{html,md,json} to this execution's prefix (buildspecs.ts);
              // `npm run report` failed that build on a missed target or the last environment's readiness no-go.
              additionalInformation:
                `Promote this change to ${env.name} (tier ${env.tier}). Read the resilience report of this execution ` +
                `first: ${REPORT_DIRECTORY}/<execution id>/resilience-report.html (link below; also the Report ` +
                `artifact of the Validate stage), its targets, the Readiness score and go/no-go of ${env.name}, and ` +
                'the environment Parity.',
              externalEntityLink: this.reportLink,
              timeout: Duration.days(7),
            }),
          ],
        });
      }
      this.addEnvironmentStage(env, source, { service, firstEnvironment: index === 0 });
      if (env.dr) {
        this.pipeline.addStage({
          stageName: drStackId,
          actions: [
            new actions.CodeBuildAction({
              actionName: 'Deploy',
              input: source,
              project: this.project(`Deploy${drStackId}`, {
                buildSpec: deployBuildSpec(drStackId),
                assumableRoles: deployRoleArns(env.account, env.dr.region, this.roleOptions),
                timeout: Duration.hours(2),
              }),
            }),
          ],
        });
      }
    });

    this.acknowledgeArtifactGrants();

    // Through a target that allows this account's notification rules only (the topic's own binding has no condition).
    this.pipeline.notifyOn('NotifyFailures', new NotificationRuleTopicTarget(props.failureTopic), {
      notificationRuleName: this.naming.resource('delivery-failed'),
      events: [codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED],
    });
  }

  private addEnvironmentStage(
    env: EnvironmentConfig,
    source: codepipeline.Artifact,
    context: { service: ServiceConfig; firstEnvironment: boolean },
  ): void {
    const envNaming = new Naming(context.service.name, env.name);
    // `cdk deploy Prod` also deploys what Prod depends on (DrRegion, in the DR region), as it does on a laptop.
    const regions = env.dr ? [env.region, env.dr.region] : [env.region];
    const lookupRole = bootstrapRoleArn('lookup', env.account, env.region, this.roleOptions);

    const stageActions: codepipeline.IAction[] = [
      new actions.CodeBuildAction({
        actionName: 'Deploy',
        input: source,
        runOrder: 1,
        project: this.project(`Deploy${env.name}`, {
          buildSpec: deployBuildSpec(env.name),
          assumableRoles: regions.flatMap((r) => deployRoleArns(env.account, r, this.roleOptions)),
          timeout: Duration.hours(2),
        }),
      }),
      new actions.CodeBuildAction({
        actionName: 'Canary',
        input: source,
        runOrder: 2,
        project: this.project(`Canary${env.name}`, {
          buildSpec: canaryBuildSpec({
            environmentName: env.name,
            functionName: canaryFunctionName(envNaming),
            region: env.region,
            invokerRoleArn: this.canaryInvokerRoleArn(env, envNaming),
          }),
          assumableRoles: [this.canaryInvokerRoleArn(env, envNaming)],
          roleName: canaryRunnerRoleName(context.service.name, env.name),
          timeout: Duration.minutes(15),
        }),
      }),
    ];
    // (`resource('')` is the environment's name prefix, `orders-staging-`, that every alarm of it carries.)
    // The first environment is where breakage is expected; every later one must come out of its deploy healthy.
    if (!context.firstEnvironment) {
      stageActions.push(
        new actions.CodeBuildAction({
          actionName: 'IntegrationChecks',
          input: source,
          runOrder: 2,
          project: this.project(`Integration${env.name}`, {
            buildSpec: integrationBuildSpec({
              region: env.region,
              lookupRoleArn: lookupRole,
              alarmNamePrefix: envNaming.resource(''),
            }),
            assumableRoles: [lookupRole],
            timeout: Duration.minutes(15),
          }),
        }),
      );
    }

    this.pipeline.addStage({
      stageName: env.name,
      actions: stageActions,
      ...(isGated(env) ? { beforeEntry: this.entryGate(env, envNaming, lookupRole) } : {}),
    });
  }

  /**
   * Keeps the stage closed (the execution fails before any action runs, and the failure is notified) while the
   * environment's deploy-freeze switch is on or its P1 alarm is in ALARM. Both live in the workload account,
   * which the CloudWatchAlarm rule cannot read, so each check is a Commands rule reading them through the
   * account's read-only bootstrap lookup role. Commands rules run with the pipeline's service role.
   */
  private entryGate(env: EnvironmentConfig, envNaming: Naming, lookupRoleArn: string): codepipeline.Conditions {
    const gate = {
      region: env.region,
      lookupRoleArn,
      freezeParameterName: switchParameterName(envNaming, DEPLOY_FREEZE_SWITCH),
      p1AlarmName: envNaming.resource(SERVICE_UNHEALTHY.id),
    };
    const role = this.pipeline.role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sts:AssumeRole', 'sts:TagSession'], resources: [lookupRoleArn] }),
    );
    // The Commands rule writes its output to the pipeline's log group, /aws/codepipeline/<pipeline name>.
    const stack = Stack.of(this);
    const ruleLogGroup = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `/aws/codepipeline/${this.naming.resource('delivery')}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [ruleLogGroup, `${ruleLogGroup}:*`],
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${ruleLogGroup}:*]`,
      reason:
        "Commands rules create a log stream per run in the pipeline's own log group; stream names are not known in advance.",
    });
    return {
      conditions: [
        {
          result: codepipeline.Result.FAIL,
          rules: [
            new codepipeline.Rule({
              name: `${env.name}DeployFreezeOff`,
              provider: 'Commands',
              version: '1',
              commands: freezeGateCommands(gate),
            }),
            new codepipeline.Rule({
              name: `${env.name}NoP1Alarm`,
              provider: 'Commands',
              version: '1',
              commands: p1AlarmGateCommands(gate),
            }),
          ],
        },
      ],
    };
  }

  private canaryInvokerRoleArn(env: EnvironmentConfig, envNaming: Naming): string {
    return `arn:${Stack.of(this).partition}:iam::${env.account}:role/${canaryInvokerRoleName(envNaming)}`;
  }

  /**
   * A CodeBuild project whose role may assume exactly `assumableRoles` and nothing else outside this account;
   * artifact access is granted by the pipeline action that uses it.
   */
  private project(
    id: string,
    options: {
      buildSpec: Record<string, unknown>;
      assumableRoles?: string[];
      roleName?: string;
      computeType?: codebuild.ComputeType;
      timeout: Duration;
    },
  ): codebuild.PipelineProject {
    const role = new iam.Role(this, `${id}Role`, {
      roleName: options.roleName,
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
      description: `${this.naming.resource('delivery')} ${id} build`,
    });
    if (options.assumableRoles && options.assumableRoles.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['sts:AssumeRole', 'sts:TagSession'], resources: options.assumableRoles }),
      );
    }
    const project = new codebuild.PipelineProject(this, id, {
      projectName: this.naming.resource(id.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()),
      role,
      buildSpec: codebuild.BuildSpec.fromObject(options.buildSpec),
      encryptionKey: this.artifactKey,
      environment: {
        buildImage: codebuild.LinuxBuildImage.STANDARD_7_0,
        computeType: options.computeType ?? codebuild.ComputeType.SMALL,
      },
      timeout: options.timeout,
      logging: { cloudWatch: { logGroup: this.logGroup, prefix: id } },
    });
    const stack = Stack.of(this);
    const projectId = stack.getLogicalId(project.node.defaultChild as CfnElement);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:/aws/codebuild/<${projectId}>:*]`,
      reason:
        "CodeBuild's own grant on the project's default log group: one stream per build, named by CodeBuild at run time.",
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${stack.partition}:codebuild:${stack.region}:${stack.account}:report-group/<${projectId}>-*]`,
      reason:
        "CodeBuild's own grant on the test-report groups of this one project (prefixed with its name), created at run time.",
    });
    return project;
  }

  /**
   * The artifact store grants (`bucket.grantReadWrite`, the key's encrypt/decrypt) that CodePipeline actions and
   * CodeBuild projects receive: wildcard actions, but on the one artifact bucket's objects and its one key.
   */
  private acknowledgeArtifactGrants(): void {
    const bucketId = Stack.of(this).getLogicalId(this.artifactBucket.node.defaultChild as CfnElement);
    const reason =
      "CDK's artifact-store grant: object-level wildcard actions confined to the pipeline's own KMS-encrypted artifact bucket and key; every artifact of every execution lives under generated keys.";
    for (const finding of [
      `Resource::<${bucketId}.Arn>/*`,
      'Action::s3:Abort*',
      'Action::s3:DeleteObject*',
      'Action::s3:GetBucket*',
      'Action::s3:GetObject*',
      'Action::s3:List*',
      'Action::kms:GenerateDataKey*',
      'Action::kms:ReEncrypt*',
    ]) {
      Validations.of(this).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    }
  }
}
