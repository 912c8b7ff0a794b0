/**
 * The pre-flight checks: what only the account can answer before `cdk deploy`. Each check reads with the
 * caller's credentials through injected clients and returns PASS, FAIL or WARN with the fix. Throttling and
 * transient faults are retried with backoff; a call the caller may not make is a WARN naming the permission, never
 * a silent PASS; anything else that stops a check is a FAIL (it could not be shown to be fine).
 */
import { ACMClient, DescribeCertificateCommand } from '@aws-sdk/client-acm';
import { BackupClient, DescribeRegionSettingsCommand } from '@aws-sdk/client-backup';
import { CloudFormationClient, DescribeStacksCommand, Stack } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { CodeStarConnectionsClient, GetConnectionCommand } from '@aws-sdk/client-codestar-connections';
import {
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { RetryOptions, withRetry } from '../../../lambdas/shared/retry';
import { BILLING_METRICS_REGION } from '../../../lib/monitoring/alarm-catalog';
import { BACKED_UP_RESOURCE_TYPES, PreflightPlan, PreflightTarget, StackRequirements } from './plan';

export type CheckStatus = 'PASS' | 'FAIL' | 'WARN';

export interface CheckResult {
  /** Stable id of the check (`bootstrap`, `lambda-concurrency`, ...), for --json readers. */
  readonly check: string;
  /** The stack, account and region the check is about (`Prod 333333333333 us-east-1`). */
  readonly target: string;
  readonly status: CheckStatus;
  readonly message: string;
  /** What to do, for FAIL and WARN. */
  readonly fix?: string;
}

/** The SDK clients of one region; the CLI builds real ones, tests inject mocks or point them at moto. */
export interface PreflightClients {
  readonly sts: STSClient;
  readonly cloudformation: CloudFormationClient;
  readonly iam: IAMClient;
  readonly lambda: LambdaClient;
  readonly backup: BackupClient;
  readonly cloudwatch: CloudWatchClient;
  readonly route53: Route53Client;
  readonly acm: ACMClient;
  readonly connections: CodeStarConnectionsClient;
  readonly ecr: ECRClient;
  readonly ec2: EC2Client;
  readonly serviceQuotas: ServiceQuotasClient;
}

export interface CheckContext {
  readonly clients: (region: string) => PreflightClients;
  readonly retry?: RetryOptions;
}

/** The CloudFormation stack `cdk bootstrap` creates (the CLI's default toolkit stack name). */
export const BOOTSTRAP_STACK_NAME = 'CDKToolkit';

/**
 * The smallest unreserved pool Lambda keeps: "You can reserve up to the Unreserved account concurrency value
 * minus 100" (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html). A quota below it is
 * the reduced quota of a new account ("New AWS accounts have reduced concurrency and memory quotas",
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html; often 10).
 */
export const LAMBDA_MINIMUM_UNRESERVED = 100;

/**
 * Service Quotas codes (service code / quota code) of what a Bulwark VPC consumes. Defaults 5 each
 * (https://docs.aws.amazon.com/general/latest/gr/vpc-service.html: "VPCs per Region", "NAT gateways per
 * Availability Zone"; https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html, "Elastic IP
 * addresses per Region"). The codes are the ones the Service Quotas console lists for those names; moto 5.2's copy
 * of the AWS default quota list has the two vpc codes; the ec2 one (EC2-VPC Elastic IPs) is not in any page found.
 */
export const QUOTAS = {
  vpcs: { serviceCode: 'vpc', quotaCode: 'L-F678F1CE', name: 'VPCs per Region' },
  elasticIps: { serviceCode: 'ec2', quotaCode: 'L-0263D0A3', name: 'EC2-VPC Elastic IPs' },
  natGatewaysPerAz: { serviceCode: 'vpc', quotaCode: 'L-FE5A380F', name: 'NAT gateways per Availability Zone' },
} as const;

/** Stack states whose resources do not exist (a failed first create rolled back, a change set never run). */
const STACK_WITHOUT_RESOURCES = new Set(['ROLLBACK_COMPLETE', 'REVIEW_IN_PROGRESS', 'DELETE_COMPLETE']);
/** Settled states in which the bootstrap stack's resources exist and can be used. */
const USABLE_STACK_STATES = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
]);

