import {
  AURORA_GLOBAL_LAG_MINUTES,
  BACKUP_JOB_DURATION_MINUTES,
  CONTINUOUS_BACKUP_LAG_MINUTES,
  CROSS_REGION_COPY_DURATION_MINUTES,
  FAILOVER_DECISION_MINUTES,
  PITR_RESTORE_LAG_MINUTES,
  S3_REPLICATION_LAG_MINUTES,
  S3_RTC_REPLICATION_LAG_MINUTES,
  STANDBY_RECOVERY_PARTS,
} from '../../config/recovery-model';
import { DEFAULT_BACKUP_START_WINDOW_MINUTES, REGION_SWITCH_DEFAULT_STEP_TIMEOUT_MINUTES } from './allowances';
import { DnsFailover } from './dns';
import { CfnResource, Figure, SourceRef, StackTemplate } from './model';
import { scheduleIntervalMinutes } from './schedule';
import {
  isObject,
  numberValue,
  props,
  refTarget,
  referencedIds,
  resolveCrossStack,
  resourceTags,
  resourcesOfType,
  source,
} from './templates';

/** Stateful resource types the report knows how to assess. */
const MODELLED_STORES = ['AWS::RDS::DBCluster', 'AWS::S3::Bucket'] as const;

/**
 * Stateful types the report does not model: each one present is listed "not assessed" so a new data
 * store never passes silently.
 */
export const UNMODELLED_STORES = [
  'AWS::RDS::DBInstance',
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::EFS::FileSystem',
  'AWS::FSx::FileSystem',
  'AWS::ElastiCache::ReplicationGroup',
  'AWS::ElastiCache::CacheCluster',
  'AWS::MemoryDB::Cluster',
  'AWS::DocDB::DBCluster',
  'AWS::Neptune::DBCluster',
  'AWS::OpenSearchService::Domain',
  'AWS::Elasticsearch::Domain',
  'AWS::Redshift::Cluster',
  'AWS::Kinesis::Stream',
  'AWS::EC2::Volume',
  'AWS::Timestream::Table',
  'AWS::Keyspaces::Table',
];

/** One way a data store's data survives: how old its newest copy can be, and where that copy lives. */
export interface Mechanism {
  readonly scope: 'in-region' | 'regional';
  readonly label: string;
  readonly minutes: number;
  readonly formula: string;
  readonly sources: readonly SourceRef[];
}

export interface DataStore {
  readonly stack: StackTemplate;
  readonly logicalId: string;
  readonly type: string;
  readonly mechanisms: readonly Mechanism[];
  readonly notes: readonly string[];
}

/** Resources that are not data stores in their own right (log buckets, replicas) and why. */
export interface Excluded {
  readonly logicalId: string;
  readonly reason: string;
}

const LOG_DELIVERY_PRINCIPALS = [
  'logging.s3.amazonaws.com',
  'delivery.logs.amazonaws.com',
  'logdelivery.elasticloadbalancing.amazonaws.com',
  'elasticloadbalancing.amazonaws.com',
];

/** Data stores of a stack, with every protection mechanism the assembly gives them. */
export function dataStores(
  stack: StackTemplate,
  stacks: readonly StackTemplate[],
): { stores: DataStore[]; excluded: Excluded[] } {
  const excluded: Excluded[] = [];
  const stores: DataStore[] = [];
  const rules = backupRules(stack, stacks);
  for (const [logicalId, resource] of Object.entries(stack.resources)) {
    if (!(MODELLED_STORES as readonly string[]).includes(resource.Type)) continue;
    const why = notAStore(stack, logicalId, resource, stacks);
    if (why) {
      excluded.push({ logicalId, reason: why });
      continue;
    }
    const notes: string[] = [];
    const mechanisms: Mechanism[] =
      resource.Type === 'AWS::RDS::DBCluster'
        ? clusterMechanisms(stack, logicalId, stacks, notes)
        : bucketMechanisms(stack, logicalId, stacks, notes);
    for (const rule of rules.filter((r) => r.selects(logicalId))) mechanisms.push(...rule.mechanisms);
    stores.push({ stack, logicalId, type: resource.Type, mechanisms, notes });
  }
  return { stores, excluded };
}

