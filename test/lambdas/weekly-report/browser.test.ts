import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BrowserContext } from 'playwright-core';
import { PNG } from 'pngjs';
import { CHART_IDS, renderWeeklyHtml } from '../../../lambdas/weekly-report/html';
import { buildWeeklyReport } from '../../../lambdas/weekly-report/model';
import { openOfflinePage } from '../../helpers/browser';
import { inputs } from './fixtures';

/** Kept for a person to look at (.test-out/ is git-ignored). */
const SCREENSHOT = path.join(__dirname, '..', '..', '..', '.test-out', 'report', 'weekly-report.png');

jest.setTimeout(90_000);

/*
 * The weekly report's HTML in headless Chromium, as the resilience report's is (test/report/browser.test.ts): it
 * must show without any network request or script error, draw the four charts with the figures worked out by hand
 * in model.test.ts, and put ink on the screen (met bars green, missed bars red).
 */
describe('the weekly report HTML in headless Chromium', () => {
  let context: BrowserContext | undefined;
  afterAll(async () => {
    await context?.close();
  });

  test('four non-blank SVG charts with the week’s figures, offline, no script errors', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-weekly-html-'));
    const file = path.join(dir, '2026-W47.html');
    fs.writeFileSync(file, renderWeeklyHtml(buildWeeklyReport(inputs)));
    const opened = await openOfflinePage(file);
    context = opened.context;
    const { page, requests, errors } = opened;

    const charts = await page.evaluate(
      (ids) => {
        return ids.map((id) => {
          const svg = document.getElementById(id);
          const bars = svg ? Array.from(svg.querySelectorAll('rect.bar')) : [];
          return {
            title: svg?.getAttribute('aria-label'),
            bars: bars.map((b) => [
              b.getAttribute('data-series'),
              b.getAttribute('data-category'),
              Number(b.getAttribute('data-value')),
              b.getAttribute('fill'),
            ]),
            target: svg?.querySelector('line.target') !== null,
          };
        });
      },
      [...CHART_IDS],
    );
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(charts.map((c) => c.title)).toEqual([
      'Uptime per day (canary)',
      'Latency as % of target',
      '5xx responses per day',
      'Spend per day',
    ]);
    const green = '#2da44e';
    const red = '#cf222e';
    // Uptime per day: Tuesday 1,428 / 1,440 = 99.1667 % (under 99.9: red), every other day 100 % (green).
    expect(
      charts[0].bars.map(([, day, value, fill]) => [day, Math.round(Number(value) * 10_000) / 10_000, fill]),
    ).toEqual([
      ['Mon', 100, green],
      ['Tue', 99.1667, red],
      ['Wed', 100, green],
      ['Thu', 100, green],
      ['Fri', 100, green],
      ['Sat', 100, green],
      ['Sun', 100, green],
    ]);
    // Latency as % of target: 120 / 1,000 = 12 %, 900 / 3,000 = 30 %, 2,500 / 2,000 = 125 % (missed).
    expect(charts[1].bars.map(([, p, value, fill]) => [p, value, fill])).toEqual([
      ['p50', 12, green],
      ['p95', 30, green],
      ['p99', 125, red],
    ]);
    expect(charts[1].target).toBe(true);
    // 5xx per day: this week Monday 10, Tuesday 30 + 10; the week before Monday 20, Wednesday 40.
    const fiveXx = (series: string) => charts[2].bars.filter(([s]) => s === series).map(([, , v]) => v);
    expect(fiveXx('This week')).toEqual([10, 40, 0, 0, 0, 0, 0]);
    expect(fiveXx('Week before')).toEqual([20, 0, 40, 0, 0, 0, 0]);
    // Spend per day: 50 this week, 40 the week before; the budget line at 413.96 / 7 = 59.14 a day.
    const spend = (series: string) => charts[3].bars.filter(([s]) => s === series).map(([, , v]) => v);
    expect(spend('This week')).toEqual([50, 50, 50, 50, 50, 50, 50]);
    expect(spend('Week before')).toEqual([40, 40, 40, 40, 40, 40, 40]);
    expect(await page.locator('#chart-cost line.target + text').textContent()).toBe('budget/day $59.14');

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    const png = PNG.sync.read(await page.screenshot({ path: SCREENSHOT, fullPage: true }));
    for (const id of CHART_IDS) {
      const box = await page.locator(`#${id}`).boundingBox();
      expect(box).not.toBeNull();
      // Axes, labels and bars: a blank chart has no ink at all.
      expect(inked(png, box!)).toBeGreaterThan(0.02);
    }
    const availability = await page.locator('#chart-availability').boundingBox();
    expect(count(png, availability!, 0x2d, 0xa4, 0x4e)).toBeGreaterThan(500);
    expect(count(png, availability!, 0xcf, 0x22, 0x2e)).toBeGreaterThan(100);
  });
});

type Box = { x: number; y: number; width: number; height: number };

function pixels(png: PNG, box: Box, visit: (r: number, g: number, b: number) => void): number {
  let total = 0;
  for (let y = Math.floor(box.y); y < Math.min(png.height, box.y + box.height); y++) {
    for (let x = Math.floor(box.x); x < Math.min(png.width, box.x + box.width); x++) {
      const i = (png.width * y + x) * 4;
      visit(png.data[i], png.data[i + 1], png.data[i + 2]);
      total++;
    }
  }
  return total;
}

/** Share of non-white pixels in a box of the screenshot. */
function inked(png: PNG, box: Box): number {
  let ink = 0;
  const total = pixels(png, box, (r, g, b) => {
    if (r < 245 || g < 245 || b < 245) ink++;
  });
  return ink / total;
}

/** Pixels of one colour (within 12 per channel) in a box. */
function count(png: PNG, box: Box, red: number, green: number, blue: number): number {
  let n = 0;
  pixels(png, box, (r, g, b) => {
    if (Math.abs(r - red) < 12 && Math.abs(g - green) < 12 && Math.abs(b - blue) < 12) n++;
  });
  return n;
}
