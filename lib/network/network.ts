import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeShortLogRetention } from '../common/control-tower';
import { DataProtection, logRetentionDays, statefulRemovalPolicy } from '../common/protection';

export type InterfaceEndpointName =
  'ecr.api' | 'ecr.dkr' | 'logs' | 'secretsmanager' | 'ssm' | 'monitoring' | 'sts' | 'kms';

export interface NetworkProps {
  /** VPC CIDR, /16 to /20. */
  readonly cidr: string;
  readonly availabilityZones: readonly string[];
  /** NAT gateways; one per AZ survives a zone outage, one total is cheaper. */
  readonly natGateways: number;
  /** Interface endpoints placed in the private subnets, so tasks reach these APIs without NAT. */
  readonly interfaceEndpoints: readonly InterfaceEndpointName[];
  readonly flowLogRetentionDays: number;
  readonly protection: DataProtection;
}

export const SUBNET_GROUPS = { public: 'public', private: 'private', data: 'data' } as const;

/**
 * A VPC with three tiers (public for load balancers, private with egress for tasks, isolated for
 * data), flow logs to a KMS-encrypted log group, endpoints so task traffic to AWS APIs stays in the
 * VPC, and the default security group stripped of all rules.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  readonly flowLogGroup: logs.LogGroup;
  /**
   * The public addresses that traffic from the private subnets to any public address (the VPC's own
   * internet-facing load balancers included) arrives from: one Elastic IP per NAT gateway, as tokens.
   */
  readonly natEgressIps: readonly string[];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const prefix = Number(props.cidr.split('/')[1]);

    const flowLogKey = new kms.Key(this, 'FlowLogKey', {
      description: 'Encrypts VPC flow logs',
      enableKeyRotation: true,
      removalPolicy: statefulRemovalPolicy(props.protection),
    });
    const region = Stack.of(this).region;
    // CloudWatch Logs calls KMS with the encryption context aws:logs:arn = the log group's ARN, which names the
    // resource type with a colon: arn:<partition>:logs:<region>:<account>:log-group:<name> (the key policy example of
    // "Encrypt log data in CloudWatch Logs using AWS KMS",
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html). formatArn's default "/"
    // (log-group/*) matches no log group: KMS would deny CloudWatch Logs every use of the key, so the encrypted flow
    // log group could neither be created nor written. Any log group of this account and region: naming this one
    // would make the key policy depend on the log group, which depends on the key.
    const logGroupsOfThisAccount = Stack.of(this).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    flowLogKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': logGroupsOfThisAccount } },
      }),
    );
    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      encryptionKey: flowLogKey,
      retention: retentionDays(logRetentionDays(props.protection, props.flowLogRetentionDays)),
      removalPolicy: statefulRemovalPolicy(props.protection),
    });
    acknowledgeShortLogRetention(this.flowLogGroup, props.protection);

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr),
      availabilityZones: [...props.availabilityZones],
      natGateways: props.natGateways,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        {
          name: SUBNET_GROUPS.public,
          subnetType: ec2.SubnetType.PUBLIC,
          cidrMask: prefix + 8,
          mapPublicIpOnLaunch: false,
        },
        { name: SUBNET_GROUPS.private, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: prefix + 4 },
        { name: SUBNET_GROUPS.data, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: prefix + 8 },
      ],
      flowLogs: {
        all: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
          trafficType: ec2.FlowLogTrafficType.ALL,
          maxAggregationInterval: ec2.FlowLogMaxAggregationInterval.ONE_MINUTE,
        },
      },
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
      },
    });

    // A public NAT gateway maps the instances' private source addresses to its own, and the internet gateway then
    // maps that to the NAT gateway's Elastic IP: what a public endpoint sees as the source is that Elastic IP.
    // https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html
    // ec2.Vpc allocates one EIP per NAT gateway itself (PublicSubnet.addNatGateway); the VPC is this construct's.
    const natEips = this.vpc.node.findAll().filter((child): child is ec2.CfnEIP => child instanceof ec2.CfnEIP);
    if (natEips.length !== props.natGateways) {
      throw new Error(
        `Network: expected ${props.natGateways} NAT gateway Elastic IPs in the VPC, found ${natEips.length}; ` +
          'the aws-cdk-lib ec2.Vpc layout changed, update Network.natEgressIps',
      );
    }
    this.natEgressIps = natEips.map((eip) => eip.attrPublicIp);

    if (props.interfaceEndpoints.length > 0) {
      const endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc: this.vpc,
        description: 'HTTPS from inside the VPC to the interface endpoints',
        allowAllOutbound: false,
      });
      // The literal CIDR (not the VPC's CidrBlock attribute) keeps the rule readable by reviewers and cdk-nag.
      endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(props.cidr), ec2.Port.tcp(443), 'HTTPS from the VPC');
      for (const name of props.interfaceEndpoints) {
        this.vpc.addInterfaceEndpoint(endpointId(name), {
          service: new ec2.InterfaceVpcEndpointAwsService(name),
          subnets: { subnetGroupName: SUBNET_GROUPS.private },
          privateDnsEnabled: true,
          securityGroups: [endpointSecurityGroup],
          open: false,
        });
      }
    }

    const restrictDefaultSgProvider = Stack.of(this).node.tryFindChild(
      'Custom::VpcRestrictDefaultSGCustomResourceProvider',
    );
    if (restrictDefaultSgProvider) {
      Validations.of(restrictDefaultSgProvider).acknowledge({
        id: 'AwsSolutions-IAM4',
        reason:
          'CDK-owned provider that strips the default security group; it uses AWSLambdaBasicExecutionRole only to write its own logs.',
      });
    }
  }
}

/** `ecr.api` -> `EcrApiEndpoint` */
function endpointId(name: string): string {
  return (
    name
      .split('.')
      .map((part) => part[0].toUpperCase() + part.slice(1))
      .join('') + 'Endpoint'
  );
}

const RETENTION_STEPS = Object.values(logs.RetentionDays)
  .filter((v): v is number => typeof v === 'number' && v > 0)
  .sort((a, b) => a - b);

/** CloudWatch Logs accepts only certain retention values: round up to the next one. */
export function retentionDays(days: number): logs.RetentionDays {
  const step = RETENTION_STEPS.find((value) => value >= days) ?? logs.RetentionDays.TEN_YEARS;
  return step as logs.RetentionDays;
}
