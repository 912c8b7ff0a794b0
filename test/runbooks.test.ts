import * as fs from 'fs';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Naming } from '../lib/common/naming';
import {
  CatalogEntry,
  SERVICE_UNHEALTHY,
  costAlarmCatalog,
  databaseAlarmCatalog,
  eventNotificationCatalog,
  serviceAlarmCatalog,
} from '../lib/monitoring/alarm-catalog';
import { RUNBOOK_FIELDS, RUNBOOK_SECTIONS, runbookProblems } from '../lib/monitoring/runbook-check';
import { defaultConfig, testApp } from './helpers/app';
import { serviceFixture } from './monitoring/fixture';

const RUNBOOKS_DIR = path.join(__dirname, '..', 'runbooks');
const runbooks = fs.readdirSync(RUNBOOKS_DIR).filter((f) => f.endsWith('.md') && f !== 'TEMPLATE.md');
const read = (id: string) => fs.readFileSync(path.join(RUNBOOKS_DIR, `${id}.md`), 'utf8');
const field = (markdown: string, name: string) =>
  new RegExp(`^- \\*\\*${name}:\\*\\* *(.*)$`, 'm').exec(markdown)?.[1] ?? '';

// The catalog's entries, built (not synthesized) on the test fixture.
const thresholds = defaultConfig().environments.find((e) => e.name === 'Prod')!.alarms;
const { signals, database } = serviceFixture(new Stack(testApp(), 'Fixture'));
const naming = new Naming('orders', 'Prod');
const entries = [
  ...serviceAlarmCatalog(signals, thresholds, naming),
  ...databaseAlarmCatalog(database, thresholds),
  ...costAlarmCatalog(thresholds),
  ...eventNotificationCatalog(naming),
  SERVICE_UNHEALTHY,
];

describe('runbooks', () => {
  test('there are runbooks to check', () => {
    expect(runbooks.length).toBeGreaterThanOrEqual(14);
  });

  test.each(runbooks)('%s has every field and section the RunbookCheck requires', (file) => {
    expect(runbookProblems(fs.readFileSync(path.join(RUNBOOKS_DIR, file), 'utf8'))).toEqual([]);
  });

  test.each(runbooks)('%s is dated YYYY-MM-DD and opens with a symptom-form title', (file) => {
    const markdown = fs.readFileSync(path.join(RUNBOOKS_DIR, file), 'utf8');
    expect(field(markdown, 'Last updated')).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(markdown.split('\n')[0]).toMatch(/^# \S/);
    expect(markdown).not.toMatch(/<alarm id>|<metric>|What the alarm, the dashboard and users see/); // template text left in
  });

  test.each(entries.map((e) => [e.id, e] as const))(
    'catalog entry %s links a runbook that names the alarm, its severity and its metric',
    (id, entry) => {
      const markdown = read(entry.runbook);
      expect(runbookProblems(markdown)).toEqual([]);
      expect(field(markdown, 'Alarm')).toContain(`orders-<env>-${id}`);
      expect(field(markdown, 'Severity')).toContain(entry.severity);
      if ('metric' in entry) {
        // A metric alarm's runbook states its M of N.
        const metricEntry = entry as CatalogEntry;
        const m = metricEntry.datapointsToAlarm ?? metricEntry.evaluationPeriods;
        expect(field(markdown, 'Alarm')).toMatch(new RegExp(`${m} of ${metricEntry.evaluationPeriods}`));
      }
    },
  );

  test("diagnosis sections give commands for this stack's resources, named orders-<env>-...", () => {
    for (const id of new Set(entries.map((e) => e.runbook))) {
      const diagnosis = read(id)
        .split(/^## /m)
        .find((s) => s.startsWith('Diagnosis'))!;
      expect(`${id}: ${diagnosis}`).toMatch(/`aws [a-z0-9-]+ [a-z-]+/);
      expect(`${id}: ${diagnosis}`).toMatch(/orders-<env>/);
    }
  });

  test.each(runbooks)('%s links the on-call guide and the post-mortem step, which exist', (file) => {
    const markdown = fs.readFileSync(path.join(RUNBOOKS_DIR, file), 'utf8');
    const after = markdown.split(/^## /m).find((s) => s.startsWith('After the incident'))!;
    expect(after).toContain('](../docs/on-call.md)');
    expect(after).toContain('](../docs/on-call.md#after-the-incident-the-post-mortem)');
    // GitHub's anchor for the heading "## After the incident: the post-mortem".
    const onCall = fs.readFileSync(path.join(RUNBOOKS_DIR, '..', 'docs', 'on-call.md'), 'utf8');
    expect(onCall).toMatch(/^## After the incident: the post-mortem$/m);
  });

  test('RUNBOOK_FIELDS and RUNBOOK_SECTIONS are what TEMPLATE.md shows', () => {
    const template = fs.readFileSync(path.join(RUNBOOKS_DIR, 'TEMPLATE.md'), 'utf8');
    for (const f of RUNBOOK_FIELDS) expect(template).toContain(`- **${f}:**`);
    for (const s of RUNBOOK_SECTIONS) expect(template).toContain(`## ${s}`);
  });
});
