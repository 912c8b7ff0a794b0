/**
 * What `npm run ops -- preflight <Env>` checks, worked out from the validated config (names from their owners
 * in lib/) and, where they exist, the synthesized templates in cdk.out. Pure: no AWS call happens here.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, EnvironmentConfig, ResolvedConfig } from '../../../config';
import { BILLING_METRICS_REGION } from '../../../lib/monitoring/alarm-catalog';
import { bootstrapRoleArn } from '../../../lib/pipeline/bootstrap-roles';
import { DR_REGION_STACK_ID } from '../../../lib/stacks/dr-region-stack';
import { environmentStackName } from '../../../lib/stacks/environment-stack';
import { PIPELINE_STACK_ID } from '../../../lib/stacks/pipeline-stack';

/**
 * The bootstrap version the synthesized stacks need when cdk.out cannot tell: aws-cdk-lib 2.276's
 * DefaultStackSynthesizer requires 6 for deployment and asset publishing and 8 for the lookup role
 * (`MIN_BOOTSTRAP_STACK_VERSION=6, MIN_LOOKUP_ROLE_BOOTSTRAP_STACK_VERSION=8` in
 * node_modules/aws-cdk-lib/core/lib/stack-synthesizers/default-synthesizer.js). The pipeline's integration
 * checks and Prod's entry condition assume the lookup role, so 8 is what a workload account needs.
 */
export const DEFAULT_REQUIRED_BOOTSTRAP_VERSION = 8;

/**
 * AWS Backup resource types the environment's plan selects: the Aurora cluster only (explicit ARN, and the backup
 * tag, which lib/data/database.ts puts on the AWS::RDS::DBCluster alone). No RDS instance, no S3 bucket: the
 * archive bucket is protected by versioning, object lock and replication, not by the plan.
 */
export const BACKED_UP_RESOURCE_TYPES = ['Aurora'] as const;

/** Where one stack of the environment goes, and what it creates that quotas or settings limit. */
export interface PreflightTarget {
  /** The CloudFormation stack (`Prod`, `DrRegion`, `Pipeline`). */
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  /** Workload stacks (VPC, service, database); false for the pipeline. */
  readonly workload: boolean;
  /** Environment stacks in the billing region get the cost-spike alarm (lib/monitoring/environment-alarms.ts). */
  readonly costAlarm: boolean;
  /** The bootstrap deploy role `cdk deploy` assumes; its trust policy must name the tooling account. */
  readonly deployRoleName: string;
  /** The tooling account whose pipeline deploys this stack, when that is another account. */
  readonly trustedToolingAccount?: string;
  /** VPC layout: the AZs in config order and how many NAT gateways (one EIP each) the VPC gets. */
  readonly availabilityZones: readonly string[];
  readonly natGateways: number;
  /** ACM certificate the load balancer listens with in this region. */
  readonly certificateArn?: string;
  /** The stack creates records in the service's hosted zone (Prod's PRIMARY, DrRegion's SECONDARY). */
  readonly usesHostedZone: boolean;
}

/** What the synthesized templates say the stacks need, or the defaults when there is no cdk.out. */
export interface StackRequirements {
  readonly bootstrapVersion: number;
  /** Sum of ReservedConcurrentExecutions of the stacks' functions in their account and region. */
  readonly reservedConcurrency: number;
  /** Where the figures come from, for the check lines. */
  readonly source: string;
}

export interface PreflightPlan {
  readonly environment: string;
  readonly targets: readonly PreflightTarget[];
  readonly requirements: Readonly<Record<string, StackRequirements>>;
  readonly service: {
    readonly domainName: string;
    readonly hostedZoneId: string;
    readonly hostedZoneName: string;
    readonly image: string;
  };
  /** The CodeConnections connection (Pipeline only). */
  readonly connectionArn?: string;
}

/** The names `preflight` accepts: the environments of the config, DrRegion when one has a dr block, Pipeline. */
export function preflightEnvironmentNames(config: ResolvedConfig): string[] {
  const primary = config.environments.find((e) => e.dr);
  return [...config.environments.map((e) => e.name), ...(primary ? [DR_REGION_STACK_ID] : []), PIPELINE_STACK_ID];
}

function roleName(arn: string): string {
  return arn.slice(arn.indexOf(':role/') + ':role/'.length);
}

function environmentTarget(env: EnvironmentConfig, toolingAccount: string): PreflightTarget {
  return {
    stackName: environmentStackName(env),
    account: env.account,
    region: env.region,
    workload: true,
    costAlarm: env.region === BILLING_METRICS_REGION,
    deployRoleName: roleName(bootstrapRoleArn('deploy', env.account, env.region)),
    trustedToolingAccount: toolingAccount !== env.account ? toolingAccount : undefined,
    availabilityZones: env.availabilityZones,
    natGateways: env.vpc.natGateways,
    certificateArn: env.service.certificateArn,
    usesHostedZone: env.dr !== undefined,
  };
}

function drRegionTarget(primary: EnvironmentConfig, toolingAccount: string): PreflightTarget {
  const dr = primary.dr!;
  return {
    stackName: DR_REGION_STACK_ID,
    account: primary.account,
    region: dr.region,
    workload: true,
    // DrRegion's StandbyAlarms has no cost alarm: the account's charges are Prod's to watch.
    costAlarm: false,
    deployRoleName: roleName(bootstrapRoleArn('deploy', primary.account, dr.region)),
    trustedToolingAccount: toolingAccount !== primary.account ? toolingAccount : undefined,
    availabilityZones: dr.availabilityZones,
    natGateways: dr.natGateways,
    certificateArn: dr.certificateArn,
    usesHostedZone: true,
  };
}

