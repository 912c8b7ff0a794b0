/**
 * Longest gap, in minutes, between consecutive runs of an AWS schedule expression: `rate(n unit)` or
 * the six-field `cron(minutes hours day-of-month month day-of-week year)` that AWS Backup and
 * EventBridge use. Returns undefined for what it cannot read exactly (L, W, #, specific years): the
 * report then says "not assessed" rather than guess.
 */
export function scheduleIntervalMinutes(expression: string): number | undefined {
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (rate) {
    const n = Number(rate[1]);
    return rate[2].startsWith('minute') ? n : rate[2].startsWith('hour') ? n * 60 : n * 1440;
  }
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (!cron) return undefined;
  const fields = cron[1].trim().split(/\s+/);
  if (fields.length !== 6) return undefined;
  const [min, hour, dom, month, dow, year] = fields;
  if (year !== '*') return undefined;
  const minutes = expand(min, 0, 59);
  const hours = expand(hour, 0, 23);
  const days = dom === '?' ? undefined : expand(dom, 1, 31);
  const months = expand(month, 1, 12, MONTHS);
  const weekdays = dow === '?' ? undefined : expand(dow, 1, 7, WEEKDAYS);
  if (!minutes || !hours || !months || (dom !== '?' && !days) || (dow !== '?' && !weekdays)) return undefined;

  // Walk two years of UTC days: long enough for monthly and yearly schedules to repeat.
  const runs: number[] = [];
  const start = Date.UTC(2027, 0, 1);
  for (let d = 0; d < 731; d++) {
    const day = new Date(start + d * 86_400_000);
    if (!months.has(day.getUTCMonth() + 1)) continue;
    const domOk = !days || days.has(day.getUTCDate());
    const dowOk = !weekdays || weekdays.has(day.getUTCDay() + 1);
    if (!(domOk && dowOk)) continue;
    for (const h of [...hours].sort((a, b) => a - b))
      for (const m of [...minutes].sort((a, b) => a - b)) runs.push(d * 1440 + h * 60 + m);
  }
  if (runs.length < 2) return undefined;
  let gap = 0;
  for (let i = 1; i < runs.length; i++) gap = Math.max(gap, runs[i] - runs[i - 1]);
  return gap;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function expand(field: string, lo: number, hi: number, names: string[] = []): Set<number> | undefined {
  const out = new Set<number>();
  const value = (s: string): number | undefined => {
    const i = names.indexOf(s.toUpperCase());
    if (i >= 0) return i + lo;
    return /^\d+$/.test(s) ? Number(s) : undefined;
  };
  for (const part of field.split(',')) {
    const m = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(part);
    if (!m) return undefined;
    const step = m[2] ? Number(m[2]) : 1;
    let from = lo;
    let to = hi;
    if (m[1] !== '*') {
      const [a, b] = m[1].split('-');
      const va = value(a);
      const vb = b === undefined ? (m[2] ? hi : va) : value(b);
      if (va === undefined || vb === undefined) return undefined;
      from = va;
      to = vb;
    }
    if (from < lo || to > hi || step < 1) return undefined;
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}
