import { RegionInfo } from 'aws-cdk-lib/region-info';
import { z } from 'zod';
import { checkInputLimits } from './input-limits';
import { checkSeverityMatrix } from './operations';
import { inRegionRpoMinutes, regionalRpoMinutes } from './recovery-model';
import { BulwarkConfig, bulwarkConfigSchema, EnvironmentConfigRaw } from './schema';
import { ResilienceTargets, TIER_CEILINGS } from './tiers';

/** An environment with its effective targets (the tier's ceilings, tightened by the environment's own). */
export type EnvironmentConfig = Omit<EnvironmentConfigRaw, 'targets'> & { readonly targets: ResilienceTargets };
export type ResolvedConfig = Omit<BulwarkConfig, 'environments'> & {
  readonly environments: readonly EnvironmentConfig[];
};

/** Stack ids that environments may not take, because Bulwark creates stacks with these ids itself. */
export const RESERVED_STACK_IDS = ['DrRegion', 'Pipeline'] as const;

/** AWS Backup refuses a lifecycle whose DeleteAfter is less than MoveToColdStorageAfter + 90 days. */
export const COLD_STORAGE_MINIMUM_DAYS = 90;

/** AWS Backup keeps continuous (point-in-time) backups for at most 35 days. */
export const CONTINUOUS_BACKUP_MAX_DAYS = 35;

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid Bulwark configuration (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parse and validate a configuration. Throws ConfigError listing every problem, each naming the field
 * (by environment name, not array index), the value, and the fix.
 */
export function validateConfig(input: unknown, source = 'config/bulwark.config.ts'): ResolvedConfig {
  const parsed = bulwarkConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      source,
      parsed.error.issues.map((issue) => describeSchemaIssue(issue, input)),
    );
  }
  const config = parsed.data;
  const problems = [
    ...checkEnvironmentNames(config),
    ...config.environments.flatMap((env) => checkEnvironment(env)),
    ...checkCidrOverlaps(config),
    ...checkPipeline(config),
    ...checkInputLimits(config),
    ...checkSeverityMatrix(config.operations.severityMatrix),
  ];
  if (problems.length > 0) throw new ConfigError(source, problems);
  return {
    ...config,
    environments: config.environments.map((env) => ({
      ...env,
      targets: { ...TIER_CEILINGS[env.tier], ...env.targets },
    })),
  };
}

function describeSchemaIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const field = fieldName(issue.path, input);
  const value = valueAt(input, issue.path);
  const shown = value === undefined ? '(missing)' : JSON.stringify(value);
  return `${field} ${shown}: ${issue.message}`;
}

/** `environments[2].vpc.cidr` reads better as `Prod.vpc.cidr`. */
function fieldName(path: readonly PropertyKey[], input: unknown): string {
  if (path[0] === 'environments' && typeof path[1] === 'number') {
    const envName = (valueAt(input, path.slice(0, 2)) as { name?: unknown } | undefined)?.name;
    const head = typeof envName === 'string' ? envName : `environments[${path[1]}]`;
    return [head, ...path.slice(2).map(String)].join('.');
  }
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
    .join('.')
    .replace(/\.\[/g, '[');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (node, key) =>
      node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined,
    input,
  );
}

function checkEnvironmentNames(config: BulwarkConfig): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const env of config.environments) {
    if (seen.has(env.name)) {
      problems.push(
        `environments: the name "${env.name}" appears twice; each environment needs a unique name (it is the stack id users type in \`cdk deploy\`)`,
      );
    }
    seen.add(env.name);
    if ((RESERVED_STACK_IDS as readonly string[]).includes(env.name)) {
      problems.push(`${env.name}.name "${env.name}" is reserved for a stack Bulwark creates; rename the environment`);
    }
  }
  const withDr = config.environments.filter((env) => env.dr);
  if (withDr.length > 1) {
    problems.push(
      `${withDr.map((e) => `${e.name}.dr`).join(', ')}: only one environment may have a DR block (it becomes the DrRegion stack); keep it on Prod`,
    );
  }
  return problems;
}

