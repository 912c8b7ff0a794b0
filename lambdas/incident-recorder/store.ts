import type { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchClient, MetricDatum, PutMetricDataCommand, StandardUnit } from '@aws-sdk/client-cloudwatch';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { withRetry } from '../shared/retry';
import {
  IncidentEvent,
  IncidentRecord,
  IncidentStatus,
  ManualEvent,
  buildIncidents,
  incidentDurations,
} from './record';
import { IncidentSettings } from './settings';
import { INCIDENT_TABLE } from './table';

export { INCIDENT_TABLE };

/*
 * The incidents table (`<service>-<env>-incidents`), one item layout per purpose:
 * - an event:   `pk = EVENT`, `sk = <time ISO>#<event id>`, `event` (the IncidentEvent), `expiresAt` (TTL, epoch s).
 *               Written once (`attribute_not_exists(pk)`): a duplicate delivery is recognised and stores nothing.
 * - the log version: `pk = LOG`, `sk = VERSION`, `version`: a counter every delivery increments AFTER storing its
 *               event, so a derivation that read version v before reading the events has seen every event counted
 *               in v.
 * - a record:   `pk = INCIDENT#<id>`, `sk = RECORD`, the IncidentRecord's fields, `detectedKey = <detected>#<id>`,
 *               `logVersion` (the version it was derived at) and `metricsPublishedAt` once MTTD/MTTA/MTTR went out.
 * - the GSI `byStatus` (`status`, `detectedKey`): open incidents, and resolved ones by detection time.
 * A record is written only if the stored one was derived at the same or an older log version, so a derivation
 * that knew less never overwrites one that knew more, and the last derivation (after the last event) wins.
 */

const EVENT_PK = 'EVENT';
const RECORD_SK = 'RECORD';
const LOG_KEY = { pk: 'LOG', sk: 'VERSION' };
export const METRIC_NAMES = { detect: 'IncidentMTTD', acknowledge: 'IncidentMTTA', resolve: 'IncidentMTTR' } as const;