function notAStore(
  stack: StackTemplate,
  logicalId: string,
  resource: CfnResource,
  stacks: readonly StackTemplate[],
): string | undefined {
  const p = props(resource);
  if (resource.Type === 'AWS::RDS::DBCluster') {
    if (
      p.GlobalClusterIdentifier !== undefined &&
      p.MasterUsername === undefined &&
      p.SnapshotIdentifier === undefined &&
      stack.standbyFor
    ) {
      return 'secondary cluster of a global database: its data is assessed on the primary';
    }
    return undefined;
  }
  // Buckets: those that only receive logs, and replicas of another bucket, hold no data of their own.
  for (const [, other] of resourcesOfType(stack, 'AWS::S3::Bucket')) {
    const logging = props(other).LoggingConfiguration;
    if (isObject(logging) && refTarget(logging.DestinationBucketName) === logicalId) return 'server access log bucket';
  }
  if (p.AccessControl === 'LogDeliveryWrite') return 'log delivery bucket (AccessControl LogDeliveryWrite)';
  for (const [, policy] of resourcesOfType(stack, 'AWS::S3::BucketPolicy')) {
    const pp = props(policy);
    if (
      refTarget(pp.Bucket) === logicalId &&
      LOG_DELIVERY_PRINCIPALS.some((principal) => JSON.stringify(pp.PolicyDocument ?? {}).includes(principal))
    )
      return 'log delivery bucket (its policy admits a log delivery service)';
  }
  if (replicationSources(stack, logicalId, stacks).length > 0)
    return 'replica of another bucket: its data is assessed on the source';
  return undefined;
}

/** Source buckets (anywhere in the assembly) that replicate into this bucket. */
function replicationSources(stack: StackTemplate, logicalId: string, stacks: readonly StackTemplate[]): string[] {
  const name = props(stack.resources[logicalId]).BucketName;
  const out: string[] = [];
  for (const other of stacks) {
    for (const [id, bucket] of resourcesOfType(other, 'AWS::S3::Bucket')) {
      for (const rule of replicationRules(bucket)) {
        const dest = isObject(rule.Destination) ? rule.Destination.Bucket : undefined;
        if (
          destinationBucket(other, dest, stacks)?.stack === stack &&
          destinationBucket(other, dest, stacks)?.logicalId === logicalId
        )
          out.push(id);
        else if (typeof name === 'string' && JSON.stringify(dest ?? '').includes(`:::${name}`)) out.push(id);
      }
    }
  }
  return out;
}

function replicationRules(bucket: CfnResource): Record<string, unknown>[] {
  const config = props(bucket).ReplicationConfiguration;
  const rules = isObject(config) && Array.isArray(config.Rules) ? config.Rules : [];
  return rules.filter(isObject);
}

/** The bucket a replication destination ARN points at, when the assembly says. */
function destinationBucket(
  stack: StackTemplate,
  dest: unknown,
  stacks: readonly StackTemplate[],
): { stack: StackTemplate; logicalId: string } | undefined {
  const local = refTarget(dest);
  if (local && stack.resources[local]) return { stack, logicalId: local };
  const cross = resolveCrossStack(dest, stacks);
  if (cross) return cross;
  const text = JSON.stringify(dest ?? '');
  for (const other of stacks) {
    for (const [id, bucket] of resourcesOfType(other, 'AWS::S3::Bucket')) {
      const name = props(bucket).BucketName;
      if (typeof name === 'string' && text.includes(`:::${name}`)) return { stack: other, logicalId: id };
    }
  }
  return undefined;
}

/** Region of whatever a value points at: a literal ARN's region, a GetStackOutput's stack, or a local reference. */
function regionOf(stack: StackTemplate, value: unknown, stacks: readonly StackTemplate[]): string | undefined {
  if (refTarget(value)) return stack.region;
  if (isObject(value) && isObject(value['Fn::GetStackOutput'])) {
    const out = value['Fn::GetStackOutput'];
    if (typeof out.Region === 'string') return out.Region;
    return stacks.find((s) => s.stackId === out.StackName)?.region;
  }
  const cross = resolveCrossStack(value, stacks);
  if (cross) return cross.stack.region;
  const arn = /arn:[a-z-]*:[a-z0-9-]+:([a-z]{2}(?:-gov)?-[a-z]+-\d):/.exec(JSON.stringify(value ?? ''));
  return arn?.[1];
}

