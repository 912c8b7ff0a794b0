import { Resolver } from './intrinsics';
import { lambdaSdkFlows } from './lambda-calls';
import { NamedPolicy, PolicyIndex, RoleInfo } from './policies';
import { StackTemplate, asArray, isObject, resourcesOfType } from './templates';

/** Who makes a call at run time: a role of a template, or an AWS service acting for the account. */
export type Caller =
  { readonly kind: 'service'; readonly principal: string } | { readonly kind: 'role'; readonly role: RoleInfo };

/** One runtime call the deployed system makes: caller -> action -> resource, with the context AWS sends. */
export interface Flow {
  /** Stack the flow was derived from. */
  readonly stack: string;
  /** Why the row exists (which template element or handler call), for the table. */
  readonly source: string;
  readonly caller: Caller;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  readonly context: Record<string, string | string[]>;
  /** Used instead of the templates' resource policy where the resource lives outside them (bootstrap roles). */
  readonly assumedResourcePolicy?: NamedPolicy;
  /** What the row assumes or simulates only in part, printed with the row. */
  readonly note?: string;
}

export function callerName(caller: Caller): string {
  return caller.kind === 'service' ? caller.principal : `${caller.role.stack.stackId}/${caller.role.logicalId}`;
}

export function accountOfArn(arn: string, fallback: string): string {
  const account = arn.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : fallback;
}

/** The CDK bootstrap's default qualifier (https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-customizing.html). */
export const BOOTSTRAP_QUALIFIER = 'hnb659fds';

/**
 * Every flow derivable from the templates, plus the declared SDK calls of each Lambda handler. Rows derive
 * from what the templates wire (each alarm action, event target, subscription, budget notification,
 * notification rule, encrypted log group, deployment group, backup plan, replication rule, pipeline action),
 * so a new alarm or target cannot escape the table.
 */
export function deriveFlows(resolver: Resolver, index: PolicyIndex): Flow[] {
  const flows: Flow[] = [];
  const topics = topicIndex(resolver);
  for (const stack of resolver.stacks) {
    const ctx: DeriveContext = { resolver, index, stack, topics, flows };
    alarmFlows(ctx);
    eventRuleFlows(ctx);
    subscriptionFlows(ctx);
    budgetFlows(ctx);
    notificationRuleFlows(ctx);
    logGroupKeyFlows(ctx);
    codeDeployFlows(ctx);
    backupFlows(ctx);
    replicationFlows(ctx);
    pipelineFlows(ctx);
    regionSwitchFlows(ctx);
    flows.push(...lambdaSdkFlows(resolver, index, stack, (topicArn) => topics.get(topicArn)?.keyArn));
  }
  return flows;
}

interface TopicInfo {
  readonly stack: StackTemplate;
  readonly keyArn?: string;
}

interface DeriveContext {
  readonly resolver: Resolver;
  readonly index: PolicyIndex;
  readonly stack: StackTemplate;
  readonly topics: Map<string, TopicInfo>;
  readonly flows: Flow[];
}

function topicIndex(resolver: Resolver): Map<string, TopicInfo> {
  const topics = new Map<string, TopicInfo>();
  for (const stack of resolver.stacks) {
    for (const [id, topic] of resourcesOfType(stack, 'AWS::SNS::Topic')) {
      const key = topic.Properties?.KmsMasterKeyId;
      topics.set(resolver.arnOf(stack, id), {
        stack,
        keyArn: key === undefined ? undefined : keyArn(stack, resolver.str(stack, key)),
      });
    }
  }
  return topics;
}

/** A key reference as an ARN (`alias/...` and bare key ids become ARNs in the stack's account and region). */
function keyArn(stack: StackTemplate, value: string): string {
  if (value.startsWith('arn:')) return value;
  const resource = value.startsWith('alias/') ? value : `key/${value}`;
  return `arn:${stack.partition}:kms:${stack.region}:${stack.account}:${resource}`;
}

function service(principal: string): Caller {
  return { kind: 'service', principal };
}

/**
 * A service publishing to a topic on the account's behalf: sns:Publish on the topic, and for an encrypted
 * topic kms:GenerateDataKey* and kms:Decrypt on its key, with aws:SourceArn / aws:SourceAccount and the
 * topic's encryption context (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services,
 * https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html#source-account-versus-source-owner).
 */
