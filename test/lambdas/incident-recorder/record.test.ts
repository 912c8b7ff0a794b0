import { interpretEvent, onsetOf } from '../../../lambdas/incident-recorder/events';
import {
  IncidentEvent,
  ManualEvent,
  buildIncidents,
  incidentDurations,
} from '../../../lambdas/incident-recorder/record';
import { SETTINGS, alarmEvent, morning, shuffled } from './fixtures';

const FOLD = { environment: 'Prod', quietPeriodMs: 15 * 60_000, contextLeadMs: 30 * 60_000 };
const NOON = Date.parse('2026-11-29T12:00:00Z');
const ALICE = 'user:arn:aws:iam::333333333333:user/alice';

function toEvents(raw: Record<string, unknown>[]): IncidentEvent[] {
  return raw.flatMap((r) => {
    const i = interpretEvent(r, SETTINGS);
    return i.kind === 'record' ? [i.event] : [];
  });
}
const ack: ManualEvent = {
  kind: 'manual',
  id: 'ack-1',
  time: '2026-11-29T10:06:00.000Z',
  incidentId: 'inc-20261129T100230Z-a40b70',
  action: 'ack',
  by: ALICE,
};
const morningEvents = () => [...toEvents(morning()), ack];

describe('buildIncidents: the morning', () => {
  const [first, second, ...rest] = buildIncidents(morningEvents(), FOLD, NOON);

  test('two incidents: the P1 with its composite and the P2 that fired with them, then the P2 alone', () => {
    expect(rest).toEqual([]);
    expect(first.id).toBe('inc-20261129T100230Z-a40b70');
    expect(first.severity).toBe('P1');
    expect(first.title).toBe('orders-prod-http-5xx-critical');
    expect(Object.keys(first.members)).toEqual([
      'orders-prod-http-5xx-critical',
      'orders-prod-latency-p95',
      'orders-prod-service-unhealthy',
    ]);
    expect(first.members['orders-prod-service-unhealthy']).toEqual({
      severity: 'P1',
      state: 'OK',
      since: '2026-11-29T10:10:20.000Z',
      composite: true,
    });
    expect(second.id).toBe('inc-20261129T110000Z-6ab589');
    expect(second.severity).toBe('P2');
  });

  test('times: onset from the breaching datapoints, detected at the first ALARM, resolved at the last OK', () => {
    // Latency's 3 of 5 breach from 10:00 (its evaluated datapoints), earlier than 5xx's 10:01 datapoint.
    expect(first).toMatchObject({
      onset: '2026-11-29T10:00:00.000Z',
      detected: '2026-11-29T10:02:30.000Z',
      acknowledged: '2026-11-29T10:06:00.000Z',
      acknowledgedBy: ALICE,
      resolved: '2026-11-29T10:12:00.000Z',
      resolvedBy: 'quiet-period',
      status: 'resolved',
    });
    expect(incidentDurations(first)).toEqual({ detectSeconds: 150, acknowledgeSeconds: 210, resolveSeconds: 720 });
    expect(second).toMatchObject({
      onset: '2026-11-29T10:58:00.000Z',
      detected: '2026-11-29T11:00:00.000Z',
      resolved: '2026-11-29T11:04:00.000Z',
    });
    expect(incidentDurations(second)).toEqual({
      detectSeconds: 120,
      acknowledgeSeconds: undefined,
      resolveSeconds: 360,
    });
  });

  test('the timeline keeps every member change with its reason, the deployment before it, switch and ack', () => {
    expect(first.timeline.map((t) => `${t.time.slice(11, 19)} ${t.text}`)).toEqual([
      '09:50:00 deployment d-ABC123 of orders-prod: START',
      '09:58:00 deployment d-ABC123 of orders-prod: SUCCESS',
      '10:02:30 [P1] orders-prod-http-5xx-critical OK -> ALARM',
      '10:02:40 [P1] orders-prod-service-unhealthy OK -> ALARM',
      '10:03:10 [P2] orders-prod-latency-p95 OK -> ALARM',
      '10:05:00 kill switch deploy-freeze (/orders/prod/switches/deploy-freeze): Update',
      `10:06:00 acknowledged by ${ALICE}`,
      '10:10:00 [P1] orders-prod-http-5xx-critical ALARM -> OK',
      '10:10:20 [P1] orders-prod-service-unhealthy ALARM -> OK',
      '10:12:00 [P2] orders-prod-latency-p95 ALARM -> OK',
    ]);
    expect(first.timeline[2].reason).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoints/);
    expect(first.eventCount).toBe(10);
    expect(second.timeline.map((t) => t.eventId)).toEqual(['evt-b2', 'evt-b4']);
  });

  test('the noise changes nothing: a P3 alarm, a test fire, another deployment group', () => {
    const ids = [...first.timeline, ...second.timeline].map((t) => t.eventId);
    for (const noise of ['noise-p3', 'noise-test', 'noise-dep']) expect(ids).not.toContain(noise);
  });
});

