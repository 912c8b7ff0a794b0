import { z } from 'zod';
import { operationsSchema } from './operations';
import { TIERS } from './tiers';

/**
 * The shape of `bulwark.config.ts`. Field-level rules live here; rules that relate fields or
 * environments to one another live in `validate.ts`. Every message names the fix.
 */

const accountId = z.string().regex(/^\d{12}$/, {
  message: 'must be a 12-digit AWS account id (quote it to keep leading zeros), e.g. "123456789012"',
});

const region = z
  .string()
  .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { message: 'must be an AWS region code such as "us-east-1"' });

const cidrBlock = z.string().refine(isValidIpv4Cidr, {
  message: 'must be an IPv4 CIDR block such as "10.10.0.0/16" (prefix /16 to /20, host bits zero)',
});

export function isValidIpv4Cidr(value: string): boolean {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!match) return false;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix < 16 || prefix > 20) return false;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  return address % 2 ** (32 - prefix) === 0;
}

const tier = z.union(
  TIERS.map((t) => z.literal(t)) as unknown as [z.ZodLiteral<1>, z.ZodLiteral<2>, z.ZodLiteral<3>, z.ZodLiteral<4>],
  {
    message: 'must be a tier of 1, 2, 3 or 4 (1 = most critical: RTO 1 h, RPO 15 min)',
  },
);

const positiveMinutes = z.number().positive();

const targetsSchema = z
  .object({
    rtoMinutes: positiveMinutes,
    rpoMinutes: positiveMinutes,
    detectionSeconds: z.number().positive(),
    rollbackSeconds: z.number().positive(),
    dnsFailoverSeconds: z.number().positive(),
  })
  .partial()
  .strict();

const journeySchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,62}$/, { message: 'must be a short name of letters, digits and dashes' }),
    method: z.enum(['GET', 'POST', 'PUT', 'DELETE', 'HEAD']).default('GET'),
    path: z.string().startsWith('/', { message: 'must start with "/"' }),
    expectStatus: z.number().int().min(100).max(599).default(200),
    bodyMatch: z.string().optional(),
    body: z.string().optional(),
    latencyBudgetMs: z.number().int().positive().default(2000),
    /** When true the runner sends `Authorization: Bearer <token>` from the canary credentials secret. */
    authenticated: z.boolean().default(false),
  })
  .strict();

const trafficSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('all-at-once') }).strict(),
  z
    .object({
      type: z.literal('canary'),
      percentage: z.number().int().min(1).max(99),
      intervalMinutes: z.number().int().min(1).max(2880),
    })
    .strict(),
  z
    .object({
      type: z.literal('linear'),
      percentage: z.number().int().min(1).max(99),
      intervalMinutes: z.number().int().min(1).max(2880),
    })
    .strict(),
]);

const interfaceEndpointName = z.enum([
  'ecr.api',
  'ecr.dkr',
  'logs',
  'secretsmanager',
  'ssm',
  'monitoring',
  'sts',
  'kms',
]);

const severity = z.enum(['P1', 'P2', 'P3', 'P4']);

const serviceSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, {
      message: 'must be 2-31 lowercase letters, digits or dashes, starting with a letter',
    }),
    owner: z.string().min(1),
    domainName: z
      .string()
      .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, { message: 'must be a DNS name such as "orders.example.com"' }),
    hostedZoneId: z
      .string()
      .regex(/^Z[A-Z0-9]{5,31}$/, { message: 'must be a Route 53 hosted zone id such as "Z0123456789ABCDEFGHIJ"' }),
    hostedZoneName: z
      .string()
      .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, { message: 'must be the hosted zone apex such as "example.com"' }),
    image: z.string().min(1),
    /**
     * The user the container runs as (`uid[:gid]` or a name the image defines), never root: AWS Control Tower
     * control CT.ECS.PR.3 fails synth on root. The image must run as it: files it reads are readable by that
     * user, and a containerPort below 1024 needs the server binary to hold CAP_NET_BIND_SERVICE (or use 8080).
     */
    runAsUser: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/, {
        message: 'must be "uid", "uid:gid" or a user name the image defines, such as "1000:1000"',
      })
      .refine((user) => !/^(0|root)(:|$)/.test(user), {
        message: 'must not be root (uid 0): run the service as an unprivileged user the image defines',
      })
      .default('1000:1000'),
    /**
     * The container's root filesystem is read-only (Control Tower CT.ECS.PR.6): the image must write nothing to
     * it (logs to stdout, temporary files to a volume the image declares). Set false only for an image that cannot;
     * synth then fails until the finding is acknowledged with a reason.
     */
    readonlyRootFilesystem: z.boolean().default(true),
    containerPort: z.number().int().min(1).max(65535),
    healthCheckPath: z.string().startsWith('/', { message: 'must start with "/"' }),
    runbookBaseUrl: z.url({
      message: 'must be an absolute URL such as "https://github.com/acme/bulwark/blob/main/runbooks"',
    }),
    journeys: z.array(journeySchema).min(2, { message: 'needs at least the health path and the root page' }),
    /** Non-critical features a feature kill switch may turn off. */
    nonCriticalFeatures: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)).default([]),
  })
  .strict();

