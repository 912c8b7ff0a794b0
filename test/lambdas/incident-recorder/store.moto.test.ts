import { GetMetricStatisticsCommand, CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { handleIncidentEvent } from '../../../lambdas/incident-recorder/handle';
import { IncidentSettings } from '../../../lambdas/incident-recorder/settings';
import { StoreDeps, StoredRecord, findRecord, getRecord, loadRecords } from '../../../lambdas/incident-recorder/store';
import { MotoServer } from '../../helpers/moto';
import { SETTINGS, morning, shuffled } from './fixtures';
import { createIncidentTable, motoStore } from './moto-table';

/*
 * The recorder against moto's DynamoDB and CloudWatch on 127.0.0.1: the real SDK, real conditional writes and
 * a real GSI. The morning's events are delivered in order to one table, and shuffled with duplicates to another
 * (each table with its own metric namespace); each delivery runs the handler one second after its event's time,
 * then a sweep runs at 13:00, when both resolutions have settled (quiet period 15 min + settle 1 h).
 */
const moto = new MotoServer();
let store: StoreDeps;
beforeAll(async () => {
  await moto.start();
  store = motoStore(moto);
}, 30_000);
afterAll(() => moto.stop());

const ONE_PM = Date.parse('2026-11-29T13:00:00Z');
const SWEEP = {
  id: 'sweep',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  time: '2026-11-29T13:00:00Z',
  detail: {},
};

async function replay(
  tableName: string,
  namespace: string,
  events: Record<string, unknown>[],
): Promise<IncidentSettings> {
  const settings = { ...SETTINGS, tableName, metricNamespace: namespace };
  await createIncidentTable(moto, tableName);
  for (const event of events) await handleIncidentEvent(event, settings, store, Date.parse(String(event.time)) + 1000);
  await handleIncidentEvent(SWEEP, settings, store, ONE_PM);
  return settings;
}

/** The records as readers see them; the log version they were derived at is storage bookkeeping. */
async function current(settings: IncidentSettings): Promise<Omit<StoredRecord, 'metricsPublishedAt' | 'logVersion'>[]> {
  const records = [
    ...(await loadRecords(store, settings, 'open')),
    ...(await loadRecords(store, settings, 'resolved')),
  ];
  return records
    .map(({ metricsPublishedAt: _published, logVersion: _version, ...rest }) => rest)
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

describe('incident recorder on moto', () => {
  let ordered: IncidentSettings;
  let shuffledSettings: IncidentSettings;
  beforeAll(async () => {
    ordered = await replay('orders-prod-incidents-ordered', 'Test/ordered', morning());
  }, 60_000);

  test('the ordered stream leaves two resolved incidents with the hand-computed times', async () => {
    const records = await current(ordered);
    expect(records.map((r) => [r.id, r.status, r.severity, r.onset, r.detected, r.resolved, r.resolvedBy])).toEqual([
      [
        'inc-20261129T100230Z-a40b70',
        'resolved',
        'P1',
        '2026-11-29T10:00:00.000Z',
        '2026-11-29T10:02:30.000Z',
        '2026-11-29T10:12:00.000Z',
        'quiet-period',
      ],
      [
        'inc-20261129T110000Z-6ab589',
        'resolved',
        'P2',
        '2026-11-29T10:58:00.000Z',
        '2026-11-29T11:00:00.000Z',
        '2026-11-29T11:04:00.000Z',
        'quiet-period',
      ],
    ]);
    expect(records[0].timeline).toHaveLength(9);
  });

  test('a shuffled stream, every event twice: the same records; ids it gave out early are superseded', async () => {
    const events = morning();
    const stream = shuffled([...events, ...events], 7);
    shuffledSettings = await replay('orders-prod-incidents-shuffled', 'Test/shuffled', stream);
    const settings = shuffledSettings;
    expect(await current(settings)).toEqual(await current(ordered));
    // An id a partial view gave out leads, through supersededBy, to the incident it became.
    const superseded = await loadRecords(store, settings, 'superseded');
    expect(superseded.length).toBeGreaterThan(0);
    for (const old of superseded) {
      const became = (await findRecord(store, settings, old.id))?.id;
      expect(['inc-20261129T100230Z-a40b70', 'inc-20261129T110000Z-6ab589']).toContain(became);
    }
  }, 60_000);

  test('MTTD and MTTR are published once per incident, per severity, in seconds, by either stream', async () => {
    const cloudwatch = new CloudWatchClient(moto.clientConfig());
    const stat = async (namespace: string, metric: string, severity: string) => {
      const out = await cloudwatch.send(
        new GetMetricStatisticsCommand({
          Namespace: namespace,
          MetricName: metric,
          Dimensions: [
            { Name: 'Environment', Value: 'Prod' },
            { Name: 'Severity', Value: severity },
          ],
          StartTime: new Date('2026-11-29T00:00:00Z'),
          EndTime: new Date('2026-11-30T00:00:00Z'),
          Period: 86400,
          Statistics: ['SampleCount', 'Maximum'],
        }),
      );
      return out.Datapoints?.[0];
    };
    for (const namespace of ['Test/ordered', 'Test/shuffled']) {
      expect(await stat(namespace, 'IncidentMTTD', 'P1')).toMatchObject({ SampleCount: 1, Maximum: 150 });
      expect(await stat(namespace, 'IncidentMTTR', 'P1')).toMatchObject({ SampleCount: 1, Maximum: 720 });
      expect(await stat(namespace, 'IncidentMTTD', 'P2')).toMatchObject({ SampleCount: 1, Maximum: 120 });
      expect(await stat(namespace, 'IncidentMTTR', 'P2')).toMatchObject({ SampleCount: 1, Maximum: 360 });
      // Nobody acknowledged: no MTTA.
      expect(await stat(namespace, 'IncidentMTTA', 'P1')).toBeUndefined();
    }
    const first = await getRecord(store, ordered, 'inc-20261129T100230Z-a40b70');
    const second = await getRecord(store, shuffledSettings, 'inc-20261129T110000Z-6ab589');
    const at1pm = '2026-11-29T13:00:00.000Z';
    expect([first?.metricsPublishedAt, second?.metricsPublishedAt]).toEqual([at1pm, at1pm]);
  });

  test('a sweep after everything is recorded writes nothing and publishes nothing', async () => {
    const again = await handleIncidentEvent({ ...SWEEP, id: 'sweep-2' }, ordered, store, ONE_PM + 300_000);
    expect(again).toEqual({ outcome: 'swept', result: { written: [], superseded: [], published: [] } });
  });
});
