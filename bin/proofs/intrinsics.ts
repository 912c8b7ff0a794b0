import { CfnResource, StackTemplate, isObject } from './templates';

/**
 * Resolve CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split,
 * Fn::GetStackOutput, Fn::ImportValue) to the strings AWS would produce, with each stack's account,
 * region and partition. Ref and GetAtt return values follow each type's "Return values" section of the
 * CloudFormation template reference (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/
 * aws-resource-sns-topic.html#aws-resource-sns-topic-return-values and its siblings per type).
 *
 * A resource without a physical name gets the name CloudFormation would generate in shape
 * (`<stack>-<logicalId>-<suffix>`); that is an assumption about the exact text, not about the shape.
 * Whatever cannot be resolved becomes `UNRESOLVED(<what>)` so a check can name it instead of guessing.
 */
export const UNRESOLVED = 'UNRESOLVED';

export class Resolver {
  private readonly byName: Map<string, StackTemplate>;

  constructor(readonly stacks: readonly StackTemplate[]) {
    this.byName = new Map(stacks.map((s) => [s.stackName, s]));
  }

  stack(stackName: string): StackTemplate | undefined {
    return this.byName.get(stackName);
  }

  /** Resolve a value to a string (arrays and objects are resolved deeply by `deep`). */
  str(stack: StackTemplate, value: unknown): string {
    const out = this.value(stack, value);
    return typeof out === 'string'
      ? out
      : typeof out === 'number' || typeof out === 'boolean'
        ? String(out)
        : `${UNRESOLVED}(${JSON.stringify(value)})`;
  }

