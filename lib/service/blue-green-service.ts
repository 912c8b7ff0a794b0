import { Duration, Fn, Lazy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DEPLOYMENT_WAIT_LIMIT_MINUTES, EnvironmentConfig, ServiceConfig, TrafficConfig } from '../../config';
import { probeJourneys, SERVICE_HOSTNAME_VARIABLE } from '../canary/probe-journeys';
import { BulwarkFunction } from '../common/bulwark-function';
import { Naming } from '../common/naming';
import { ControlTowerRule, acknowledgeControlTower, acknowledgeShortLogRetention } from '../common/control-tower';
import { DeploymentStopper } from './deployment-stopper';
import {
  DataProtection,
  generatedNameRemovalPolicy,
  logRetentionDays,
  statefulRemovalPolicy,
} from '../common/protection';
import { ServiceSignals } from '../monitoring/service-signals';
import { SUBNET_GROUPS, retentionDays } from '../network/network';
import { DeploymentTrigger } from './deployment-trigger';
import { LiveTargetGroups } from './live-target-groups';

/** The slice of the service config this construct reads. */
export type BlueGreenServiceConfig = Pick<
  ServiceConfig,
  | 'name'
  | 'domainName'
  | 'image'
  | 'containerPort'
  | 'healthCheckPath'
  | 'journeys'
  | 'runAsUser'
  | 'readonlyRootFilesystem'
>;
/** The slice of the environment config this construct reads. */
export type BlueGreenEnvironmentConfig = Pick<EnvironmentConfig, 'name' | 'service' | 'deployment'>;

export interface BlueGreenServiceProps {
  readonly service: BlueGreenServiceConfig;
  readonly environment: BlueGreenEnvironmentConfig;
  readonly vpc: ec2.IVpc;
  /**
   * Public addresses of the VPC's NAT gateways (`Network.natEgressIps`): the smoke check in the private subnets
   * reaches the internet-facing load balancer through them, so the test listener admits exactly these.
   */
  readonly natEgressIps: readonly string[];
  readonly naming: Naming;
  readonly protection: DataProtection;
  /** Tasks to run; the DR stack passes 0 for a pilot light. @default environment.service.desiredCount */
  readonly desiredCount?: number;
  /** Plain (non-secret) settings for the container, such as kill-switch parameter names. @default none */
  readonly environmentVariables?: Record<string, string>;
  /** Secrets injected by ECS at task start (the database secret); the execution role may read exactly these. @default none */
  readonly secrets?: Record<string, ecs.Secret>;
  /** Secret holding the bearer token for authenticated journeys in the smoke check. @default authenticated journeys are skipped in the smoke check */
  readonly smokeCheckAuthSecret?: secretsmanager.ISecret;
}

/** The application container's name, used by the target groups and the AppSpec. */
export const CONTAINER_NAME = 'app';

/** `orders-prod`, `orders-dr`: the ECS cluster's and the service's name. */
export function serviceBaseName(naming: Naming): string {
  return naming.resource('').replace(/-$/, '');
}

/** `/ecs/orders-prod`: the container log group (the weekly report's Logs Insights query reads it). */
export function containerLogGroupName(naming: Naming): string {
  return `/ecs/${serviceBaseName(naming)}`;
}

/**
 * The service, deployed blue/green by CodeDeploy: Fargate tasks in the private subnets behind an
 * internet-facing ALB with a production listener and a VPC-only test listener, two target groups,
 * a deployment group that shifts traffic per the environment's policy and rolls back on alarms, a
 * smoke-check hook that walks the journeys on the test listener before any production traffic moves,
 * and a deploy trigger so that `cdk deploy` of a new task definition is a CodeDeploy deployment.
 */
export class BlueGreenService extends Construct {
  readonly cluster: ecs.Cluster;
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly taskRole: iam.Role;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly productionListener: elbv2.ApplicationListener;
  readonly testListener: elbv2.ApplicationListener;
  readonly blueTargetGroup: elbv2.ApplicationTargetGroup;
  readonly greenTargetGroup: elbv2.ApplicationTargetGroup;
  readonly deploymentGroup: codedeploy.EcsDeploymentGroup;
  readonly smokeCheck: BulwarkFunction;
  readonly containerLogGroup: logs.LogGroup;
  readonly accessLogBucket: s3.Bucket;
  readonly signals: ServiceSignals;
  /** `http(s)://<ALB DNS name>` of the production listener. */
  readonly endpointUrl: string;
  /** `http(s)://<ALB DNS name>:<test port>`, reachable only from the VPC's NAT gateway addresses. */
  readonly testEndpointUrl: string;
  /**
   * With a certificate, the name probes send as TLS server name and Host and verify the certificate against:
   * `service.domainName`, which the certificate covers (the ALB's DNS name is not). @default none (plain HTTP)
   */
  readonly serviceHostname?: string;
  private deploymentAlarmCount = 0;
  /** Rolls back on a deployment alarm's state-change event; created with the first deployment alarm. */
  private deploymentStopper?: DeploymentStopper;
  private readonly protection: DataProtection;