describe('buildIncidents: order, duplicates and late events', () => {
  const ordered = buildIncidents(morningEvents(), FOLD, NOON);

  const seeds = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89];
  test.each(seeds)('a shuffled stream with every event delivered twice gives the same records (seed %i)', (seed) => {
    const events = morningEvents();
    expect(buildIncidents(shuffled([...events, ...events], seed), FOLD, NOON)).toEqual(ordered);
  });

  test('before the quiet period has passed the incident is open; after it, resolved at the last recovery', () => {
    const events = toEvents(morning()).filter((e) => Date.parse(e.time) < Date.parse('2026-11-29T10:30:00Z'));
    expect(buildIncidents(events, FOLD, Date.parse('2026-11-29T10:26:59Z'))[0].status).toBe('open');
    const later = buildIncidents(events, FOLD, Date.parse('2026-11-29T10:27:00Z'))[0];
    expect(later).toMatchObject({ status: 'resolved', resolved: '2026-11-29T10:12:00.000Z' });
  });

  test('an alarm firing again within the quiet period stays in the same incident', () => {
    const name = 'orders-prod-http-5xx-critical';
    const again = alarmEvent({ id: 'evt-a3', name, state: 'ALARM', previous: 'OK', at: '2026-11-29T10:20:00.000Z' });
    const okAgain = alarmEvent({ id: 'evt-a4', name, state: 'OK', previous: 'ALARM', at: '2026-11-29T10:25:00.000Z' });
    const [first] = buildIncidents([...morningEvents(), ...toEvents([again, okAgain])], FOLD, NOON);
    expect(first.aliases).toContain('inc-20261129T102000Z-12984b');
    expect(first.resolved).toBe('2026-11-29T10:25:00.000Z');
    expect(first.timeline.map((t) => t.eventId)).toContain('evt-a3');
  });

  test('resolved by hand: the next ALARM opens a new incident; later recoveries of its members still join it', () => {
    const resolve: ManualEvent = { ...ack, id: 'res-1', time: '2026-11-29T10:07:00.000Z', action: 'resolve' };
    const reopen = alarmEvent({
      id: 'evt-x',
      name: 'orders-prod-service-unhealthy',
      state: 'ALARM',
      previous: 'OK',
      at: '2026-11-29T10:11:00.000Z',
      composite: true,
    });
    const incidents = buildIncidents([...morningEvents(), resolve, ...toEvents([reopen])], FOLD, NOON);
    expect(incidents[0]).toMatchObject({ status: 'resolved', resolved: '2026-11-29T10:07:00.000Z', resolvedBy: ALICE });
    expect(incidents[0].timeline.map((t) => t.eventId)).toContain('evt-a2');
    expect(incidents[1]).toMatchObject({ detected: '2026-11-29T10:11:00.000Z', severity: 'P1' });
  });

  test('a late, earlier ALARM changes which event opened the incident; the old id stays an alias', () => {
    const withoutFirst = morningEvents().filter((e) => e.id !== 'evt-a1');
    const early = buildIncidents(withoutFirst, FOLD, NOON)[0];
    // Without the 5xx alarm, the composite (10:02:40) opens it.
    expect(early.id).toBe('inc-20261129T100240Z-6cbc22');
    const late = buildIncidents(morningEvents(), FOLD, NOON)[0];
    expect(late.id).toBe('inc-20261129T100230Z-a40b70');
    expect(late.aliases).toContain(early.id);
  });

  test('the digest changes with the events and the status', () => {
    const open = buildIncidents(toEvents(morning()).slice(0, 5), FOLD, NOON)[0];
    const [resolved] = buildIncidents(morningEvents(), FOLD, NOON);
    expect(open).toMatchObject({ status: 'open', eventCount: 5 });
    expect(resolved).toMatchObject({ status: 'resolved', eventCount: 10 });
    expect(resolved.digest).not.toBe(open.digest);
  });

  test('a late recovery can move a later ALARM out of an incident into its own (records do not only grow)', () => {
    const events = toEvents(morning());
    const withoutRecovery = buildIncidents(
      events.filter((e) => e.id !== 'evt-b3'),
      FOLD,
      NOON,
    );
    // Latency never recovered: the incident stays open and its 11:00 ALARM joins it.
    expect(withoutRecovery).toHaveLength(1);
    expect(withoutRecovery[0].timeline.map((t) => t.eventId)).toContain('evt-b2');
    const withRecovery = buildIncidents(events, FOLD, NOON);
    expect(withRecovery.map((r) => r.timeline.length)).toEqual([9, 2]);
  });
});

describe('onsetOf (the start of the breaching datapoints)', () => {
  const at = '2026-11-29T10:05:00.000Z';
  test('M of N: the earliest evaluated datapoint that breaches, read with the comparison in the reason', () => {
    const data = JSON.stringify({
      threshold: 10,
      startDate: '2026-11-29T09:59:00.000+0000',
      evaluatedDatapoints: [
        { timestamp: '2026-11-29T10:03:00.000+0000', value: 3 },
        { timestamp: '2026-11-29T10:02:00.000+0000', value: 4 },
        { timestamp: '2026-11-29T10:01:00.000+0000', value: 12 },
      ],
    });
    const reason = '2 out of the last 3 datapoints were less than or equal to the threshold (10.0)';
    expect(onsetOf(at, reason, data)).toBe('2026-11-29T10:02:00.000Z');
  });
  test('else startDate; a composite: its earliest triggering alarm; else the period; else the time', () => {
    const startDate = JSON.stringify({ startDate: '2026-11-29T10:04:00.000+0000' });
    expect(onsetOf(at, 'x', startDate)).toBe('2026-11-29T10:04:00.000Z');
    const composite = JSON.stringify({
      triggeringAlarms: [
        { state: { timestamp: '2026-11-29T10:03:30.000+0000' } },
        { state: { timestamp: '2026-11-29T10:03:10.000+0000' } },
      ],
    });
    expect(onsetOf(at, 'x', composite)).toBe('2026-11-29T10:03:10.000Z');
    expect(onsetOf(at, 'x', '{not json', 300)).toBe('2026-11-29T10:00:00.000Z');
    expect(onsetOf(at, 'x', undefined)).toBe(at);
  });
});