function clusterMechanisms(
  stack: StackTemplate,
  logicalId: string,
  stacks: readonly StackTemplate[],
  notes: string[],
): Mechanism[] {
  const p = props(stack.resources[logicalId]);
  const out: Mechanism[] = [];
  const retention = p.BackupRetentionPeriod === undefined ? 1 : numberValue(p.BackupRetentionPeriod);
  if (p.BackupRetentionPeriod === undefined)
    notes.push('BackupRetentionPeriod absent: Aurora keeps 1 day of point-in-time recovery');
  if (retention !== undefined && retention >= 1) {
    out.push({
      scope: 'in-region',
      label: `point-in-time recovery (${retention} days)`,
      minutes: PITR_RESTORE_LAG_MINUTES,
      formula: `PITR: latest restorable time trails by ${PITR_RESTORE_LAG_MINUTES} min`,
      sources: [source(stack, logicalId, ['BackupRetentionPeriod'])],
    });
  }
  const global = globalDatabase(stack, logicalId, stacks);
  if (global) {
    // rds.global_db_rpo on the primary's cluster parameter group bounds the lag: commits wait past it
    // (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html).
    const bound = globalDbRpoBound(stack, logicalId);
    out.push({
      scope: 'regional',
      label: `Aurora Global Database secondary in ${global.region} (${global.secondary.stack.stackId}#${global.secondary.logicalId})`,
      minutes: bound ? round(bound.seconds / 60) : AURORA_GLOBAL_LAG_MINUTES,
      formula: bound
        ? `rds.global_db_rpo ${bound.seconds} s: the primary blocks commits while no secondary is within it`
        : `global database replication lag budget ${AURORA_GLOBAL_LAG_MINUTES} min (no rds.global_db_rpo bounds it)`,
      sources: bound ? [...global.sources, bound.source] : global.sources,
    });
  }
  return out;
}

/** `rds.global_db_rpo` (seconds) of the cluster's own parameter group in the template, if set. */
function globalDbRpoBound(stack: StackTemplate, logicalId: string): { seconds: number; source: SourceRef } | undefined {
  const groupId = refTarget(props(stack.resources[logicalId]).DBClusterParameterGroupName);
  const group = groupId ? stack.resources[groupId] : undefined;
  if (!groupId || group?.Type !== 'AWS::RDS::DBClusterParameterGroup') return undefined;
  const parameters = props(group).Parameters;
  const seconds = isObject(parameters) ? numberValue(parameters['rds.global_db_rpo']) : undefined;
  return seconds === undefined
    ? undefined
    : { seconds, source: source(stack, groupId, ['Parameters.rds.global_db_rpo']) };
}

/**
 * The custom resource type of a global database secondary created from the primary's own stack
 * (lib/data/global-database.ts: the secondary cannot be a resource of a DR stack that deploys first).
 * Its `SecondaryRegion`, `GlobalClusterIdentifier` and `DBClusterIdentifier` say where it is.
 */
export const GLOBAL_SECONDARY_TYPE = 'Custom::AuroraGlobalSecondary';

export interface GlobalSecondary {
  /** Where the template declares the secondary: a DBCluster of a DR stack, or the custom resource in the primary's stack. */
  readonly secondary: { stack: StackTemplate; logicalId: string };
  /** The region the secondary cluster runs in. */
  readonly region: string;
  readonly sources: SourceRef[];
}