  /** Resolve every intrinsic inside a JSON value (policy documents, environment variables). */
  deep(stack: StackTemplate, value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.deep(stack, v));
    if (isObject(value)) {
      if (isIntrinsic(value)) return this.value(stack, value);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.deep(stack, v)]));
    }
    return value;
  }

  private value(stack: StackTemplate, value: unknown): unknown {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
    if (Array.isArray(value)) return value.map((v) => this.value(stack, v));
    if (!isObject(value)) return `${UNRESOLVED}(${String(value)})`;
    if ('Ref' in value) return this.ref(stack, String(value.Ref));
    if ('Fn::GetAtt' in value) {
      const att = value['Fn::GetAtt'];
      const [id, attr] = Array.isArray(att) ? [String(att[0]), String(att[1])] : String(att).split(/\.(.+)/);
      return this.getAtt(stack, id, attr);
    }
    if ('Fn::Join' in value) {
      const [sep, parts] = value['Fn::Join'] as [string, unknown];
      const list = this.value(stack, parts);
      return Array.isArray(list) ? list.map((p) => this.str(stack, p)).join(sep) : `${UNRESOLVED}(Fn::Join)`;
    }
    if ('Fn::Sub' in value) return this.sub(stack, value['Fn::Sub']);
    if ('Fn::Select' in value) {
      const [index, list] = value['Fn::Select'] as [unknown, unknown];
      const items = this.value(stack, list);
      return Array.isArray(items) ? items[Number(this.str(stack, index))] : `${UNRESOLVED}(Fn::Select)`;
    }
    if ('Fn::Split' in value) {
      const [sep, text] = value['Fn::Split'] as [string, unknown];
      return this.str(stack, text).split(sep);
    }
    if ('Fn::GetStackOutput' in value) {
      const spec = value['Fn::GetStackOutput'] as { StackName: unknown; OutputName: unknown };
      const other = this.stack(this.str(stack, spec.StackName));
      const output = other?.template.Outputs?.[this.str(stack, spec.OutputName)];
      return other && output
        ? this.value(other, output.Value)
        : `${UNRESOLVED}(Fn::GetStackOutput ${JSON.stringify(spec)})`;
    }
    if ('Fn::ImportValue' in value) {
      const name = this.str(stack, value['Fn::ImportValue']);
      for (const other of this.stacks) {
        for (const output of Object.values(other.template.Outputs ?? {})) {
          if (output.Export && this.str(other, output.Export.Name) === name) return this.value(other, output.Value);
        }
      }
      return `${UNRESOLVED}(Fn::ImportValue ${name})`;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.value(stack, v)]));
  }

  private sub(stack: StackTemplate, spec: unknown): string {
    const [text, vars] = Array.isArray(spec)
      ? [String(spec[0]), (spec[1] ?? {}) as Record<string, unknown>]
      : [String(spec), {}];
    return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
      if (name in vars) return this.str(stack, vars[name]);
      const [id, attr] = name.split(/\.(.+)/);
      return attr ? this.str(stack, { 'Fn::GetAtt': [id, attr] }) : this.str(stack, { Ref: id });
    });
  }

  ref(stack: StackTemplate, id: string): unknown {
    switch (id) {
      case 'AWS::AccountId':
        return stack.account;
      case 'AWS::Region':
        return stack.region;
      case 'AWS::Partition':
        return stack.partition;
      case 'AWS::URLSuffix':
        return stack.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
      case 'AWS::StackName':
        return stack.stackName;
      case 'AWS::StackId':
        return `arn:${stack.partition}:cloudformation:${stack.region}:${stack.account}:stack/${stack.stackName}/00000000-0000-0000-0000-000000000000`;
      case 'AWS::NoValue':
        return undefined;
    }
    const resource = stack.template.Resources?.[id];
    if (!resource) return `${UNRESOLVED}(Ref ${id})`;
    const returnsArn = new Set([
      'AWS::SNS::Topic',
      'AWS::ECS::Service',
      'AWS::ECS::TaskDefinition',
      'AWS::SecretsManager::Secret',
      'AWS::StepFunctions::StateMachine',
      'AWS::CodeStarNotifications::NotificationRule',
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
      'AWS::ElasticLoadBalancingV2::Listener',
      'AWS::ElasticLoadBalancingV2::TargetGroup',
      'AWS::IAM::ManagedPolicy',
    ]);
    if (returnsArn.has(resource.Type)) return this.arnOf(stack, id);
    // A secret's target attachment's Ref is the attached secret's ARN.
    if (resource.Type === 'AWS::SecretsManager::SecretTargetAttachment')
      return this.str(stack, resource.Properties?.SecretId);
    if (resource.Type === 'AWS::KMS::Key') return keyIdOf(id);
    return this.physicalName(stack, id);
  }

  getAtt(stack: StackTemplate, id: string, attr: string): unknown {
    const resource = stack.template.Resources?.[id];
    if (!resource) return `${UNRESOLVED}(GetAtt ${id}.${attr})`;
    const p = resource.Properties ?? {};
    switch (`${resource.Type}.${attr}`) {
      case 'AWS::SNS::Topic.TopicArn':
        return this.arnOf(stack, id);
      case 'AWS::SNS::Topic.TopicName':
      case 'AWS::ECS::Service.Name':
      case 'AWS::Backup::BackupVault.BackupVaultName':
      case 'AWS::StepFunctions::StateMachine.Name':
        return this.physicalName(stack, id);
      case 'AWS::KMS::Key.KeyId':
        return keyIdOf(id);
      case 'AWS::ECS::Service.ServiceArn':
      case 'AWS::Backup::BackupVault.BackupVaultArn':
      case 'AWS::RDS::DBCluster.DBClusterArn':
      case 'AWS::RDS::DBInstance.DBInstanceArn':
        return this.arnOf(stack, id);
      case 'AWS::RDS::GlobalCluster.GlobalClusterArn':
        return this.arnOf(stack, id);
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer.DNSName':
        return `${this.physicalName(stack, id)}-123456789.${stack.region}.elb.amazonaws.com`;
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer.LoadBalancerFullName':
        return `app/${this.physicalName(stack, id)}/0123456789abcdef`;
      case 'AWS::ElasticLoadBalancingV2::TargetGroup.TargetGroupFullName':
        return `targetgroup/${this.physicalName(stack, id)}/0123456789abcdef`;
      case 'AWS::ElasticLoadBalancingV2::TargetGroup.TargetGroupName':
        return this.physicalName(stack, id);
      case 'AWS::IAM::Role.RoleId':
        return `AROA${id.toUpperCase().slice(0, 17)}`;
      case 'AWS::EC2::SecurityGroup.GroupId':
        return `sg-${hex(id, 17)}`;
      case 'AWS::EC2::VPC.DefaultSecurityGroup':
        return `sg-${hex(`${id}default`, 17)}`;
      case 'AWS::EC2::VPC.CidrBlock':
        return this.str(stack, p.CidrBlock);
      case 'AWS::Route53::HealthCheck.HealthCheckId':
        return `${hex(id, 8)}-0000-0000-0000-000000000000`;
    }
    if (attr === 'Arn') return this.arnOf(stack, id);
    return `${UNRESOLVED}(GetAtt ${id}.${attr})`;
  }

  /** The physical name: the template's name property, else a name in CloudFormation's generated shape. */
  physicalName(stack: StackTemplate, id: string): string {
    const resource = stack.template.Resources?.[id] as CfnResource;
    const property = NAME_PROPERTY[resource.Type];
    const given = property ? resource.Properties?.[property] : undefined;
    if (given !== undefined) return this.str(stack, given);
    if (resource.Type === 'AWS::RDS::DBCluster' || resource.Type === 'AWS::RDS::DBInstance')
      return `${stack.stackName}-${id}-gen`.toLowerCase();
    if (resource.Type === 'AWS::S3::Bucket') return `${stack.stackName}-${id}-gen`.toLowerCase().slice(0, 63);
    return `${stack.stackName}-${id}-GEN0000001`;
  }

  /** The ARN AWS gives a resource of this type (the Service Authorization Reference's shape for it). */
  arnOf(stack: StackTemplate, id: string): string {
    const resource = stack.template.Resources?.[id];
    if (!resource) return `${UNRESOLVED}(Arn ${id})`;
    const { partition: p, region: r, account: a } = stack;
    const name = (): string => this.physicalName(stack, id);
    const props = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::SNS::Topic':
        return `arn:${p}:sns:${r}:${a}:${name()}`;
      case 'AWS::Lambda::Function':
        return `arn:${p}:lambda:${r}:${a}:function:${name()}`;
      case 'AWS::IAM::Role': {
        const rolePath = props.Path ? this.str(stack, props.Path) : '/';
        return `arn:${p}:iam::${a}:role${rolePath}${name()}`;
      }
      case 'AWS::IAM::ManagedPolicy':
        return `arn:${p}:iam::${a}:policy/${name()}`;
      case 'AWS::S3::Bucket':
        return `arn:${p}:s3:::${name()}`;
      case 'AWS::Logs::LogGroup':
        // GetAtt Arn of a log group ends in ":*" (AWS::Logs::LogGroup return values).
        return `arn:${p}:logs:${r}:${a}:log-group:${name()}:*`;
      case 'AWS::KMS::Key':
        return `arn:${p}:kms:${r}:${a}:key/${keyIdOf(id)}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:${p}:states:${r}:${a}:stateMachine:${name()}`;
      case 'AWS::CodeBuild::Project':
        return `arn:${p}:codebuild:${r}:${a}:project/${name()}`;
      case 'AWS::Events::Rule':
        return `arn:${p}:events:${r}:${a}:rule/${name()}`;
      case 'AWS::CloudWatch::Alarm':
      case 'AWS::CloudWatch::CompositeAlarm':
        return `arn:${p}:cloudwatch:${r}:${a}:alarm:${name()}`;
      case 'AWS::Backup::BackupVault':
        return `arn:${p}:backup:${r}:${a}:backup-vault:${name()}`;
      case 'AWS::RDS::DBCluster':
        return `arn:${p}:rds:${r}:${a}:cluster:${name().toLowerCase()}`;
      case 'AWS::RDS::DBInstance':
        return `arn:${p}:rds:${r}:${a}:db:${name().toLowerCase()}`;
      case 'AWS::RDS::GlobalCluster':
        return `arn:${p}:rds::${a}:global-cluster:${name()}`;
      case 'AWS::ECS::Service':
        return `arn:${p}:ecs:${r}:${a}:service/${this.str(stack, props.Cluster)}/${name()}`;
      case 'AWS::ECS::Cluster':
        return `arn:${p}:ecs:${r}:${a}:cluster/${name()}`;
      case 'AWS::ECS::TaskDefinition':
        return `arn:${p}:ecs:${r}:${a}:task-definition/${props.Family ? this.str(stack, props.Family) : name()}:1`;
      case 'AWS::SecretsManager::Secret':
        // Secrets Manager appends a hyphen and six random characters to the name.
        return `arn:${p}:secretsmanager:${r}:${a}:secret:${name()}-AbCdEf`;
      case 'AWS::CodeStarNotifications::NotificationRule':
        return `arn:${p}:codestar-notifications:${r}:${a}:notificationrule/${hex(id, 40)}`;
      case 'AWS::CodePipeline::Pipeline':
        return `arn:${p}:codepipeline:${r}:${a}:${name()}`;
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
        return `arn:${p}:elasticloadbalancing:${r}:${a}:loadbalancer/app/${name()}/0123456789abcdef`;
      case 'AWS::ElasticLoadBalancingV2::Listener': {
        const lb = this.str(stack, props.LoadBalancerArn).split(':loadbalancer/')[1] ?? 'app/unknown/0';
        return `arn:${p}:elasticloadbalancing:${r}:${a}:listener/${lb}/${hex(id, 16)}`;
      }
      case 'AWS::ElasticLoadBalancingV2::TargetGroup':
        return `arn:${p}:elasticloadbalancing:${r}:${a}:targetgroup/${name()}/${hex(id, 16)}`;
      case 'AWS::SSM::Parameter':
        return `arn:${p}:ssm:${r}:${a}:parameter/${name().replace(/^\//, '')}`;
      case 'AWS::CodeDeploy::Application':
        return `arn:${p}:codedeploy:${r}:${a}:application:${name()}`;
      case 'AWS::Route53::HealthCheck':
        return `arn:${p}:route53:::healthcheck/${this.str(stack, { 'Fn::GetAtt': [id, 'HealthCheckId'] })}`;
      case 'AWS::Route53::HostedZone':
        return `arn:${p}:route53:::hostedzone/${name()}`;
      case 'AWS::ARCRegionSwitch::Plan':
        // No Region; Region switch appends ':' and six characters to the name (the plan pattern in
        // https://docs.aws.amazon.com/arc-region-switch/latest/api/API_StartPlanExecution.html), as flows.ts does.
        return `arn:${p}:arc-region-switch::${a}:plan/${this.str(stack, props.Name)}:abc123`;
    }
    return `${UNRESOLVED}(Arn of ${resource.Type} ${id})`;
  }
}

