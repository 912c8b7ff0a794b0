import { BulwarkConfigInput, EnvironmentConfig, ResolvedConfig, validateConfig } from '../../config';

/**
 * The sandbox copy the integration tests deploy: one environment sized like Dev (one AZ pair, one NAT gateway,
 * the smallest task and database), named `integ-sandbox-*` so it never collides with a real environment's
 * resources in a shared account. Built from a config and validated like `config/bulwark.config.ts`, so the
 * integration app synthesizes the same constructs as `cdk synth`.
 */

/** The stack id and CloudFormation stack name of the sandbox environment. */
export const SANDBOX_ENVIRONMENT = 'Sandbox';
/** Service name: resource names start with `integ-sandbox-`. */
export const SANDBOX_SERVICE = 'integ';

/**
 * Images that need nothing built. nginx answers `/index.html` and `/` with 200 and its welcome page. httpd answers
 * the same paths with 200 but its page says "It works!": its tasks pass the load balancer's health check, so
 * CodeDeploy moves test traffic to them, and then fail the smoke check's `home` journey (bodyMatch), which is the
 * "bad release" the rollback test needs: healthy to the load balancer, wrong to the user.
 */
export const GOOD_IMAGE = 'public.ecr.aws/nginx/nginx:1.27';
export const BAD_IMAGE = 'public.ecr.aws/docker/library/httpd:2.4';

export interface SandboxTarget {
  readonly account: string;
  readonly region: string;
  readonly availabilityZones: readonly string[];
}

/**
 * Where the app is being synthesized for. integ-runner's offline synth (snapshot mode, and the synth that reads the
 * test manifest) sets `CDK_INTEG_ACCOUNT` and resolves no environment; the snapshot must not depend on the machine,
 * so it gets fixed placeholders. A deploy (`integ-runner --force`) resolves `CDK_DEFAULT_ACCOUNT`/`REGION` from the
 * credentials and the region it runs in. AZs are explicit so synth never looks them up: `<region>a,b` unless
 * `BULWARK_SANDBOX_AZS` names two others (AZ names differ per account in some regions).
 */
export function sandboxTarget(env: NodeJS.ProcessEnv): SandboxTarget {
  if (env.CDK_INTEG_ACCOUNT !== undefined) {
    return { account: '111111111111', region: 'us-east-1', availabilityZones: ['us-east-1a', 'us-east-1b'] };
  }
  const account = env.CDK_DEFAULT_ACCOUNT;
  const region = env.CDK_DEFAULT_REGION;
  if (!account || !region) {
    throw new Error(
      'integ.sandbox needs CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION; run it through integ-runner with sandbox ' +
        'credentials (npx integ-runner --force --parallel-regions <region>), which sets both',
    );
  }
  const zones = env.BULWARK_SANDBOX_AZS?.split(',')
    .map((zone) => zone.trim())
    .filter((zone) => zone.length > 0);
  return { account, region, availabilityZones: zones && zones.length > 0 ? zones : [`${region}a`, `${region}b`] };
}

/** The validated sandbox config; `image` is the one thing the rollback test changes. */
export function sandboxConfig(
  target: SandboxTarget,
  image: string,
): { config: ResolvedConfig; environment: EnvironmentConfig } {
  const input: BulwarkConfigInput = {
    service: {
      name: SANDBOX_SERVICE,
      owner: 'integ-tests',
      domainName: 'sandbox.integ.example.com',
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      hostedZoneName: 'integ.example.com',
      image,
      containerPort: 80,
      healthCheckPath: '/index.html',
      runbookBaseUrl: 'https://github.com/acme/bulwark/blob/main/runbooks',
      journeys: [
        { name: 'health', path: '/index.html', expectStatus: 200, latencyBudgetMs: 2000 },
        { name: 'home', path: '/', expectStatus: 200, bodyMatch: 'Welcome to nginx', latencyBudgetMs: 2000 },
      ],
      nonCriticalFeatures: [],
    },
    environments: [
      {
        name: SANDBOX_ENVIRONMENT,
        account: target.account,
        region: target.region,
        availabilityZones: [...target.availabilityZones],
        tier: 3,
        retainStatefulResources: false,
        vpc: { cidr: '10.90.0.0/16', natGateways: 1 },
        service: { cpu: 256, memoryMiB: 512, desiredCount: 1, maxCount: 2 },
        deployment: { traffic: { type: 'all-at-once' }, bakeTimeMinutes: 0 },
        alarms: { dailyCostBaselineUsd: 15, http5xxP1Percent: 10, http5xxP2Percent: 2, p95LatencySeconds: 5 },
        database: { backupRetentionDays: 1, minCapacityAcu: 0, maxCapacityAcu: 1 },
        backup: {
          scheduleEveryHours: 12,
          continuousBackup: false,
          dailyRetentionDays: 7,
          weeklyRetentionDays: 28,
          monthlyRetentionDays: 120,
        },
        budget: { monthlyUsd: 100 },
      },
    ],
    // No pipeline is deployed; the schema needs one, so it points at the sandbox account itself.
    pipeline: {
      account: target.account,
      region: target.region,
      connectionArn:
        `arn:aws:codeconnections:${target.region}:${target.account}:connection/` +
        '00000000-0000-0000-0000-000000000000',
      repository: 'acme/bulwark',
      branch: 'main',
      allowSharedToolingAccount: true,
    },
  };
  const config = validateConfig(input, 'test/integ/sandbox-config.ts');
  return { config, environment: config.environments[0] };
}