export function describeTarget(target: Pick<PreflightTarget, 'stackName' | 'account' | 'region'>): string {
  return `${target.stackName} ${target.account} ${target.region}`;
}

interface AwsError {
  readonly name?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
  'UnauthorizedException',
]);

export function isAccessDenied(error: unknown): boolean {
  const e = error as AwsError;
  return (
    typeof error === 'object' &&
    error !== null &&
    (ACCESS_DENIED.has(e.name ?? '') || e.$metadata?.httpStatusCode === 403)
  );
}

function errorName(error: unknown): string {
  return (error as AwsError)?.name ?? 'Error';
}

/** `Name: message` on one line (SDK deserialization errors span several), without a trailing period. */
function errorText(error: unknown): string {
  const message = ((error as AwsError)?.message ?? String(error)).replace(/\s+/g, ' ').trim().replace(/\.+$/, '');
  return `${errorName(error)}: ${message}`;
}

/**
 * Run one check: retried calls inside, access denied turned into a WARN that names the permissions, any other
 * error into a FAIL. `permissions` are the IAM actions the check's calls need.
 */
async function guarded(
  check: string,
  target: string,
  permissions: readonly string[],
  body: () => Promise<Omit<CheckResult, 'check' | 'target'>>,
): Promise<CheckResult> {
  try {
    return { check, target, ...(await body()) };
  } catch (error) {
    if (isAccessDenied(error)) {
      return {
        check,
        target,
        status: 'WARN',
        message: `not checked: access denied (${errorText(error)})`,
        fix: `run with credentials allowed ${permissions.join(', ')} (the account's ReadOnlyAccess covers them)`,
      };
    }
    return {
      check,
      target,
      status: 'FAIL',
      message: `could not check: ${errorText(error)}`,
      fix: 'fix the error above (credentials, region, network) and run preflight again',
    };
  }
}

const pass = (message: string) => ({ status: 'PASS' as const, message });
const fail = (message: string, fix: string) => ({ status: 'FAIL' as const, message, fix });
const warn = (message: string, fix: string) => ({ status: 'WARN' as const, message, fix });

/** The account the credentials belong to must be the target's: every other check reads that account. */
export function checkCredentials(ctx: CheckContext, target: PreflightTarget): Promise<CheckResult> {
  return guarded('credentials', describeTarget(target), ['sts:GetCallerIdentity'], async () => {
    const identity = await withRetry(
      () => ctx.clients(target.region).sts.send(new GetCallerIdentityCommand({})),
      ctx.retry,
    );
    if (identity.Account !== target.account) {
      return fail(
        `the credentials are of account ${identity.Account} (${identity.Arn}), not ${target.account}: the other ` +
          `checks of ${target.stackName} were skipped`,
        `run with credentials of account ${target.account}, e.g. AWS_PROFILE=<a profile of ${target.account}> npm ` +
          `run ops -- preflight ...`,
      );
    }
    return pass(`credentials of account ${target.account} (${identity.Arn})`);
  });
}

function bootstrapCommand(target: PreflightTarget): string {
  const trust = target.trustedToolingAccount
    ? ` --trust ${target.trustedToolingAccount} --cloudformation-execution-policies <policy ARN (README)>`
    : '';
  return `npx cdk bootstrap aws://${target.account}/${target.region}${trust}`;
}

/**
 * CDKToolkit exists, is usable, and its `BootstrapVersion` output is at least what the synthesized stacks require
 * (bootstrapping: https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html; the requirement is each stack's
 * `requiresBootstrapStackVersion` in cdk.out/manifest.json, also asserted by its CheckBootstrapVersion rule).
 */
