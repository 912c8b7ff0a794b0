import { isoWeekOf, lastCompleteWeek, parseIsoWeek } from '../../../lambdas/weekly-report/week';

/* Expected weeks checked with GNU date (`date -u -d 2026-11-16 +%G-W%V` prints 2026-W47). */
describe('ISO weeks (UTC)', () => {
  test('2026-W47 is Monday 16 to Sunday 22 November 2026', () => {
    const week = parseIsoWeek('2026-W47');
    expect(new Date(week.start).toISOString()).toBe('2026-11-16T00:00:00.000Z');
    expect(new Date(week.end).toISOString()).toBe('2026-11-23T00:00:00.000Z');
  });

  test('the week of a time, across a year boundary: 31 Dec 2020 and 3 Jan 2021 are 2020-W53', () => {
    expect(isoWeekOf(Date.parse('2020-12-31T12:00:00Z')).label).toBe('2020-W53');
    expect(isoWeekOf(Date.parse('2021-01-03T23:59:59Z')).label).toBe('2020-W53');
    expect(isoWeekOf(Date.parse('2021-01-04T00:00:00Z')).label).toBe('2021-W01');
  });

  test('the default is the last complete week: on Monday 23 Nov 2026 at 06:00 it is 2026-W47', () => {
    expect(lastCompleteWeek(Date.parse('2026-11-23T06:00:00Z')).label).toBe('2026-W47');
    // Sunday 23:59 is still inside W47, so the last complete week is W46.
    expect(lastCompleteWeek(Date.parse('2026-11-22T23:59:00Z')).label).toBe('2026-W46');
  });

  test('2026 has 53 weeks, 2025 has 52; a week the year does not have or a bad label is refused by name', () => {
    expect(new Date(parseIsoWeek('2026-W53').start).toISOString()).toBe('2026-12-28T00:00:00.000Z');
    expect(() => parseIsoWeek('2025-W53')).toThrow('week "2025-W53" does not exist: 2025 has weeks 01 to 52');
    expect(() => parseIsoWeek('2026-47')).toThrow('week "2026-47" is not an ISO week; write it as YYYY-Www');
    expect(() => parseIsoWeek('2026-W00')).toThrow('2026 has weeks 01 to 53');
  });
});
