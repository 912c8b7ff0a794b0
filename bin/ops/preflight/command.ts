/**
 * `npm run ops -- preflight <Env> [--json]`: before `cdk deploy <Env>`, check with your AWS credentials what only
 * the account can answer (bootstrap, quotas, opt-ins, the zone, certificates, the connection, the image). One line
 * per check, PASS / FAIL / WARN with the fix; exits 1 when any check FAILs. Independent checks run in parallel.
 */
import { ACMClient } from '@aws-sdk/client-acm';
import { BackupClient } from '@aws-sdk/client-backup';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeStarConnectionsClient } from '@aws-sdk/client-codestar-connections';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { Route53Client } from '@aws-sdk/client-route-53';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { STSClient, STSClientConfig } from '@aws-sdk/client-sts';
import { Command } from 'commander';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../../config';
import { CLIENT_CONFIG } from '../../../lambdas/shared/aws';
import { RetryOptions } from '../../../lambdas/shared/retry';
import {
  CheckContext,
  CheckResult,
  CheckStatus,
  PreflightClients,
  checkBackupOptIn,
  checkBillingAlerts,
  checkBootstrap,
  checkCertificate,
  checkConnection,
  checkCredentials,
  checkDeployRoleTrust,
  checkHostedZone,
  checkImage,
  checkLambdaConcurrency,
  checkNetworkQuotas,
} from './checks';
import { PreflightPlan, PreflightTarget, preflightPlanFor } from './plan';

export interface PreflightReport {
  readonly environment: string;
  /** False when any check FAILed (the command then exits 1). */
  readonly ok: boolean;
  readonly counts: Readonly<Record<CheckStatus, number>>;
  readonly checks: readonly CheckResult[];
}

/** The checks of one target, started together; the credentials check gates the rest (they read that account). */
async function targetChecks(ctx: CheckContext, plan: PreflightPlan, target: PreflightTarget): Promise<CheckResult[]> {
  const credentials = await checkCredentials(ctx, target);
  if (credentials.status === 'FAIL') return [credentials];
  const requirements = plan.requirements[target.stackName];
  const checks: Array<Promise<CheckResult | CheckResult[]>> = [checkBootstrap(ctx, target, requirements)];
  if (target.trustedToolingAccount) checks.push(checkDeployRoleTrust(ctx, target));
  checks.push(checkLambdaConcurrency(ctx, target, requirements));
  if (target.workload) checks.push(checkBackupOptIn(ctx, target));
  if (target.costAlarm) checks.push(checkBillingAlerts(ctx, target));
  if (target.usesHostedZone) checks.push(checkHostedZone(ctx, target, plan.service));
  if (target.certificateArn) checks.push(checkCertificate(ctx, target, plan.service.domainName));
  if (target.workload) checks.push(checkImage(ctx, target, plan.service.image));
  if (plan.connectionArn) checks.push(checkConnection(ctx, target, plan.connectionArn));
  if (target.workload) checks.push(checkNetworkQuotas(ctx, target));
  return [credentials, ...(await Promise.all(checks)).flat()];
}

/** Every check of the plan (targets in parallel), in plan order. */
export async function runPreflight(plan: PreflightPlan, ctx: CheckContext): Promise<PreflightReport> {
  const checks = (await Promise.all(plan.targets.map((target) => targetChecks(ctx, plan, target)))).flat();
  const counts = { PASS: 0, WARN: 0, FAIL: 0 };
  for (const c of checks) counts[c.status] += 1;
  return { environment: plan.environment, ok: counts.FAIL === 0, counts, checks };
}

