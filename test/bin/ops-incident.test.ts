import { execFile } from 'child_process';
import * as path from 'path';
import { promisify } from 'util';
import { Command } from 'commander';
import { incidentSettingsFor, registerIncident } from '../../bin/ops/incident';
import { handleIncidentEvent } from '../../lambdas/incident-recorder/handle';
import { StoreDeps } from '../../lambdas/incident-recorder/store';
import { MotoServer } from '../helpers/moto';
import { SETTINGS, morning } from '../lambdas/incident-recorder/fixtures';
import { createIncidentTable, motoStore } from '../lambdas/incident-recorder/moto-table';

/*
 * `npm run ops -- incident ...` against moto's DynamoDB on 127.0.0.1: the morning's events are recorded by the
 * handler up to 11:10 (the 11:00 latency incident still open), then a person lists, shows, acks, notes and resolves.
 */
const ROOT = path.join(__dirname, '..', '..');
const moto = new MotoServer();
let store: StoreDeps;
const ALICE = 'user:arn:aws:iam::333333333333:user/alice';
const FIRST = 'inc-20261129T100230Z-a40b70';
const SECOND = 'inc-20261129T110000Z-6ab589';

beforeAll(async () => {
  await moto.start();
  store = motoStore(moto);
  await createIncidentTable(moto, 'orders-prod-incidents');
  const upTo1110 = morning().filter((e) => e.id !== 'evt-b4');
  for (const event of upTo1110) await handleIncidentEvent(event, SETTINGS, store, Date.parse('2026-11-29T11:10:00Z'));
}, 60_000);
afterAll(() => moto.stop());

async function ops(args: string[], now = '2026-11-29T11:12:00Z'): Promise<string> {
  const out: string[] = [];
  const program = new Command('ops').exitOverride();
  registerIncident(program, {
    store: () => store,
    whoAmI: async () => ALICE,
    print: (text) => out.push(text),
    now: () => Date.parse(now),
  });
  await program.parseAsync(['node', 'ops', ...args]);
  return out.join('\n');
}

describe('npm run ops -- incident', () => {
  test('settings come from the config the stack was built from', () => {
    const { settings, region } = incidentSettingsFor('config/bulwark.config.ts', 'Prod');
    expect(region).toBe('us-east-1');
    expect(settings).toMatchObject({
      tableName: 'orders-prod-incidents',
      deploymentGroup: 'orders-prod',
      quietPeriodSeconds: 900,
    });
    expect(() => incidentSettingsFor('config/bulwark.config.ts', 'Qa')).toThrow(
      'no environment "Qa" in config/bulwark.config.ts; have Dev, Staging, Prod',
    );
  });

  test('list: newest first, open and resolved, with MTTD and MTTR', async () => {
    const lines = (await ops(['incident', 'list', 'Prod'])).split('\n');
    expect(lines[0]).toMatch(/^id\s+status\s+sev\s+detected \(UTC\)\s+MTTD\s+MTTR\s+title$/);
    const columns = (line: string) => line.split(/\s{2,}/);
    expect(columns(lines[1])).toEqual([
      SECOND,
      'open',
      'P2',
      '2026-11-29 11:00',
      '2.0 min',
      '-',
      'orders-prod-latency-p95',
    ]);
    expect(columns(lines[2])).toEqual([
      FIRST,
      'resolved',
      'P1',
      '2026-11-29 10:02',
      '2.5 min',
      '12.0 min',
      'orders-prod-http-5xx-critical',
    ]);
    const open = JSON.parse(await ops(['incident', 'list', 'Prod', '--status', 'open', '--json'])) as { id: string }[];
    expect(open.map((r) => r.id)).toEqual([SECOND]);
  });

  test('show: times, members and the timeline as a post-mortem table', async () => {
    const text = await ops(['incident', 'show', 'Prod', FIRST]);
    expect(text).toContain(`${FIRST}  [P1] orders-prod-http-5xx-critical`);
    expect(text).toContain('onset:        2026-11-29T10:00:00.000Z');
    expect(text).toContain('resolved:     2026-11-29T10:12:00.000Z   MTTR 12.0 min');
    expect(text).toContain('  [P1] orders-prod-service-unhealthy (composite): OK since 2026-11-29T10:10:20.000Z');
    const row = '| 2026-11-29 10:05:00 | kill switch deploy-freeze (/orders/prod/switches/deploy-freeze): Update |';
    expect(text).toContain(row);
    await expect(ops(['incident', 'show', 'Prod', 'inc-nope'])).rejects.toThrow(
      'no incident inc-nope in orders-prod-incidents; list them with: npm run ops -- incident list',
    );
  });

  test('ack, note and resolve by hand are kept in the record; repeating an ack or a resolve is refused', async () => {
    const acked = JSON.parse(await ops(['incident', 'ack', 'Prod', SECOND, '--json'], '2026-11-29T11:05:00Z'));
    expect(acked).toMatchObject({ status: 'open', acknowledged: '2026-11-29T11:05:00.000Z', acknowledgedBy: ALICE });
    await ops(['incident', 'note', 'Prod', SECOND, 'rolled', 'back', 'd-ABC123'], '2026-11-29T11:06:00Z');
    const resolve = ['incident', 'resolve', 'Prod', SECOND, '--reason', 'fixed', '--json'];
    const resolved = JSON.parse(await ops(resolve, '2026-11-29T11:07:00Z'));
    expect(resolved).toMatchObject({ status: 'resolved', resolved: '2026-11-29T11:07:00.000Z', resolvedBy: ALICE });
    expect(resolved.timeline.map((t: { text: string }) => t.text).slice(-3)).toEqual([
      `acknowledged by ${ALICE}`,
      `note by ${ALICE}: rolled back d-ABC123`,
      `resolved by hand by ${ALICE}: fixed`,
    ]);
    await expect(ops(['incident', 'ack', 'Prod', SECOND])).rejects.toThrow(
      `incident ${SECOND} was acknowledged already (2026-11-29T11:05:00.000Z, by ${ALICE})`,
    );
    await expect(ops(['incident', 'resolve', 'Prod', SECOND])).rejects.toThrow(
      `incident ${SECOND} is already resolved (2026-11-29T11:07:00.000Z, by ${ALICE})`,
    );
  });

  test('the real command, through AWS_ENDPOINT_URL, lists the record as JSON', async () => {
    // `npm run ops -- incident list ...` (`tsx bin/ops.ts`) as node with tsx's loader: the same program, without
    // the processes and CPU of npx and the tsx launcher.
    const args = ['--import', 'tsx', 'bin/ops.ts', 'incident', 'list', 'Prod', '--json'];
    const { stdout } = await promisify(execFile)(process.execPath, args, {
      cwd: ROOT,
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: 'us-east-1',
        AWS_MAX_ATTEMPTS: '1',
      },
    });
    const records = JSON.parse(stdout) as { id: string; status: string }[];
    expect(records.map((r) => [r.id, r.status])).toEqual([
      [SECOND, 'resolved'],
      [FIRST, 'resolved'],
    ]);
  }, 60_000);
});