export function checkBootstrap(
  ctx: CheckContext,
  target: PreflightTarget,
  requirements: StackRequirements,
): Promise<CheckResult> {
  return guarded('bootstrap', describeTarget(target), ['cloudformation:DescribeStacks'], async () => {
    const stack = await describeStack(ctx, target.region, BOOTSTRAP_STACK_NAME);
    if (!stack || STACK_WITHOUT_RESOURCES.has(stack.StackStatus ?? '')) {
      return fail(
        `${target.account}/${target.region} is not bootstrapped (no ${BOOTSTRAP_STACK_NAME} ` +
          `stack${stack ? `: ${stack.StackStatus}` : ''})`,
        bootstrapCommand(target),
      );
    }
    if (!USABLE_STACK_STATES.has(stack.StackStatus ?? '')) {
      return fail(
        `${BOOTSTRAP_STACK_NAME} is ${stack.StackStatus}`,
        `wait for it to settle or repair it in the CloudFormation console, then ${bootstrapCommand(target)}`,
      );
    }
    const output = stack.Outputs?.find((o) => o.OutputKey === 'BootstrapVersion')?.OutputValue;
    const version = Number(output);
    if (output === undefined || !Number.isInteger(version)) {
      return fail(
        `${BOOTSTRAP_STACK_NAME} has no BootstrapVersion output (a legacy or custom bootstrap)`,
        bootstrapCommand(target),
      );
    }
    if (version < requirements.bootstrapVersion) {
      return fail(
        `bootstrap version ${version} < ${requirements.bootstrapVersion} required (${requirements.source})`,
        `${bootstrapCommand(target)} (with this repository's CDK CLI)`,
      );
    }
    return pass(
      `${BOOTSTRAP_STACK_NAME} version ${version} >= ${requirements.bootstrapVersion} required ` +
        `(${requirements.source})`,
    );
  });
}

/** Whether an IAM trust policy document (URL-encoded JSON, as GetRole returns it) lets `account` assume the role. */
export function trustsAccount(document: string, account: string): boolean {
  // IAM returns the document URL-encoded (GetRole); a raw JSON document (as some emulators return it) starts with '{'.
  const policy = JSON.parse(document.trimStart().startsWith('{') ? document : decodeURIComponent(document)) as {
    Statement?: unknown;
  };
  const statements = (Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement]) as Array<{
    Effect?: string;
    Principal?: unknown;
    Condition?: unknown;
  }>;
  const rootArn = new RegExp(`^arn:aws[a-z-]*:iam::${account}:root$`);
  return statements.some((s) => {
    if (s?.Effect !== 'Allow' || typeof s.Principal !== 'object' || s.Principal === null) return false;
    const aws = (s.Principal as { AWS?: string | string[] }).AWS;
    return (Array.isArray(aws) ? aws : [aws]).some((p) => p === account || (typeof p === 'string' && rootArn.test(p)));
  });
}

/**
 * The deploy role trusts the tooling account (`cdk bootstrap --trust`), or the pipeline's deploy builds cannot
 * assume it. Unreadable is a WARN: the deploy itself does not need iam:GetRole.
 */
export function checkDeployRoleTrust(ctx: CheckContext, target: PreflightTarget): Promise<CheckResult> {
  const tooling = target.trustedToolingAccount!;
  return guarded('bootstrap-trust', describeTarget(target), ['iam:GetRole'], async () => {
    let document: string | undefined;
    try {
      document = (
        await withRetry(
          () => ctx.clients(target.region).iam.send(new GetRoleCommand({ RoleName: target.deployRoleName })),
          ctx.retry,
        )
      ).Role?.AssumeRolePolicyDocument;
    } catch (error) {
      if (errorName(error) === 'NoSuchEntityException' || errorName(error) === 'NoSuchEntity') {
        return fail(
          `role ${target.deployRoleName} does not exist (bootstrapped with another qualifier, or not at all)`,
          bootstrapCommand(target),
        );
      }
      throw error;
    }
    if (!document)
      return warn(
        `role ${target.deployRoleName} returned no trust policy`,
        'check its trust policy in the IAM console',
      );
    if (!trustsAccount(document, tooling)) {
      return fail(
        `${target.deployRoleName} does not trust the tooling account ${tooling}: the pipeline cannot deploy ` +
          `${target.stackName}`,
        bootstrapCommand(target),
      );
    }
    return pass(`${target.deployRoleName} trusts the tooling account ${tooling}`);
  });
}

/**
 * The account's Lambda concurrency against what the stacks reserve: a reservation must leave at least 100
 * unreserved (LAMBDA_MINIMUM_UNRESERVED). Bulwark reserves none (issue 12 item 4), so a low quota deploys, but
 * every function of the account shares it: WARN below 100.
 */
