import { RegionInfo } from 'aws-cdk-lib/region-info';
import { BulwarkConfig, EnvironmentConfigRaw } from './schema';

/**
 * Limits a value can pass the schema's types and still be wrong: a region code that does not exist, a
 * retention no AWS service accepts, a budget no one means, thresholds in the wrong order. Each problem
 * names the field, the value and the fix; validateConfig reports them with the other rules.
 */

/** Region codes aws-cdk-lib's region-info table knows (every public, China, GovCloud and ISO region). */
export function isAwsRegion(region: string): boolean {
  return RegionInfo.regions.some((known) => known.name === region);
}

/**
 * The retention values CloudWatch Logs accepts, in days; any other value is refused by PutRetentionPolicy
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
 */
export const CLOUDWATCH_LOGS_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** The accepted CloudWatch Logs retention closest to `days` (the lower one on a tie). */
export function nearestLogRetentionDays(days: number): number {
  return CLOUDWATCH_LOGS_RETENTION_DAYS.reduce<number>(
    (best, value) => (Math.abs(value - days) < Math.abs(best - days) ? value : best),
    CLOUDWATCH_LOGS_RETENTION_DAYS[0],
  );
}

/**
 * AWS Backup keeps snapshot recovery points "up to a maximum of 100 years"
 * (https://docs.aws.amazon.com/aws-backup/latest/devguide/point-in-time-recovery.html), and a vault lock's
 * longest retention is 36500 days
 * (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_PutBackupVaultLockConfiguration.html).
 * S3 documents no maximum for object lock or noncurrent-version days that we could find; the same 100 years
 * bounds them here (an assumption: longer is a typo, not a plan).
 */
export const MAX_RETENTION_DAYS = 36500;

/**
 * Money fields: not AWS limits but typo guards (assumption). A monthly budget above 10 million USD or a
 * daily baseline above 1 million USD is far outside what this service runs at, and an absurd number would
 * silence the cost alarm and the budget's notifications instead of failing.
 */
export const MAX_MONTHLY_BUDGET_USD = 10_000_000;
export const MAX_DAILY_COST_BASELINE_USD = 1_000_000;

/**
 * Tag values: at most 256 characters of letters, digits, spaces and `_ . : / = + - @`. Most services take any
 * UTF-8 letter (e.g. https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/athena/aws.sdk.kotlin.services.athena.model/-tag/value.html),
 * some only ASCII (https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/cloudfront/aws.sdk.kotlin.services.cloudfront.model/-tag/value.html):
 * every stack tags all its resources with service.owner, so the value must suit the strictest, ASCII.
 */
const TAG_VALUE = /^[A-Za-z0-9 _.:/=+\-@]{1,256}$/;

/** Aurora Serverless v2 capacity moves in steps of 0.5 ACU (aws-cdk-lib refuses other values). */
const ACU_STEP = 0.5;

export function checkInputLimits(config: BulwarkConfig): string[] {
  return [...checkService(config.service), ...config.environments.flatMap((env) => checkEnvironmentLimits(env))];
}

function checkService(service: BulwarkConfig['service']): string[] {
  if (TAG_VALUE.test(service.owner) && service.owner.trim().length > 0) return [];
  return [
    `service.owner ${JSON.stringify(service.owner)}: every resource is tagged owner=<service.owner>, and AWS tag values ` +
      'allow only ASCII letters, digits, spaces and _ . : / = + - @ (1 to 256 characters, no control characters); ' +
      'use a team name such as "platform-team"',
  ];
}

function checkEnvironmentLimits(env: EnvironmentConfigRaw): string[] {
  return [
    ...checkRegions(env),
    ...checkLogRetention(`${env.name}.vpc.flowLogRetentionDays`, env.vpc.flowLogRetentionDays),
    ...checkLogRetention(`${env.name}.service.logRetentionDays`, env.service.logRetentionDays),
    ...checkBackupRetention(env),
    ...checkMoney(env),
    ...checkThresholdOrder(env),
    ...checkCapacity(env),
  ];
}

function checkRegions(env: EnvironmentConfigRaw): string[] {
  const problems: string[] = [];
  if (!isAwsRegion(env.region)) {
    problems.push(
      `${env.name}.region "${env.region}" is not an AWS region; use the region code of the environment's account, such as "us-east-1"`,
    );
  }
  if (env.dr && !isAwsRegion(env.dr.region)) {
    problems.push(
      `${env.name}.dr.region "${env.dr.region}" is not an AWS region; use the standby's region code, such as "us-west-2"`,
    );
  }
  // dr.healthCheck.regions: validate.ts already limits them to Route 53's checker regions, a subset of these.
  return problems;
}

