import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';

/**
 * What the service exposes for monitoring: the alarm catalog reads metrics from these and nothing
 * else, so monitoring never reaches into the service construct's children.
 */
export interface ServiceSignals {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** Both blue/green target groups: the production listener points at one or the other. */
  readonly targetGroups: readonly elbv2.ApplicationTargetGroup[];
  readonly service: ecs.FargateService;
  readonly containerLogGroup: logs.ILogGroup;
}

/** What the database exposes for monitoring (the backup capability creates the cluster). */
export interface DatabaseSignals {
  readonly cluster: rds.DatabaseCluster;
  /** Max connections the smallest configured capacity allows, for the "connections > 80 % of max" alarm. */
  readonly maxConnections: number;
}