/** The global cluster this primary belongs to and a secondary cluster of it in another region. */
export function globalDatabase(
  stack: StackTemplate,
  logicalId: string,
  stacks: readonly StackTemplate[],
): GlobalSecondary | undefined {
  const p = props(stack.resources[logicalId]);
  let globalId = refTarget(p.GlobalClusterIdentifier);
  if (!globalId) {
    // The source is the cluster's identifier (Ref) or its ARN (a Join around the Ref, or GetAtt DBClusterArn).
    globalId = resourcesOfType(stack, 'AWS::RDS::GlobalCluster').find(([, g]) =>
      referencedIds(props(g).SourceDBClusterIdentifier).has(logicalId),
    )?.[0];
  }
  const globalName = globalId ? props(stack.resources[globalId]).GlobalClusterIdentifier : p.GlobalClusterIdentifier;
  if (!globalId && typeof globalName !== 'string') return undefined;
  const primarySources = [
    source(stack, logicalId, ['GlobalClusterIdentifier']),
    ...(globalId ? [source(stack, globalId, ['GlobalClusterIdentifier', 'SourceDBClusterIdentifier'])] : []),
  ];
  const joins = (owner: StackTemplate, ref: unknown) => {
    const cross = resolveCrossStack(ref, stacks);
    return (
      (typeof globalName === 'string' && ref === globalName) ||
      (owner === stack && globalId !== undefined && refTarget(ref) === globalId) ||
      (cross?.stack === stack && cross.logicalId === globalId)
    );
  };
  for (const other of stacks) {
    // A secondary created by the custom resource: any stack may hold it; its region is a property.
    for (const [id, custom] of resourcesOfType(other, GLOBAL_SECONDARY_TYPE)) {
      const cp = props(custom);
      if (
        typeof cp.SecondaryRegion !== 'string' ||
        cp.SecondaryRegion === stack.region ||
        !joins(other, cp.GlobalClusterIdentifier)
      )
        continue;
      return {
        secondary: { stack: other, logicalId: id },
        region: cp.SecondaryRegion,
        sources: [
          ...primarySources,
          source(other, id, ['SecondaryRegion', 'GlobalClusterIdentifier', 'DBClusterIdentifier']),
        ],
      };
    }
    if (other === stack || other.region === stack.region || !other.region) continue;
    for (const [id, cluster] of resourcesOfType(other, 'AWS::RDS::DBCluster')) {
      if (joins(other, props(cluster).GlobalClusterIdentifier)) {
        return {
          secondary: { stack: other, logicalId: id },
          region: other.region,
          sources: [...primarySources, source(other, id, ['GlobalClusterIdentifier'])],
        };
      }
    }
  }
  return undefined;
}

function bucketMechanisms(
  stack: StackTemplate,
  logicalId: string,
  stacks: readonly StackTemplate[],
  notes: string[],
): Mechanism[] {
  const bucket = stack.resources[logicalId];
  const p = props(bucket);
  const out: Mechanism[] = [];
  if (isObject(p.VersioningConfiguration) && p.VersioningConfiguration.Status === 'Enabled') {
    out.push({
      scope: 'in-region',
      label: 'versioning',
      minutes: 0,
      formula: 'every overwrite and delete keeps the previous version',
      sources: [source(stack, logicalId, ['VersioningConfiguration.Status'])],
    });
  }
  replicationRules(bucket).forEach((rule, i) => {
    if (rule.Status !== 'Enabled') return;
    const dest = isObject(rule.Destination) ? rule.Destination : {};
    const path = `ReplicationConfiguration.Rules[${i}]`;
    const target = destinationBucket(stack, dest.Bucket, stacks);
    const region = target?.stack.region ?? regionOf(stack, dest.Bucket, stacks);
    if (!region || region === stack.region) {
      notes.push(
        `${path} replicates to ${region ? 'the same region' : 'a bucket whose region the assembly does not show'}; not counted as a regional copy`,
      );
      return;
    }
    const rtc = isObject(dest.ReplicationTime) && dest.ReplicationTime.Status === 'Enabled';
    const minutes = rtc ? S3_RTC_REPLICATION_LAG_MINUTES : S3_REPLICATION_LAG_MINUTES;
    out.push({
      scope: 'regional',
      label: `S3 replication to ${region}${rtc ? ' with RTC' : ' without RTC'}`,
      minutes,
      formula: rtc
        ? `Replication Time Control: 99.99 % within ${minutes} min (SLA)`
        : `replication without RTC has no SLA; budget ${minutes} min`,
      sources: [
        source(stack, logicalId, [`${path}.Destination.Bucket`, `${path}.Destination.ReplicationTime`]),
        ...(target ? [source(target.stack, target.logicalId, ['BucketName'])] : []),
      ],
    });
  });
  return out;
}

interface SelectedRule {
  readonly selects: (logicalId: string) => boolean;
  readonly mechanisms: Mechanism[];
}