function checkLogRetention(field: string, days: number): string[] {
  if ((CLOUDWATCH_LOGS_RETENTION_DAYS as readonly number[]).includes(days)) return [];
  return [
    `${field} ${days}: CloudWatch Logs accepts only ${CLOUDWATCH_LOGS_RETENTION_DAYS.join(', ')} days; ` +
      `use ${nearestLogRetentionDays(days)} (the nearest)`,
  ];
}

function checkBackupRetention(env: EnvironmentConfigRaw): string[] {
  const { backup } = env;
  const fields: [string, number][] = [
    ['hourlyRetentionDays', backup.hourlyRetentionDays],
    ['dailyRetentionDays', backup.dailyRetentionDays],
    ['weeklyRetentionDays', backup.weeklyRetentionDays],
    ['monthlyRetentionDays', backup.monthlyRetentionDays],
    ['monthlyColdStorageAfterDays', backup.monthlyColdStorageAfterDays],
    ['vaultLockMinRetentionDays', backup.vaultLockMinRetentionDays],
    ['vaultLockChangeableForDays', backup.vaultLockChangeableForDays],
    ['archiveObjectLockDays', backup.archiveObjectLockDays],
    ['archiveNoncurrentVersionDays', backup.archiveNoncurrentVersionDays],
  ];
  return fields
    .filter(([, days]) => days > MAX_RETENTION_DAYS)
    .map(
      ([field, days]) =>
        `${env.name}.backup.${field} ${days} is longer than AWS keeps backups (${MAX_RETENTION_DAYS} days, 100 years); set ${MAX_RETENTION_DAYS} or less`,
    );
}

function checkMoney(env: EnvironmentConfigRaw): string[] {
  const problems: string[] = [];
  if (env.budget.monthlyUsd > MAX_MONTHLY_BUDGET_USD) {
    problems.push(
      `${env.name}.budget.monthlyUsd ${env.budget.monthlyUsd} is above ${MAX_MONTHLY_BUDGET_USD} USD, so the budget would never notify; set the monthly spend you expect, such as 6000`,
    );
  }
  if (env.alarms.dailyCostBaselineUsd > MAX_DAILY_COST_BASELINE_USD) {
    problems.push(
      `${env.name}.alarms.dailyCostBaselineUsd ${env.alarms.dailyCostBaselineUsd} is above ${MAX_DAILY_COST_BASELINE_USD} USD, so the cost-spike alarm would never fire; set your usual daily spend, such as 120`,
    );
  }
  return problems;
}

function checkThresholdOrder(env: EnvironmentConfigRaw): string[] {
  const { alarms } = env;
  const problems: string[] = [];
  if (alarms.http5xxP1Percent > 100) {
    problems.push(
      `${env.name}.alarms.http5xxP1Percent ${alarms.http5xxP1Percent}: a 5xx rate never exceeds 100 %, so the P1 alarm could never fire; set a percentage such as 5`,
    );
  }
  if (alarms.http5xxP2Percent >= alarms.http5xxP1Percent) {
    problems.push(
      `${env.name}.alarms.http5xxP2Percent ${alarms.http5xxP2Percent} must be below http5xxP1Percent ${alarms.http5xxP1Percent}: the P2 (elevated) line warns before the P1 (critical) one pages; lower http5xxP2Percent or raise http5xxP1Percent`,
    );
  }
  if (alarms.p50LatencySeconds >= alarms.p95LatencySeconds) {
    problems.push(
      `${env.name}.alarms.p50LatencySeconds ${alarms.p50LatencySeconds} must be below p95LatencySeconds ${alarms.p95LatencySeconds}: the median cannot be slower than the 95th percentile, so one of them is mistyped; lower p50LatencySeconds or raise p95LatencySeconds`,
    );
  }
  return problems;
}

function checkCapacity(env: EnvironmentConfigRaw): string[] {
  const { minCapacityAcu, maxCapacityAcu } = env.database;
  const problems: string[] = [];
  for (const [field, value] of [
    ['minCapacityAcu', minCapacityAcu],
    ['maxCapacityAcu', maxCapacityAcu],
  ] as const) {
    if (value % ACU_STEP !== 0) {
      problems.push(
        `${env.name}.database.${field} ${value}: Aurora Serverless v2 capacity moves in steps of ${ACU_STEP} ACU; use ${Math.round(value / ACU_STEP) * ACU_STEP}`,
      );
    }
  }
  if (minCapacityAcu > maxCapacityAcu) {
    problems.push(
      `${env.name}.database.minCapacityAcu ${minCapacityAcu} is above maxCapacityAcu ${maxCapacityAcu}; the cluster scales between them, so raise maxCapacityAcu to ${minCapacityAcu} or more, or lower minCapacityAcu`,
    );
  }
  return problems;
}
