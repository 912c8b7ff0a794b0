import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BrowserContext } from 'playwright-core';
import { PNG } from 'pngjs';
import { loadConfig } from '../../config/load';
import { runReport } from '../../lib/report/run';
import { openOfflinePage } from '../helpers/browser';

/** Where the screenshot is kept for a person to look at (.test-out/ is git-ignored). */
const SCREENSHOT = path.join(__dirname, '..', '..', '.test-out', 'report', 'resilience-report.png');

const FIXTURE = path.join(__dirname, 'fixtures', 'assembly');
const CONFIG = path.join(__dirname, 'fixtures', 'fixture.config.ts');

jest.setTimeout(90_000);

describe('the HTML report in headless Chromium', () => {
  let context: BrowserContext | undefined;
  afterAll(async () => {
    await context?.close();
  });

  test('renders one non-blank chart per environment with the expected labels, offline', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-report-html-'));
    const { files } = runReport({ cdkOut: FIXTURE, configPath: CONFIG, config: loadConfig(CONFIG), outDir: out });
    const opened = await openOfflinePage(files.html);
    context = opened.context;
    const { page, requests, errors } = opened;
    await page.waitForSelector('body[data-charts-rendered="4"]', { timeout: 20_000 });
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);

    const charts = await page.evaluate(() => {
      const chartGlobal = (
        window as unknown as {
          Chart: {
            getChart(id: string):
              | {
                  data: { labels: string[][]; datasets: { label: string; data: (number | null)[] }[] };
                  options: { plugins: { title: { text: string } } };
                }
              | undefined;
          };
        }
      ).Chart;
      return ['Dev', 'Staging', 'Prod', 'DrRegion'].map((env) => {
        const chart = chartGlobal.getChart(`chart-${env}`);
        return (
          chart && {
            title: chart.options.plugins.title.text,
            labels: chart.data.labels,
            datasets: chart.data.datasets.map((d) => ({ label: d.label, data: d.data })),
          }
        );
      });
    });
    expect(charts.map((c) => c?.title)).toEqual([
      'Dev: worst case as % of target',
      'Staging: worst case as % of target',
      'Prod: worst case as % of target',
      "DrRegion: worst case as % of target (Prod's targets)",
    ]);
    const prod = charts[2]!;
    expect(prod.labels).toEqual([
      // The fixture's canary alarm (3 x 10 s + 28 s lag + 20 s + 10 s) and it + 60 s CodeDeploy polling (cli.test.ts).
      ['Detection, slowest P1', '88 s of 180 s (3 min)'],
      ['Alarm breach to rollback start', '148 s (2.5 min) of 300 s (5 min)'],
      ['RPO, worst data store', '15 min of 15 min'],
      ['RTO, regional failover', '36.8 min of 60 min'],
    ]);
    expect(prod.datasets).toEqual([
      { label: 'Worst case (% of target)', data: [48.9, 49.3, 100, 61.3] },
      { label: 'Target (100 %)', data: [100, 100, 100, 100] },
    ]);
    expect(charts[0]!.labels[3]).toEqual(['RTO, regional failover', 'not assessed']);
    expect(charts[0]!.datasets[0].data[3]).toBeNull();

    // The Readiness section: one block per environment of the config, its score as the seeds write it.
    const readiness = await page.evaluate(() =>
      (Array.from(document.querySelectorAll('#readiness section.readiness')) as HTMLElement[]).map((s) => ({
        id: s.id,
        score: s.dataset.score,
        heading: s.querySelector('h3')!.textContent,
        checks: Object.fromEntries(
          (Array.from(s.querySelectorAll('tr[data-check]')) as HTMLElement[]).map((row) => [
            row.dataset.check,
            row.dataset.status,
          ]),
        ),
      })),
    );
    expect(readiness.map((r) => r.id)).toEqual(['readiness-Dev', 'readiness-Staging', 'readiness-Prod']);
    for (const r of readiness) {
      expect(r.score).toMatch(/^\d{1,3}\.\d\d$/);
      // The fixture config's threshold is 0 (fixture.config.ts): every environment is a go.
      expect(r.heading).toContain(`${r.score}/100, GO (threshold 0)`);
      expect(Object.keys(r.checks)).toHaveLength(72);
    }
    const [devReadiness, , prodReadiness] = readiness;
    // The fixture's Prod (tier 1) has no listener at all; Dev (tier 3, no certificate) need not serve HTTPS.
    expect(prodReadiness.checks['security/https-listeners']).toBe('fail');
    expect(devReadiness.checks['security/https-listeners']).toBe('not-applicable');
    // The restore runbooks are the repository's own, complete.
    expect(prodReadiness.checks['runbooks/restore']).toBe('pass');
    expect(await page.locator('#readiness-Prod h3').isVisible()).toBe(true);

    // The Parity section: lib/parity's comparison. The fixture's load balancer (Alb) is in Prod only.
    const parity = page.locator('#parity');
    expect(await parity.isVisible()).toBe(true);
    expect(Number(await parity.getAttribute('data-unexplained'))).toBeGreaterThan(0);
    expect(await parity.locator('pre').textContent()).toContain(
      'FAIL resources: (no path) Alb AWS::ElasticLoadBalancingV2::LoadBalancer [Dev 0, Staging 0, Prod 1]',
    );

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    for (const env of ['Dev', 'Staging', 'Prod', 'DrRegion']) {
      const chart = page.locator(`#chart-${env}`);
      const box = await chart.boundingBox();
      expect(box).not.toBeNull();
      // The chart's own pixels, not a crop of the full page: under jest, pngjs decoded the 1323x19977 page in about
      // 17 s (0.8 s in plain node); four chart-sized images take well under a second, and hold the same pixels.
      const png = PNG.sync.read(await chart.screenshot());
      const { inked, green } = inspect(png, { x: 0, y: 0, width: png.width, height: png.height });
      // Axes, labels and bars: a blank canvas has no ink at all; bars of met targets are green.
      expect(inked).toBeGreaterThan(0.02);
      expect(green).toBeGreaterThan(500);
    }
  });
});

/** Share of non-white pixels in a box of the screenshot, and the count of the "met" bar colour (#2da44e). */
function inspect(
  png: PNG,
  box: { x: number; y: number; width: number; height: number },
): { inked: number; green: number } {
  let inked = 0;
  let green = 0;
  let total = 0;
  for (let y = Math.floor(box.y); y < Math.min(png.height, box.y + box.height); y++) {
    for (let x = Math.floor(box.x); x < Math.min(png.width, box.x + box.width); x++) {
      const i = (png.width * y + x) * 4;
      const [r, g, b] = [png.data[i], png.data[i + 1], png.data[i + 2]];
      total++;
      if (r < 245 || g < 245 || b < 245) inked++;
      if (Math.abs(r - 0x2d) < 12 && Math.abs(g - 0xa4) < 12 && Math.abs(b - 0x4e) < 12) green++;
    }
  }
  return { inked: inked / total, green };
}