function servicePublishes(
  ctx: DeriveContext,
  principal: string,
  topicArn: string,
  sourceArn: string,
  source: string,
): void {
  const { stack } = ctx;
  const context = { 'aws:SourceAccount': stack.account, 'aws:SourceArn': sourceArn, 'aws:SecureTransport': 'true' };
  ctx.flows.push({
    stack: stack.stackId,
    source,
    caller: service(principal),
    action: 'sns:Publish',
    resource: topicArn,
    resourceAccount: accountOfArn(topicArn, stack.account),
    context,
  });
  const key = ctx.topics.get(topicArn)?.keyArn;
  if (!key) return;
  for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
    ctx.flows.push({
      stack: stack.stackId,
      source: `${source} (topic key)`,
      caller: service(principal),
      action,
      resource: key,
      resourceAccount: accountOfArn(key, stack.account),
      context: { ...context, 'kms:EncryptionContext:aws:sns:topicArn': topicArn },
    });
  }
}

function isTopicArn(arn: string): boolean {
  return /^arn:[^:]+:sns:/.test(arn);
}

/** Every alarm's AlarmActions / OKActions / InsufficientDataActions that are topics: CloudWatch publishes. */
function alarmFlows(ctx: DeriveContext): void {
  const { stack, resolver } = ctx;
  for (const type of ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm']) {
    for (const [id, alarm] of resourcesOfType(stack, type)) {
      const alarmArn = resolver.arnOf(stack, id);
      const targets = new Set<string>();
      for (const prop of ['AlarmActions', 'OKActions', 'InsufficientDataActions']) {
        for (const action of asArray(alarm.Properties?.[prop] as unknown[])) targets.add(resolver.str(stack, action));
      }
      for (const topic of [...targets].filter(isTopicArn)) {
        servicePublishes(
          ctx,
          'cloudwatch.amazonaws.com',
          topic,
          alarmArn,
          `alarm ${alarmArn.split(':').pop()} actions`,
        );
      }
    }
  }
}

/** Every EventBridge rule target: a topic (EventBridge publishes) or a function (EventBridge invokes). */
function eventRuleFlows(ctx: DeriveContext): void {
  const { stack, resolver } = ctx;
  for (const [id, rule] of resourcesOfType(stack, 'AWS::Events::Rule')) {
    const ruleArn = resolver.arnOf(stack, id);
    for (const target of asArray(rule.Properties?.Targets as { Arn: unknown; RoleArn?: unknown }[])) {
      const arn = resolver.str(stack, target.Arn);
      const source = `rule ${ruleArn.split('/').pop()} target`;
      if (isTopicArn(arn)) servicePublishes(ctx, 'events.amazonaws.com', arn, ruleArn, source);
      else if (/^arn:[^:]+:lambda:/.test(arn)) {
        // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-lambda-permissions
        ctx.flows.push({
          stack: stack.stackId,
          source,
          caller: service('events.amazonaws.com'),
          action: 'lambda:InvokeFunction',
          resource: arn,
          resourceAccount: accountOfArn(arn, stack.account),
          context: { 'aws:SourceArn': ruleArn, 'aws:SourceAccount': stack.account, 'aws:SecureTransport': 'true' },
        });
      }
    }
  }
}