export function checkLambdaConcurrency(
  ctx: CheckContext,
  target: PreflightTarget,
  requirements: StackRequirements,
): Promise<CheckResult> {
  return guarded('lambda-concurrency', describeTarget(target), ['lambda:GetAccountSettings'], async () => {
    const settings = await withRetry(
      () => ctx.clients(target.region).lambda.send(new GetAccountSettingsCommand({})),
      ctx.retry,
    );
    const quota = settings.AccountLimit?.ConcurrentExecutions ?? 0;
    const unreserved = settings.AccountLimit?.UnreservedConcurrentExecutions ?? 0;
    const reserved = requirements.reservedConcurrency;
    const increase =
      `request an increase of "Concurrent executions" (Service Quotas console > AWS Lambda, region ` +
      `${target.region}) to 1000, the default quota`;
    if (reserved > 0 && unreserved - reserved < LAMBDA_MINIMUM_UNRESERVED) {
      return fail(
        `the stacks reserve ${reserved} concurrent executions; the account has ${unreserved} unreserved of ` +
          `${quota}, and Lambda keeps ${LAMBDA_MINIMUM_UNRESERVED} unreserved: the deploy would fail`,
        increase,
      );
    }
    if (quota < LAMBDA_MINIMUM_UNRESERVED) {
      return warn(
        `concurrency quota ${quota} (${unreserved} unreserved): the stacks reserve ${reserved}, so they deploy, ` +
          `but every function of the account (canary, smoke check, kill switch, verifier, ...) shares ${quota} at once`,
        increase,
      );
    }
    return pass(`concurrency quota ${quota}, ${unreserved} unreserved; the stacks reserve ${reserved}`);
  });
}

/**
 * AWS Backup's service opt-in for each resource type the plan backs up. "If service opt-in is enabled for a
 * service, AWS Backup tries to protect that service's resources in this Region ... Otherwise, AWS Backup does not
 * try" (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRegionSettings.html). The API reference
 * of UpdateRegionSettings says an explicit resource-type assignment overrides opt-in; the review behind issue 12
 * found Aurora skipped anyway, so this FAILs until it is on. In the DR region (copy destination, where
 * `ops dr-restore` restores) requiring it is an assumption: AWS documents no opt-in for copy destinations.
 */
export function checkBackupOptIn(ctx: CheckContext, target: PreflightTarget): Promise<CheckResult> {
  return guarded('backup-opt-in', describeTarget(target), ['backup:DescribeRegionSettings'], async () => {
    const settings = await withRetry(
      () => ctx.clients(target.region).backup.send(new DescribeRegionSettingsCommand({})),
      ctx.retry,
    );
    const missing = BACKED_UP_RESOURCE_TYPES.filter((type) => settings.ResourceTypeOptInPreference?.[type] !== true);
    if (missing.length > 0) {
      const preference = missing.map((type) => `${type}=true`).join(',');
      return fail(
        `AWS Backup is not opted in to ${missing.join(', ')} in ${target.region}: the plan would skip the database`,
        `aws backup update-region-settings --resource-type-opt-in-preference ${preference} --region ${target.region}`,
      );
    }
    return pass(`AWS Backup opted in to ${BACKED_UP_RESOURCE_TYPES.join(', ')} in ${target.region}`);
  });
}

/**
 * The cost-spike alarm reads AWS/Billing EstimatedCharges, which CloudWatch publishes only in us-east-1 and only
 * once billing alerts are enabled in the account's billing preferences
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/monitor_estimated_charges_with_cloudwatch.html).
 * A metric listed by ListMetrics means they are on; none means they are off or were enabled too recently.
 */
export function checkBillingAlerts(ctx: CheckContext, target: PreflightTarget): Promise<CheckResult> {
  return guarded('billing-alerts', describeTarget(target), ['cloudwatch:ListMetrics'], async () => {
    const metrics = await withRetry(
      () =>
        ctx
          .clients(BILLING_METRICS_REGION)
          .cloudwatch.send(new ListMetricsCommand({ Namespace: 'AWS/Billing', MetricName: 'EstimatedCharges' })),
      ctx.retry,
    );
    if ((metrics.Metrics ?? []).length === 0) {
      return warn(
        `no AWS/Billing EstimatedCharges metric in ${BILLING_METRICS_REGION}: the cost-spike alarm stays ` +
          `INSUFFICIENT_DATA`,
        'Billing and Cost Management console > Billing preferences > Alert preferences > Receive CloudWatch ' +
          'billing alerts (in the payer account of an organization)',
      );
    }
    return pass(`AWS/Billing EstimatedCharges is published in ${BILLING_METRICS_REGION} (billing alerts are on)`);
  });
}

