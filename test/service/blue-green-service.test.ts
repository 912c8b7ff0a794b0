import { Match, Template } from 'aws-cdk-lib/assertions';
import { synthBulwark } from '../helpers/app';
import { DEPLOYMENT_TRIGGER_TYPE } from '../../lib/service/deployment-trigger';

const bulwark = synthBulwark();
const prod = bulwark.template('Prod');
const staging = bulwark.template('Staging');
const dev = bulwark.template('Dev');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- template JSON is untyped
function only(template: Template, type: string): { id: string; props: Record<string, any>; dependsOn: string[] } {
  const found = template.findResources(type);
  const ids = Object.keys(found);
  expect(ids).toHaveLength(1);
  return { id: ids[0], props: found[ids[0]].Properties, dependsOn: found[ids[0]].DependsOn ?? [] };
}

describe('ECS service', () => {
  test.each([
    ['Dev', dev, 1],
    ['Staging', staging, 2],
    ['Prod', prod, 3],
  ])(
    '%s runs a Fargate service on the CODE_DEPLOY controller in private subnets with its configured size',
    (_name, template, desired) => {
      const service = only(template, 'AWS::ECS::Service');
      expect(service.props.DeploymentController).toEqual({ Type: 'CODE_DEPLOY' });
      expect(service.props.LaunchType).toBe('FARGATE');
      expect(service.props.DesiredCount).toBe(desired);
      expect(service.props.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
      const subnets = JSON.stringify(service.props.NetworkConfiguration.AwsvpcConfiguration.Subnets);
      expect(subnets).toMatch(/privateSubnet/);
      expect(subnets).not.toMatch(/publicSubnet|dataSubnet/);
    },
  );

  test('the service names its task definition by family only, so CloudFormation never tries to change it', () => {
    const service = only(prod, 'AWS::ECS::Service');
    const taskDefinition = only(prod, 'AWS::ECS::TaskDefinition');
    expect(service.props.TaskDefinition).toBe('orders-prod');
    expect(taskDefinition.props.Family).toBe('orders-prod');
    expect(service.dependsOn).toContain(taskDefinition.id);
  });

  test('the task definition takes image, port, cpu and memory from config and logs to a log group with retention', () => {
    prod.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '1024',
      Memory: '2048',
      RequiresCompatibilities: ['FARGATE'],
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'app',
          Image: 'public.ecr.aws/nginx/nginx:1.27',
          PortMappings: [Match.objectLike({ ContainerPort: 80 })],
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
        }),
      ],
    });
    // Prod retains its data, so the configured 30 days are raised to the 365-day floor for retained logs (b8c662d).
    prod.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/ecs/orders-prod', RetentionInDays: 365 });
    // Dev does not retain data: its log group keeps the configured 30 days as given.
    dev.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/ecs/orders-dev', RetentionInDays: 30 });
    dev.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '256', Memory: '512' });
  });

  test('Container Insights is on for the cluster', () => {
    prod.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterName: 'orders-prod',
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  test('task and execution roles hold no managed policies and no wildcard actions', () => {
    const roles = prod.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 'ecs-tasks.amazonaws.com' } })],
        },
      },
    });
    expect(Object.keys(roles)).toHaveLength(2);
    for (const role of Object.values(roles)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const policies = JSON.stringify(prod.findResources('AWS::IAM::Policy'));
    expect(policies).not.toMatch(/"Action":"\*"|"ecr:\*"|"logs:\*"/);
  });

  test('tasks accept traffic on the container port from the load balancer only', () => {
    const albSg = Object.keys(prod.findResources('AWS::EC2::SecurityGroup')).find((id) =>
      id.startsWith('ServiceLoadBalancerSecurityGroup'),
    )!;
    prod.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 80,
      ToPort: 80,
      SourceSecurityGroupId: { 'Fn::GetAtt': [albSg, 'GroupId'] },
    });
  });
});