const switchName = z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, {
  message: 'must be a switch name of lowercase letters, digits and dashes, such as "features"',
});

/** The switches every environment has; `features`, `cost` and `deploy-freeze` carry built-in actions. */
export const DEFAULT_SWITCHES = ['features', 'cost', 'deploy-freeze'] as const;

const killSwitchSchema = z
  .object({
    /** Switches of this environment, each an SSM parameter; any name beyond the built-in three is a plain flag the service reads. */
    switches: z
      .array(switchName)
      .min(1)
      .default([...DEFAULT_SWITCHES]),
    /** ECS services the cost switch scales to zero, as "<cluster>/<service>". */
    nonCriticalServices: z
      .array(
        z.string().regex(/^[A-Za-z0-9_-]{1,255}\/[A-Za-z0-9_-]{1,255}$/, {
          message: 'must be "<cluster name>/<service name>"',
        }),
      )
      .default([]),
    /** Lambda function names the cost switch throttles to zero (reserved concurrency 0). */
    nonCriticalFunctions: z
      .array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be a Lambda function name' }))
      .default([]),
    /** Alarm ids (of this environment's catalog) whose ALARM state turns switches on: `{ 'http-5xx-critical': ['features'] }`. */
    alarmTriggers: z
      .record(
        z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'must be an alarm id such as "http-5xx-critical"' }),
        z.array(switchName),
      )
      .default({ 'http-5xx-critical': ['features'] }),
    /** Switches any P1 alarm turns on. */
    onAnyP1: z.array(switchName).default(['deploy-freeze']),
    /** Switches the budget notifications (forecast and actual) turn on. */
    onBudget: z.array(switchName).default(['cost']),
    /** Budget notification thresholds, percent of budget.monthlyUsd. */
    budgetForecastPercent: z.number().positive().max(1000).default(80),
    budgetActualPercent: z.number().positive().max(1000).default(100),
  })
  .strict()
  .prefault({});