function checkEnvironment(env: EnvironmentConfigRaw): string[] {
  const problems: string[] = [];
  const ceiling = TIER_CEILINGS[env.tier];

  for (const az of env.availabilityZones) {
    if (!az.startsWith(env.region)) {
      problems.push(
        `${env.name}.availabilityZones "${az}" is not in ${env.name}.region "${env.region}"; use zones such as "${env.region}a"`,
      );
    }
  }
  if (new Set(env.availabilityZones).size !== env.availabilityZones.length) {
    problems.push(
      `${env.name}.availabilityZones ${JSON.stringify(env.availabilityZones)} lists a zone twice; list each zone once`,
    );
  }
  if (env.tier === 1 && env.availabilityZones.length < 2) {
    problems.push(
      `${env.name}.availabilityZones ${JSON.stringify(env.availabilityZones)}: a tier-1 environment needs at least 2 availability zones to survive the loss of one; add another zone of ${env.region}`,
    );
  }
  if (env.vpc.natGateways > env.availabilityZones.length) {
    problems.push(
      `${env.name}.vpc.natGateways ${env.vpc.natGateways} exceeds the ${env.availabilityZones.length} availability zones; use at most one per zone`,
    );
  }
  if (env.tier === 1 && env.vpc.natGateways < env.availabilityZones.length) {
    problems.push(
      `${env.name}.vpc.natGateways ${env.vpc.natGateways}: a tier-1 environment needs one NAT gateway per availability zone (${env.availabilityZones.length}) so a zone outage does not cut egress`,
    );
  }
  if (env.tier === 1 && !env.retainStatefulResources) {
    problems.push(
      `${env.name}.retainStatefulResources false: a tier-1 environment must retain and deletion-protect its data; set it to true`,
    );
  }
  problems.push(...checkServiceCertificate(env));
  if (env.service.maxCount < env.service.desiredCount) {
    problems.push(
      `${env.name}.service.maxCount ${env.service.maxCount} is below desiredCount ${env.service.desiredCount}; raise maxCount`,
    );
  }

  for (const key of Object.keys(env.targets) as (keyof ResilienceTargets)[]) {
    const value = env.targets[key];
    const limit = ceiling[key];
    if (value !== undefined && limit !== undefined && value > limit) {
      problems.push(
        `${env.name}.targets.${key} ${value} is looser than the tier-${env.tier} ceiling ${ceiling[key]}; set it to ${ceiling[key]} or less, or change ${env.name}.tier`,
      );
    }
  }
  const targets: ResilienceTargets = { ...ceiling, ...env.targets };

  problems.push(...checkDeployment(env));
  problems.push(...checkKillSwitch(env));
  problems.push(...checkBackup(env, targets));
  if (env.dr) problems.push(...checkDr(env, targets));
  return problems;
}

/**
 * Every switch a trigger names must be one of the environment's switches: a trigger pointing at a
 * switch that does not exist would never act, and nobody would notice until the incident.
 */
/** The switch the pipeline reads before it lets a deploy into a tier-1 environment. */
export const DEPLOY_FREEZE_SWITCH = 'deploy-freeze';

export function checkKillSwitch(env: Pick<EnvironmentConfigRaw, 'name' | 'tier' | 'killSwitch'>): string[] {
  const problems: string[] = [];
  const { switches, alarmTriggers, onAnyP1, onBudget } = env.killSwitch;
  const known = new Set(switches);
  const list = [...known].map((s) => `"${s}"`).join(', ');
  if (env.tier === 1 && !known.has(DEPLOY_FREEZE_SWITCH)) {
    problems.push(
      `${env.name}.killSwitch.switches ${JSON.stringify(switches)} lacks "${DEPLOY_FREEZE_SWITCH}": the pipeline keeps a tier-1 environment closed while that switch is on, and reads a missing switch as off; add "${DEPLOY_FREEZE_SWITCH}"`,
    );
  }
  if (known.size !== switches.length) {
    problems.push(
      `${env.name}.killSwitch.switches ${JSON.stringify(switches)} lists a switch twice; list each switch once`,
    );
  }
  const references: [string, readonly string[]][] = [
    ...Object.entries(alarmTriggers).map(([alarmId, names]): [string, readonly string[]] => [
      `alarmTriggers.${alarmId}`,
      names,
    ]),
    ['onAnyP1', onAnyP1],
    ['onBudget', onBudget],
  ];
  for (const [field, names] of references) {
    for (const name of names) {
      if (!known.has(name)) {
        problems.push(
          `${env.name}.killSwitch.${field} names the switch "${name}", which is not in ${env.name}.killSwitch.switches (${list}); use one of those or add "${name}" to the switches`,
        );
      }
    }
  }
  return problems;
}