describe('load balancer', () => {
  test('internet-facing in the public subnets, with access logs to an encrypted bucket', () => {
    const alb = only(prod, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(alb.props.Scheme).toBe('internet-facing');
    expect(JSON.stringify(alb.props.Subnets)).toMatch(/publicSubnet/);
    expect(alb.props.LoadBalancerAttributes).toEqual(
      expect.arrayContaining([
        { Key: 'access_logs.s3.enabled', Value: 'true' },
        { Key: 'deletion_protection.enabled', Value: 'false' },
      ]),
    );
    const bucket = alb.props.LoadBalancerAttributes.find((a: { Key: string }) => a.Key === 'access_logs.s3.bucket')
      .Value.Ref;
    expect(
      prod.toJSON().Resources[bucket].Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]
        .ServerSideEncryptionByDefault.SSEAlgorithm,
    ).toBe('AES256');
  });

  test('the access-log bucket is retained in Prod, and emptied then deleted with a Dev stack', () => {
    const accessLogBucket = (template: typeof prod) =>
      Object.entries(template.findResources('AWS::S3::Bucket')).find(([id]) => id.startsWith('ServiceAccessLogs'))!;
    expect(accessLogBucket(prod)[1].DeletionPolicy).toBe('Retain');
    expect(accessLogBucket(dev)[1].DeletionPolicy).toBe('Delete');
    dev.hasResourceProperties('Custom::S3AutoDeleteObjects', { BucketName: { Ref: accessLogBucket(dev)[0] } });
    expect(Object.values(prod.findResources('Custom::S3AutoDeleteObjects'))).toHaveLength(0);
  });

  test('two target groups (blue and green) on the container port with the health path', () => {
    const groups = prod.findResources('AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(Object.keys(groups).sort()).toEqual([
      expect.stringMatching(/^ServiceBlueTargetGroup/),
      expect.stringMatching(/^ServiceGreenTargetGroup/),
    ]);
    for (const group of Object.values(groups)) {
      expect(group.Properties).toMatchObject({
        Port: 80,
        Protocol: 'HTTP',
        TargetType: 'ip',
        HealthCheckPath: '/health',
      });
    }
  });

  test('production listener on HTTP 80 without a certificate (Dev) and a test listener on the configured port', () => {
    const listeners = Object.values(dev.findResources('AWS::ElasticLoadBalancingV2::Listener')).map((l) => [
      l.Properties.Port,
      l.Properties.Protocol,
    ]);
    expect(listeners.sort()).toEqual([
      [80, 'HTTP'],
      [8080, 'HTTP'],
    ]);
  });

  // Where the test listener admits traffic from is tested in test/service/test-listener.test.ts.
  test('production from anywhere; the test listener never from anywhere', () => {
    const sg = Object.entries(prod.findResources('AWS::EC2::SecurityGroup')).find(([id]) =>
      id.startsWith('ServiceLoadBalancerSecurityGroup'),
    )![1];
    const ingress = sg.Properties.SecurityGroupIngress as { CidrIp: unknown; FromPort: number }[];
    expect(ingress).toEqual(expect.arrayContaining([expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443 })]));
    expect(ingress.filter((rule) => rule.FromPort === 8080).length).toBeGreaterThan(0);
    for (const rule of ingress.filter((r) => r.FromPort === 8080)) expect(rule.CidrIp).not.toBe('0.0.0.0/0');
  });
});