/** AWS Backup plan rules of a stack, each with the resources its selections name. */
function backupRules(stack: StackTemplate, stacks: readonly StackTemplate[]): SelectedRule[] {
  const out: SelectedRule[] = [];
  for (const [planId, plan] of resourcesOfType(stack, 'AWS::Backup::BackupPlan')) {
    const selections = resourcesOfType(stack, 'AWS::Backup::BackupSelection').filter(
      ([, s]) => refTarget(props(s).BackupPlanId) === planId,
    );
    const selects = (logicalId: string) =>
      selections.some(([, s]) => selectionIncludes(stack, props(s).BackupSelection, logicalId));
    const selectionSources = selections.map(([id]) =>
      source(stack, id, ['BackupSelection.Resources', 'BackupSelection.ListOfTags']),
    );
    const body = props(plan).BackupPlan;
    const rules = isObject(body) && Array.isArray(body.BackupPlanRule) ? body.BackupPlanRule.filter(isObject) : [];
    rules.forEach((rule, i) => {
      const path = `BackupPlan.BackupPlanRule[${i}]`;
      const name = typeof rule.RuleName === 'string' ? rule.RuleName : `rule ${i}`;
      const mechanisms: Mechanism[] = [];
      const planSource = (properties: string[]) => [
        source(
          stack,
          planId,
          properties.map((p) => `${path}.${p}`),
        ),
        ...selectionSources,
      ];
      if (rule.EnableContinuousBackup === true) {
        mechanisms.push({
          scope: 'in-region',
          label: `AWS Backup continuous (${name})`,
          minutes: CONTINUOUS_BACKUP_LAG_MINUTES,
          formula: `continuous backup restores to within ${CONTINUOUS_BACKUP_LAG_MINUTES} min`,
          sources: planSource(['EnableContinuousBackup']),
        });
      }
      const interval =
        typeof rule.ScheduleExpression === 'string' ? scheduleIntervalMinutes(rule.ScheduleExpression) : undefined;
      if (interval === undefined) return void out.push({ selects, mechanisms });
      const window =
        rule.StartWindowMinutes === undefined
          ? DEFAULT_BACKUP_START_WINDOW_MINUTES
          : (numberValue(rule.StartWindowMinutes) ?? DEFAULT_BACKUP_START_WINDOW_MINUTES);
      const windowText = `${window} min start window${rule.StartWindowMinutes === undefined ? ' (AWS default)' : ''}`;
      const scheduled = interval + window + BACKUP_JOB_DURATION_MINUTES;
      mechanisms.push({
        scope: 'in-region',
        label: `AWS Backup schedule (${name}: ${String(rule.ScheduleExpression)})`,
        minutes: scheduled,
        formula: `${interval} min between runs + ${windowText} + ${BACKUP_JOB_DURATION_MINUTES} min job = ${scheduled} min`,
        sources: planSource(['ScheduleExpression', 'StartWindowMinutes']),
      });
      const copies = Array.isArray(rule.CopyActions) ? rule.CopyActions.filter(isObject) : [];
      copies.forEach((copy, j) => {
        const region = regionOf(stack, copy.DestinationBackupVaultArn, stacks);
        if (!region || region === stack.region) return;
        const minutes = interval + window + CROSS_REGION_COPY_DURATION_MINUTES;
        mechanisms.push({
          scope: 'regional',
          label: `AWS Backup copy to ${region} (${name})`,
          minutes,
          formula: `${interval} min between runs + ${windowText} + ${CROSS_REGION_COPY_DURATION_MINUTES} min backup and copy = ${minutes} min`,
          sources: planSource([
            'ScheduleExpression',
            'StartWindowMinutes',
            `CopyActions[${j}].DestinationBackupVaultArn`,
          ]),
        });
      });
      out.push({ selects, mechanisms });
    });
  }
  return out;
}

/** Does an AWS Backup selection cover a resource: by reference, by a wildcard ARN of its service, or by tag? */
function selectionIncludes(stack: StackTemplate, selection: unknown, logicalId: string): boolean {
  if (!isObject(selection)) return false;
  const resource = stack.resources[logicalId];
  const resources = Array.isArray(selection.Resources) ? selection.Resources : [];
  for (const entry of resources) {
    if (referencedIds(entry).has(logicalId)) return true;
    if (entry === '*') return true;
    if (typeof entry === 'string' && entry.endsWith('*')) {
      if (resource.Type === 'AWS::RDS::DBCluster' && /^arn:aws[a-z-]*:rds:[^:]*:[^:]*:cluster:\*$/.test(entry))
        return true;
      if (resource.Type === 'AWS::S3::Bucket' && /^arn:aws[a-z-]*:s3:::\*$/.test(entry)) return true;
    }
  }
  const tags = resourceTags(resource);
  const byTag = Array.isArray(selection.ListOfTags) ? selection.ListOfTags.filter(isObject) : [];
  return byTag.some(
    (t) =>
      t.ConditionType === 'STRINGEQUALS' &&
      typeof t.ConditionKey === 'string' &&
      tags[t.ConditionKey] === t.ConditionValue,
  );
}