function checkDeployment(env: EnvironmentConfigRaw): string[] {
  const problems: string[] = [];
  const { traffic, autoRollback, bakeTimeMinutes } = env.deployment;
  if (env.tier <= 2 && !autoRollback) {
    problems.push(
      `${env.name}.deployment.autoRollback false: a tier-${env.tier} environment must roll back automatically on alarms; set it to true`,
    );
  }
  if (env.tier === 1 && traffic.type === 'all-at-once') {
    problems.push(
      `${env.name}.deployment.traffic "all-at-once" exposes every user to a bad release; a tier-1 environment needs { type: 'canary', percentage: 10, intervalMinutes: 5 } or linear`,
    );
  }
  if (env.tier === 1 && bakeTimeMinutes < 5) {
    problems.push(
      `${env.name}.deployment.bakeTimeMinutes ${bakeTimeMinutes}: a tier-1 environment keeps the old task set at least 5 minutes for instant rollback; set 5 or more`,
    );
  }
  if (env.tier === 1 && traffic.type !== 'all-at-once' && traffic.percentage > TIER1_MAX_FIRST_STEP_PERCENT) {
    problems.push(
      `${env.name}.deployment.traffic.percentage ${traffic.percentage}: a tier-1 environment sends at most ${TIER1_MAX_FIRST_STEP_PERCENT} % of users to a new release before its alarms have had time to judge it; set ${TIER1_MAX_FIRST_STEP_PERCENT} or less (10 is usual)`,
    );
  }
  problems.push(...checkDeploymentDuration(env));
  return problems;
}

/** The largest first traffic step (canary or linear) a tier-1 environment may take. */
export const TIER1_MAX_FIRST_STEP_PERCENT = 25;

/** CloudFormation waits at most one hour for a custom resource; the deploy trigger reports before that. */
export const DEPLOYMENT_WAIT_LIMIT_MINUTES = 55;
/** Green tasks starting, passing health checks, and the smoke check, before traffic shifting begins. */
export const DEPLOYMENT_START_ALLOWANCE_MINUTES = 10;

/** Worst-case minutes CodeDeploy spends shifting production traffic under a traffic policy. */
export function trafficShiftMinutes(traffic: EnvironmentConfigRaw['deployment']['traffic']): number {
  switch (traffic.type) {
    case 'all-at-once':
      return 0;
    case 'canary':
      return traffic.intervalMinutes;
    case 'linear':
      return Math.ceil(100 / traffic.percentage) * traffic.intervalMinutes;
  }
}

/** `cdk deploy` waits for the whole deployment (traffic shifting and bake); it must fit CloudFormation's limit. */
function checkDeploymentDuration(env: EnvironmentConfigRaw): string[] {
  const { traffic, bakeTimeMinutes } = env.deployment;
  const shift = trafficShiftMinutes(traffic);
  const budget = DEPLOYMENT_WAIT_LIMIT_MINUTES - DEPLOYMENT_START_ALLOWANCE_MINUTES;
  if (shift + bakeTimeMinutes <= budget) return [];
  return [
    `${env.name}.deployment: traffic shifting (${shift} min) plus bakeTimeMinutes ${bakeTimeMinutes} exceeds ${budget} min, the longest a cdk deploy can wait for CodeDeploy inside CloudFormation's one-hour custom-resource limit; shorten the bake time or the traffic interval so they add up to ${budget} min or less`,
  ];
}

