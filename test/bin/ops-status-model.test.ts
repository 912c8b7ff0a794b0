import {
  IncidentSummary,
  SwitchState,
  VerdictInput,
  correlateDeployments,
  decideVerdict,
} from '../../bin/ops/status/model';

const incident = (
  id: string,
  severity: IncidentSummary['severity'],
  onset: string,
  status: 'open' | 'resolved' = 'open',
): IncidentSummary => ({ id, status, severity, title: `orders-prod-${id}`, onset, detected: onset });
const off = (name: string): SwitchState => ({ name, state: 'off' });
const calm: VerdictInput = {
  alarms: [],
  incidents: { open: [], recent: [] },
  backups: [{ store: 'database', ageSeconds: 3600, rpoSeconds: 86400, stale: false }],
  switches: [off('features'), off('cost'), off('deploy-freeze')],
};

describe('ops status verdict', () => {
  test('nothing fired: HEALTHY, with the rule spelled out', () => {
    expect(decideVerdict(calm)).toEqual({
      status: 'HEALTHY',
      rule: 'no P1/P2 alarm in ALARM, no open incident, no stale backup, no switch on',
      reasons: [],
      notChecked: [],
    });
  });

  test('a P1 alarm in ALARM is UNHEALTHY even with a P2 and a switch on; every rule that fired is kept', () => {
    const verdict = decideVerdict({
      ...calm,
      alarms: [
        { name: 'orders-prod-latency-p95', severity: 'P2', summary: 'p95 high' },
        { name: 'orders-prod-service-down', severity: 'P1', summary: 'down' },
      ],
      switches: [{ name: 'features', state: 'on' }, off('cost')],
    });
    expect(verdict.status).toBe('UNHEALTHY');
    expect(verdict.rule).toBe('P1 alarm in ALARM: orders-prod-service-down');
    expect(verdict.reasons).toEqual([
      'P1 alarm in ALARM: orders-prod-service-down',
      'P2 alarm in ALARM: orders-prod-latency-p95',
      'kill switch on: features',
    ]);
  });

  test('an open P1 incident is UNHEALTHY after its alarms recovered', () => {
    const verdict = decideVerdict({
      ...calm,
      incidents: { open: [incident('inc-1', 'P1', '2026-11-29T10:00:00Z')], recent: [] },
    });
    expect(verdict).toMatchObject({ status: 'UNHEALTHY', rule: 'open P1 incident: inc-1' });
  });

  test.each([
    [
      'a P2 alarm',
      { alarms: [{ name: 'orders-prod-db-cpu-high', severity: 'P2' as const, summary: 'cpu' }] },
      'P2 alarm in ALARM: orders-prod-db-cpu-high',
    ],
    [
      'an open P2 incident',
      { incidents: { open: [incident('inc-2', 'P2', '2026-11-29T11:00:00Z')], recent: [] } },
      'open incident: inc-2 (P2)',
    ],
    [
      'a stale backup',
      { backups: [{ store: 'archive', ageSeconds: 90000, rpoSeconds: 86400, stale: true }] },
      'stale backup: archive',
    ],
    [
      'a switch on',
      { switches: [off('features'), { name: 'deploy-freeze', state: 'on' as const }] },
      'kill switch on: deploy-freeze',
    ],
  ])('%s alone is DEGRADED', (_, change, rule) => {
    expect(decideVerdict({ ...calm, ...change })).toMatchObject({ status: 'DEGRADED', rule, reasons: [rule] });
  });

  test('a P3 alarm and resolved incidents do not degrade', () => {
    const verdict = decideVerdict({
      ...calm,
      alarms: [{ name: 'orders-prod-ecs-cpu-high', severity: 'P3', summary: 'cpu' }],
      incidents: { open: [], recent: [incident('inc-0', 'P1', '2026-11-28T10:00:00Z', 'resolved')] },
    });
    expect(verdict.status).toBe('HEALTHY');
  });

  test('what could not be read is listed as not checked, and never hides a rule that did fire', () => {
    const verdict = decideVerdict({
      ...calm,
      alarms: { unknown: 'AccessDeniedException: not authorized to perform cloudwatch:DescribeAlarms' },
      switches: [
        { name: 'cost', state: 'on' },
        { name: 'features', state: 'unknown', unknown: 'ThrottlingException: Rate exceeded' },
      ],
    });
    expect(verdict).toEqual({
      status: 'DEGRADED',
      rule: 'kill switch on: cost',
      reasons: ['kill switch on: cost'],
      notChecked: [
        'alarms (AccessDeniedException: not authorized to perform cloudwatch:DescribeAlarms)',
        'switch features (ThrottlingException: Rate exceeded)',
      ],
    });
  });
});