/** RPO figures: one in-region and one regional per data store, each the best mechanism of its scope. */
export function rpoFigures(
  stores: readonly DataStore[],
  environment: string,
  scopes: readonly Mechanism['scope'][] = ['in-region', 'regional'],
): Figure[] {
  const figures: Figure[] = [];
  for (const store of stores) {
    for (const scope of scopes) {
      const candidates = store.mechanisms.filter((m) => m.scope === scope);
      const name = `RPO ${scope === 'in-region' ? 'in region' : 'regional disaster'}: ${store.logicalId}${store.stack.environment !== environment ? ` (${store.stack.stackId})` : ''}`;
      const id = `rpo-${scope}/${store.stack.stackId}/${store.logicalId}`;
      if (candidates.length === 0) {
        figures.push({
          id,
          category: 'rpo',
          name,
          unit: 'minutes',
          targetKey: 'rpoMinutes',
          status: 'not-assessed',
          sources: [source(store.stack, store.logicalId, [])],
          notes: store.notes,
          reason:
            scope === 'in-region'
              ? 'no backup, point-in-time recovery or versioning found'
              : 'no copy in another region (global database, cross-region backup copy or replication)',
          fix:
            scope === 'in-region'
              ? `protect ${store.logicalId} with PITR or an AWS Backup plan`
              : `copy ${store.logicalId} to the DR region (backup CopyActions, replication or a global database)`,
        });
        continue;
      }
      const best = candidates.reduce((a, b) => (b.minutes < a.minutes ? b : a));
      figures.push({
        id,
        category: 'rpo',
        name,
        value: best.minutes,
        unit: 'minutes',
        targetKey: 'rpoMinutes',
        status: 'info',
        formula: `${best.label}: ${best.formula}`,
        sources: best.sources,
        notes: [
          ...candidates.filter((c) => c !== best).map((c) => `also: ${c.label}, ${c.minutes} min`),
          ...store.notes,
        ],
        fix: `protect ${store.logicalId} (${store.stack.file}) better: ${scope === 'in-region' ? 'enable PITR or continuous backup, or back up more often' : 'a global database, replication with RTC, or more frequent cross-region copies'}`,
      });
    }
  }
  return figures;
}

/** Stateful resources of a type the report does not model: listed so none passes silently. */
export function unmodelledStoreFigures(stack: StackTemplate): Figure[] {
  return (
    Object.entries(stack.resources)
      .filter(([, r]) => UNMODELLED_STORES.includes(r.Type))
      // An Aurora instance is compute of its cluster: the cluster holds the data and is assessed.
      .filter(([, r]) => !(r.Type === 'AWS::RDS::DBInstance' && props(r).DBClusterIdentifier !== undefined))
      .map(([logicalId, r]) => ({
        id: `rpo/${stack.stackId}/${logicalId}`,
        category: 'rpo' as const,
        name: `RPO: ${logicalId}`,
        unit: 'minutes' as const,
        targetKey: 'rpoMinutes' as const,
        status: 'not-assessed' as const,
        sources: [source(stack, logicalId, [])],
        reason: `resource type ${r.Type} is not modelled by the report`,
        fix: 'extend lib/report/recovery.ts and docs/recovery-model.md for this type',
      }))
  );
}

/** How the standby serves again, read from the DR stack's templates (not from the config). */
export interface StandbyShape {
  readonly data?: { readonly part: keyof typeof STANDBY_RECOVERY_PARTS.data; readonly sources: readonly SourceRef[] };
  readonly compute?: {
    readonly part: keyof typeof STANDBY_RECOVERY_PARTS.compute;
    readonly desiredCount: number;
    readonly sources: readonly SourceRef[];
  };
  readonly reasons: readonly string[];
}

