/**
 * ISO 8601 weeks in UTC: a week runs Monday 00:00 to the next Monday 00:00, and week 1 of a year is the week
 * holding that year's 4 January (so its Thursday is in that year). `2026-W48` is 23-29 November 2026.
 */
export interface IsoWeek {
  /** `YYYY-Www`. */
  readonly label: string;
  /** Monday 00:00 UTC, epoch milliseconds (inclusive). */
  readonly start: number;
  /** The next Monday 00:00 UTC (exclusive). */
  readonly end: number;
}

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;
const WEEK_PATTERN = /^(\d{4})-W(\d{2})$/;

/** Monday 00:00 UTC of the ISO week holding `time`. */
export function mondayOf(time: number): number {
  const midnight = Math.floor(time / DAY_MS) * DAY_MS;
  const daysSinceMonday = (new Date(midnight).getUTCDay() + 6) % 7;
  return midnight - daysSinceMonday * DAY_MS;
}

function week1Monday(year: number): number {
  return mondayOf(Date.UTC(year, 0, 4));
}

/** The ISO week holding `time`. */
export function isoWeekOf(time: number): IsoWeek {
  const start = mondayOf(time);
  // The week belongs to the year of its Thursday.
  const year = new Date(start + 3 * DAY_MS).getUTCFullYear();
  const number = Math.round((start - week1Monday(year)) / WEEK_MS) + 1;
  return { label: `${year}-W${String(number).padStart(2, '0')}`, start, end: start + WEEK_MS };
}

/** `2026-W48` -> the week; a malformed label or a week the year does not have is an error that says so. */
export function parseIsoWeek(label: string): IsoWeek {
  const match = WEEK_PATTERN.exec(label);
  if (!match) throw new Error(`week "${label}" is not an ISO week; write it as YYYY-Www, e.g. 2026-W48`);
  const year = Number(match[1]);
  const number = Number(match[2]);
  const weeksInYear = isoWeekOf(Date.UTC(year, 11, 28)).label.endsWith('W53') ? 53 : 52;
  if (number < 1 || number > weeksInYear) {
    throw new Error(`week "${label}" does not exist: ${year} has weeks 01 to ${weeksInYear}`);
  }
  const start = week1Monday(year) + (number - 1) * WEEK_MS;
  return { label, start, end: start + WEEK_MS };
}

/** The last complete ISO week before `now` (the one before the week `now` is in). */
export function lastCompleteWeek(now: number): IsoWeek {
  return isoWeekOf(mondayOf(now) - WEEK_MS);
}

/** `2026-11-23` for a UTC day. */
export function utcDate(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}