/** The hosted zone of the failover records exists, is public, is named as the config says and holds the domain. */
export function checkHostedZone(
  ctx: CheckContext,
  target: PreflightTarget,
  service: PreflightPlan['service'],
): Promise<CheckResult> {
  return guarded('hosted-zone', describeTarget(target), ['route53:GetHostedZone'], async () => {
    let zone;
    try {
      zone = (
        await withRetry(
          () => ctx.clients(target.region).route53.send(new GetHostedZoneCommand({ Id: service.hostedZoneId })),
          ctx.retry,
        )
      ).HostedZone;
    } catch (error) {
      if (errorName(error) === 'NoSuchHostedZone') {
        return fail(
          `no hosted zone ${service.hostedZoneId} in account ${target.account}`,
          `create the public zone ${service.hostedZoneName} in ${target.account} (or fix service.hostedZoneId in ` +
            `the config)`,
        );
      }
      throw error;
    }
    const name = (zone?.Name ?? '').replace(/\.$/, '').toLowerCase();
    if (name !== service.hostedZoneName.toLowerCase()) {
      return fail(
        `hosted zone ${service.hostedZoneId} is "${name}", the config says "${service.hostedZoneName}"`,
        'make service.hostedZoneId and service.hostedZoneName name the same zone',
      );
    }
    if (zone?.Config?.PrivateZone) {
      return fail(
        `hosted zone ${service.hostedZoneId} (${name}) is private: the public name and its health-checked failover ` +
          `records need a public zone`,
        `use the public hosted zone of ${name}`,
      );
    }
    const domain = service.domainName.toLowerCase();
    if (domain !== name && !domain.endsWith(`.${name}`)) {
      return fail(
        `${service.domainName} is not in the zone ${name}`,
        'set service.domainName to a name inside service.hostedZoneName',
      );
    }
    return pass(`public hosted zone ${service.hostedZoneId} is ${name} and holds ${service.domainName}`);
  });
}

/**
 * Whether a certificate name covers a host name. A wildcard stands for exactly one whole left-most label
 * (RFC 6125 section 6.4.3, as TLS clients verify it: `*.example.com` covers `orders.example.com`, not
 * `example.com` nor `a.orders.example.com`); names compare case-insensitively (RFC 6125 section 6.4.1).
 */
export function nameCovers(certificateName: string, host: string): boolean {
  const pattern = certificateName.toLowerCase().replace(/\.$/, '');
  const name = host.toLowerCase().replace(/\.$/, '');
  if (!pattern.startsWith('*.')) return pattern === name;
  const dot = name.indexOf('.');
  return dot > 0 && name.slice(dot + 1) === pattern.slice(2);
}

/**
 * The listener's certificate is ISSUED and covers service.domainName. That it is in the load balancer's region is
 * config validation's rule (config/validate.ts), so the ARN's region is the target's.
 */
export function checkCertificate(ctx: CheckContext, target: PreflightTarget, domainName: string): Promise<CheckResult> {
  const arn = target.certificateArn!;
  return guarded('certificate', describeTarget(target), ['acm:DescribeCertificate'], async () => {
    const region = arn.split(':')[3];
    let certificate;
    try {
      certificate = (
        await withRetry(
          () => ctx.clients(region).acm.send(new DescribeCertificateCommand({ CertificateArn: arn })),
          ctx.retry,
        )
      ).Certificate;
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException' || errorName(error) === 'InvalidArnException') {
        return fail(
          `no certificate ${arn} (still the placeholder?)`,
          `request an ACM certificate for ${domainName} in ${target.region} (DNS validation) and put its ARN in ` +
            `the config`,
        );
      }
      throw error;
    }
    const names = [
      ...new Set(
        [certificate?.DomainName, ...(certificate?.SubjectAlternativeNames ?? [])].filter((n): n is string => !!n),
      ),
    ];
    if (certificate?.Status !== 'ISSUED') {
      return fail(
        `certificate ${arn} is ${certificate?.Status}, not ISSUED`,
        certificate?.Status === 'PENDING_VALIDATION'
          ? 'create its DNS validation records (ACM console > the certificate > Create records in Route 53)'
          : `request a new certificate for ${domainName} in ${target.region}`,
      );
    }
    if (!names.some((n) => nameCovers(n, domainName))) {
      return fail(
        `certificate ${arn} covers ${names.join(', ')}, not ${domainName}`,
        `request a certificate whose name or SANs include ${domainName} (a wildcard covers one label only)`,
      );
    }
    return pass(`certificate ${arn} is ISSUED and covers ${domainName}`);
  });
}