/**
 * The stacks `cdk deploy <Env>` creates or updates: the environment's own, and for the environment with a dr
 * block also DrRegion, which Prod depends on (`cdk deploy Prod` deploys DrRegion first).
 */
export function preflightPlanFor(config: ResolvedConfig, environmentName: string, cdkOut?: string): PreflightPlan {
  const names = preflightEnvironmentNames(config);
  if (!names.includes(environmentName)) {
    throw new ConfigError('preflight', [
      `no environment "${environmentName}" in the config; choose one of ${names.join(', ')}`,
    ]);
  }
  const tooling = config.pipeline.account;
  const primary = config.environments.find((e) => e.dr);
  let targets: PreflightTarget[];
  if (environmentName === PIPELINE_STACK_ID) {
    const { account, region } = config.pipeline;
    targets = [
      {
        stackName: PIPELINE_STACK_ID,
        account,
        region,
        workload: false,
        costAlarm: false,
        deployRoleName: roleName(bootstrapRoleArn('deploy', account, region)),
        availabilityZones: [],
        natGateways: 0,
        usesHostedZone: false,
      },
    ];
  } else if (environmentName === DR_REGION_STACK_ID) {
    targets = [drRegionTarget(primary!, tooling)];
  } else {
    const env = config.environments.find((e) => e.name === environmentName)!;
    targets = [...(env.dr ? [drRegionTarget(env, tooling)] : []), environmentTarget(env, tooling)];
  }
  return {
    environment: environmentName,
    targets,
    requirements: Object.fromEntries(targets.map((t) => [t.stackName, readRequirements(t.stackName, cdkOut)])),
    service: {
      domainName: config.service.domainName,
      hostedZoneId: config.service.hostedZoneId,
      hostedZoneName: config.service.hostedZoneName,
      image: config.service.image,
    },
    connectionArn: environmentName === PIPELINE_STACK_ID ? config.pipeline.connectionArn : undefined,
  };
}

interface ManifestArtifact {
  readonly type?: string;
  readonly properties?: {
    readonly stackName?: string;
    readonly requiresBootstrapStackVersion?: number;
    readonly lookupRole?: { readonly requiresBootstrapStackVersion?: number };
    readonly templateFile?: string;
  };
  readonly dependencies?: readonly string[];
}

/**
 * The stack's bootstrap version requirement (its deployment, its asset manifest and its lookup role) and the
 * reserved concurrency of its functions, from cdk.out when it holds the stack; the defaults otherwise.
 */
export function readRequirements(stackName: string, cdkOut?: string): StackRequirements {
  const manifestFile = cdkOut ? path.join(cdkOut, 'manifest.json') : undefined;
  if (!manifestFile || !fs.existsSync(manifestFile)) {
    return {
      bootstrapVersion: DEFAULT_REQUIRED_BOOTSTRAP_VERSION,
      reservedConcurrency: 0,
      source: 'aws-cdk-lib 2.276 defaults (no cdk.out; run npx cdk synth for the exact figures)',
    };
  }
  const artifacts =
    (JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { artifacts?: Record<string, ManifestArtifact> }).artifacts ??
    {};
  // The manifest leaves out `stackName` when it equals the artifact id (as for every Bulwark stack).
  const entry = Object.entries(artifacts).find(
    ([id, a]) => a.type === 'aws:cloudformation:stack' && (a.properties?.stackName ?? id) === stackName,
  );
  if (!entry) {
    return {
      bootstrapVersion: DEFAULT_REQUIRED_BOOTSTRAP_VERSION,
      reservedConcurrency: 0,
      source: `aws-cdk-lib 2.276 defaults (${cdkOut} has no stack ${stackName})`,
    };
  }
  const [, stack] = entry;
  const versions = [
    stack.properties?.requiresBootstrapStackVersion,
    stack.properties?.lookupRole?.requiresBootstrapStackVersion,
  ];
  for (const dependency of stack.dependencies ?? []) {
    const asset = artifacts[dependency];
    if (asset?.type === 'cdk:asset-manifest') versions.push(asset.properties?.requiresBootstrapStackVersion);
  }
  const templateFile = path.join(cdkOut!, stack.properties?.templateFile ?? `${stackName}.template.json`);
  const template = JSON.parse(fs.readFileSync(templateFile, 'utf8')) as {
    Resources?: Record<string, { Type?: string; Properties?: { ReservedConcurrentExecutions?: unknown } }>;
  };
  const reservedConcurrency = Object.values(template.Resources ?? {})
    .filter((r) => r.Type === 'AWS::Lambda::Function' && typeof r.Properties?.ReservedConcurrentExecutions === 'number')
    .reduce((sum, r) => sum + (r.Properties!.ReservedConcurrentExecutions as number), 0);
  return {
    bootstrapVersion:
      Math.max(...versions.filter((v): v is number => typeof v === 'number'), 0) || DEFAULT_REQUIRED_BOOTSTRAP_VERSION,
    reservedConcurrency,
    source: `${cdkOut}/manifest.json and ${path.basename(templateFile)}`,
  };
}