function checkBackup(env: EnvironmentConfigRaw, targets: ResilienceTargets): string[] {
  const problems: string[] = [];
  const { backup } = env;
  if (backup.monthlyRetentionDays < backup.monthlyColdStorageAfterDays + COLD_STORAGE_MINIMUM_DAYS) {
    problems.push(
      `${env.name}.backup.monthlyRetentionDays ${backup.monthlyRetentionDays}: AWS Backup requires DeleteAfter >= MoveToColdStorageAfter (${backup.monthlyColdStorageAfterDays}) + ${COLD_STORAGE_MINIMUM_DAYS} days; set it to ${backup.monthlyColdStorageAfterDays + COLD_STORAGE_MINIMUM_DAYS} or more`,
    );
  }
  if (env.tier === 1 && env.database.backupRetentionDays < 35) {
    problems.push(
      `${env.name}.database.backupRetentionDays ${env.database.backupRetentionDays}: a tier-1 database keeps 35 days of point-in-time recovery; set 35`,
    );
  }
  if (backup.continuousBackup && backup.dailyRetentionDays > CONTINUOUS_BACKUP_MAX_DAYS) {
    problems.push(
      `${env.name}.backup.dailyRetentionDays ${backup.dailyRetentionDays}: with backup.continuousBackup the daily rule keeps continuous (point-in-time) backups, which AWS Backup keeps at most ${CONTINUOUS_BACKUP_MAX_DAYS} days; set it to ${CONTINUOUS_BACKUP_MAX_DAYS} or less`,
    );
  }
  problems.push(...checkContinuousBackupRetention(env));
  if (env.retainStatefulResources) {
    // A locked vault fails every backup or copy job whose retention is shorter than the lock's minimum.
    const rules: [string, number][] = [
      ['dailyRetentionDays', backup.dailyRetentionDays],
      ['weeklyRetentionDays', backup.weeklyRetentionDays],
      ['monthlyRetentionDays', backup.monthlyRetentionDays],
      ...(backup.scheduleEveryHours < 24
        ? ([['hourlyRetentionDays', backup.hourlyRetentionDays]] as [string, number][])
        : []),
    ];
    for (const [field, days] of rules) {
      if (days < backup.vaultLockMinRetentionDays) {
        problems.push(
          `${env.name}.backup.${field} ${days} is shorter than backup.vaultLockMinRetentionDays ${backup.vaultLockMinRetentionDays}: the locked vault would fail every such backup job; keep it at least ${backup.vaultLockMinRetentionDays} days or lower the lock minimum`,
        );
      }
    }
  }
  const delivered = inRegionRpoMinutes(backup.continuousBackup, backup.scheduleEveryHours);
  if (delivered > targets.rpoMinutes) {
    problems.push(
      `${env.name}.targets.rpoMinutes ${targets.rpoMinutes} is shorter than the backup schedule can deliver (${delivered} min from backup.scheduleEveryHours ${backup.scheduleEveryHours}, plus the start window and job duration); set backup.continuousBackup true, back up more often, or raise the RPO`,
    );
  }
  return problems;
}

/**
 * With backup.continuousBackup the daily rule is a continuous rule, and the plan selects the Aurora cluster
 * (by ARN): AWS Backup then owns the cluster's point-in-time recovery and sets its retention to the rule's
 * (https://docs.aws.amazon.com/aws-backup/latest/devguide/point-in-time-recovery.html, and "you must use your
 * backup plan to increase or decrease the retention period",
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/point-in-time-recovery-retention-period.html).
 * The template keeps sending BackupRetentionPeriod = database.backupRetentionDays; a later stack update
 * that sends a value other than the one AWS Backup set is refused by RDS (seen in review; AWS documents
 * no error text), so every later cluster update would fail. The two must be equal.
 */
export function checkContinuousBackupRetention(
  env: Pick<EnvironmentConfigRaw, 'name' | 'backup' | 'database'>,
): string[] {
  const { backup, database } = env;
  if (!backup.continuousBackup || database.backupRetentionDays === backup.dailyRetentionDays) return [];
  return [
    `${env.name}.database.backupRetentionDays ${database.backupRetentionDays} differs from ${env.name}.backup.dailyRetentionDays ${backup.dailyRetentionDays}: with backup.continuousBackup, AWS Backup manages the cluster's point-in-time recovery with the daily rule's retention, and RDS then refuses a cluster update that sends another BackupRetentionPeriod; set both to the same number of days (e.g. backup.dailyRetentionDays: ${database.backupRetentionDays})`,
  ];
}