describe('ops status verdict: DR replication and plan readiness', () => {
  const replication = (lagSeconds: number, problems: string[] = []) => ({
    clusterIdentifier: 'orders-dr-db',
    lagSeconds,
    boundSeconds: 20,
    boundSource: "the primary's rds.global_db_rpo",
    problems,
  });
  const plan = (problems: string[] = []) => ({
    planArn: 'arn:aws:arc-region-switch::333333333333:plan/orders-dr-switch:a1b2c3',
    evaluationState: problems.length ? 'actionRequired' : 'passed',
    activeWarnings: problems.length,
    problems,
  });

  test('within the bound and ready: HEALTHY, and the rule says DR was part of it', () => {
    expect(decideVerdict({ ...calm, dr: { region: 'us-west-2', replication: replication(4), plan: plan() } })).toEqual({
      status: 'HEALTHY',
      rule:
        'no P1/P2 alarm in ALARM, no open incident, no stale backup, no switch on, ' +
        'DR replication within its bound, DR plan ready',
      reasons: [],
      notChecked: [],
    });
  });

  test('lag over the bound decides DEGRADED when nothing else fired; a plan warning is a further reason', () => {
    const verdict = decideVerdict({
      ...calm,
      dr: {
        region: 'us-west-2',
        replication: replication(25, ['orders-dr-db lags 25 s, over the 20 s bound']),
        plan: plan(['plan evaluation warning on step ecs-capacity: role cannot describe the service']),
      },
    });
    expect(verdict).toEqual({
      status: 'DEGRADED',
      rule: 'DR replication lag: orders-dr-db lags 25 s, over the 20 s bound',
      reasons: [
        'DR replication lag: orders-dr-db lags 25 s, over the 20 s bound',
        'DR plan not ready: plan evaluation warning on step ecs-capacity: role cannot describe the service',
      ],
      notChecked: [],
    });
  });

  test('a P1 still outranks DR; DR that could not be read is not checked, never HEALTHY by silence', () => {
    const p1 = decideVerdict({
      ...calm,
      alarms: [{ name: 'orders-prod-service-down', severity: 'P1', summary: 'down' }],
      dr: { region: 'us-west-2', replication: { unknown: 'AccessDenied' }, plan: plan(['not evaluated']) },
    });
    expect(p1.status).toBe('UNHEALTHY');
    expect(p1.reasons).toEqual(['P1 alarm in ALARM: orders-prod-service-down', 'DR plan not ready: not evaluated']);
    expect(p1.notChecked).toEqual(['DR replication lag (AccessDenied)']);

    const unread = decideVerdict({
      ...calm,
      dr: { region: 'us-west-2', replication: replication(4), plan: { unknown: 'AccessDenied' } },
    });
    expect(unread.rule).toBe(
      'no P1/P2 alarm in ALARM, no open incident, no stale backup, no switch on, DR replication within its bound',
    );
    expect(unread.notChecked).toEqual(['DR plan readiness (AccessDenied)']);
  });
});

describe('ops status deployment correlation', () => {
  const WINDOW_MS = 30 * 60_000;
  const deployment = (id: string, created: string) => ({ id, status: 'Succeeded', created });

  test('a deployment started 0 to 30 minutes before an onset is flagged; earlier, or after the onset, is not', () => {
    const incidents = [
      incident('inc-a', 'P1', '2026-11-29T10:00:00.000Z'),
      incident('inc-b', 'P2', '2026-11-30T08:00:00.000Z', 'resolved'),
    ];
    const result = correlateDeployments(
      [
        deployment('d-AT-ONSET', '2026-11-29T10:00:00.000Z'),
        deployment('d-30-MIN-BEFORE', '2026-11-29T09:30:00.000Z'),
        deployment('d-31-MIN-BEFORE', '2026-11-29T09:29:00.000Z'),
        deployment('d-AFTER', '2026-11-29T10:01:00.000Z'),
        deployment('d-BEFORE-B', '2026-11-30T07:45:00.000Z'),
      ],
      incidents,
      WINDOW_MS,
    );
    expect(result.map((d) => [d.id, d.correlatedIncidents])).toEqual([
      ['d-AT-ONSET', ['inc-a']],
      ['d-30-MIN-BEFORE', ['inc-a']],
      ['d-31-MIN-BEFORE', []],
      ['d-AFTER', []],
      ['d-BEFORE-B', ['inc-b']],
    ]);
  });

  test('one deployment can precede two incidents', () => {
    const result = correlateDeployments(
      [deployment('d-1', '2026-11-29T10:00:00Z')],
      [incident('inc-x', 'P2', '2026-11-29T10:10:00Z'), incident('inc-y', 'P1', '2026-11-29T10:20:00Z')],
      WINDOW_MS,
    );
    expect(result[0].correlatedIncidents).toEqual(['inc-x', 'inc-y']);
  });
});