const environmentSchema = z
  .object({
    name: z.string().regex(/^[A-Z][A-Za-z0-9]{1,20}$/, { message: 'must be a PascalCase stack name such as "Prod"' }),
    account: accountId,
    region,
    availabilityZones: z
      .array(
        z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, { message: 'must be an AZ name such as "us-east-1a"' }),
      )
      .min(1),
    tier,
    /** Tighter targets than the tier's ceilings; omitted fields take the ceiling. */
    targets: targetsSchema.default({}),
    /**
     * Figures with a target that the resilience report cannot assess fail it, unless acknowledged here:
     * figure id (or its prefix up to a `/`, e.g. `rto/regional`, `rpo-regional`) -> why that is acceptable.
     */
    acknowledgeNotAssessed: z
      .record(z.string().min(1), z.string().min(20, { message: 'give a reason a reviewer would accept' }))
      .default({}),
    /** Retain, deletion-protect and snapshot stateful resources. Required for tier 1. */
    retainStatefulResources: z.boolean(),
    vpc: z
      .object({
        cidr: cidrBlock,
        natGateways: z
          .number()
          .int()
          .min(1, { message: 'must be at least 1: the private subnets route egress through NAT' })
          .max(6),
        interfaceEndpoints: z
          .array(interfaceEndpointName)
          .default(['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager', 'ssm']),
        flowLogRetentionDays: z.number().int().positive().default(90),
      })
      .strict(),
    service: z
      .object({
        cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)]),
        memoryMiB: z.number().int().min(512).max(30720),
        desiredCount: z.number().int().min(1).max(100),
        maxCount: z.number().int().min(1).max(200),
        testListenerPort: z.number().int().min(1024).max(65535).default(8080),
        /**
         * ACM certificate (this region) for service.domainName: both listeners serve HTTPS with it, and the canary and
         * smoke check verify it against service.domainName. Required for tier 1.
         */
        certificateArn: z
          .string()
          .regex(/^arn:aws[a-z-]*:acm:/, { message: 'must be an ACM certificate ARN' })
          .optional(),
        logRetentionDays: z.number().int().positive().default(30),
      })
      .strict(),
    deployment: z
      .object({
        traffic: trafficSchema,
        /** Minutes the old (blue) task set is kept after full shift, for instant rollback. */
        bakeTimeMinutes: z.number().int().min(0).max(2880),
        autoRollback: z.boolean().default(true),
      })
      .strict(),
    alarms: z
      .object({
        http5xxP1Percent: z.number().positive().default(5),
        http5xxP2Percent: z.number().positive().default(1),
        /** Below this many requests in a minute the 5xx rate reads 0: two failures of three requests at night are not a P1. */
        http5xxMinRequestsPerMinute: z.number().int().min(0).default(10),
        p95LatencySeconds: z.number().positive().default(3),
        p50LatencySeconds: z.number().positive().default(1),
        cpuPercent: z.number().positive().max(100).default(80),
        memoryPercent: z.number().positive().max(100).default(80),
        dbConnectionsPercent: z.number().positive().max(100).default(80),
        dbCpuPercent: z.number().positive().max(100).default(80),
        dbFreeStorageGiB: z.number().positive().default(5),
        errorLogsPerMinute: z.number().positive().default(10),
        dailyCostBaselineUsd: z.number().positive(),
      })
      .strict()
      .prefault({ dailyCostBaselineUsd: 10 }),
    notifications: z.partialRecord(severity, z.array(z.email({ message: 'must be an email address' }))).default({}),
    database: z
      .object({
        minCapacityAcu: z.number().min(0).max(256).default(0.5),
        maxCapacityAcu: z.number().min(1).max(256).default(4),
        backupRetentionDays: z.number().int().min(1).max(35),
        /** Serverless v2 readers besides the writer; one in another AZ makes a zone outage a ~30 s failover. */
        readers: z.number().int().min(0).max(15).default(0),
        /** Allow IAM database authentication (tokens instead of the password) besides the rotated secret. */
        iamAuthentication: z.boolean().default(true),
      })
      .strict(),
    backup: z
      .object({
        /** Hours between scheduled AWS Backup jobs (1 = hourly). */
        scheduleEveryHours: z
          .union([z.literal(1), z.literal(2), z.literal(4), z.literal(6), z.literal(12), z.literal(24)])
          .default(24),
        continuousBackup: z.boolean().default(true),
        dailyRetentionDays: z.number().int().positive().default(35),
        weeklyRetentionDays: z.number().int().positive().default(84),
        monthlyRetentionDays: z.number().int().positive().default(365),
        monthlyColdStorageAfterDays: z.number().int().positive().default(30),
        /** Governance-mode vault lock minimum retention (days); only applied where retainStatefulResources. */
        vaultLockMinRetentionDays: z.number().int().positive().default(7),
        /**
         * 'governance': the lock can be removed by a principal allowed backup:DeleteBackupVaultLockConfiguration.
         * 'compliance': after vaultLockChangeableForDays nobody (not even root or AWS) can remove it or
         * delete a recovery point before its retention ends. Irreversible: choose it deliberately.
         */
        vaultLockMode: z
          .enum(['governance', 'compliance'], { message: 'must be "governance" or "compliance"' })
          .default('governance'),
        /** Compliance mode only: grace days (at least 3) during which the lock can still be changed or removed. */
        vaultLockChangeableForDays: z.number().int().min(3).default(3),
        /** Retention of the sub-daily recovery points (used when scheduleEveryHours < 24). */
        hourlyRetentionDays: z.number().int().positive().default(7),
        /** S3 object lock default retention (governance) of archive objects; applied where retainStatefulResources. */
        archiveObjectLockDays: z.number().int().positive().default(35),
        /**
         * Hours between the writes of whatever exports backup objects into the archive bucket (your export
         * job or the service). Set, the archive and its DR replica alarm when their newest object is older
         * than this (or the RPO, if longer); unset, their ages are published for the dashboard only, since
         * an archive nothing is meant to write yet is not an incident.
         */
        archiveWritesEveryHours: z.number().positive().optional(),
        /** Days a replaced or deleted archive object version is kept before expiry. */
        archiveNoncurrentVersionDays: z.number().int().positive().default(365),
        /** S3 Replication Time Control (15-minute SLA, replication metrics) for the replica in the DR region. */
        replicationTimeControl: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    budget: z.object({ monthlyUsd: z.number().positive() }).strict(),
    /** What the weekly ops report holds the week to, beside the p50/p95 alarm thresholds (`alarms`). */
    slo: z
      .object({
        /** Canary uptime over the week, percent. */
        availabilityPercent: z.number().gt(0).max(100).default(99.9),
        /** p99 of TargetResponseTime over the week; omitted: the report shows p99 without a target. */
        p99LatencySeconds: z.number().positive().optional(),
      })
      .strict()
      .prefault({}),
    canary: z
      .object({
        /** Minutes between canary runs; 1 is the fastest EventBridge schedule. */
        everyMinutes: z.number().int().min(1).max(60).default(1),
        /**
         * Seconds between probes inside one run: a run walks the journeys every probeEverySeconds until the
         * next run starts, because one probe a minute cannot detect a failure within 60 s (see lib/canary/).
         */
        probeEverySeconds: z
          .union([z.literal(10), z.literal(15), z.literal(20), z.literal(30), z.literal(60)])
          .default(20),
      })
      .strict()
      .prefault({}),
    killSwitch: killSwitchSchema,
    dr: z
      .object({
        region,
        availabilityZones: z
          .array(
            z
              .string()
              .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, { message: 'must be an AZ name such as "us-west-2a"' }),
          )
          .min(1),
        cidr: cidrBlock,
        natGateways: z
          .number()
          .int()
          .min(1, { message: 'must be at least 1: the private subnets route egress through NAT' })
          .max(6)
          .default(1),
        standbyMode: z.enum(['pilot-light', 'warm-standby'], { message: 'must be "pilot-light" or "warm-standby"' }),
        /** Tasks kept running in warm standby. */
        warmStandbyTasks: z.number().int().min(1).default(1),
        /**
         * Let the Region switch plan's trigger (a region-down P1) run the failover to this region with no
         * one approving it. Unset: on for a tier 1 warm standby, off otherwise (a person approves the
         * plan's first step). See lib/dr/region-switch-plan.ts and the README's trade-off.
         */
        automaticFailover: z.boolean().optional(),
        /** ACM certificate (DR region) for service.domainName, required: certificates are regional, Prod's cannot serve here. */
        certificateArn: z
          .string()
          .regex(/^arn:aws[a-z-]*:acm:/, { message: 'must be an ACM certificate ARN' })
          .optional(),
        healthCheck: z
          .object({
            intervalSeconds: z.number().int(),
            failureThreshold: z.number().int().min(1).max(10).default(3),
            regions: z.array(region).default(['us-east-1', 'us-west-2', 'eu-west-1']),
          })
          .strict()
          .prefault({ intervalSeconds: 10 }),
      })
      .strict()
      .optional(),
  })
  .strict();

