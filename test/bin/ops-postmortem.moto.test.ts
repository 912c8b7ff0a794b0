import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, PutMetricAlarmCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { Command } from 'commander';
import { incidentSettingsFor } from '../../bin/ops/incident';
import { registerPostmortem } from '../../bin/ops/postmortem';
import { IncidentEvent } from '../../lambdas/incident-recorder/record';
import { StoreDeps, loadRecords, reconcile, storeEvent } from '../../lambdas/incident-recorder/store';
import type { RegionSwitchApi } from '../../lambdas/shared/arc-region-switch';
import { MotoServer } from '../helpers/moto';
import { createIncidentTable, motoStore } from '../lambdas/incident-recorder/moto-table';

/*
 * `npm run ops -- postmortem` against moto 5.2 on 127.0.0.1: the incident is stored and derived by the recorder's own
 * store code in a real DynamoDB table, the metrics are real PutMetricData / GetMetricData over HTTP, the load balancer
 * is found through a real alarm. Figures are worked out by hand below. Moto has no DrRegion stack: DR steps not read.
 */
const moto = new MotoServer();
let store: StoreDeps;
let cloudwatch: CloudWatchClient;
let out: string;
const LB = 'app/orders-prod/moto1';

beforeAll(async () => {
  await moto.start();
  store = motoStore(moto);
  cloudwatch = new CloudWatchClient(moto.clientConfig());
  await createIncidentTable(moto, 'orders-prod-incidents');
  out = mkdtempSync(join(tmpdir(), 'postmortem-moto-'));
}, 60_000);
afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  return moto.stop();
});

test('a P1 stored and derived in DynamoDB, ALB and canary metrics in CloudWatch: the draft adds them up', async () => {
  // t0: a whole minute 60 min ago. Onset t0+0:30, detected t0+1:00, acknowledged t0+5:00, OK t0+20:00, so resolved
  // t0+20:00 once quiet for 15 min (the draft runs at t0+60:00). Window: t0 .. t0+20:00.
  const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 60 * 60_000;
  const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();
  const now = t0 + 60 * 60_000;
  const { settings } = incidentSettingsFor('config/bulwark.config.ts', 'Prod');
  const alarm = (id: string, seconds: number, state: 'ALARM' | 'OK'): IncidentEvent => ({
    kind: 'alarm',
    id,
    time: at(seconds),
    alarmName: 'orders-prod-service-unhealthy',
    severity: 'P1',
    state,
    previousState: state === 'ALARM' ? 'OK' : 'ALARM',
    reason: 'test',
    ...(state === 'ALARM' ? { onset: at(30) } : {}),
    composite: true,
  });
  const opening = alarm('ev-open', 60, 'ALARM');
  await storeEvent(store, settings, opening);
  await reconcile(store, settings, t0 + 61_000, opening);
  const [open] = await loadRecords(store, settings, 'open');
  const ack: IncidentEvent = {
    kind: 'manual',
    id: 'ev-ack',
    time: at(300),
    incidentId: open.id,
    action: 'ack',
    by: 'user:arn:aws:iam::333333333333:user/alice',
  };
  const recovery = alarm('ev-ok', 1200, 'OK');
  for (const event of [ack, recovery]) await storeEvent(store, settings, event);
  await reconcile(store, settings, now, recovery);

  await cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: 'orders-prod-http-5xx-rate',
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_Target_5XX_Count',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 10,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [{ Name: 'LoadBalancer', Value: LB }],
    }),
  );
  const alb = (name: string, seconds: number, value: number) => ({
    MetricName: name,
    Dimensions: [{ Name: 'LoadBalancer', Value: LB }],
    Timestamp: new Date(t0 + seconds * 1000),
    Value: value,
  });
  // In the window: target 5xx 5 + 7, ELB 5xx 1, requests 100 + 200. Before it (t0 - 10 min): 1000, never counted.
  await cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/ApplicationELB',
      MetricData: [
        alb('HTTPCode_Target_5XX_Count', 120, 5),
        alb('HTTPCode_Target_5XX_Count', 300, 7),
        alb('HTTPCode_Target_5XX_Count', -600, 1000),
        alb('HTTPCode_ELB_5XX_Count', 180, 1),
        alb('RequestCount', 120, 100),
        alb('RequestCount', 300, 200),
      ],
    }),
  );
  // Canary: 4 probes in the window, 2 failed.
  await cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: 'Bulwark/orders',
      MetricData: [1, 0, 0, 1].map((value, i) => ({
        MetricName: 'Success',
        Dimensions: [{ Name: 'Environment', Value: 'Prod' }],
        Timestamp: new Date(t0 + (90 + i * 120) * 1000),
        Value: value,
      })),
    }),
  );

  const printed: string[] = [];
  const program = new Command('ops').exitOverride();
  const regionSwitch = {
    listPlanExecutions: () => Promise.reject(new Error('moto has no ARC Region switch')),
  } as unknown as RegionSwitchApi;
  registerPostmortem(program, {
    store: () => store,
    cloudwatch: () => cloudwatch,
    drClients: () => ({ cloudformation: new CloudFormationClient(moto.clientConfig('us-west-2')), regionSwitch }),
    print: (t) => printed.push(t),
    now: () => now,
    sleep: async () => undefined,
  });
  await program.parseAsync(['node', 'ops', 'postmortem', open.id, 'Prod', '--out', out]);
  const page = readFileSync(join(out, `${at(60).slice(0, 10)}-${open.id}.md`), 'utf8');
  const row = (label: string) =>
    page
      .split('\n')
      .find((line) => line.startsWith(`| ${label} |`))!
      .replace(/ \|$/, '')
      .split(' | ');

  expect(row('Status')[1]).toBe('resolved (every alarm OK for the quiet period)');
  expect(row('Duration (onset to resolved)')[1]).toBe('19 min 30 s'); // t0+0:30 -> t0+20:00
  expect(row('Requests failed')[1]).toBe('13'); // 5 + 7 + 1
  expect(row('Requests the load balancer routed')[1]).toBe('300');
  expect(row('Canary probes failed')[1]).toBe('2 of 4');
  expect(row('Detected (first alarm in ALARM)').slice(3, 6)).toEqual(['30 s', '1 min', 'met (30 s to spare)']);
  expect(row('Acknowledged').slice(3, 6)).toEqual(['4 min', '15 min', 'met (11 min to spare)']);
  expect(row('Resolved').slice(3, 6)).toEqual(['19 min 30 s', '4 h', 'met (3 h 40 min 30 s to spare)']);
  expect(page).toContain('DR steps: not read (ValidationError: Stack with id DrRegion does not exist)');
}, 60_000);
