import { renderWeeklyMarkdown } from '../../../lambdas/weekly-report/markdown';
import { buildWeeklyReport } from '../../../lambdas/weekly-report/model';
import { inputs } from './fixtures';

/*
 * The weekly report's figures from hand-written inputs; every expected number is worked out in the comment
 * beside it, never taken from the code under test.
 */
describe('weekly report model (hand-computed figures)', () => {
  const report = buildWeeklyReport(inputs);

  test('availability: 12 failed minutes of 10,020 measured, 60 silent minutes', () => {
    // 10,080 minutes in a week, 60 without data: 10,020 measured; up 10,008; 100 x 10,008 / 10,020 = 99.88024 %.
    expect(report.availability).toMatchObject({
      downtimeMinutes: 12,
      measuredMinutes: 10020,
      noDataMinutes: 60,
      targetPercent: 99.9,
      met: false,
    });
    const a = report.availability as unknown as {
      uptimePercent: number;
      daily: { date: string; uptimePercent: number }[];
    };
    expect(a.uptimePercent).toBeCloseTo(99.88024, 5);
    // Tuesday: 1,428 of 1,440 minutes up = 99.16667 %; Sunday: 1,380 measured, all up = 100 %.
    expect(a.daily[1].date).toBe('2026-11-17');
    expect(a.daily[1].uptimePercent).toBeCloseTo(99.16667, 5);
    expect(a.daily[6]).toEqual({ date: '2026-11-22', uptimePercent: 100 });
  });

  test('incidents by severity: MTTD and MTTR means, open ones counted but not in MTTR', () => {
    // P1 inc-a: detected 60 s after onset, resolved 1,260 s after. P2 inc-b: 180 s and 1,980 s; P2 inc-c: 120 s, open.
    expect(report.incidents).toMatchObject({
      total: 3,
      bySeverity: [
        { severity: 'P1', count: 1, open: 0, mttdSeconds: 60, mttrSeconds: 1260 },
        { severity: 'P2', count: 2, open: 1, mttdSeconds: 150, mttrSeconds: 1980 },
      ],
    });
    const list = (report.incidents as unknown as { list: { id: string }[] }).list;
    expect(list.map((i) => i.id)).toEqual(['inc-a', 'inc-b', 'inc-c']);
  });

  test('latency against the targets: p99 2,500 ms misses 2,000 ms', () => {
    expect(report.latency).toEqual([
      { name: 'p50', ms: 120, targetMs: 1000, met: true },
      { name: 'p95', ms: 900, targetMs: 3000, met: true },
      { name: 'p99', ms: 2500, targetMs: 2000, met: false },
    ]);
  });

  test('5xx against the week before: 50 vs 60 is -16.67 %', () => {
    const errors = report.errors as { total5xx: number; previousWeek5xx: number; changePercent: number };
    expect(errors.total5xx).toBe(50);
    expect(errors.previousWeek5xx).toBe(60);
    expect(errors.changePercent).toBeCloseTo(-16.6667, 4);
  });

  test('spend against the week share of the monthly budget, trend, largest line item', () => {
    // 1,800 x 7 / 30.4375 = 413.96304; 350 / 413.96304 = 84.5486 %; (350 - 280) / 280 = +25 %.
    const cost = report.cost as Record<string, unknown>;
    expect(cost.weekSpend).toBe(350);
    expect(cost.previousWeekSpend).toBe(280);
    expect(cost.changePercent).toBe(25);
    expect(cost.weeklyBudget).toBeCloseTo(413.96304, 5);
    expect(cost.percentOfBudget).toBeCloseTo(84.5486, 4);
    expect(cost.largest).toEqual({ service: 'Amazon Elastic Container Service', amount: 200 });
  });

  test('deployments: 3, 2 succeeded, 1 failed and rolled back (the rollback is itself a deployment)', () => {
    expect(report.deployments).toMatchObject({ total: 3, succeeded: 2, failed: 1, stopped: 0, rolledBack: 1 });
  });

  test('action items: every incident still open, oldest first', () => {
    expect(report.actionItems).toEqual([
      'Resolve inc-old (P2, orders-prod-backup-stale-vault): open since 2026-11-10T01:15:00.000Z, ' +
        'acknowledged 2026-11-10T02:00:00.000Z',
      'Resolve inc-c (P2, orders-prod-db-cpu-high): open since 2026-11-21T23:52:00.000Z, not acknowledged',
    ]);
  });

  test('the Markdown reads like the seeds’ report', () => {
    const md = renderWeeklyMarkdown(report);
    expect(md).toContain('# Weekly ops report: orders Prod, 2026-W47');
    expect(md).toContain('2026-11-16 to 2026-11-22 (UTC)');
    expect(md).toContain('- Uptime: 99.88 % (target 99.9 %): MISSED');
    expect(md).toContain('- Downtime: 12 min');
    expect(md).toContain('- Incidents: 1 P1, 2 P2');
    expect(md).toContain('| P2 | 2 | 1 | 2.5 min | 33 min |');
    expect(md).toContain('- p99: 2500 ms (target 2000 ms: MISSED)');
    expect(md).toContain('- 5xx responses: 50 (week before: 60, -16.7 %)');
    expect(md).toContain('| 68 | `TimeoutError calling <*> after <*> ms` |');
    expect(md).toContain('- Spend: $350.00 (budget $413.96/week from $1,800.00/month): 84.5 %');
    expect(md).toContain('- Trend: +25.0 % from last week ($280.00)');
    expect(md).toContain('- 3 deployments: 2 succeeded, 1 failed, 0 stopped, 1 rolled back');
    expect(md).toContain('- [ ] Resolve inc-c (P2, orders-prod-db-cpu-high)');
  });

  test('a section that could not be read says why, the rest stands', () => {
    const partial = buildWeeklyReport({ ...inputs, cost: { unknown: 'AccessDeniedException: not authorized' } });
    expect(partial.cost).toEqual({ unknown: 'AccessDeniedException: not authorized' });
    expect(renderWeeklyMarkdown(partial)).toContain('## Cost\nNot available: AccessDeniedException: not authorized');
    expect(partial.incidents).toEqual(report.incidents);
  });
});