describe('CodeDeploy', () => {
  test('deployment group: blue/green with traffic control, both target groups, prod and test listeners, bake time', () => {
    const group = only(prod, 'AWS::CodeDeploy::DeploymentGroup').props;
    expect(group.DeploymentStyle).toEqual({ DeploymentOption: 'WITH_TRAFFIC_CONTROL', DeploymentType: 'BLUE_GREEN' });
    expect(group.BlueGreenDeploymentConfiguration.TerminateBlueInstancesOnDeploymentSuccess).toEqual({
      Action: 'TERMINATE',
      TerminationWaitTimeInMinutes: 30,
    });
    const pair = group.LoadBalancerInfo.TargetGroupPairInfoList[0];
    expect(pair.TargetGroups).toHaveLength(2);
    expect(pair.ProdTrafficRoute.ListenerArns[0].Ref).toMatch(/^ServiceLoadBalancerHttpsListener/);
    expect(pair.TestTrafficRoute.ListenerArns[0].Ref).toMatch(/^ServiceLoadBalancerTestListener/);
  });

  test('rolls back on failed, stopped and in-alarm deployments, gated by the catalog deployment alarms', () => {
    const group = only(prod, 'AWS::CodeDeploy::DeploymentGroup').props;
    expect(group.AutoRollbackConfiguration).toEqual({
      Enabled: true,
      Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM'],
    });
    expect(group.AlarmConfiguration.Enabled).toBe(true);
    expect(group.AlarmConfiguration.IgnorePollAlarmFailure).toBe(false);
    const gated = group.AlarmConfiguration.Alarms.map((a: { Name: { Ref: string } }) => a.Name.Ref);
    // Since c69023d (issue 14) no catalog alarm gates deployments: a 60-s ALB alarm's worst case is 180-300 s.
    // The canary's high-resolution journey-failure alarm, added through addDeploymentAlarm, is the only gate.
    // The catalog's deployment alarms are what its dashboard widget "Alarms that roll a deployment back" lists
    // (AlarmCatalog): read there, in the template, rather than building every construct of the app again.
    const body = only(prod, 'AWS::CloudWatch::Dashboard').props.DashboardBody['Fn::Join'][1] as unknown[];
    const text = body.map((part) => (typeof part === 'string' ? part : '<token>')).join('');
    expect(text).toContain('"properties":{"title":"Alarms that roll a deployment back","alarms":[]}');
    expect(gated).toEqual([expect.stringMatching(/^CanaryCanaryJourneyFailedAlarm/)]);
  });

  test('traffic routing per environment: Dev all at once, Staging linear 10 % a minute, Prod canary 10 % then the rest after 5 minutes', () => {
    expect(only(dev, 'AWS::CodeDeploy::DeploymentGroup').props.DeploymentConfigName).toBe(
      'CodeDeployDefault.ECSAllAtOnce',
    );
    dev.resourceCountIs('AWS::CodeDeploy::DeploymentConfig', 0);
    staging.hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      ComputePlatform: 'ECS',
      TrafficRoutingConfig: { Type: 'TimeBasedLinear', TimeBasedLinear: { LinearInterval: 1, LinearPercentage: 10 } },
    });
    prod.hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      ComputePlatform: 'ECS',
      TrafficRoutingConfig: { Type: 'TimeBasedCanary', TimeBasedCanary: { CanaryInterval: 5, CanaryPercentage: 10 } },
    });
    expect(only(prod, 'AWS::CodeDeploy::DeploymentGroup').props.DeploymentConfigName).toEqual({
      Ref: only(prod, 'AWS::CodeDeploy::DeploymentConfig').id,
    });
    expect(
      only(staging, 'AWS::CodeDeploy::DeploymentGroup').props.BlueGreenDeploymentConfiguration
        .TerminateBlueInstancesOnDeploymentSuccess.TerminationWaitTimeInMinutes,
    ).toBe(5);
  });
});

describe('smoke-check hook', () => {
  const hook = () => {
    const fns = prod.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { TEST_ENDPOINT_URL: Match.anyValue() } } },
    });
    expect(Object.keys(fns)).toHaveLength(1);
    const [id, fn] = Object.entries(fns)[0];
    return { id, props: fn.Properties };
  };

  test('runs in the private subnets with the journeys and the test listener URL', () => {
    const { props } = hook();
    expect(props.Runtime).toBe('nodejs24.x');
    expect(JSON.stringify(props.VpcConfig.SubnetIds)).toMatch(/privateSubnet/);
    const journeys = JSON.parse(props.Environment.Variables.JOURNEYS) as { path: string }[];
    expect(journeys.map((j) => j.path)).toEqual(expect.arrayContaining(['/health', '/']));
    expect(JSON.stringify(props.Environment.Variables.TEST_ENDPOINT_URL)).toContain(':8080');
  });

  test('CodeDeploy may invoke it and it may report only to its own deployment group', () => {
    const { id } = hook();
    const group = only(prod, 'AWS::CodeDeploy::DeploymentGroup');
    const policies = Object.values(prod.findResources('AWS::IAM::Policy'));
    const statements = policies.flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[],
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [id, 'Arn'] } }),
    );
    const report = statements.find((s) => s.Action === 'codedeploy:PutLifecycleEventHookExecutionStatus')!;
    expect(JSON.stringify(report.Resource)).toContain(group.props.ApplicationName.Ref);
  });

  test('the deploy trigger names it as the AfterAllowTestTraffic hook', () => {
    const { id } = hook();
    expect(only(prod, DEPLOYMENT_TRIGGER_TYPE).props.AfterAllowTestTrafficHook).toEqual({ Ref: id });
  });
});