export function standbyShape(
  primary: StackTemplate,
  standby: StackTemplate,
  stacks: readonly StackTemplate[],
  primaryStores: readonly DataStore[],
): StandbyShape {
  const reasons: string[] = [];
  let data: StandbyShape['data'];
  const clusters = primaryStores.filter((s) => s.type === 'AWS::RDS::DBCluster');
  // The secondary serves the standby when it runs in the standby's region, whichever stack declares it.
  const global = clusters
    .map((c) => globalDatabase(primary, c.logicalId, stacks))
    .find((g) => g !== undefined && g.region === standby.region);
  if (global) {
    // A headless secondary (pilot light) has no instance until its failover adds one.
    const headless = props(global.secondary.stack.resources[global.secondary.logicalId]).Headless === true;
    data = {
      part: headless ? 'headless-global-database' : 'global-database',
      sources: headless
        ? [...global.sources, source(global.secondary.stack, global.secondary.logicalId, ['Headless'])]
        : global.sources,
    };
  } else {
    const copy = clusters
      .flatMap((c) => c.mechanisms)
      .find((m) => m.scope === 'regional' && m.label.includes(standby.region ?? '\u0000'));
    if (copy) data = { part: 'restore-from-backup', sources: copy.sources };
    else
      reasons.push(
        clusters.length === 0
          ? `no database in ${primary.file}`
          : `no global database secondary or backup copy of the database in ${standby.stackId}`,
      );
  }
  let compute: StandbyShape['compute'];
  const services = resourcesOfType(standby, 'AWS::ECS::Service');
  if (services.length === 0) reasons.push(`no AWS::ECS::Service in ${standby.file}`);
  else {
    const counts = services.map(([id, s]) => ({
      id,
      count: props(s).DesiredCount === undefined ? undefined : numberValue(props(s).DesiredCount),
    }));
    if (counts.some((c) => c.count === undefined))
      reasons.push(
        `DesiredCount of ${counts
          .filter((c) => c.count === undefined)
          .map((c) => c.id)
          .join(', ')} is not a literal number`,
      );
    else {
      const min = Math.min(...counts.map((c) => c.count!));
      compute = {
        part: min >= 1 ? 'running' : 'from-zero',
        desiredCount: min,
        sources: counts.map((c) => source(standby, c.id, ['DesiredCount'])),
      };
    }
  }
  return { data, compute, reasons };
}

/**
 * RTO of a regional failover. With the Region switch plan driving the live records (`dns.plan`), the service is
 * back when DNS moves: the trigger alarm's detection + the trigger + each step before the DNS step at its
 * TimeoutMinutes (a Parallel step at its slowest child) + the DNS step + the record's TTL (lib/report/dns.ts reads
 * the chain from the plan as synthesized). Timeouts are the bounds of the automated path, not durations (AWS
 * documents none): a step that runs past its timeout stops the execution, and the runbook's manual fallback applies,
 * which this figure does not bound. Steps after DNS (a warm standby's scale-out to Prod's capacity) do not count.
 * Without a plan: a person decides (FAILOVER_DECISION_MINUTES) and the data and compute come up on the recovery
 * model's budgets, then DNS moves. The standby mode is read from the DR templates either way.
 */