/**
 * The pipeline's connection is AVAILABLE: one created by CloudFormation, the CLI or the SDK stays PENDING until
 * its handshake is finished in the console
 * (https://docs.aws.amazon.com/codeconnections/latest/APIReference/API_Connection.html).
 * Read through the codestar-connections API: the registry has no @aws-sdk/client-codeconnections, and the API
 * takes both ARN prefixes (its ConnectionArn pattern is `arn:aws(-[\w]+)*:.+:.+:[0-9]{12}:.+`). IAM matches the
 * action prefix to the resource's (https://docs.aws.amazon.com/dtconsole/latest/userguide/rename.html), so a
 * codeconnections ARN is read with codestar-connections:GetConnection on it: allowed to administrators; a scoped
 * role may be denied, which is a WARN naming both.
 */
export function checkConnection(
  ctx: CheckContext,
  target: PreflightTarget,
  connectionArn: string,
): Promise<CheckResult> {
  return guarded(
    'connection',
    describeTarget(target),
    ['codestar-connections:GetConnection', 'codeconnections:GetConnection'],
    async () => {
      const region = connectionArn.split(':')[3];
      let connection;
      try {
        connection = (
          await withRetry(
            () => ctx.clients(region).connections.send(new GetConnectionCommand({ ConnectionArn: connectionArn })),
            ctx.retry,
          )
        ).Connection;
      } catch (error) {
        if (errorName(error) === 'ResourceNotFoundException') {
          return fail(
            `no connection ${connectionArn} (still the placeholder?)`,
            'create a connection (Developer Tools console > Settings > Connections), finish its handshake and put ' +
              'its ARN in pipeline.connectionArn',
          );
        }
        throw error;
      }
      if (connection?.ConnectionStatus !== 'AVAILABLE') {
        return fail(
          `connection ${connection?.ConnectionName ?? connectionArn} is ${connection?.ConnectionStatus}, not ` +
            `AVAILABLE: the Source action cannot read the repository`,
          'Developer Tools console > Settings > Connections > the connection > Update pending connection (finish ' +
            'the handshake)',
        );
      }
      return pass(`connection ${connection.ConnectionName ?? connectionArn} is AVAILABLE`);
    },
  );
}

const ECR_REGISTRY = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/.source;
const ECR_REFERENCE = /\/([^:@]+)(?::([^@]+))?(?:@(sha256:[0-9a-f]{64}))?$/.source;
const ECR_IMAGE = new RegExp(ECR_REGISTRY + ECR_REFERENCE);

/** `<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag][@digest]`, or undefined for another registry. */
export function parseEcrImage(
  image: string,
): { registryId: string; region: string; repositoryName: string; tag?: string; digest?: string } | undefined {
  const match = ECR_IMAGE.exec(image);
  if (!match) return undefined;
  const [, registryId, region, repositoryName, tag, digest] = match;
  return { registryId, region, repositoryName, tag: digest ? tag : (tag ?? 'latest'), digest };
}