/** Powertools' Logger in the Lambda; a JSON-lines writer in the CLI. */
export type StoreLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface StoreDeps {
  readonly ddb: DynamoDBDocumentClient;
  readonly cloudwatch: CloudWatchClient;
  readonly logger: StoreLogger;
  /** Injected in tests to avoid real waiting between retries. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export type StoredRecord = IncidentRecord & { readonly logVersion?: number; readonly metricsPublishedAt?: string };

const isConditionFailure = (error: unknown) => (error as { name?: string })?.name === 'ConditionalCheckFailedException';

/** Throttling and transient faults back off and retry (the SDK's own retries come first). */
function retry<T>(deps: StoreDeps, operation: () => Promise<T>, what: string): Promise<T> {
  return withRetry(operation, {
    sleep: deps.sleep,
    onRetry: (error, attempt, delayMs) => {
      const name = (error as Error).name;
      deps.logger.warn('retrying after a throttle or transient fault', { what, attempt, delayMs, error: name });
    },
  });
}

/**
 * Store an event once, then count the delivery in the log version. `duplicate` when an event with this id and
 * time is stored already (the delivery is still counted: a counter that grows too often orders nothing wrongly).
 */
export async function storeEvent(
  deps: StoreDeps,
  settings: IncidentSettings,
  event: IncidentEvent,
): Promise<'stored' | 'duplicate'> {
  const expiresAt = Math.floor(Date.parse(event.time) / 1000) + settings.eventRetentionDays * 86400;
  let outcome: 'stored' | 'duplicate' = 'stored';
  try {
    await retry(
      deps,
      () =>
        deps.ddb.send(
          new PutCommand({
            TableName: settings.tableName,
            Item: { pk: EVENT_PK, sk: `${event.time}#${event.id}`, event, expiresAt },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      'store event',
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    outcome = 'duplicate';
  }
  await retry(
    deps,
    () =>
      deps.ddb.send(
        new UpdateCommand({
          TableName: settings.tableName,
          Key: LOG_KEY,
          UpdateExpression: 'ADD version :one',
          ExpressionAttributeValues: { ':one': 1 },
        }),
      ),
    'count event',
  );
  return outcome;
}

async function logVersion(deps: StoreDeps, settings: IncidentSettings): Promise<number> {
  const result = await retry(
    deps,
    () =>
      deps.ddb.send(
        new GetCommand({
          TableName: settings.tableName,
          Key: LOG_KEY,
          ConsistentRead: true,
        }),
      ),
    'read log version',
  );
  return Number(result.Item?.version ?? 0);
}

export async function loadEvents(
  deps: StoreDeps,
  settings: IncidentSettings,
  fromMs: number,
): Promise<IncidentEvent[]> {
  const items = await queryAll(
    deps,
    {
      TableName: settings.tableName,
      KeyConditionExpression: 'pk = :pk AND sk >= :from',
      ExpressionAttributeValues: { ':pk': EVENT_PK, ':from': new Date(fromMs).toISOString() },
      ConsistentRead: true,
    },
    'load events',
  );
  return items.map((item) => item.event as IncidentEvent);
}

/** Records of one status, newest detection first; `fromIso` limits to those detected at or after it. */
export async function loadRecords(
  deps: StoreDeps,
  settings: IncidentSettings,
  status: IncidentStatus,
  options: { fromIso?: string; limit?: number } = {},
): Promise<StoredRecord[]> {
  const items = await queryAll(
    deps,
    {
      TableName: settings.tableName,
      IndexName: INCIDENT_TABLE.statusIndex,
      KeyConditionExpression: options.fromIso ? '#status = :status AND detectedKey >= :from' : '#status = :status',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': status, ...(options.fromIso ? { ':from': options.fromIso } : {}) },
      ScanIndexForward: false,
    },
    'load records',
    options.limit,
  );
  const records = items.map(toRecord);
  return options.limit === undefined ? records : records.slice(0, options.limit);
}

/** Every page of a query (each page retried on throttling), stopping early once `limit` items are in. */
async function queryAll(
  deps: StoreDeps,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
  what: string,
  limit?: number,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await retry(deps, () => deps.ddb.send(new QueryCommand({ ...input, ExclusiveStartKey: start })), what);
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start && (limit === undefined || items.length < limit));
  return items;
}

export async function getRecord(
  deps: StoreDeps,
  settings: IncidentSettings,
  id: string,
): Promise<StoredRecord | undefined> {
  const result = await retry(
    deps,
    () =>
      deps.ddb.send(
        new GetCommand({
          TableName: settings.tableName,
          Key: { pk: `INCIDENT#${id}`, sk: RECORD_SK },
          ConsistentRead: true,
        }),
      ),
    'get record',
  );
  return result.Item ? toRecord(result.Item) : undefined;
}

/** A record by id, following `supersededBy` to the incident it became. */
export async function findRecord(
  deps: StoreDeps,
  settings: IncidentSettings,
  id: string,
): Promise<StoredRecord | undefined> {
  let record = await getRecord(deps, settings, id);
  for (let hops = 0; record?.status === 'superseded' && record.supersededBy && hops < 10; hops++) {
    record = await getRecord(deps, settings, record.supersededBy);
  }
  return record;
}

function toRecord(item: Record<string, unknown>): StoredRecord {
  const { pk: _pk, sk: _sk, detectedKey: _detectedKey, ...rest } = item;
  return rest as unknown as StoredRecord;
}

export interface ReconcileResult {
  readonly written: string[];
  readonly superseded: string[];
  readonly published: string[];
}

/**
 * Derive the records again from the stored events and write those that changed. Reads events from the earliest
 * of (now, the trigger's time, every open incident's first event) minus the lookback, so an open incident is
 * always derived whole. A computed incident is written when it holds the trigger, continues an open record, or
 * starts in the second half of the window (one starting earlier may be cut off by the window's start). Then
 * MTTD / MTTA / MTTR go out once for each resolved record whose resolution has settled (see `metricsDue`).
 */
export async function reconcile(
  deps: StoreDeps,
  settings: IncidentSettings,
  now: number,
  trigger?: IncidentEvent,
): Promise<ReconcileResult> {
  const version = await logVersion(deps, settings);
  const lookbackMs = settings.lookbackSeconds * 1000;
  const open = await loadRecords(deps, settings, 'open');
  const anchors = [
    now,
    ...(trigger ? [Date.parse(trigger.time)] : []),
    ...open.map((r) => Date.parse(r.firstEventTime)),
  ];
  const windowStart = Math.min(...anchors) - lookbackMs;
  const [events, resolved] = await Promise.all([
    loadEvents(deps, settings, windowStart),
    loadRecords(deps, settings, 'resolved', { fromIso: new Date(windowStart).toISOString() }),
  ]);
  const existing = new Map<string, StoredRecord>([...resolved, ...open].map((r) => [r.id, r]));
  const openIds = new Set(open.map((r) => r.id));
  const computed = buildIncidents(
    events,
    {
      environment: settings.environment,
      quietPeriodMs: settings.quietPeriodSeconds * 1000,
      contextLeadMs: settings.contextLeadSeconds * 1000,
    },
    now,
  );

  const result: ReconcileResult = { written: [], superseded: [], published: [] };
  for (const record of computed) {
    const holdsTrigger = trigger !== undefined && record.timeline.some((entry) => entry.eventId === trigger.id);
    const continuesOpen = record.aliases.some((alias) => openIds.has(alias));
    const wholeInWindow = Date.parse(record.firstEventTime) >= windowStart + lookbackMs / 2;
    if (!holdsTrigger && !continuesOpen && !wholeInWindow) continue;
    const stored = existing.get(record.id);
    const unchanged = stored?.digest === record.digest;
    const isStored = unchanged || (await writeRecord(deps, settings, record, version));
    if (!unchanged && isStored) result.written.push(record.id);
    if (isStored) {
      for (const alias of record.aliases) {
        const old = existing.get(alias);
        if (alias === record.id || !old || old.status === 'superseded') continue;
        if (await supersede(deps, settings, alias, record.id, version)) result.superseded.push(alias);
      }
    }
    if (metricsDue(record, stored, settings, now) && (await publishOnce(deps, settings, record, now))) {
      result.published.push(record.id);
    }
  }
  return result;
}

/** Write a derived record unless the stored one was derived at a newer log version; true if it is now stored. */
async function writeRecord(
  deps: StoreDeps,
  settings: IncidentSettings,
  record: IncidentRecord,
  version: number,
): Promise<boolean> {
  const fields: Record<string, unknown> = {
    ...record,
    detectedKey: `${record.detected}#${record.id}`,
    logVersion: version,
  };
  const optional = ['acknowledged', 'acknowledgedBy', 'resolved', 'resolvedBy', 'supersededBy'];
  const names: Record<string, string> = { '#logVersion': 'logVersion' };
  const values: Record<string, unknown> = { ':version': version };
  const assignments = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([name, value], i) => {
      names[`#f${i}`] = name;
      values[`:v${i}`] = value;
      return `#f${i} = :v${i}`;
    });
  const removals = optional
    .filter((name) => fields[name] === undefined)
    .map((name, i) => {
      names[`#r${i}`] = name;
      return `#r${i}`;
    });
  try {
    await retry(
      deps,
      () =>
        deps.ddb.send(
          new UpdateCommand({
            TableName: settings.tableName,
            Key: { pk: `INCIDENT#${record.id}`, sk: RECORD_SK },
            UpdateExpression: `SET ${assignments.join(', ')}${removals.length > 0 ? ` REMOVE ${removals.join(', ')}` : ''}`,
            ConditionExpression: 'attribute_not_exists(pk) OR #logVersion <= :version',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      'write record',
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const why = 'incident record not written: a derivation that knew more events wrote it';
    deps.logger.info(why, { id: record.id, version });
    return false;
  }
  const { id, status, severity } = record;
  deps.logger.info('incident record written', { id, status, severity, version });
  return true;
}

async function supersede(
  deps: StoreDeps,
  settings: IncidentSettings,
  id: string,
  by: string,
  version: number,
): Promise<boolean> {
  try {
    await retry(
      deps,
      () =>
        deps.ddb.send(
          new UpdateCommand({
            TableName: settings.tableName,
            Key: { pk: `INCIDENT#${id}`, sk: RECORD_SK },
            UpdateExpression: 'SET #status = :superseded, supersededBy = :by, logVersion = :version',
            ConditionExpression: 'attribute_exists(pk) AND logVersion <= :version',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':superseded': 'superseded', ':by': by, ':version': version },
          }),
        ),
      'supersede record',
    );
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
  const why = 'incident record superseded: a late, earlier event changed which event opened it';
  deps.logger.info(why, { id, supersededBy: by });
  return true;
}

/**
 * Metrics wait until the resolution has settled: the quiet period plus `metricsSettleSeconds` after it, so an
 * event delivered late (EventBridge retries for hours) still counts. Later events change the record, not the
 * published figures.
 */
export function metricsDue(
  record: IncidentRecord,
  stored: StoredRecord | undefined,
  settings: IncidentSettings,
  now: number,
): boolean {
  if (record.status !== 'resolved' || !record.resolved || stored?.metricsPublishedAt) return false;
  return now >= Date.parse(record.resolved) + (settings.quietPeriodSeconds + settings.metricsSettleSeconds) * 1000;
}

/**
 * Publish MTTD / MTTA / MTTR of a resolved incident once: claim first (a conditional `metricsPublishedAt` on the
 * record as derived), then publish; a failed publish releases the claim, so the next event or sweep tries again.
 */
async function publishOnce(
  deps: StoreDeps,
  settings: IncidentSettings,
  record: IncidentRecord,
  now: number,
): Promise<boolean> {
  const key = { pk: `INCIDENT#${record.id}`, sk: RECORD_SK };
  try {
    await retry(
      deps,
      () =>
        deps.ddb.send(
          new UpdateCommand({
            TableName: settings.tableName,
            Key: key,
            UpdateExpression: 'SET metricsPublishedAt = :now',
            ConditionExpression:
              'attribute_not_exists(metricsPublishedAt) AND #status = :resolved AND digest = :digest',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':now': new Date(now).toISOString(),
              ':resolved': 'resolved',
              ':digest': record.digest,
            },
          }),
        ),
      'claim metrics',
    );
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
  try {
    const data = incidentMetrics(record, settings.environment, now);
    const command = new PutMetricDataCommand({ Namespace: settings.metricNamespace, MetricData: data });
    await retry(deps, () => deps.cloudwatch.send(command), 'publish metrics');
    const { id, severity } = record;
    deps.logger.info('incident metrics published', { id, severity, ...incidentDurations(record) });
    return true;
  } catch (error) {
    const release = new UpdateCommand({
      TableName: settings.tableName,
      Key: key,
      UpdateExpression: 'REMOVE metricsPublishedAt',
    });
    await deps.ddb.send(release).catch(() => undefined);
    throw error;
  }
}

/**
 * MTTD, MTTA (when acknowledged) and MTTR in seconds, dimensioned by environment and severity, stamped at the
 * resolution. PutMetricData takes timestamps up to two weeks old
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html); an older resolution
 * (a replay) is stamped now.
 */
export function incidentMetrics(record: IncidentRecord, environment: string, now: number): MetricDatum[] {
  const durations = incidentDurations(record);
  const resolvedAt = Date.parse(record.resolved ?? new Date(now).toISOString());
  const timestamp = new Date(now - resolvedAt < 13 * 86400_000 ? resolvedAt : now);
  const dimensions = [
    { Name: 'Environment', Value: environment },
    { Name: 'Severity', Value: record.severity },
  ];
  const datum = (name: string, value: number): MetricDatum => ({
    MetricName: name,
    Dimensions: dimensions,
    Value: value,
    Unit: StandardUnit.Seconds,
    Timestamp: timestamp,
  });
  return [
    datum(METRIC_NAMES.detect, durations.detectSeconds),
    ...(durations.acknowledgeSeconds !== undefined
      ? [datum(METRIC_NAMES.acknowledge, durations.acknowledgeSeconds)]
      : []),
    ...(durations.resolveSeconds !== undefined ? [datum(METRIC_NAMES.resolve, durations.resolveSeconds)] : []),
  ];
}

export interface ManualRequest {
  readonly incidentId: string;
  readonly action: ManualEvent['action'];
  readonly by: string;
  readonly text?: string;
  /** Unique per request (a UUID): a repeated request with the same id changes nothing twice. */
  readonly requestId: string;
}

/** A person's ack / resolve / note: stored as an event like any other, then the records are derived again. */
export async function recordManualAction(
  deps: StoreDeps,
  settings: IncidentSettings,
  request: ManualRequest,
  now: number,
): Promise<StoredRecord> {
  const record = await findRecord(deps, settings, request.incidentId);
  const list = `npm run ops -- incident list ${settings.environment}`;
  if (!record) throw new Error(`no incident ${request.incidentId} in ${settings.tableName}; list them with: ${list}`);
  if (request.action === 'resolve' && record.status === 'resolved') {
    throw new Error(`incident ${record.id} is already resolved (${record.resolved}, by ${record.resolvedBy})`);
  }
  if (request.action === 'ack' && record.acknowledged) {
    const when = `${record.acknowledged}, by ${record.acknowledgedBy}`;
    throw new Error(`incident ${record.id} was acknowledged already (${when})`);
  }
  const event: ManualEvent = {
    kind: 'manual',
    id: request.requestId,
    time: new Date(now).toISOString(),
    incidentId: record.id,
    action: request.action,
    by: request.by,
    ...(request.text ? { text: request.text.slice(0, 1000) } : {}),
  };
  await storeEvent(deps, settings, event);
  await reconcile(deps, settings, now, event);
  return (await findRecord(deps, settings, record.id))!;
}