/** Which property holds a type's physical name. */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::SNS::Topic': 'TopicName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::SSM::Parameter': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::CodeBuild::Project': 'Name',
  'AWS::CodePipeline::Pipeline': 'Name',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::RDS::DBCluster': 'DBClusterIdentifier',
  'AWS::RDS::DBInstance': 'DBInstanceIdentifier',
  'AWS::RDS::GlobalCluster': 'GlobalClusterIdentifier',
  'AWS::RDS::DBSubnetGroup': 'DBSubnetGroupName',
  'AWS::CodeDeploy::Application': 'ApplicationName',
  'AWS::CodeDeploy::DeploymentGroup': 'DeploymentGroupName',
  'AWS::CodeDeploy::DeploymentConfig': 'DeploymentConfigName',
  'AWS::ECS::Service': 'ServiceName',
  'AWS::ECS::Cluster': 'ClusterName',
  'AWS::Backup::BackupVault': 'BackupVaultName',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::CloudWatch::CompositeAlarm': 'AlarmName',
  'AWS::CodeStarNotifications::NotificationRule': 'Name',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 'Name',
  'AWS::ElasticLoadBalancingV2::TargetGroup': 'Name',
  'AWS::Route53::HostedZone': 'Name',
};

function isIntrinsic(value: Record<string, unknown>): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

/** A stable key id in the UUID shape KMS uses, derived from the logical id. */
function keyIdOf(logicalId: string): string {
  const h = hex(logicalId, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function hex(seed: string, length: number): string {
  let out = '';
  let state = 2166136261;
  while (out.length < length) {
    for (const ch of `${seed}${out.length}`) state = Math.imul(state ^ ch.charCodeAt(0), 16777619) >>> 0;
    out += state.toString(16).padStart(8, '0');
  }
  return out.slice(0, length);
}