/** The service image exists in its ECR repository; another registry cannot be checked with AWS credentials. */
export function checkImage(ctx: CheckContext, target: PreflightTarget, image: string): Promise<CheckResult> {
  return guarded('image', describeTarget(target), ['ecr:DescribeImages'], async () => {
    const ecr = parseEcrImage(image);
    if (!ecr) {
      return warn(
        `not checked: ${image} is not in a private ECR registry, and preflight has no credentials for other registries`,
        `make sure ${image} exists and answers service.healthCheckPath with 200 before deploying`,
      );
    }
    const imageId = ecr.digest ? { imageDigest: ecr.digest } : { imageTag: ecr.tag };
    try {
      const found = await withRetry(
        () =>
          ctx.clients(ecr.region).ecr.send(
            new DescribeImagesCommand({
              registryId: ecr.registryId,
              repositoryName: ecr.repositoryName,
              imageIds: [imageId],
            }),
          ),
        ctx.retry,
      );
      if ((found.imageDetails ?? []).length === 0)
        throw Object.assign(new Error('no image details'), { name: 'ImageNotFoundException' });
    } catch (error) {
      if (errorName(error) === 'ImageNotFoundException' || errorName(error) === 'RepositoryNotFoundException') {
        return fail(
          `${image} does not exist (${errorName(error)})`,
          `push the image (docker push ${image}) or fix service.image in the config`,
        );
      }
      throw error;
    }
    return pass(`${image} exists in ECR`);
  });
}

async function describeStack(ctx: CheckContext, region: string, stackName: string): Promise<Stack | undefined> {
  try {
    return (
      await withRetry(
        () => ctx.clients(region).cloudformation.send(new DescribeStacksCommand({ StackName: stackName })),
        ctx.retry,
      )
    ).Stacks?.[0];
  } catch (error) {
    // DescribeStacks answers a ValidationError "Stack with id X does not exist" for a missing stack.
    if (errorName(error) === 'ValidationError' && /does not exist/.test((error as AwsError).message ?? ''))
      return undefined;
    throw error;
  }
}

/** The applied quota value, or AWS's default when none was ever applied; undefined when neither is known. */
async function quotaValue(
  ctx: CheckContext,
  region: string,
  quota: { serviceCode: string; quotaCode: string },
): Promise<number | undefined> {
  const client = ctx.clients(region).serviceQuotas;
  const input = { ServiceCode: quota.serviceCode, QuotaCode: quota.quotaCode };
  try {
    return (await withRetry(() => client.send(new GetServiceQuotaCommand(input)), ctx.retry)).Quota?.Value;
  } catch (error) {
    if (errorName(error) !== 'NoSuchResourceException') throw error;
  }
  try {
    return (await withRetry(() => client.send(new GetAWSDefaultServiceQuotaCommand(input)), ctx.retry)).Quota?.Value;
  } catch (error) {
    if (errorName(error) === 'NoSuchResourceException') return undefined;
    throw error;
  }
}

async function pages<T>(fetch: (token?: string) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    all.push(...page.items);
    token = page.next;
  } while (token);
  return all;
}

function quotaIncrease(
  quota: { serviceCode: string; quotaCode: string; name: string },
  region: string,
  desired: number,
): string {
  return (
    `aws service-quotas request-service-quota-increase --service-code ${quota.serviceCode} --quota-code ` +
    `${quota.quotaCode} --desired-value ${desired} --region ${region} (${quota.name})`
  );
}

/**
 * VPCs, Elastic IPs and NAT gateways per AZ: what the account uses now plus what the stack adds (one VPC, one
 * EIP and one NAT gateway in each of the first `natGateways` AZs, as ec2.Vpc places them), against the quotas.
 * A stack that already exists adds nothing (its resources are counted in the usage).
 */
