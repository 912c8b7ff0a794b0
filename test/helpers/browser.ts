import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BrowserContext, Page, chromium } from 'playwright-core';

/**
 * A headless Chromium for the tests, found without a download and without root: `CHROMIUM_PATH`, a system
 * browser (Debian's `chromium`, which .ci/run installs when it can; CodeBuild's Chrome), or else the one that
 * `npm install` brings in `@sparticuz/chromium` (a compressed Chromium inside the package, unpacked to /tmp
 * on first use). So `npm test` needs nothing beyond `npm install`, on a machine with no browser at all.
 */
const SYSTEM_BROWSERS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Flags Chromium needs as root, headless, with no network (and no reason to reach for one). */
const HEADLESS_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  readonly executablePath: string;
  readonly args: string[];
  /** Where it came from, for a failure message a person can act on. */
  readonly source: 'CHROMIUM_PATH' | 'system' | '@sparticuz/chromium';
}

export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<Browser> {
  if (env.CHROMIUM_PATH) {
    if (!fs.existsSync(env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist`);
    return { executablePath: env.CHROMIUM_PATH, args: HEADLESS_ARGS, source: 'CHROMIUM_PATH' };
  }
  const system = SYSTEM_BROWSERS.find((candidate) => fs.existsSync(candidate));
  if (system) return { executablePath: system, args: HEADLESS_ARGS, source: 'system' };
  // The packaged build brings its own flags (single process, no zygote, its fonts) for a machine without a desktop.
  const packaged = (await import('@sparticuz/chromium')).default;
  const executablePath = await packaged.executablePath();
  const args = [...new Set([...packaged.args, ...HEADLESS_ARGS])];
  return { executablePath, args, source: '@sparticuz/chromium' };
}

export interface OfflinePage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every request other than the file itself: refused, and recorded here. */
  readonly requests: string[];
  /** Script errors the page raised. */
  readonly errors: string[];
}

/**
 * Opens a local HTML file in headless Chromium with no network: a page must show without fetching anything. A
 * missing browser is a failure, not a skip (findChromium throws), so the page never goes unchecked. The caller
 * closes `context`.
 */
export async function openOfflinePage(file: string): Promise<OfflinePage> {
  const browser = await findChromium();
  const context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-chromium-')), {
    executablePath: browser.executablePath,
    headless: true,
    args: browser.args,
    viewport: { width: 1000, height: 800 },
  });
  const page = await context.newPage();
  const requests: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file://')) return route.continue();
    requests.push(url);
    return route.abort();
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${file}`);
  return { context, page, requests, errors };
}