export const ROUTE53_HEALTH_CHECK_INTERVALS = [10, 30] as const;
/** Where Route 53 runs health checkers (a health check names at least 3 of them). */
export const ROUTE53_CHECKER_REGIONS = [
  'us-east-1',
  'us-west-1',
  'us-west-2',
  'eu-west-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'sa-east-1',
] as const;

function checkDr(env: EnvironmentConfigRaw, targets: ResilienceTargets): string[] {
  const dr = env.dr!;
  const problems: string[] = [];
  if (dr.region === env.region) {
    problems.push(
      `${env.name}.dr.region "${dr.region}" equals ${env.name}.region; a standby in the same region does not survive a regional outage; choose another region such as "${env.region === 'us-west-2' ? 'us-east-1' : 'us-west-2'}"`,
    );
  }
  for (const az of dr.availabilityZones) {
    if (!az.startsWith(dr.region)) {
      problems.push(
        `${env.name}.dr.availabilityZones "${az}" is not in ${env.name}.dr.region "${dr.region}"; use zones such as "${dr.region}a"`,
      );
    }
  }
  if (env.tier === 1 && dr.availabilityZones.length < 2) {
    problems.push(
      `${env.name}.dr.availabilityZones ${JSON.stringify(dr.availabilityZones)}: a tier-1 standby needs at least 2 availability zones; add another zone of ${dr.region}`,
    );
  }
  if (dr.natGateways > dr.availabilityZones.length) {
    problems.push(
      `${env.name}.dr.natGateways ${dr.natGateways} exceeds the ${dr.availabilityZones.length} DR availability zones; use at most one per zone`,
    );
  }
  if (!(ROUTE53_HEALTH_CHECK_INTERVALS as readonly number[]).includes(dr.healthCheck.intervalSeconds)) {
    problems.push(
      `${env.name}.dr.healthCheck.intervalSeconds ${dr.healthCheck.intervalSeconds}: Route 53 health checks run every 10 or 30 seconds; use 10 (fast failover) or 30`,
    );
  }
  if (!dr.certificateArn) {
    // The standby takes the service domain's traffic on failover, and its smoke check sends the probes' bearer token.
    problems.push(
      `${env.name}.dr.certificateArn is required: the standby in ${dr.region} serves the service domain over HTTPS when ` +
        `it takes over, and ACM certificates are regional, so ${env.name}'s cannot serve there; request an ACM ` +
        `certificate for service.domainName in ${dr.region} and set its ARN`,
    );
  }
  if (dr.certificateArn && !dr.certificateArn.includes(`:acm:${dr.region}:`)) {
    problems.push(
      `${env.name}.dr.certificateArn ${dr.certificateArn} is not in ${env.name}.dr.region "${dr.region}"; the standby's load balancer can only use a certificate of its own region`,
    );
  }
  const unknownCheckers = dr.healthCheck.regions.filter(
    (r) => !(ROUTE53_CHECKER_REGIONS as readonly string[]).includes(r),
  );
  if (unknownCheckers.length > 0) {
    problems.push(
      `${env.name}.dr.healthCheck.regions ${JSON.stringify(unknownCheckers)}: Route 53 has health checkers only in ${ROUTE53_CHECKER_REGIONS.join(', ')}; pick from those`,
    );
  }
  if (new Set(dr.healthCheck.regions).size < 3) {
    problems.push(
      `${env.name}.dr.healthCheck.regions ${JSON.stringify(dr.healthCheck.regions)}: Route 53 needs at least 3 distinct checker regions; add more, e.g. ["us-east-1", "us-west-2", "eu-west-1"]`,
    );
  }
  // Both standby modes keep an Aurora global database secondary (pilot light: headless), so the regional RPO is its
  // bound, not the backup copies' (those are the dr-restore fallback).
  const regional = regionalRpoMinutes(env.tier);
  const regionalBound =
    env.tier === 1 ? 'rds.global_db_rpo, 20 s' : 'the replication lag budget: rds.global_db_rpo is set for tier 1 only';
  const regionalFix =
    env.tier === 1
      ? 'raise the RPO to at least that'
      : 'raise the RPO, or make the environment tier 1 so the primary blocks commits past 20 s';
  if (regional > targets.rpoMinutes) {
    problems.push(
      `${env.name}.targets.rpoMinutes ${targets.rpoMinutes} cannot be met in a regional disaster by ` +
        `${env.name}.dr.standbyMode "${dr.standbyMode}": its Aurora global database secondary is bounded at ` +
        `${regional} min (${regionalBound}); ${regionalFix}`,
    );
  }
  return problems;
}