describe('deploy trigger', () => {
  test('a custom resource that changes with the task definition ARN and carries the AppSpec inputs', () => {
    const trigger = only(prod, DEPLOYMENT_TRIGGER_TYPE);
    const taskDefinition = only(prod, 'AWS::ECS::TaskDefinition');
    expect(trigger.props).toMatchObject({
      TaskDefinitionArn: { Ref: taskDefinition.id },
      ContainerName: 'app',
      ContainerPort: 80,
      ApplicationName: { Ref: expect.stringMatching(/^ServiceApplication/) },
      DeploymentGroupName: { Ref: expect.stringMatching(/^ServiceDeploymentGroup/) },
    });
    expect(trigger.dependsOn).toEqual(
      expect.arrayContaining([only(prod, 'AWS::ECS::Service').id, only(prod, 'AWS::CodeDeploy::DeploymentGroup').id]),
    );
  });

  test("its Provider waits up to 55 minutes, inside CloudFormation's one-hour custom-resource limit", () => {
    // Prod has a second Provider (the global database secondary's): pick the deploy trigger's waiter.
    const [, machine] = Object.entries(prod.findResources('AWS::StepFunctions::StateMachine')).find(([id]) =>
      id.startsWith('ServiceDeploymentTrigger'),
    )!;
    const definition = JSON.stringify(machine.Properties.DefinitionString);
    // 55 min / 30 s poll = 110 attempts
    expect(definition).toMatch(/MaxAttempts\\":110/);
    expect(definition).toMatch(/IntervalSeconds\\":30/);
  });

  test('start and wait handlers may only touch their own deployment group and service', () => {
    const statements = Object.values(prod.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const create = statements.find((s) => [s.Action].flat().includes('codedeploy:CreateDeployment'))!;
    expect(JSON.stringify(create.Resource)).toMatch(/deploymentgroup/);
    const describe = statements.find((s) => [s.Action].flat().includes('ecs:DescribeServices'))!;
    expect(describe.Resource).not.toBe('*');
  });

  test.each(['Dev', 'Staging', 'Prod'])('every function in %s runs on nodejs24.x', (name) => {
    const runtimes = Object.values(bulwark.template(name).findResources('AWS::Lambda::Function')).map(
      (fn) => fn.Properties.Runtime,
    );
    expect(runtimes.length).toBeGreaterThanOrEqual(6);
    for (const runtime of runtimes) expect(runtime).toBe('nodejs24.x');
  });
});

describe('HTTPS when a certificate is configured', () => {
  test('production listener on 443 with the certificate, HTTP redirects, the test listener is HTTPS too', async () => {
    const { defaultConfigInput } = await import('../helpers/app');
    const { validateConfig } = await import('../../config');
    const input = defaultConfigInput();
    const prodInput = input.environments.find((e) => e.name === 'Prod')!;
    prodInput.service.certificateArn =
      'arn:aws:acm:us-east-1:333333333333:certificate/11111111-2222-3333-4444-555555555555';
    // ACM certificates are regional: the standby in the DR region needs its own (validation insists).
    prodInput.dr!.certificateArn =
      'arn:aws:acm:us-west-2:333333333333:certificate/66666666-7777-8888-9999-000000000000';
    const { testApp } = await import('../helpers/app');
    const { Stack } = await import('aws-cdk-lib');
    const { Network } = await import('../../lib/network/network');
    const { BlueGreenService } = await import('../../lib/service/blue-green-service');
    const { Naming } = await import('../../lib/common/naming');
    const config = validateConfig(input);
    const env = config.environments.find((e) => e.name === 'Prod')!;
    const stack = new Stack(testApp(), 'Https', { env: { account: env.account, region: env.region } });
    const network = new Network(stack, 'Network', {
      cidr: env.vpc.cidr,
      availabilityZones: env.availabilityZones,
      natGateways: 1,
      interfaceEndpoints: [],
      flowLogRetentionDays: 30,
      protection: { retain: false },
    });
    const service = new BlueGreenService(stack, 'Service', {
      service: config.service,
      environment: env,
      vpc: network.vpc,
      natEgressIps: network.natEgressIps,
      naming: new Naming('orders', 'Prod'),
      protection: { retain: false },
      desiredCount: 0,
    });
    const template = Template.fromStack(stack);
    // No deployment alarm attached (a standby): rollback on failure and stop only, and synth still succeeds.
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AutoRollbackConfiguration: { Enabled: true, Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] },
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: prodInput.service.certificateArn }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [Match.objectLike({ Type: 'redirect' })],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 8080, Protocol: 'HTTPS' });
    template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 0 });
    expect(stack.resolve(service.endpointUrl)).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.any(String), 'DNSName'] }]],
    });
  });
});