/** Every SNS subscription of a Lambda function: SNS invokes it with the topic as SourceArn. */
function subscriptionFlows(ctx: DeriveContext): void {
  const { stack, resolver } = ctx;
  for (const [id, sub] of resourcesOfType(stack, 'AWS::SNS::Subscription')) {
    if (resolver.str(stack, sub.Properties?.Protocol) !== 'lambda') continue;
    const fn = resolver.str(stack, sub.Properties?.Endpoint);
    const topic = resolver.str(stack, sub.Properties?.TopicArn);
    // https://docs.aws.amazon.com/sns/latest/dg/sns-lambda-as-subscriber.html
    ctx.flows.push({
      stack: stack.stackId,
      source: `subscription ${id}`,
      caller: service('sns.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      resource: fn,
      resourceAccount: accountOfArn(fn, stack.account),
      context: { 'aws:SourceArn': topic, 'aws:SourceAccount': stack.account, 'aws:SecureTransport': 'true' },
    });
  }
}

/** Budgets notifying a topic (https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html). */
function budgetFlows(ctx: DeriveContext): void {
  const { stack, resolver } = ctx;
  for (const [, budget] of resourcesOfType(stack, 'AWS::Budgets::Budget')) {
    const p = budget.Properties ?? {};
    const name = resolver.str(stack, (p.Budget as Record<string, unknown>)?.BudgetName);
    const budgetArn = `arn:${stack.partition}:budgets::${stack.account}:budget/${name}`;
    const topics = new Set<string>();
    for (const n of asArray(
      p.NotificationsWithSubscribers as { Subscribers: { Address: unknown; SubscriptionType: unknown }[] }[],
    )) {
      for (const s of n.Subscribers)
        if (resolver.str(stack, s.SubscriptionType) === 'SNS') topics.add(resolver.str(stack, s.Address));
    }
    for (const topic of topics)
      servicePublishes(ctx, 'budgets.amazonaws.com', topic, budgetArn, `budget ${name} notification`);
  }
}

/** CodeStar Notifications rules targeting topics (https://docs.aws.amazon.com/dtconsole/latest/userguide/set-up-sns.html). */
function notificationRuleFlows(ctx: DeriveContext): void {
  const { stack, resolver } = ctx;
  for (const [id, rule] of resourcesOfType(stack, 'AWS::CodeStarNotifications::NotificationRule')) {
    const ruleArn = resolver.arnOf(stack, id);
    for (const target of asArray(rule.Properties?.Targets as { TargetAddress: unknown; TargetType: unknown }[])) {
      if (resolver.str(stack, target.TargetType) !== 'SNS') continue;
      servicePublishes(
        ctx,
        'codestar-notifications.amazonaws.com',
        resolver.str(stack, target.TargetAddress),
        ruleArn,
        `notification rule ${id}`,
      );
    }
  }
}

/**
 * CloudWatch Logs using the KMS key of each encrypted log group (flow logs included): the regional logs
 * principal, with the log group's ARN as encryption context
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
 */
function logGroupKeyFlows(ctx: DeriveContext): void {
  const { stack, resolver } = ctx;
  for (const [id, group] of resourcesOfType(stack, 'AWS::Logs::LogGroup')) {
    const key = group.Properties?.KmsKeyId;
    if (key === undefined) continue;
    const keyArnValue = keyArn(stack, resolver.str(stack, key));
    const groupArn = `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${resolver.physicalName(stack, id)}`;
    for (const action of ['kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt']) {
      ctx.flows.push({
        stack: stack.stackId,
        source: `log group ${id} (KMS-encrypted)`,
        caller: service(`logs.${stack.region}.amazonaws.com`),
        action,
        resource: keyArnValue,
        resourceAccount: accountOfArn(keyArnValue, stack.account),
        context: {
          'kms:EncryptionContext:aws:logs:arn': groupArn,
          'aws:SourceAccount': stack.account,
          'aws:SecureTransport': 'true',
        },
      });
    }
  }
}

function roleFromArnValue(ctx: DeriveContext, value: unknown): RoleInfo | undefined {
  if (isObject(value) && Array.isArray(value['Fn::GetAtt']))
    return ctx.index.role(ctx.stack, String(value['Fn::GetAtt'][0]));
  return ctx.index.roleByArn(ctx.resolver.str(ctx.stack, value));
}

function roleFlow(
  ctx: DeriveContext,
  role: RoleInfo,
  action: string,
  resource: string,
  source: string,
  extra: Record<string, string | string[]> = {},
): void {
  ctx.flows.push({
    stack: ctx.stack.stackId,
    source,
    caller: { kind: 'role', role },
    action,
    resource,
    resourceAccount: accountOfArn(resource, role.stack.account),
    context: { 'aws:SecureTransport': 'true', ...extra },
  });
}

/**
 * The CodeDeploy service role of each ECS deployment group: it invokes the lifecycle hook, creates and
 * swaps task sets, moves the listeners, reads the rollback alarms and passes the task roles
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/codedeploy_IAM_role.html).
 */
function codeDeployFlows(ctx: DeriveContext): void {
  const { stack, resolver } = ctx;
  for (const [id, group] of resourcesOfType(stack, 'AWS::CodeDeploy::DeploymentGroup')) {
    const p = group.Properties ?? {};
    const role = roleFromArnValue(ctx, p.ServiceRoleArn);
    if (!role) continue;
    const source = `deployment group ${id}`;
    for (const [, trigger] of resourcesOfType(stack, 'Custom::BlueGreenDeployment')) {
      const tp = trigger.Properties ?? {};
      if (resolver.str(stack, tp.DeploymentGroupName) !== resolver.physicalName(stack, id)) continue;
      const hook = resolver.str(stack, tp.AfterAllowTestTrafficHook);
      const hookArn = hook.startsWith('arn:')
        ? hook
        : `arn:${stack.partition}:lambda:${stack.region}:${stack.account}:function:${hook}`;
      roleFlow(ctx, role, 'lambda:InvokeFunction', hookArn, `${source} AfterAllowTestTraffic hook`);
      const taskDefinition = stack.template.Resources?.[String((tp.TaskDefinitionArn as { Ref?: string })?.Ref)];
      for (const prop of ['TaskRoleArn', 'ExecutionRoleArn']) {
        const passed = taskDefinition?.Properties?.[prop];
        if (passed !== undefined)
          roleFlow(ctx, role, 'iam:PassRole', resolver.str(stack, passed), `${source} passes ${prop}`, {
            'iam:PassedToService': 'ecs-tasks.amazonaws.com',
          });
      }
    }
    for (const ecsService of asArray(p.ECSServices as { ClusterName: unknown; ServiceName: unknown }[])) {
      const cluster = resolver.str(stack, ecsService.ClusterName);
      const name = resolver.str(stack, ecsService.ServiceName);
      const serviceArn = `arn:${stack.partition}:ecs:${stack.region}:${stack.account}:service/${cluster}/${name}`;
      const taskSetArn = `arn:${stack.partition}:ecs:${stack.region}:${stack.account}:task-set/${cluster}/${name}/ecs-svc/1234567890123456789`;
      for (const action of ['ecs:DescribeServices', 'ecs:UpdateServicePrimaryTaskSet'])
        roleFlow(ctx, role, action, serviceArn, source);
      for (const action of ['ecs:CreateTaskSet', 'ecs:DeleteTaskSet']) roleFlow(ctx, role, action, taskSetArn, source);
    }
    const pairs =
      (p.LoadBalancerInfo as { TargetGroupPairInfoList?: Record<string, { ListenerArns: unknown[] }>[] })
        ?.TargetGroupPairInfoList ?? [];
    for (const pair of pairs) {
      for (const route of ['ProdTrafficRoute', 'TestTrafficRoute']) {
        for (const listener of asArray(pair[route]?.ListenerArns))
          roleFlow(
            ctx,
            role,
            'elasticloadbalancing:ModifyListener',
            resolver.str(stack, listener),
            `${source} ${route}`,
          );
      }
    }
    for (const alarm of asArray((p.AlarmConfiguration as { Alarms?: { Name: unknown }[] })?.Alarms)) {
      roleFlow(
        ctx,
        role,
        'cloudwatch:DescribeAlarms',
        `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:${resolver.str(stack, alarm.Name)}`,
        `${source} rollback alarm`,
      );
    }
  }
}

/**
 * The execution role of each ARC Region switch plan: Region switch assumes it to evaluate the plan, read
 * the trigger alarms and run each execution block (lib/dr/region-switch-plan.ts). One row per call each
 * block makes, after AWS's sample policy for that block
 * (https://docs.aws.amazon.com/r53recovery/latest/dg/security_iam_region_switch_execution_blocks.html).
 */
function regionSwitchFlows(ctx: DeriveContext): void {
  const { stack, resolver } = ctx;
  type Step = { ExecutionBlockType?: string; ExecutionBlockConfiguration?: Record<string, Record<string, unknown>> };
  for (const [id, plan] of resourcesOfType(stack, 'AWS::ARCRegionSwitch::Plan')) {
    const p = (resolver.deep(stack, plan.Properties) ?? {}) as Record<string, unknown>;
    const role = roleFromArnValue(ctx, (plan.Properties ?? {}).ExecutionRole);
    if (!role) continue;
    const source = `Region switch plan ${id}`;
    const planArn = `arn:${stack.partition}:arc-region-switch::${stack.account}:plan/${String(p.Name)}:abc123`;
    roleFlow(
      ctx,
      role,
      'iam:SimulatePrincipalPolicy',
      resolver.str(stack, (plan.Properties ?? {}).ExecutionRole),
      `${source} evaluation checks its role`,
    );
    for (const action of [
      'arc-region-switch:GetPlan',
      'arc-region-switch:GetPlanExecution',
      'arc-region-switch:ListPlanExecutions',
    ])
      roleFlow(ctx, role, action, planArn, `${source} reads its plan`);
    for (const alarm of Object.values((p.AssociatedAlarms ?? {}) as Record<string, { ResourceIdentifier: string }>)) {
      roleFlow(ctx, role, 'cloudwatch:DescribeAlarms', alarm.ResourceIdentifier, `${source} trigger alarm`);
    }
    const steps: Step[] = [];
    const walk = (list: unknown): void => {
      for (const step of asArray(list as Step[])) {
        steps.push(step);
        if (step.ExecutionBlockType === 'Parallel') walk(step.ExecutionBlockConfiguration?.ParallelConfig?.Steps);
      }
    };
    for (const workflow of asArray(p.Workflows as { Steps?: unknown }[])) walk(workflow.Steps);
    for (const step of steps) {
      const config = step.ExecutionBlockConfiguration ?? {};
      if (step.ExecutionBlockType === 'CustomActionLambda') {
        for (const fn of asArray(config.CustomActionLambdaConfig?.Lambdas as { Arn: string }[])) {
          for (const action of ['lambda:GetFunction', 'lambda:InvokeFunction'])
            roleFlow(ctx, role, action, fn.Arn, `${source} custom action`);
        }
      } else if (step.ExecutionBlockType === 'AuroraGlobalDatabase') {
        const db = config.GlobalAuroraConfig as { GlobalClusterIdentifier: string; DatabaseClusterArns: string[] };
        const globalArn = `arn:${stack.partition}:rds::${stack.account}:global-cluster:${db.GlobalClusterIdentifier}`;
        for (const resource of [globalArn, ...db.DatabaseClusterArns]) {
          for (const action of ['rds:SwitchoverGlobalCluster', 'rds:FailoverGlobalCluster'])
            roleFlow(ctx, role, action, resource, `${source} Aurora global database`);
        }
        roleFlow(ctx, role, 'rds:DescribeGlobalClusters', globalArn, `${source} Aurora global database`);
        for (const cluster of db.DatabaseClusterArns)
          roleFlow(ctx, role, 'rds:DescribeDBClusters', cluster, `${source} Aurora global database`);
      } else if (step.ExecutionBlockType === 'AuroraServerlessScaling') {
        // security_iam_region_switch_aurora_serverless_scaling.html
        const db = config.AuroraServerlessScalingConfig as { RegionDatabaseClusterArns: Record<string, string> };
        for (const cluster of Object.values(db.RegionDatabaseClusterArns)) {
          for (const action of ['rds:DescribeDBClusters', 'rds:ModifyDBCluster'])
            roleFlow(ctx, role, action, cluster, `${source} Aurora Serverless capacity`);
          const instances = `${cluster.replace(':cluster:', ':db:')}-1`;
          for (const action of ['rds:DescribeDBInstances', 'rds:RebootDBInstance'])
            roleFlow(ctx, role, action, instances, `${source} Aurora Serverless capacity`);
        }
        for (const action of ['cloudwatch:GetMetricData', 'ec2:DescribeInstanceTypes'])
          roleFlow(ctx, role, action, '*', `${source} Aurora Serverless capacity`);
      } else if (step.ExecutionBlockType === 'ECSServiceScaling') {
        for (const svc of asArray(
          config.EcsCapacityIncreaseConfig?.Services as { ClusterArn: string; ServiceArn: string }[],
        )) {
          for (const action of ['ecs:DescribeServices', 'ecs:UpdateService'])
            roleFlow(ctx, role, action, svc.ServiceArn, `${source} ECS capacity`);
          roleFlow(ctx, role, 'ecs:DescribeClusters', svc.ClusterArn, `${source} ECS capacity`);
        }
        for (const action of [
          'ecs:ListServices',
          'application-autoscaling:DescribeScalableTargets',
          'application-autoscaling:RegisterScalableTarget',
          'cloudwatch:GetMetricStatistics',
        ]) {
          roleFlow(ctx, role, action, '*', `${source} ECS capacity`);
        }
      } else if (step.ExecutionBlockType === 'Route53HealthCheck') {
        const zone = String(config.Route53HealthCheckConfig?.HostedZoneId);
        roleFlow(
          ctx,
          role,
          'route53:ListResourceRecordSets',
          `arn:${stack.partition}:route53:::hostedzone/${zone}`,
          `${source} Route 53 failover records`,
        );
      }
    }
  }
}

/** Find a vault by ARN in any stack, with its key. */
function vaultKey(resolver: Resolver, vaultArn: string): { stack: StackTemplate; key?: string } | undefined {
  for (const stack of resolver.stacks) {
    for (const [id, vault] of resourcesOfType(stack, 'AWS::Backup::BackupVault')) {
      if (resolver.arnOf(stack, id) !== vaultArn) continue;
      const key = vault.Properties?.EncryptionKeyArn;
      return { stack, key: key === undefined ? undefined : keyArn(stack, resolver.str(stack, key)) };
    }
  }
  return undefined;
}

/**
 * AWS Backup's role using each vault's key, in the plan's vault and in every copy destination
 * (https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html). The copy into another
 * region's vault uses the destination vault's key.
 */
function backupFlows(ctx: DeriveContext): void {
  const { stack, resolver } = ctx;
  for (const [selectionId, selection] of resourcesOfType(stack, 'AWS::Backup::BackupSelection')) {
    const p = selection.Properties ?? {};
    const role = roleFromArnValue(ctx, p.IamRoleArn);
    const planId = (p.BackupPlanId as { Ref?: string })?.Ref;
    const plan = planId ? stack.template.Resources?.[planId] : undefined;
    if (!role || !plan) continue;
    const vaults = new Set<string>();
    for (const rule of asArray(
      (plan.Properties?.BackupPlan as { BackupPlanRule?: Record<string, unknown>[] })?.BackupPlanRule,
    )) {
      const target = resolver.str(stack, rule.TargetBackupVault);
      vaults.add(
        target.startsWith('arn:')
          ? target
          : `arn:${stack.partition}:backup:${stack.region}:${stack.account}:backup-vault:${target}`,
      );
      for (const copy of asArray(rule.CopyActions as { DestinationBackupVaultArn: unknown }[]))
        vaults.add(resolver.str(stack, copy.DestinationBackupVaultArn));
    }
    for (const vault of vaults) {
      const found = vaultKey(resolver, vault);
      if (!found?.key) continue;
      const region = found.key.split(':')[3];
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt', 'kms:CreateGrant', 'kms:DescribeKey']) {
        roleFlow(ctx, role, action, found.key, `backup selection ${selectionId} -> vault ${vault.split(':').pop()}`, {
          'kms:ViaService': `backup.${region}.amazonaws.com`,
        });
      }
    }
  }
}

