import * as path from 'path';
import { Duration, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { retentionDays } from '../network/network';
import { acknowledgeShortLogRetention } from './control-tower';
import { lambdaBundleDir } from './lambda-bundles';
import { DataProtection, logRetentionDays, statefulRemovalPolicy } from './protection';

/** The runtime every Bulwark function runs on: current, and far from its deprecation date. */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

export const LAMBDAS_DIR = path.join(__dirname, '..', '..', 'lambdas');

/**
 * cloudwatch:PutMetricData into one namespace only. The action has no resource type, so the statement
 * names `*` and the `cloudwatch:namespace` condition does the scoping.
 */
export function putMetricDataStatement(namespace: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['cloudwatch:PutMetricData'],
    resources: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': namespace } },
  });
}

export interface BulwarkFunctionProps {
  /** Folder under lambdas/ holding `index.ts` (the handler). */
  readonly lambdaName: string;
  readonly description: string;
  readonly environment?: Record<string, string>;
  /** @default 30 seconds */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  readonly protection: DataProtection;
  /** @default 30 */
  readonly logRetentionDays?: number;
  /** Place the function in the VPC (for endpoints only reachable there, such as the test listener). */
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
  // No reservedConcurrentExecutions, on purpose. "You can reserve up to the Unreserved account concurrency
  // value that is shown, minus 100 for functions that don't have reserved concurrency"
  // (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html): in a new account whose
  // concurrency quota is 10, any reservation is refused and the stack fails to deploy.
  // Handlers are safe under concurrent invocations instead (kill switch: compare-and-set on the SSM version;
  // drill: S3 conditional-write lock; verifier: only reads and publishes a metric).
}

/**
 * A TypeScript Lambda from lambdas/<name>/, bundled locally by esbuild (no Docker; all functions in one build,
 * reused while its inputs are unchanged: lib/common/lambda-bundles.ts), on a live runtime, with its own log group
 * (retention, JSON logs) and a role that holds only what callers grant it plus writing its own logs: no AWS
 * managed policies.
 */
export class BulwarkFunction extends lambda.Function {
  private readonly executionRole: iam.Role;

  constructor(scope: Construct, id: string, props: BulwarkFunctionProps) {
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.lambdaName}`,
    });
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: retentionDays(logRetentionDays(props.protection, props.logRetentionDays ?? 30)),
      removalPolicy: statefulRemovalPolicy(props.protection),
    });
    acknowledgeShortLogRetention(logGroup, props.protection);
    super(scope, id, {
      code: lambda.Code.fromAsset(lambdaBundleDir(props.lambdaName)),
      handler: 'index.handler',
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      description: props.description,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 256,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
    });
    logGroup.grantWrite(role);
    this.executionRole = role;
    if (props.vpc) {
      // The ENI actions Lambda needs to attach to a VPC cannot be scoped to resources that do not exist yet.
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Lambda creates its VPC network interfaces before they exist, so EC2 ENI actions cannot name a resource ARN (same as the AWSLambdaVPCAccessExecutionRole managed policy).',
      });
    }
  }

  /** Publish metrics into `namespace` only (and acknowledge the `*` the action forces, with why). */
  grantPutMetricData(namespace: string): void {
    this.executionRole.addToPrincipalPolicy(putMetricDataStatement(namespace));
    Validations.of(this.executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:PutMetricData has no resource-level permissions; the statement is limited to the service namespace by the cloudwatch:namespace condition.',
    });
  }
}
