import * as fs from 'fs';

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