export async function checkNetworkQuotas(ctx: CheckContext, target: PreflightTarget): Promise<CheckResult[]> {
  const name = describeTarget(target);
  const ec2 = () => ctx.clients(target.region).ec2;
  const call = <T>(operation: () => Promise<T>) => withRetry(operation, ctx.retry);
  // One DescribeStacks for the three checks: whether the stack is new, so its VPC, EIPs and NAT gateways count.
  let isNewStack: Promise<boolean> | undefined;
  const adds = (): Promise<boolean> =>
    (isNewStack ??= describeStack(ctx, target.region, target.stackName).then(
      (stack) => stack === undefined || STACK_WITHOUT_RESOURCES.has(stack.StackStatus ?? ''),
    ));
  const verdict = (
    quota: (typeof QUOTAS)[keyof typeof QUOTAS],
    limit: number | undefined,
    used: number,
    added: number,
    scope: string,
  ) => {
    const need = used + added;
    const figures = `${used} in use + ${added} from ${target.stackName} = ${need}`;
    if (limit === undefined)
      return warn(
        `${quota.name} (${quota.serviceCode}/${quota.quotaCode}) is unknown to Service Quotas here; ${figures}${scope}`,
        'compare with the quota in the Service Quotas console',
      );
    if (need > limit)
      return fail(`${quota.name} ${limit}${scope}: ${figures}`, quotaIncrease(quota, target.region, need));
    return pass(`${quota.name} ${limit}${scope}: ${figures}`);
  };

  const vpcs = guarded(
    'quota-vpcs',
    name,
    ['servicequotas:GetServiceQuota', 'ec2:DescribeVpcs', 'cloudformation:DescribeStacks'],
    async () => {
      const [limit, used, adding] = await Promise.all([
        quotaValue(ctx, target.region, QUOTAS.vpcs),
        pages((NextToken) =>
          call(() => ec2().send(new DescribeVpcsCommand({ NextToken }))).then((r) => ({
            items: r.Vpcs ?? [],
            next: r.NextToken,
          })),
        ),
        adds(),
      ]);
      return verdict(QUOTAS.vpcs, limit, used.length, adding ? 1 : 0, ` in ${target.region}`);
    },
  );

  const eips = guarded(
    'quota-eips',
    name,
    ['servicequotas:GetServiceQuota', 'ec2:DescribeAddresses', 'cloudformation:DescribeStacks'],
    async () => {
      const [limit, used, adding] = await Promise.all([
        quotaValue(ctx, target.region, QUOTAS.elasticIps),
        call(() => ec2().send(new DescribeAddressesCommand({}))).then((r) => r.Addresses ?? []),
        adds(),
      ]);
      return verdict(QUOTAS.elasticIps, limit, used.length, adding ? target.natGateways : 0, ` in ${target.region}`);
    },
  );

  const nat = guarded(
    'quota-nat-gateways',
    name,
    [
      'servicequotas:GetServiceQuota',
      'ec2:DescribeNatGateways',
      'ec2:DescribeSubnets',
      'cloudformation:DescribeStacks',
    ],
    async () => {
      const [limit, gateways, adding] = await Promise.all([
        quotaValue(ctx, target.region, QUOTAS.natGatewaysPerAz),
        pages((NextToken) =>
          call(() =>
            ec2().send(
              new DescribeNatGatewaysCommand({
                NextToken,
                Filter: [{ Name: 'state', Values: ['pending', 'available'] }],
              }),
            ),
          ).then((r) => ({ items: r.NatGateways ?? [], next: r.NextToken })),
        ),
        adds(),
      ]);
      const subnetIds = [...new Set(gateways.map((g) => g.SubnetId).filter((s): s is string => !!s))];
      const subnets =
        subnetIds.length === 0
          ? []
          : ((await call(() => ec2().send(new DescribeSubnetsCommand({ SubnetIds: subnetIds })))).Subnets ?? []);
      const zoneOf = new Map(subnets.map((s) => [s.SubnetId, s.AvailabilityZone]));
      const perZone = new Map<string, number>();
      for (const g of gateways) {
        const zone = zoneOf.get(g.SubnetId) ?? 'unknown';
        perZone.set(zone, (perZone.get(zone) ?? 0) + 1);
      }
      const newZones = adding ? target.availabilityZones.slice(0, target.natGateways) : [];
      const results = newZones.map((zone) => ({
        zone,
        ...verdict(QUOTAS.natGatewaysPerAz, limit, perZone.get(zone) ?? 0, 1, ` in ${zone}`),
      }));
      const worst = results.find((r) => r.status === 'FAIL') ?? results.find((r) => r.status === 'WARN');
      if (worst) return { status: worst.status, message: worst.message, fix: worst.fix };
      if (results.length === 0)
        return pass(`${target.stackName} exists: it adds no NAT gateway (${gateways.length} in the region)`);
      return pass(
        `${QUOTAS.natGatewaysPerAz.name} ${limit}: ` +
          `${results.map((r) => `${r.zone} ${(perZone.get(r.zone) ?? 0) + 1}`).join(', ')} after the deploy`,
      );
    },
  );

  return Promise.all([vpcs, eips, nat]);
}