  constructor(scope: Construct, id: string, props: BlueGreenServiceProps) {
    super(scope, id);
    const { service, environment, naming, protection, vpc } = props;
    this.protection = protection;
    const size = environment.service;
    const baseName = serviceBaseName(naming);

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      clusterName: baseName,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    this.containerLogGroup = new logs.LogGroup(this, 'ContainerLogs', {
      logGroupName: containerLogGroupName(naming),
      retention: retentionDays(logRetentionDays(protection, size.logRetentionDays)),
      removalPolicy: statefulRemovalPolicy(protection),
    });
    acknowledgeShortLogRetention(this.containerLogGroup, protection);

    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Role of the ${baseName} application; holds only what other capabilities grant it`,
    });
    const executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `ECS agent role of ${baseName}: pull the image, write the container log group, read the task's secrets`,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: baseName,
      cpu: size.cpu,
      memoryLimitMiB: size.memoryMiB,
      taskRole: this.taskRole,
      executionRole,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const container = this.taskDefinition.addContainer('App', {
      containerName: CONTAINER_NAME,
      image: ecs.ContainerImage.fromRegistry(service.image),
      portMappings: [{ containerPort: service.containerPort }],
      // Not root, and no writes to the image's filesystem (Control Tower CT.ECS.PR.3 and CT.ECS.PR.6): a compromised
      // process can neither change the image's binaries nor act as root in the task. The image must support both
      // (see service.runAsUser in config/schema.ts).
      user: service.runAsUser,
      readonlyRootFilesystem: service.readonlyRootFilesystem,
      // A container hard limit (CT.ECS.PR.7) equal to the task's memory: a runaway process is stopped by ECS alone.
      memoryLimitMiB: size.memoryMiB,
      logging: ecs.LogDrivers.awsLogs({
        logGroup: this.containerLogGroup,
        streamPrefix: 'app',
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
      }),
      environment: props.environmentVariables,
      secrets: props.secrets,
      stopTimeout: Duration.seconds(30),
    });
    if (props.environmentVariables && Object.keys(props.environmentVariables).length > 0) {
      Validations.of(this.taskDefinition).acknowledge({
        id: 'AwsSolutions-ECS2',
        reason:
          'Only non-secret settings (parameter names, feature names) are passed as environment variables; secrets go through ECS secrets from Secrets Manager.',
      });
    }

    // Load balancer: public subnets; the production listener is open to the internet, the test listener only to
    // the VPC's NAT gateway addresses (see the ingress rule below).
    const albSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc,
      description: `${baseName} load balancer: production listener from the internet, test listener from NAT gateways`,
      allowAllOutbound: false,
    });
    Validations.of(albSecurityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason:
        'Internet-facing load balancer of a public service: its production listener must accept 0.0.0.0/0 on 80/443. ' +
        "The test listener admits only the VPC's NAT gateway Elastic IPs (/32 each).",
    });
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      // ALB access logs support only SSE-S3.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(Math.max(90, size.logRetentionDays)) }],
      removalPolicy: generatedNameRemovalPolicy(protection),
      // Where the bucket is destroyed with its stack (Dev), empty it first or the stack delete fails.
      autoDeleteObjects: !protection.retain,
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket is itself the access-log destination of the load balancer; logging its own access would need yet another log bucket with the same finding.',
    });
    acknowledgeControlTower(
      this.accessLogBucket,
      {
        rule: ControlTowerRule.S3_SSE_KMS,
        reason:
          'Load balancer access logs can only be delivered to a bucket encrypted with SSE-S3 (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html).',
      },
      {
        rule: ControlTowerRule.S3_ACCESS_LOGGING,
        reason:
          'The bucket is the access-log destination; logging it would need another log bucket with the same finding.',
      },
      {
        rule: ControlTowerRule.S3_VERSIONING,
        reason:
          'Access logs are written once by the load balancer and expire by lifecycle; nothing overwrites them, so versions would only keep deleted logs.',
      },
      {
        rule: ControlTowerRule.S3_OBJECT_LOCK,
        reason:
          'Operational access logs, not records under retention rules; object lock would keep Dev from emptying the bucket on teardown.',
      },
      {
        rule: ControlTowerRule.S3_EVENT_NOTIFICATIONS,
        reason:
          'Nothing consumes new access-log objects; they are read on demand (Athena, download) during an investigation.',
      },
    );
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      vpcSubnets: { subnetGroupName: SUBNET_GROUPS.public },
      securityGroup: albSecurityGroup,
      dropInvalidHeaderFields: true,
      // Stateless and recreatable: protection would only make a failed first create end in ROLLBACK_FAILED.
      deletionProtection: false,
    });
    acknowledgeControlTower(this.loadBalancer, {
      rule: ControlTowerRule.ALB_DELETION_PROTECTION,
      reason:
        'The load balancer holds no data and its stack recreates it; deletion protection would turn a failed first create into ROLLBACK_FAILED. Prod and DrRegion stacks are termination-protected.',
    });
    this.loadBalancer.logAccessLogs(this.accessLogBucket, 'alb');

    const targetGroup = (tgId: string) =>
      new elbv2.ApplicationTargetGroup(this, tgId, {
        vpc,
        port: service.containerPort,
        protocol: elbv2.ApplicationProtocol.HTTP,
        targetType: elbv2.TargetType.IP,
        // Short drain: CodeDeploy waits for it on every traffic shift step.
        deregistrationDelay: Duration.seconds(30),
        healthCheck: {
          path: service.healthCheckPath,
          interval: Duration.seconds(10),
          timeout: Duration.seconds(5),
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 2,
          healthyHttpCodes: '200',
        },
      });
    this.blueTargetGroup = targetGroup('BlueTargetGroup');
    this.greenTargetGroup = targetGroup('GreenTargetGroup');
    // CodeDeploy swaps the listeners between blue and green; their default actions forward to whichever each one
    // serves now, so a later listener change in the template never moves traffic back to an idle target group.
    const live = new LiveTargetGroups(this, 'LiveTargetGroups', {
      loadBalancer: this.loadBalancer,
      blueTargetGroup: this.blueTargetGroup,
      greenTargetGroup: this.greenTargetGroup,
      protection,
    });

    const https = size.certificateArn !== undefined;
    this.productionListener = https
      ? this.loadBalancer.addListener('HttpsListener', {
          port: 443,
          protocol: elbv2.ApplicationProtocol.HTTPS,
          certificates: [elbv2.ListenerCertificate.fromArn(size.certificateArn!)],
          sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
          open: true,
          defaultAction: live.forward(443),
        })
      : this.loadBalancer.addListener('HttpListener', {
          port: 80,
          protocol: elbv2.ApplicationProtocol.HTTP,
          open: true,
          defaultAction: live.forward(80),
        });
    if (https) {
      this.loadBalancer.addListener('HttpRedirect', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: true,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });
    }
    this.testListener = this.loadBalancer.addListener('TestListener', {
      port: size.testListenerPort,
      // Same certificate and TLS policy as production: the smoke check walks the journeys exactly as users do, and
      // a bearer token never crosses the network in clear text.
      ...(https
        ? {
            protocol: elbv2.ApplicationProtocol.HTTPS,
            certificates: [elbv2.ListenerCertificate.fromArn(size.certificateArn!)],
            sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
          }
        : { protocol: elbv2.ApplicationProtocol.HTTP }),
      open: false,
      defaultAction: live.forward(size.testListenerPort),
    });
    if (!https) {
      acknowledgeControlTower(this, {
        rule: ControlTowerRule.ALB_HTTP_TO_HTTPS,
        reason: `${environment.name} has no certificate (${environment.name}.service.certificateArn unset), so it serves plain HTTP with no HTTPS to redirect to; config validation requires a certificate for tier 1, and the probes never send a bearer token over HTTP.`,
      });
    }
    // The smoke check runs in the private subnets, but the load balancer's DNS name resolves to its public addresses,
    // so its requests leave through the NAT gateways and arrive from their Elastic IPs, never from the VPC CIDR
    // (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html). The load balancer's security group
    // must admit the listener port from the clients' addresses
    // (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html):
    // here each NAT gateway's Elastic IP as a /32, and nothing else.
    for (const natEgressIp of props.natEgressIps) {
      albSecurityGroup.addIngressRule(
        ec2.Peer.ipv4(Fn.join('', [natEgressIp, '/32'])),
        ec2.Port.tcp(size.testListenerPort),
        'Test listener: the smoke check, from a NAT gateway of this VPC',
      );
    }
    // CodeDeploy moves the green target group onto the listeners during a deployment; registering it here only
    // tells CDK which load balancer it belongs to, so its metrics (unhealthy hosts) can be alarmed on.
    this.greenTargetGroup.registerListener(this.testListener);

    const serviceSecurityGroup = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc,
      description: `${baseName} tasks: container port from the load balancer only`,
      allowAllOutbound: true,
    });
    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      serviceName: baseName,
      taskDefinition: this.taskDefinition,
      desiredCount: props.desiredCount ?? size.desiredCount,
      deploymentController: { type: ecs.DeploymentControllerType.CODE_DEPLOY },
      vpcSubnets: { subnetGroupName: SUBNET_GROUPS.private },
      securityGroups: [serviceSecurityGroup],
      assignPublicIp: false,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      healthCheckGracePeriod: Duration.seconds(60),
      enableExecuteCommand: false,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    // CloudFormation cannot change the task definition of a CODE_DEPLOY service (UpdateService rejects it). Naming
    // the family without a revision keeps this property constant across deploys, so CloudFormation never tries; the
    // DeploymentTrigger rolls each new revision out through CodeDeploy. EcsDeploymentGroup requires exactly this.
    const cfnService = this.service.node.defaultChild as ecs.CfnService;
    cfnService.taskDefinition = this.taskDefinition.family;
    cfnService.addResourceDependency(this.taskDefinition.node.defaultChild as ecs.CfnTaskDefinition);
    this.service.attachToApplicationTargetGroup(this.blueTargetGroup);
    this.greenTargetGroup.registerConnectable(this.service, ec2.Port.tcp(service.containerPort));

    if (size.maxCount > (props.desiredCount ?? size.desiredCount)) {
      const scaling = this.service.autoScaleTaskCount({
        minCapacity: props.desiredCount ?? size.desiredCount,
        maxCapacity: size.maxCount,
      });
      scaling.scaleOnCpuUtilization('Cpu', {
        targetUtilizationPercent: 60,
        scaleInCooldown: Duration.minutes(5),
        scaleOutCooldown: Duration.minutes(1),
      });
    }

    // Smoke check on the test listener before any production traffic moves. It connects to the load balancer by its
    // DNS name (this region's, so the DR standby is checked in its own region; the service domain points at Prod)
    // but sends the service domain as TLS server name and Host, the name the certificate covers
    // (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/https-listener-certificates.html).
    this.serviceHostname = https ? service.domainName : undefined;
    const scheme = https ? 'https' : 'http';
    this.testEndpointUrl = `${scheme}://${this.loadBalancer.loadBalancerDnsName}:${size.testListenerPort}`;
    const smokeCheckJourneys = probeJourneys(this, {
      journeys: service.journeys,
      serviceHostname: this.serviceHostname,
      probe: `${environment.name} smoke check`,
      certificateField: `${environment.name}.service.certificateArn`,
    });
    const needsToken = smokeCheckJourneys.some((journey) => journey.authenticated);
    const smokeCheckToken = needsToken ? props.smokeCheckAuthSecret : undefined;
    const hookSecurityGroup = new ec2.SecurityGroup(this, 'SmokeCheckSecurityGroup', {
      vpc,
      description: `${baseName} smoke-check hook: calls the test listener and the CodeDeploy API`,
      allowAllOutbound: true,
    });
    this.smokeCheck = new BulwarkFunction(this, 'SmokeCheck', {
      lambdaName: 'deploy-hook',
      description: `${baseName}: AfterAllowTestTraffic smoke check; walks the journeys on the test listener and reports to CodeDeploy`,
      protection,
      timeout: Duration.minutes(2),
      vpc,
      vpcSubnets: { subnetGroupName: SUBNET_GROUPS.private },
      securityGroups: [hookSecurityGroup],
      environment: {
        TEST_ENDPOINT_URL: this.testEndpointUrl,
        ...(this.serviceHostname ? { [SERVICE_HOSTNAME_VARIABLE]: this.serviceHostname } : {}),
        JOURNEYS: JSON.stringify(smokeCheckJourneys),
        ...(smokeCheckToken ? { AUTH_SECRET_ARN: smokeCheckToken.secretArn } : {}),
      },
    });
    smokeCheckToken?.grantRead(this.smokeCheck);

    // CodeDeploy: application, traffic policy, deployment group with rollback.
    const application = new codedeploy.EcsApplication(this, 'Application', { applicationName: baseName });
    this.deploymentGroup = new codedeploy.EcsDeploymentGroup(this, 'DeploymentGroup', {
      application,
      deploymentGroupName: baseName,
      service: this.service,
      deploymentConfig: deploymentConfig(this, environment.deployment.traffic),
      blueGreenDeploymentConfig: {
        blueTargetGroup: this.blueTargetGroup,
        greenTargetGroup: this.greenTargetGroup,
        listener: this.productionListener,
        testListener: this.testListener,
        terminationWaitTime: Duration.minutes(environment.deployment.bakeTimeMinutes),
      },
      autoRollback: {
        failedDeployment: environment.deployment.autoRollback,
        stoppedDeployment: environment.deployment.autoRollback,
        deploymentInAlarm: false,
      },
      ignorePollAlarmsFailure: false,
    });
    // Rollback on alarm is valid only once an alarm is attached, and alarms arrive after construction
    // (addDeploymentAlarm); a standby without alarms (DR pilot light) still rolls back on failure and stop.
    const cfnGroup = this.deploymentGroup.node.defaultChild as codedeploy.CfnDeploymentGroup;
    cfnGroup.autoRollbackConfiguration = Lazy.any({
      produce: () =>
        environment.deployment.autoRollback
          ? {
              enabled: true,
              events: [
                'DEPLOYMENT_FAILURE',
                'DEPLOYMENT_STOP_ON_REQUEST',
                ...(this.deploymentAlarmCount > 0 ? ['DEPLOYMENT_STOP_ON_ALARM'] : []),
              ],
            }
          : { enabled: false },
    });
    Validations.of(this.deploymentGroup).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AWSCodeDeployRoleForECS]',
      reason:
        'AWSCodeDeployRoleForECS is the service policy CodeDeploy needs to create task sets and rewire listeners for ECS blue/green; AWS maintains it as the ECS APIs evolve.',
    });
    // CodeDeploy invokes the hook by name (unqualified), so the function ARN alone suffices; grantInvoke would add `:*`.
    this.deploymentGroup.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.smokeCheck.functionArn] }),
    );
    this.smokeCheck.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['codedeploy:PutLifecycleEventHookExecutionStatus'],
        resources: [this.deploymentGroup.deploymentGroupArn],
      }),
    );

    new DeploymentTrigger(this, 'DeploymentTrigger', {
      deploymentGroup: this.deploymentGroup,
      service: this.service,
      taskDefinition: this.taskDefinition,
      containerName: container.containerName,
      containerPort: service.containerPort,
      smokeCheck: this.smokeCheck,
      protection,
      maxWait: Duration.minutes(DEPLOYMENT_WAIT_LIMIT_MINUTES),
    });

    this.endpointUrl = `${https ? 'https' : 'http'}://${this.loadBalancer.loadBalancerDnsName}`;
    this.signals = {
      loadBalancer: this.loadBalancer,
      targetGroups: [this.blueTargetGroup, this.greenTargetGroup],
      service: this.service,
      containerLogGroup: this.containerLogGroup,
    };
  }

  /** Another alarm that stops and rolls back a deployment in progress (the canary-journey failure alarm). */
  addDeploymentAlarm(alarm: cloudwatch.IAlarm): void {
    this.deploymentGroup.addAlarm(alarm);
    this.deploymentAlarmCount++;
    this.deploymentStopper ??= new DeploymentStopper(this, 'DeploymentStopper', {
      deploymentGroup: this.deploymentGroup,
      protection: this.protection,
    });
    this.deploymentStopper.watch(alarm);
  }
}

function deploymentConfig(scope: Construct, traffic: TrafficConfig): codedeploy.IEcsDeploymentConfig {
  switch (traffic.type) {
    case 'all-at-once':
      return codedeploy.EcsDeploymentConfig.ALL_AT_ONCE;
    case 'canary':
      return new codedeploy.EcsDeploymentConfig(scope, 'TrafficConfig', {
        trafficRouting: codedeploy.TrafficRouting.timeBasedCanary({
          percentage: traffic.percentage,
          interval: Duration.minutes(traffic.intervalMinutes),
        }),
      });
    case 'linear':
      return new codedeploy.EcsDeploymentConfig(scope, 'TrafficConfig', {
        trafficRouting: codedeploy.TrafficRouting.timeBasedLinear({
          percentage: traffic.percentage,
          interval: Duration.minutes(traffic.intervalMinutes),
        }),
      });
  }
}