/** One line per check: `FAIL bootstrap [Prod 333333333333 us-east-1] <message>. Fix: <fix>`. */
export function formatReport(report: PreflightReport): string[] {
  const width = Math.max(...report.checks.map((c) => c.check.length), 0);
  const lines = report.checks.map(
    (c) =>
      `${c.status} ${c.check.padEnd(width)} [${c.target}] ` +
      `${c.message.replace(/\.$/, '')}${c.fix && c.status !== 'PASS' ? `. Fix: ${c.fix}` : ''}`,
  );
  const { PASS, WARN, FAIL } = report.counts;
  lines.push(
    `preflight ${report.environment}: ${PASS} PASS, ${WARN} WARN, ${FAIL} ` +
      `FAIL${FAIL > 0 ? ': fix the FAIL lines before cdk deploy' : ''}`,
  );
  return lines;
}

/** Thrown after the report is printed when a check FAILed: bin/ops.ts prints it and exits 1. */
export class PreflightFailed extends Error {
  override readonly name = 'PreflightFailed';
}

function defaultClients(endpoint?: string): (region: string) => PreflightClients {
  const cache = new Map<string, PreflightClients>();
  return (region) => {
    let clients = cache.get(region);
    if (!clients) {
      clients = preflightClients({ ...CLIENT_CONFIG, region, ...(endpoint ? { endpoint } : {}) });
      cache.set(region, clients);
    }
    return clients;
  };
}

/** The settings every client shares: the command's own, or a test's (a moto endpoint, test credentials). */
export type PreflightClientConfig = Pick<
  STSClientConfig,
  'region' | 'endpoint' | 'credentials' | 'maxAttempts' | 'retryMode'
>;

/** Every client the checks use, made with one configuration (the command's, or a test's moto endpoint). */
export function preflightClients(config: PreflightClientConfig): PreflightClients {
  return {
    sts: new STSClient(config),
    cloudformation: new CloudFormationClient(config),
    iam: new IAMClient(config),
    lambda: new LambdaClient(config),
    backup: new BackupClient(config),
    cloudwatch: new CloudWatchClient(config),
    route53: new Route53Client(config),
    acm: new ACMClient(config),
    connections: new CodeStarConnectionsClient(config),
    ecr: new ECRClient(config),
    ec2: new EC2Client(config),
    serviceQuotas: new ServiceQuotasClient(config),
  };
}

export interface PreflightCommandDeps {
  /** Clients of a region; tests inject mocks or moto-backed ones. */
  readonly clients?: (region: string) => PreflightClients;
  readonly print?: (line: string) => void;
  readonly retry?: RetryOptions;
}

/** Registers `preflight <Env>` on the ops program. */
export function registerPreflight(program: Command, deps: PreflightCommandDeps = {}): Command {
  program
    .command('preflight')
    .description(
      'check the target account before `cdk deploy <Env>`: bootstrap and trust, Lambda concurrency, AWS Backup ' +
        'opt-in, billing alerts, hosted zone, certificates, connection, image, VPC/EIP/NAT quotas',
    )
    .argument('<env>', 'Dev, Staging, Prod, DrRegion or Pipeline (names from the config)')
    .option('--json', 'print the report as JSON')
    .option('-c, --config <path>', 'config file', DEFAULT_CONFIG_PATH)
    .option('--cdk-out <dir>', "synthesized cloud assembly to read the stacks' requirements from", 'cdk.out')
    .option('--endpoint <url>', 'one endpoint for every AWS call (a local moto server); AWS_ENDPOINT_URL works too')
    .action(
      async (environment: string, options: { json?: boolean; config: string; cdkOut: string; endpoint?: string }) => {
        const plan = preflightPlanFor(loadConfig(options.config), environment, options.cdkOut);
        const report = await runPreflight(plan, {
          clients: deps.clients ?? defaultClients(options.endpoint),
          retry: deps.retry,
        });
        const print = deps.print ?? ((line: string) => console.log(line));
        if (options.json) print(JSON.stringify(report, null, 2));
        else for (const line of formatReport(report)) print(line);
        if (!report.ok) throw new PreflightFailed(`preflight ${environment}: ${report.counts.FAIL} check(s) FAIL`);
      },
    );
  return program;
}
