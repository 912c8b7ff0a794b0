/**
 * `npm run ops -- incident list|show|ack|resolve|note <Env> ...`: read and work the environment's incident record
 * (`<service>-<env>-incidents`, lib/incidents) with your AWS credentials. Acks, resolutions and notes are stored as
 * events and the record is derived again by exactly the code the recorder function runs (lambdas/incident-recorder),
 * so the CLI and the function never disagree. AWS_ENDPOINT_URL (honoured by the SDK) points it at a local moto server.
 */
import { randomUUID } from 'node:crypto';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Command } from 'commander';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../config';
import { IncidentRecord, incidentDurations } from '../../lambdas/incident-recorder/record';
import { IncidentSettings } from '../../lambdas/incident-recorder/settings';
import {
  ManualRequest,
  StoreDeps,
  StoredRecord,
  findRecord,
  loadRecords,
  recordManualAction,
} from '../../lambdas/incident-recorder/store';
import { CLIENT_CONFIG } from '../../lambdas/shared/aws';
import { Naming } from '../../lib/common/naming';
import { incidentSettings } from '../../lib/incidents/incident-record';

export interface IncidentCommandDeps {
  readonly store?: (region: string) => StoreDeps;
  readonly whoAmI?: (region: string) => Promise<string>;
  readonly print?: (text: string) => void;
  readonly now?: () => number;
}

/** The settings the deployed function has (the alarm map aside, which only the function's event filter uses). */
export function incidentSettingsFor(
  configPath: string,
  environmentName: string,
): { settings: IncidentSettings; region: string } {
  const config = loadConfig(configPath);
  const environment = config.environments.find((e) => e.name === environmentName);
  if (!environment) {
    const names = config.environments.map((e) => e.name).join(', ');
    throw new Error(`no environment "${environmentName}" in ${configPath}; have ${names}`);
  }
  const naming = new Naming(config.service.name, environment.name);
  return { settings: incidentSettings(naming, {}), region: environment.region };
}

/** Structured lines on stderr, so stdout stays the answer (text or --json). */
const stderrLogger = {
  info: (message: string, extra?: object) => console.error(JSON.stringify({ level: 'INFO', message, ...extra })),
  warn: (message: string, extra?: object) => console.error(JSON.stringify({ level: 'WARN', message, ...extra })),
  error: (message: string, extra?: object) => console.error(JSON.stringify({ level: 'ERROR', message, ...extra })),
} as unknown as StoreDeps['logger'];

export function defaultStore(region: string): StoreDeps {
  const config = { ...CLIENT_CONFIG, region };
  return {
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient(config), { marshallOptions: { removeUndefinedValues: true } }),
    cloudwatch: new CloudWatchClient(config),
    logger: stderrLogger,
  };
}

async function defaultWhoAmI(region: string): Promise<string> {
  const me = await new STSClient({ ...CLIENT_CONFIG, region, maxAttempts: 2 }).send(new GetCallerIdentityCommand({}));
  return `user:${me.Arn}`;
}

export type ListStatus = 'open' | 'resolved' | 'all';

export async function listIncidents(
  store: StoreDeps,
  settings: IncidentSettings,
  status: ListStatus,
  limit: number,
): Promise<StoredRecord[]> {
  const statuses = status === 'all' ? (['open', 'resolved'] as const) : [status];
  const records = (await Promise.all(statuses.map((s) => loadRecords(store, settings, s, { limit })))).flat();
  return records.sort((a, b) => (a.detected < b.detected ? 1 : a.detected > b.detected ? -1 : 0)).slice(0, limit);
}

const minutes = (seconds: number | undefined) => (seconds === undefined ? '-' : `${(seconds / 60).toFixed(1)} min`);

/** One line per incident, newest first: id, status, severity, detected, MTTD / MTTR, title. */
export function formatList(records: readonly IncidentRecord[]): string {
  if (records.length === 0) return 'no incidents';
  const rows = records.map((r) => {
    const d = incidentDurations(r);
    const state = r.status === 'open' ? (r.acknowledged ? 'open (acked)' : 'open') : 'resolved';
    const detected = r.detected.slice(0, 16).replace('T', ' ');
    return [r.id, state, r.severity, detected, minutes(d.detectSeconds), minutes(d.resolveSeconds), r.title];
  });
  const header = ['id', 'status', 'sev', 'detected (UTC)', 'MTTD', 'MTTR', 'title'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const pad = (cell: string, i: number, row: string[]) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]));
  const line = (row: string[]) => row.map((cell, i) => pad(cell, i, row)).join('  ');
  return [header, ...rows].map(line).join('\n');
}