export function rtoFigure(
  primary: StackTemplate,
  standby: StackTemplate | undefined,
  shape: StandbyShape | undefined,
  dns: DnsFailover | undefined,
): Figure {
  const base = {
    id: 'rto/regional',
    category: 'rto' as const,
    unit: 'minutes' as const,
    targetKey: 'rtoMinutes' as const,
  };
  if (!standby || !shape) {
    return {
      ...base,
      name: 'RTO: regional failover',
      status: 'not-assessed',
      sources: [],
      reason: `no stack stands by for ${primary.environment} (no standby-for tag)`,
      fix: `add a DR block to ${primary.environment} in the config, or accept that a regional outage lasts as long as the region's`,
    };
  }
  const name = `RTO: fail over ${primary.stackId} to ${standby.stackId}`;
  const reasons = [...shape.reasons];
  if (!dns) reasons.push(`no DNS failover pair between ${primary.stackId} and ${standby.stackId}`);
  else if (dns.seconds === undefined) reasons.push(`DNS failover: ${dns.reason}`);
  if (reasons.length > 0 || !shape.data || !shape.compute || dns?.seconds === undefined) {
    return {
      ...base,
      name,
      status: 'not-assessed',
      sources: dns?.sources ?? [],
      reason: reasons.join('; '),
      fix: dns?.fix ?? 'give the standby a database copy, a service and a secondary failover record',
    };
  }
  const running = shape.compute.part === 'running';
  const mode =
    shape.data.part === 'global-database' && running
      ? 'warm standby'
      : shape.data.part !== 'global-database' && !running
        ? 'pilot light'
        : 'mixed standby';
  const sources = [...shape.data.sources, ...shape.compute.sources, ...dns.sources];
  if (dns.plan) {
    const value = round(dns.plan.chainSeconds / 60);
    const approval = approvalMinutes(standby);
    return {
      ...base,
      name: `${name} (${mode})`,
      value,
      status: 'info',
      formula: `Region switch plan, worst case: ${dns.plan.chainFormula} = ${value} min`,
      sources,
      notes: [
        'every step counts at its TimeoutMinutes: AWS documents no duration for an execution block, so the timeout ' +
          'is the bound of the automated path; a step that runs past it stops the execution and the manual ' +
          'fallback of runbooks/dr-failover.md applies, which this figure does not bound',
        "steps after the DNS step (a warm standby scaling its running tasks to Prod's) do not count: users reach " +
          'the standby when DNS moves, at the capacity it runs',
        approval === undefined
          ? 'no approval step: the trigger runs the failover (dr.automaticFailover)'
          : `includes up to ${approval} min for a person to approve (the ManualApproval step's timeout); ` +
            'with dr.automaticFailover on there is no approval step',
      ],
      fix:
        "shorten the plan's step timeouts where AWS documents a bound, turn dr.automaticFailover on, or " +
        (mode === 'warm standby' ? 'detect the region outage sooner' : `move ${standby.stackId} to warm standby`),
    };
  }
  const dataMinutes = STANDBY_RECOVERY_PARTS.data[shape.data.part];
  const computeMinutes = STANDBY_RECOVERY_PARTS.compute[shape.compute.part];
  const dnsMinutes = dns.seconds / 60;
  const value = round(FAILOVER_DECISION_MINUTES + dataMinutes + computeMinutes + dnsMinutes);
  return {
    ...base,
    name: `${name} (${mode})`,
    value,
    status: 'info',
    formula: `${FAILOVER_DECISION_MINUTES} min decision + ${dataMinutes} min data (${shape.data.part}) + ${computeMinutes} min compute (${shape.compute.part}, ${shape.compute.desiredCount} task(s) running) + ${round(dnsMinutes)} min DNS (${dns.formula}) = ${value} min`,
    sources,
    notes: [
      'no Region switch plan drives the records: a person decides and runs the runbook (budgets, not template facts)',
    ],
    fix:
      mode === 'warm standby'
        ? 'shorten the DNS failover (health check interval/threshold, TTL) or automate the failover decision'
        : `move ${standby.stackId} to warm standby (global database, running tasks)`,
  };
}

/** The longest ManualApproval timeout in the standby's plans (a person approving the failover), if any. */
function approvalMinutes(standby: StackTemplate): number | undefined {
  let longest: number | undefined;
  const visit = (steps: unknown): void => {
    for (const step of Array.isArray(steps) ? steps.filter(isObject) : []) {
      const config = isObject(step.ExecutionBlockConfiguration) ? step.ExecutionBlockConfiguration : {};
      if (step.ExecutionBlockType === 'ManualApproval') {
        const approval = isObject(config.ExecutionApprovalConfig) ? config.ExecutionApprovalConfig : {};
        const minutes = numberValue(approval.TimeoutMinutes) ?? REGION_SWITCH_DEFAULT_STEP_TIMEOUT_MINUTES;
        longest = Math.max(longest ?? 0, minutes);
      }
      if (isObject(config.ParallelConfig)) visit(config.ParallelConfig.Steps);
    }
  };
  for (const [, plan] of resourcesOfType(standby, 'AWS::ARCRegionSwitch::Plan')) {
    const workflows = props(plan).Workflows;
    for (const workflow of Array.isArray(workflows) ? workflows.filter(isObject) : [])
      if (workflow.WorkflowTargetRegion === standby.region) visit(workflow.Steps);
  }
  return longest;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