/**
 * A tier-1 service is served over HTTPS only: without a certificate its users' requests, and the bearer token its
 * canary sends, cross the internet in clear text. The certificate must be in the environment's region: ACM
 * certificates are regional, and a load balancer can use only one of its own region
 * (https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html).
 */
export function checkServiceCertificate(
  env: Pick<EnvironmentConfigRaw, 'name' | 'tier' | 'region' | 'service'>,
): string[] {
  const { certificateArn } = env.service;
  if (certificateArn === undefined) {
    return env.tier === 1
      ? [
          `${env.name}.service.certificateArn is required for tier 1: without it the service and its canary's bearer token ` +
            `travel over plain HTTP; request an ACM certificate for service.domainName in ${env.region} and set its ARN`,
        ]
      : [];
  }
  if (!certificateArn.includes(`:acm:${env.region}:`)) {
    return [
      `${env.name}.service.certificateArn ${certificateArn} is not in ${env.name}.region "${env.region}"; the load balancer can only use a certificate of its own region`,
    ];
  }
  return [];
}

interface NamedCidr {
  readonly field: string;
  readonly cidr: string;
}

function checkCidrOverlaps(config: BulwarkConfig): string[] {
  const blocks: NamedCidr[] = config.environments.flatMap((env) => [
    { field: `${env.name}.vpc.cidr`, cidr: env.vpc.cidr },
    ...(env.dr ? [{ field: `${env.name}.dr.cidr`, cidr: env.dr.cidr }] : []),
  ]);
  const problems: string[] = [];
  for (let i = 0; i < blocks.length; i++) {
    for (let j = i + 1; j < blocks.length; j++) {
      if (cidrsOverlap(blocks[i].cidr, blocks[j].cidr)) {
        problems.push(
          `${blocks[j].field} ${blocks[j].cidr} overlaps ${blocks[i].field} ${blocks[i].cidr}; give each environment and its DR standby its own non-overlapping block (e.g. a /16 each) so they can be peered or routed later`,
        );
      }
    }
  }
  return problems;
}

function cidrRange(cidr: string): [number, number] {
  const [address, prefix] = cidr.split('/');
  const start = address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  return [start, start + 2 ** (32 - Number(prefix)) - 1];
}

export function cidrsOverlap(a: string, b: string): boolean {
  const [aStart, aEnd] = cidrRange(a);
  const [bStart, bEnd] = cidrRange(b);
  return aStart <= bEnd && bStart <= aEnd;
}

function checkPipeline(config: BulwarkConfig): string[] {
  const { pipeline } = config;
  const problems: string[] = [];
  if (!RegionInfo.regions.some((r) => r.name === pipeline.region)) {
    problems.push(
      `pipeline.region "${pipeline.region}" is not an AWS region; use the tooling account's region, such as "us-east-1"`,
    );
  }
  // A CodeConnections connection can only be used by pipelines of the account that owns it.
  const connectionAccount = pipeline.connectionArn.split(':')[4];
  if (connectionAccount !== pipeline.account) {
    problems.push(
      `pipeline.connectionArn belongs to account ${connectionAccount}, not pipeline.account ${pipeline.account}; create the connection in the tooling account and paste its ARN`,
    );
  }
  if (!pipeline.allowSharedToolingAccount) {
    problems.push(
      ...config.environments
        .filter((env) => env.account === pipeline.account)
        .map(
          (env) =>
            `pipeline.account ${pipeline.account} is also ${env.name}.account; give the pipeline its own tooling account (or set pipeline.allowSharedToolingAccount true, not recommended: a compromised build could then change ${env.name} directly)`,
        ),
    );
  }
  return problems;
}