/** The record as a person reads it, and as a post-mortem's summary and timeline table begin. */
export function formatRecord(record: IncidentRecord): string {
  const d = incidentDurations(record);
  const lines = [
    `${record.id}  [${record.severity}] ${record.title}`,
    `status:       ${record.status}${record.resolvedBy ? ` (${record.resolvedBy})` : ''}`,
    `onset:        ${record.onset}`,
    `detected:     ${record.detected}   MTTD ${minutes(d.detectSeconds)}`,
    `acknowledged: ${record.acknowledged ?? '-'}${record.acknowledgedBy ? ` by ${record.acknowledgedBy}` : ''}` +
      `   MTTA ${minutes(d.acknowledgeSeconds)}`,
    `resolved:     ${record.resolved ?? '-'}   MTTR ${minutes(d.resolveSeconds)}`,
    'members:',
    ...Object.entries(record.members).map(
      ([name, m]) => `  [${m.severity}] ${name}${m.composite ? ' (composite)' : ''}: ${m.state} since ${m.since}`,
    ),
    '',
    '| Time (UTC) | Event |',
    '|------------|-------|',
    ...record.timeline.map((t) => `| ${t.time.slice(0, 19).replace('T', ' ')} | ${t.text.replace(/\|/g, '\\|')} |`),
  ];
  return lines.join('\n');
}

interface CommonOptions {
  readonly config: string;
  readonly json?: boolean;
}

export function registerIncident(program: Command, deps: IncidentCommandDeps = {}): Command {
  const print = deps.print ?? ((text: string) => console.log(text));
  const now = deps.now ?? Date.now;
  const context = (environment: string, options: CommonOptions) => {
    const { settings, region } = incidentSettingsFor(options.config, environment);
    return { settings, region, store: (deps.store ?? defaultStore)(region) };
  };
  const show = (record: StoredRecord, options: CommonOptions) => {
    print(options.json ? JSON.stringify(record, null, 2) : formatRecord(record));
  };
  const manual = async (
    environment: string,
    id: string,
    action: ManualRequest['action'],
    text: string | undefined,
    options: CommonOptions,
  ) => {
    const { settings, region, store } = context(environment, options);
    const by = await (deps.whoAmI ?? defaultWhoAmI)(region);
    const request = { incidentId: id, action, by, text, requestId: randomUUID() };
    show(await recordManualAction(store, settings, request, now()), options);
  };

  const incident = program
    .command('incident')
    .description("the environment's incident record: list, show, ack, resolve, note");
  const withCommon = (command: Command) =>
    command
      .option('--json', 'print JSON instead of text')
      .option('-c, --config <path>', 'config file', DEFAULT_CONFIG_PATH);

  withCommon(incident.command('list').argument('<environment>', 'environment name, e.g. Prod'))
    .description('incidents, newest first')
    .option('--status <status>', 'open, resolved or all', 'all')
    .option('--limit <n>', 'at most this many', '20')
    .action(async (environment: string, options: CommonOptions & { status: string; limit: string }) => {
      if (!['open', 'resolved', 'all'].includes(options.status)) {
        throw new Error(`--status must be open, resolved or all, not "${options.status}"`);
      }
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) {
        throw new Error(`--limit must be a whole number above 0, not "${options.limit}"`);
      }
      const { settings, store } = context(environment, options);
      const records = await listIncidents(store, settings, options.status as ListStatus, limit);
      print(options.json ? JSON.stringify(records, null, 2) : formatList(records));
    });
  const idArgument = ['<id>', 'incident id, e.g. inc-20261129T100230Z-a40b70'] as const;
  withCommon(
    incident
      .command('show')
      .argument('<environment>')
      .argument(...idArgument),
  )
    .description('one incident: times, members and the timeline')
    .action(async (environment: string, id: string, options: CommonOptions) => {
      const { settings, store } = context(environment, options);
      const record = await findRecord(store, settings, id);
      if (!record) {
        const list = `npm run ops -- incident list ${environment}`;
        throw new Error(`no incident ${id} in ${settings.tableName}; list them with: ${list}`);
      }
      show(record, options);
    });
  withCommon(
    incident
      .command('ack')
      .argument('<environment>')
      .argument(...idArgument),
  )
    .description('acknowledge: you are on it (sets the MTTA clock)')
    .action((environment: string, id: string, options: CommonOptions) => {
      return manual(environment, id, 'ack', undefined, options);
    });
  withCommon(
    incident
      .command('resolve')
      .argument('<environment>')
      .argument(...idArgument),
  )
    .description('resolve by hand (otherwise it resolves itself once every member is OK for the quiet period)')
    .option('-r, --reason <text>', 'why, kept in the timeline')
    .action((environment: string, id: string, options: CommonOptions & { reason?: string }) => {
      return manual(environment, id, 'resolve', options.reason, options);
    });
  withCommon(
    incident
      .command('note')
      .argument('<environment>')
      .argument(...idArgument)
      .argument('<text...>', 'note'),
  )
    .description('add a note to the timeline')
    .action((environment: string, id: string, text: string[], options: CommonOptions) => {
      return manual(environment, id, 'note', text.join(' '), options);
    });
  return program;
}