const pipelineSchema = z
  .object({
    account: accountId,
    region,
    connectionArn: z
      .string({ message: 'is required: create a CodeConnections connection to your repository and paste its ARN' })
      .regex(/^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]+$/, {
        message:
          'must be a CodeConnections connection ARN (arn:aws:codeconnections:<region>:<account>:connection/<id>)',
      }),
    repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/, { message: 'must be "owner/name"' }),
    branch: z.string().min(1).default('main'),
    /** Allow the tooling account to also be a workload account (not recommended). */
    allowSharedToolingAccount: z.boolean().default(false),
    /** Email subscribers of the tooling account's severity topics (pipeline failures go to P3). */
    notifications: z.partialRecord(severity, z.array(z.email({ message: 'must be an email address' }))).default({}),
  })
  .strict();

export const bulwarkConfigSchema = z
  .object({
    service: serviceSchema,
    environments: z.array(environmentSchema).min(1),
    pipeline: pipelineSchema,
    /** On-call practice: the severity matrix (config/operations.ts), defaults from the seeds' practice. */
    operations: operationsSchema.prefault({}),
  })
  .strict();

/** What a user writes (defaults optional). */
export type BulwarkConfigInput = z.input<typeof bulwarkConfigSchema>;
/** What constructs receive (defaults applied, validated). */
export type BulwarkConfig = z.output<typeof bulwarkConfigSchema>;
export type ServiceConfig = BulwarkConfig['service'];
export type JourneyConfig = ServiceConfig['journeys'][number];
export type EnvironmentConfigRaw = BulwarkConfig['environments'][number];
export type TrafficConfig = EnvironmentConfigRaw['deployment']['traffic'];
export type DrConfig = NonNullable<EnvironmentConfigRaw['dr']>;
export type KillSwitchConfig = EnvironmentConfigRaw['killSwitch'];
export type CanaryConfig = EnvironmentConfigRaw['canary'];
export type PipelineConfig = BulwarkConfig['pipeline'];
export type Severity = z.infer<typeof severity>;
export const SEVERITIES: readonly Severity[] = severity.options;