/**
 * S3 replication: the replication role reads the source and writes replicas, with both keys
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html).
 */
function replicationFlows(ctx: DeriveContext): void {
  const { stack, resolver } = ctx;
  for (const [id, bucket] of resourcesOfType(stack, 'AWS::S3::Bucket')) {
    const config = bucket.Properties?.ReplicationConfiguration as
      { Role: unknown; Rules: Record<string, unknown>[] } | undefined;
    if (!config) continue;
    const role = roleFromArnValue(ctx, config.Role);
    if (!role) continue;
    const sourceArn = resolver.arnOf(stack, id);
    const source = `replication of ${id}`;
    roleFlow(ctx, role, 's3:GetReplicationConfiguration', sourceArn, source);
    roleFlow(ctx, role, 's3:ListBucket', sourceArn, source);
    roleFlow(ctx, role, 's3:GetObjectVersionForReplication', `${sourceArn}/data/object`, source);
    const encryption = bucket.Properties?.BucketEncryption as
      | { ServerSideEncryptionConfiguration?: { ServerSideEncryptionByDefault?: { KMSMasterKeyID?: unknown } }[] }
      | undefined;
    const sourceKey = encryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault?.KMSMasterKeyID;
    if (sourceKey !== undefined) {
      roleFlow(ctx, role, 'kms:Decrypt', keyArn(stack, resolver.str(stack, sourceKey)), `${source} (source key)`, {
        'kms:ViaService': `s3.${stack.region}.amazonaws.com`,
        'kms:EncryptionContext:aws:s3:arn': `${sourceArn}/data/object`,
      });
    }
    for (const rule of config.Rules) {
      const destination = rule.Destination as {
        Bucket: unknown;
        EncryptionConfiguration?: { ReplicaKmsKeyID: unknown };
      };
      const destArn = resolver.str(stack, destination.Bucket);
      for (const action of ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'])
        roleFlow(ctx, role, action, `${destArn}/data/object`, source);
      if (destination.EncryptionConfiguration) {
        const replicaKey = resolver.str(stack, destination.EncryptionConfiguration.ReplicaKmsKeyID);
        roleFlow(ctx, role, 'kms:Encrypt', replicaKey, `${source} (replica key)`, {
          'kms:ViaService': `s3.${replicaKey.split(':')[3]}.amazonaws.com`,
          'kms:EncryptionContext:aws:s3:arn': `${destArn}/data/object`,
        });
      }
    }
  }
}

/** The trust `cdk bootstrap --trust <tooling>` gives its roles (https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html). */
function bootstrapTrust(toolingAccount: string, partition: string, roleArn: string): NamedPolicy {
  return {
    name: `assumed bootstrap trust of ${roleArn.split('/').pop()}`,
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:${partition}:iam::${toolingAccount}:root` },
          Action: 'sts:AssumeRole',
          Resource: roleArn,
        },
      ],
    },
  };
}

/**
 * The pipeline: its role assumes each action role; the source action uses the connection; the build actions
 * start their projects; the pipeline and every build read and write artifacts with the artifact key; deploy
 * builds assume the target's bootstrap roles; canary builds assume the workload account's canary role.
 */
function pipelineFlows(ctx: DeriveContext): void {
  const { stack, resolver } = ctx;
  for (const [id, pipeline] of resourcesOfType(stack, 'AWS::CodePipeline::Pipeline')) {
    const p = pipeline.Properties ?? {};
    const pipelineRole = roleFromArnValue(ctx, p.RoleArn);
    const store = p.ArtifactStore as { Location: unknown; EncryptionKey?: { Id: unknown } };
    const bucketArn = `arn:${stack.partition}:s3:::${resolver.str(stack, store.Location)}`;
    const artifactKey = store.EncryptionKey ? keyArn(stack, resolver.str(stack, store.EncryptionKey.Id)) : undefined;
    const artifactFlows = (role: RoleInfo, source: string, write: boolean): void => {
      roleFlow(ctx, role, 's3:GetObject', `${bucketArn}/artifacts/object`, source);
      if (write) roleFlow(ctx, role, 's3:PutObject', `${bucketArn}/artifacts/object`, source);
      if (!artifactKey) return;
      const via = {
        'kms:ViaService': `s3.${stack.region}.amazonaws.com`,
        'kms:EncryptionContext:aws:s3:arn': `${bucketArn}/artifacts/object`,
      };
      roleFlow(ctx, role, 'kms:Decrypt', artifactKey, `${source} (artifact key)`, via);
      if (write) roleFlow(ctx, role, 'kms:GenerateDataKey', artifactKey, `${source} (artifact key)`, via);
    };
    if (pipelineRole) artifactFlows(pipelineRole, `pipeline ${id}`, true);
    for (const stage of asArray(p.Stages as { Name: string; Actions: Record<string, unknown>[] }[])) {
      for (const action of stage.Actions) {
        const provider = (action.ActionTypeId as { Provider: string }).Provider;
        const actionRole = roleFromArnValue(ctx, action.RoleArn);
        const source = `pipeline ${stage.Name}/${String(action.Name)}`;
        if (pipelineRole && actionRole)
          roleFlow(ctx, pipelineRole, 'sts:AssumeRole', actionRole.arn, `${source} action role`);
        const config = (action.Configuration ?? {}) as Record<string, unknown>;
        if (provider === 'CodeStarSourceConnection' && actionRole) {
          const connection = resolver.str(stack, config.ConnectionArn);
          // The action's prefix is the connection ARN's service: codestar-connections or codeconnections
          // (https://docs.aws.amazon.com/dtconsole/latest/userguide/rename.html).
          roleFlow(ctx, actionRole, `${connection.split(':')[2]}:UseConnection`, connection, source);
          artifactFlows(actionRole, source, true);
        }
        if (provider === 'CodeBuild') {
          const projectId = (config.ProjectName as { Ref?: string })?.Ref;
          const project = projectId ? stack.template.Resources?.[projectId] : undefined;
          if (!projectId || !project) continue;
          const projectArn = resolver.arnOf(stack, projectId);
          if (actionRole)
            for (const a of ['codebuild:StartBuild', 'codebuild:BatchGetBuilds'])
              roleFlow(ctx, actionRole, a, projectArn, source);
          const buildRole = roleFromArnValue(ctx, project.Properties?.ServiceRole);
          if (!buildRole) continue;
          artifactFlows(buildRole, `${source} build`, false);
          const group = (
            project.Properties?.LogsConfig as { CloudWatchLogs?: { GroupName?: unknown; StreamName?: unknown } }
          )?.CloudWatchLogs;
          if (group?.GroupName !== undefined) {
            const groupName = resolver.str(stack, group.GroupName);
            const streamArn = `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${groupName}:log-stream:${resolver.str(stack, group.StreamName ?? 'build')}/1`;
            for (const a of ['logs:CreateLogStream', 'logs:PutLogEvents'])
              roleFlow(ctx, buildRole, a, streamArn, `${source} build logs`);
          }
          targetAccountFlows(ctx, stage.Name, String(action.Name), buildRole, `${source} build`);
        }
      }
    }
  }
}

/** Deploy, canary and integration builds reach into the stage's workload account. */
function targetAccountFlows(
  ctx: DeriveContext,
  stageName: string,
  actionName: string,
  buildRole: RoleInfo,
  source: string,
): void {
  const { resolver, stack } = ctx;
  const target = resolver.stack(stageName);
  if (!target) return;
  const roleArn = (account: string, region: string, kind: string): string =>
    `arn:${stack.partition}:iam::${account}:role/cdk-${BOOTSTRAP_QUALIFIER}-${kind}-role-${account}-${region}`;
  const bootstrapRow = (arn: string): void => {
    const note =
      "identity side simulated; the target trust is the bootstrap's (`cdk bootstrap --trust <tooling account>`), assumed";
    ctx.flows.push({
      stack: stack.stackId,
      source,
      caller: { kind: 'role', role: buildRole },
      action: 'sts:AssumeRole',
      resource: arn,
      resourceAccount: accountOfArn(arn, stack.account),
      context: { 'aws:SecureTransport': 'true' },
      assumedResourcePolicy: bootstrapTrust(stack.account, stack.partition, arn),
      note,
    });
  };
  if (actionName === 'Deploy') {
    // `cdk deploy <Env>` also deploys the stacks it depends on first.
    const envs = [target, ...dependencies(resolver, target)];
    for (const env of envs)
      for (const kind of ['deploy', 'file-publishing']) bootstrapRow(roleArn(env.account, env.region, kind));
  } else if (actionName === 'IntegrationChecks') {
    bootstrapRow(roleArn(target.account, target.region, 'lookup'));
  } else if (actionName === 'Canary') {
    for (const [roleId, role] of resourcesOfType(target, 'AWS::IAM::Role')) {
      const trust = JSON.stringify(resolver.deep(target, role.Properties?.AssumeRolePolicyDocument));
      if (!trust.includes(`arn:${stack.partition}:iam::${stack.account}:root`)) continue;
      const info = ctx.index.role(target, roleId);
      if (info) roleFlow(ctx, buildRole, 'sts:AssumeRole', info.arn, source);
    }
  }
}

/** Stacks `cdk deploy <stack>` deploys first: the cloud assembly's dependencies (Prod brings DrRegion up first). */
function dependencies(resolver: Resolver, stack: StackTemplate): StackTemplate[] {
  return stack.dependsOn
    .map((id) => resolver.stacks.find((s) => s.stackId === id))
    .filter((s): s is StackTemplate => s !== undefined);
}
