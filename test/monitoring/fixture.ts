import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../../config';
import { Naming } from '../../lib/common/naming';
import { AlarmCatalog } from '../../lib/monitoring/alarm-catalog';
import { Monitoring } from '../../lib/monitoring/monitoring';
import { DatabaseSignals, ServiceSignals } from '../../lib/monitoring/service-signals';

export const RUNBOOK_BASE_URL = 'https://github.com/acme/bulwark/blob/main/runbooks';

/**
 * The smallest service the alarm catalog watches: an ALB with a production and a test listener, a
 * blue and a green target group, a Fargate service, its log group, and an Aurora Serverless v2
 * cluster. Stands in for BlueGreenService and Database so the catalog is tested on its own.
 */
export function serviceFixture(scope: Construct): { signals: ServiceSignals; database: DatabaseSignals } {
  const vpc = new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
  const cluster = new ecs.Cluster(scope, 'Cluster', { vpc, clusterName: 'orders-fixture' });
  const containerLogGroup = new logs.LogGroup(scope, 'ContainerLogs', { logGroupName: '/ecs/orders-fixture' });
  const taskDefinition = new ecs.FargateTaskDefinition(scope, 'Task');
  taskDefinition.addContainer('app', {
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:1.27'),
    portMappings: [{ containerPort: 80 }],
    logging: ecs.LogDrivers.awsLogs({ logGroup: containerLogGroup, streamPrefix: 'app' }),
  });
  const service = new ecs.FargateService(scope, 'Service', {
    cluster,
    taskDefinition,
    serviceName: 'orders-fixture',
    assignPublicIp: true,
    deploymentController: { type: ecs.DeploymentControllerType.CODE_DEPLOY },
    minHealthyPercent: 100,
  });
  const loadBalancer = new elbv2.ApplicationLoadBalancer(scope, 'Alb', { vpc, internetFacing: true });
  const targetGroup = (id: string) =>
    new elbv2.ApplicationTargetGroup(scope, id, {
      vpc,
      port: 80,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
    });
  const blue = targetGroup('Blue');
  const green = targetGroup('Green');
  loadBalancer.addListener('Prod', { port: 80, open: true, defaultTargetGroups: [blue] });
  loadBalancer.addListener('Test', { port: 8080, open: false, defaultTargetGroups: [green] });
  service.attachToApplicationTargetGroup(blue);
  const db = new rds.DatabaseCluster(scope, 'Db', {
    engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 }),
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    writer: rds.ClusterInstance.serverlessV2('Writer'),
    serverlessV2MinCapacity: 0.5,
    serverlessV2MaxCapacity: 4,
  });
  return {
    signals: { loadBalancer, targetGroups: [blue, green], service, containerLogGroup },
    database: { cluster: db, maxConnections: 1000 },
  };
}

/** A stack holding the fixture plus Monitoring and the full AlarmCatalog, wired as EnvironmentStack wires them. */
export function catalogStack(scope: Construct, environment: EnvironmentConfig, withDatabase = true): Stack {
  const stack = new Stack(scope, environment.name, {
    env: { account: environment.account, region: environment.region },
  });
  const naming = new Naming('orders', environment.name);
  const { signals, database } = serviceFixture(stack);
  const monitoring = new Monitoring(stack, 'Monitoring', {
    naming,
    runbookBaseUrl: RUNBOOK_BASE_URL,
    notifications: environment.notifications,
    thresholds: environment.alarms,
  });
  const catalog = new AlarmCatalog(stack, 'Alarms', {
    factory: monitoring.alarms,
    signals,
    thresholds: environment.alarms,
    dashboard: monitoring.dashboard,
  });
  if (withDatabase) catalog.addDatabase(database);
  return stack;
}
