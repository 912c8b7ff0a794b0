import type { Flow } from './flows';
import { Resolver, UNRESOLVED } from './intrinsics';
import { PolicyIndex, RoleInfo } from './policies';
import { StackTemplate, isObject, resourcesOfType } from './templates';

/**
 * The AWS SDK calls each Lambda handler makes, declared from reading `lambdas/<name>/` (each `new XCommand`),
 * against the resource it touches. A function is recognised by the environment its handler reads (a handler
 * cannot run without it), and the resources come from that environment or from the custom resource that
 * drives it, resolved from the template. IAM action names per call are the Service Authorization
 * Reference's (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
 */
interface Call {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
  readonly why: string;
}

export function lambdaSdkFlows(
  resolver: Resolver,
  index: PolicyIndex,
  stack: StackTemplate,
  topicKey: (topicArn: string) => string | undefined,
): Flow[] {
  const flows: Flow[] = [];
  const arn = (service: string, resource: string, region = stack.region): string =>
    `arn:${stack.partition}:${service}:${region}:${stack.account}:${resource}`;
  for (const [fnId, fn] of resourcesOfType(stack, 'AWS::Lambda::Function')) {
    const roleRef = fn.Properties?.Role;
    const role: RoleInfo | undefined =
      isObject(roleRef) && Array.isArray(roleRef['Fn::GetAtt'])
        ? index.role(stack, String(roleRef['Fn::GetAtt'][0]))
        : undefined;
    const env = (resolver.deep(stack, (fn.Properties?.Environment as { Variables?: unknown })?.Variables) ??
      {}) as Record<string, string>;
    if (!role) continue;
    const calls: Call[] = [];
    const metrics = (why: string): void => {
      // PutMetricData supports only Resource "*"; the namespace is the cloudwatch:namespace condition key.
      if (env.METRIC_NAMESPACE)
        calls.push({
          action: 'cloudwatch:PutMetricData',
          resource: '*',
          context: { 'cloudwatch:namespace': env.METRIC_NAMESPACE },
          why,
        });
    };
    const publish = (topicArn: string, why: string): void => {
      calls.push({ action: 'sns:Publish', resource: topicArn, why });
      const key = topicKey(topicArn);
      // Publishing to an encrypted topic needs kms:GenerateDataKey* and kms:Decrypt on its key
      // (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#sns-what-permissions-for-sse).
      if (key)
        for (const action of ['kms:GenerateDataKey', 'kms:Decrypt'])
          calls.push({
            action,
            resource: key,
            context: {
              'kms:ViaService': `sns.${stack.region}.amazonaws.com`,
              'kms:EncryptionContext:aws:sns:topicArn': topicArn,
            },
            why: `${why} (topic key)`,
          });
    };
    let handler: string | undefined;

    if (env.KILL_SWITCH_SETTINGS) {
      handler = 'kill-switch';
      const s = JSON.parse(env.KILL_SWITCH_SETTINGS) as {
        parameterPrefix: string;
        switches: string[];
        noticeTopicArn?: string;
        nonCriticalServices: string[];
        nonCriticalFunctions: string[];
      };
      for (const name of s.switches) {
        const parameter = arn('ssm', `parameter/${`${s.parameterPrefix}${name}`.replace(/^\//, '')}`);
        for (const action of ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:GetParameterHistory'])
          calls.push({ action, resource: parameter, why: `switches.ts reads/flips switch ${name}` });
      }
      if (s.noticeTopicArn) publish(s.noticeTopicArn, 'switches.ts notice');
      for (const service of s.nonCriticalServices) {
        for (const action of ['ecs:DescribeServices', 'ecs:UpdateService'])
          calls.push({
            action,
            resource: arn('ecs', `service/${service}`),
            why: 'switches.ts scales a non-critical service',
          });
        for (const action of [
          'application-autoscaling:DescribeScalableTargets',
          'application-autoscaling:RegisterScalableTarget',
        ])
          calls.push({ action, resource: '*', why: 'switches.ts holds the service at zero' });
      }
      for (const name of s.nonCriticalFunctions) {
        for (const action of [
          'lambda:GetFunctionConcurrency',
          'lambda:PutFunctionConcurrency',
          'lambda:DeleteFunctionConcurrency',
        ])
          calls.push({ action, resource: arn('lambda', `function:${name}`), why: 'switches.ts throttles a function' });
      }
    } else if (env.STORES) {
      handler = 'backup-verifier';
      for (const store of JSON.parse(env.STORES) as Record<string, string>[]) {
        if (store.kind === 'rds-cluster') {
          const id = store.clusterIdentifier;
          if (/^arn:[^:]+:rds:[^:]+:\d+:db:/.test(id))
            calls.push({
              action: 'rds:DescribeDBInstances',
              resource: id,
              why: 'freshness.ts reads LatestRestorableTime',
            });
          else
            calls.push({
              action: 'rds:DescribeDBClusters',
              resource: id.startsWith('arn:') ? id : arn('rds', `cluster:${id.toLowerCase()}`),
              why: 'freshness.ts reads LatestRestorableTime',
            });
        } else if (store.kind === 'backup-vault') {
          calls.push({
            action: 'backup:ListRecoveryPointsByBackupVault',
            resource: arn('backup', `backup-vault:${store.vaultName}`),
            why: 'freshness.ts lists recovery points',
          });
        } else if (store.kind === 's3-bucket') {
          // ListObjectsV2 is authorized as s3:ListBucket (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html).
          calls.push({
            action: 's3:ListBucket',
            resource: `arn:${stack.partition}:s3:::${store.bucket}`,
            why: 'freshness.ts lists the newest object',
          });
        }
      }
      metrics('freshness.ts publishes the age');
    } else if (env.TEST_ENDPOINT_URL) {
      handler = 'deploy-hook';
      for (const [groupId, group] of deploymentGroupsInvoking(resolver, stack, fnId)) {
        const app = resolver.str(stack, group.Properties?.ApplicationName);
        calls.push({
          action: 'codedeploy:PutLifecycleEventHookExecutionStatus',
          resource: arn('codedeploy', `deploymentgroup:${app}/${resolver.physicalName(stack, groupId)}`),
          why: 'smoke-check.ts reports the hook result',
        });
      }
      if (env.AUTH_SECRET_ARN)
        calls.push({
          action: 'secretsmanager:GetSecretValue',
          resource: env.AUTH_SECRET_ARN,
          why: 'smoke-check.ts reads the journey token',
        });
    } else if (env.JOURNEYS) {
      handler = 'canary';
      if (env.CREDENTIALS_SECRET_ARN)
        calls.push({
          action: 'secretsmanager:GetSecretValue',
          resource: env.CREDENTIALS_SECRET_ARN,
          why: 'canary.ts reads the journey token',
        });
      metrics('canary.ts publishes success and latency');
    } else if (env.TRIGGER_STEP) {
      handler = `deployment-trigger (${env.TRIGGER_STEP})`;
      for (const [, trigger] of triggersOf(stack, fnId, 'Custom::BlueGreenDeployment')) {
        const p = resolver.deep(stack, trigger.Properties) as Record<string, string>;
        const groupArn = arn('codedeploy', `deploymentgroup:${p.ApplicationName}/${p.DeploymentGroupName}`);
        const steps =
          env.TRIGGER_STEP === 'start'
            ? ['codedeploy:CreateDeployment', 'codedeploy:GetDeployment', 'codedeploy:ListDeployments']
            : ['codedeploy:GetDeployment'];
        for (const action of steps) calls.push({ action, resource: groupArn, why: `trigger.ts ${env.TRIGGER_STEP}` });
        if (env.TRIGGER_STEP === 'start') {
          // CreateDeployment also needs the deployment configuration and the application revision
          // (https://docs.aws.amazon.com/codedeploy/latest/userguide/auth-and-access-control-permissions-reference.html).
          const config = deploymentConfigOf(resolver, stack, p.DeploymentGroupName);
          calls.push({
            action: 'codedeploy:GetDeploymentConfig',
            resource: arn('codedeploy', `deploymentconfig:${config}`),
            why: 'CreateDeployment reads the deployment config',
          });
          for (const action of ['codedeploy:RegisterApplicationRevision', 'codedeploy:GetApplicationRevision'])
            calls.push({
              action,
              resource: arn('codedeploy', `application:${p.ApplicationName}`),
              why: 'CreateDeployment registers the revision',
            });
          calls.push({
            action: 'ecs:DescribeServices',
            resource: arn('ecs', `service/${p.ClusterName}/${p.ServiceName}`),
            why: 'trigger.ts reads the PRIMARY task set',
          });
        }
      }
    } else if (env.SECONDARY_STEP) {
      handler = `aurora-secondary (${env.SECONDARY_STEP})`;
      for (const [, secondary] of triggersOf(stack, fnId, 'Custom::AuroraGlobalSecondary')) {
        const p = resolver.deep(stack, secondary.Properties) as Record<string, string>;
        const region = p.SecondaryRegion;
        const cluster = arn('rds', `cluster:${p.DBClusterIdentifier}`, region);
        const instance = arn('rds', `db:${p.DBInstanceIdentifier}`, region);
        calls.push({ action: 'rds:DescribeDBClusters', resource: cluster, why: 'secondary.ts polls the cluster' });
        calls.push({ action: 'rds:DescribeDBInstances', resource: instance, why: 'secondary.ts polls the instance' });
        if (env.SECONDARY_STEP === 'create') {
          calls.push({
            action: 'rds:CreateDBCluster',
            resource: cluster,
            why: 'secondary.ts creates the secondary cluster',
          });
          calls.push({
            action: 'rds:CreateDBCluster',
            resource: `arn:${stack.partition}:rds::${stack.account}:global-cluster:${p.GlobalClusterIdentifier}`,
            why: 'joins the global cluster',
          });
          calls.push({
            action: 'rds:CreateDBCluster',
            resource: arn('rds', `subgrp:${p.DBSubnetGroupName}`, region),
            why: 'in the DR subnet group',
          });
          calls.push({
            action: 'rds:CreateDBInstance',
            resource: instance,
            why: 'secondary.ts creates the reader instance',
          });
          // An encrypted cross-region secondary: RDS uses the DR key through grants
          // (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.Encryption.Keys.html).
          if (p.KmsKeyId && !p.KmsKeyId.startsWith(UNRESOLVED)) {
            for (const action of ['kms:CreateGrant', 'kms:DescribeKey'])
              calls.push({
                action,
                resource: p.KmsKeyId,
                context: { 'kms:ViaService': `rds.${region}.amazonaws.com` },
                why: 'the secondary is encrypted with the DR key',
              });
          }
        }
      }
    } else if (env.APPLICATION_NAME && env.DEPLOYMENT_GROUP_NAME) {
      handler = 'deployment-stopper';
      // ListDeployments on the deployment group; StopDeployment has no resource type, so "*"
      // (lib/service/deployment-stopper.ts cites the Service Authorization Reference).
      const groupArn = arn('codedeploy', `deploymentgroup:${env.APPLICATION_NAME}/${env.DEPLOYMENT_GROUP_NAME}`);
      calls.push({
        action: 'codedeploy:ListDeployments',
        resource: groupArn,
        why: "stopper.ts lists the group's deployments",
      });
      calls.push({
        action: 'codedeploy:StopDeployment',
        resource: '*',
        why: 'stopper.ts stops the deployment with auto-rollback',
      });
    } else if (env.REGION_SWITCH_ACTION_SETTINGS) {
      handler = 'region-switch-action';
      const s = JSON.parse(env.REGION_SWITCH_ACTION_SETTINGS) as {
        freezeParameterName: string;
        freezeParameterRegion: string;
        noticeTopicArn: string;
      };
      const parameter = arn('ssm', `parameter/${s.freezeParameterName.replace(/^\//, '')}`, s.freezeParameterRegion);
      for (const action of ['ssm:GetParameter', 'ssm:PutParameter'])
        calls.push({ action, resource: parameter, why: "action.ts turns Prod's deploy freeze on" });
      publish(s.noticeTopicArn, 'action.ts P2 notice');
    } else if (env.PLAN_HEALTH_CHECKS_PLAN_ARN) {
      handler = 'plan-health-checks';
      // ListRoute53HealthChecks requires the plan resource type, no condition keys
      // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_arc-region-switch.html).
      calls.push({
        action: 'arc-region-switch:ListRoute53HealthChecks',
        resource: env.PLAN_HEALTH_CHECKS_PLAN_ARN,
        why: "pick.ts lists the plan's Route 53 health checks",
      });
    } else if (env.DB_INSTANCE_STEP_SETTINGS) {
      handler = 'region-switch-db-instance';
      const s = JSON.parse(env.DB_INSTANCE_STEP_SETTINGS) as Record<string, string>;
      const instance = arn('rds', `db:${s.instanceIdentifier}`);
      calls.push({ action: 'rds:DescribeDBInstances', resource: instance, why: 'instance.ts reads the instance' });
      for (const resource of [instance, arn('rds', `cluster:${s.clusterIdentifier}`)])
        calls.push({
          action: 'rds:CreateDBInstance',
          resource,
          why: 'instance.ts adds the headless secondary instance',
        });
      calls.push({ action: 'rds:AddTagsToResource', resource: instance, why: 'instance.ts tags it at creation' });
      calls.push({
        action: 'kms:CreateGrant',
        resource: s.kmsKeyArn,
        context: { 'kms:ViaService': `rds.${stack.region}.amazonaws.com` },
        why: 'Performance Insights of the instance is encrypted with the DR key',
      });
    } else if (env.DRILL_SETTINGS) {
      handler = 'dr-drill';
      const s = JSON.parse(env.DRILL_SETTINGS) as Record<string, string> & { replicationLag?: unknown };
      // Which entry of lambdas/dr-drill/index.ts: the measuring trigger, or a switchover leg's onEvent / isComplete.
      const step = env.DRILL_STEP ?? 'measure';
      const bucket = `arn:${stack.partition}:s3:::${s.reportBucket}`;
      for (const action of ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'])
        calls.push({
          action,
          resource: `${bucket}/${s.reportPrefix ?? 'drills/'}report.json`,
          why: 'drill.ts writes the report and its lock',
        });
      // Region switch actions all take the plan resource type
      // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_arc-region-switch.html).
      const plan = (actions: string[], why: string) => {
        for (const action of actions) calls.push({ action, resource: s.planArn, why });
      };
      if (step !== 'switchover-wait') {
        if (s.replicaBucket)
          calls.push({
            action: 's3:ListBucket',
            resource: `arn:${stack.partition}:s3:::${s.replicaBucket}`,
            why: 'drill.ts checks replica freshness',
          });
        if (s.vaultName)
          calls.push({
            action: 'backup:ListRecoveryPointsByBackupVault',
            resource: arn('backup', `backup-vault:${s.vaultName}`),
            why: 'drill.ts checks recovery points',
          });
        if (s.replicationLag)
          calls.push({ action: 'cloudwatch:GetMetricData', resource: '*', why: 'readiness.ts reads the lag' });
        if (s.planArn) plan(['arc-region-switch:GetPlanEvaluationStatus'], 'readiness.ts reads the evaluation');
      }
      if (step === 'switchover-start')
        plan(
          ['arc-region-switch:ListPlanExecutions', 'arc-region-switch:StartPlanExecution'],
          'switchover.ts starts a leg',
        );
      if (step === 'switchover-wait')
        plan(
          ['arc-region-switch:GetPlanExecution', 'arc-region-switch:ListPlanExecutionEvents'],
          'switchover.ts measures a leg',
        );
      if (step === 'measure') {
        // Route 53 ARNs carry no region or account (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonroute53.html).
        calls.push({
          action: 'route53:ListResourceRecordSets',
          resource: `arn:${stack.partition}:route53:::hostedzone/${s.hostedZoneId}`,
          why: 'drill.ts reads the failover records',
        });
        for (const action of ['route53:GetHealthCheck', 'route53:UpdateHealthCheck', 'route53:GetHealthCheckStatus']) {
          calls.push({
            action,
            resource: `arn:${stack.partition}:route53:::healthcheck/${s.drillHealthCheckId}`,
            why: 'drill.ts drives the drill health check',
          });
        }
        calls.push({ action: 'route53:TestDNSAnswer', resource: '*', why: 'drill.ts checks the answer' });
      }
      metrics('drill.ts publishes the measurements');
    } else if (env.INCIDENT_SETTINGS) {
      handler = 'incident-recorder';
      const s = JSON.parse(env.INCIDENT_SETTINGS) as { tableName: string; metricNamespace: string };
      const table = arn('dynamodb', `table/${s.tableName}`);
      for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query']) {
        calls.push({ action, resource: table, why: 'store.ts stores events, derives and writes records' });
      }
      const index = `${table}/index/byStatus`;
      calls.push({ action: 'dynamodb:Query', resource: index, why: 'store.ts reads open and resolved records' });
      // DynamoDB uses the table's key on the caller's behalf
      // (https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html).
      for (const [, t] of resourcesOfType(stack, 'AWS::DynamoDB::Table')) {
        if (resolver.str(stack, t.Properties?.TableName) !== s.tableName) continue;
        const sse = t.Properties?.SSESpecification as { KMSMasterKeyId?: unknown } | undefined;
        const key = resolver.str(stack, sse?.KMSMasterKeyId);
        const viaDynamoDb = { 'kms:ViaService': `dynamodb.${stack.region}.amazonaws.com` };
        for (const action of ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']) {
          calls.push({ action, resource: key, context: viaDynamoDb, why: 'the table key, through DynamoDB' });
        }
      }
      const namespace = { 'cloudwatch:namespace': s.metricNamespace };
      const why = 'store.ts publishes MTTD/MTTA/MTTR';
      calls.push({ action: 'cloudwatch:PutMetricData', resource: '*', context: namespace, why });
    } else if (env.WEEKLY_REPORT_SETTINGS) {
      handler = 'weekly-report';
      const s = JSON.parse(env.WEEKLY_REPORT_SETTINGS) as {
        incidents: { tableName: string };
        deploymentGroup: { application: string; group: string };
        logGroupName: string;
        archive: { bucket: string; prefix: string };
        noticeTopicArn: string;
      };
      const why = (file: string, what: string) => `${file} ${what}`;
      calls.push({ action: 'cloudwatch:GetMetricData', resource: '*', why: why('gather.ts', 'reads the metrics') });
      const group = arn('codedeploy', `deploymentgroup:${s.deploymentGroup.application}/${s.deploymentGroup.group}`);
      for (const action of ['codedeploy:ListDeployments', 'codedeploy:BatchGetDeployments'])
        calls.push({ action, resource: group, why: why('ops-data.ts', "lists the week's deployments") });
      const table = arn('dynamodb', `table/${s.incidents.tableName}`);
      const index = `${table}/index/byStatus`;
      calls.push({
        action: 'dynamodb:Query',
        resource: index,
        why: why('store.ts', 'reads open and resolved records'),
      });
      for (const [, t] of resourcesOfType(stack, 'AWS::DynamoDB::Table')) {
        if (resolver.str(stack, t.Properties?.TableName) !== s.incidents.tableName) continue;
        const sse = t.Properties?.SSESpecification as { KMSMasterKeyId?: unknown } | undefined;
        const viaDynamoDb = { 'kms:ViaService': `dynamodb.${stack.region}.amazonaws.com` };
        const resource = resolver.str(stack, sse?.KMSMasterKeyId);
        calls.push({ action: 'kms:Decrypt', resource, context: viaDynamoDb, why: 'the incident table key' });
      }
      const logGroup = arn('logs', `log-group:${s.logGroupName}`);
      for (const action of ['logs:StartQuery', 'logs:GetQueryResults'])
        calls.push({ action, resource: logGroup, why: why('gather.ts', 'runs the top-errors query') });
      calls.push({ action: 'ce:GetCostAndUsage', resource: '*', why: why('gather.ts', 'reads the daily cost') });
      const bucketArn = `arn:${stack.partition}:s3:::${s.archive.bucket}`;
      const markdownKey = `${s.archive.prefix}2026-W47.md`;
      calls.push({
        action: 's3:ListBucket',
        resource: bucketArn,
        context: { 's3:prefix': markdownKey },
        why: why('handle.ts', "looks for the week's report"),
      });
      for (const key of [markdownKey, `${s.archive.prefix}2026-W47.html`])
        calls.push({
          action: 's3:PutObject',
          resource: `${bucketArn}/${key}`,
          why: why('handle.ts', 'writes the report'),
        });
      for (const [, b] of resourcesOfType(stack, 'AWS::S3::Bucket')) {
        if (resolver.str(stack, b.Properties?.BucketName) !== s.archive.bucket) continue;
        const encryption = b.Properties?.BucketEncryption as
          | { ServerSideEncryptionConfiguration?: { ServerSideEncryptionByDefault?: { KMSMasterKeyID?: unknown } }[] }
          | undefined;
        const key = encryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault?.KMSMasterKeyID;
        const viaS3 = { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` };
        const resource = resolver.str(stack, key);
        calls.push({ action: 'kms:GenerateDataKey', resource, context: viaS3, why: 'the archive key, through S3' });
      }
      publish(s.noticeTopicArn, 'handle.ts P3 notice');
    }

    if (!handler) continue;
    for (const call of calls) {
      flows.push({
        stack: stack.stackId,
        source: `${handler} Lambda: ${call.why}`,
        caller: { kind: 'role', role },
        action: call.action,
        resource: call.resource,
        resourceAccount:
          call.resource.split(':')[4] && /^\d{12}$/.test(call.resource.split(':')[4])
            ? call.resource.split(':')[4]
            : stack.account,
        context: { 'aws:SecureTransport': 'true', ...(call.context ?? {}) },
      });
    }
  }
  return flows;
}

/** The custom resources a provider's step function serves: same construct path (logical id prefix). */
function triggersOf(
  stack: StackTemplate,
  fnId: string,
  type: string,
): [string, { Properties?: Record<string, unknown> }][] {
  return resourcesOfType(stack, type).filter(([id]) =>
    fnId.startsWith(id.replace(/[0-9A-F]{8}$/, '').replace(/(Secondary|Trigger)$/, '')),
  );
}

function deploymentGroupsInvoking(
  resolver: Resolver,
  stack: StackTemplate,
  fnId: string,
): [string, { Properties?: Record<string, unknown> }][] {
  const fnName = resolver.physicalName(stack, fnId);
  const groups: [string, { Properties?: Record<string, unknown> }][] = [];
  for (const [, trigger] of resourcesOfType(stack, 'Custom::BlueGreenDeployment')) {
    if (resolver.str(stack, trigger.Properties?.AfterAllowTestTrafficHook) !== fnName) continue;
    const groupName = resolver.str(stack, trigger.Properties?.DeploymentGroupName);
    for (const [groupId, group] of resourcesOfType(stack, 'AWS::CodeDeploy::DeploymentGroup')) {
      if (resolver.physicalName(stack, groupId) === groupName) groups.push([groupId, group]);
    }
  }
  return groups;
}

function deploymentConfigOf(resolver: Resolver, stack: StackTemplate, groupName: string): string {
  for (const [groupId, group] of resourcesOfType(stack, 'AWS::CodeDeploy::DeploymentGroup')) {
    if (resolver.physicalName(stack, groupId) !== groupName) continue;
    const config = group.Properties?.DeploymentConfigName;
    // Without one, an ECS deployment group uses CodeDeployDefault.ECSAllAtOnce (AWS::CodeDeploy::DeploymentGroup).
    return config === undefined ? 'CodeDeployDefault.ECSAllAtOnce' : resolver.str(stack, config);
  }
  return `${UNRESOLVED}(deployment config of ${groupName})`;
}
