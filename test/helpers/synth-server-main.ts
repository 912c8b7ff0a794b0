import * as fs from 'fs';
import * as path from 'path';
import type { ResolvedConfig } from '../../config';
import type { BulwarkAppOptions } from '../../lib/app';
import type { SharedVariant } from './shared-assembly';
import { ANSWERS, REQUESTS, SynthAnswer, SynthRequestFile, writeAtomically } from './synth-server';

/**
 * The long-lived synth process of one jest worker (see synth-server.ts):
 *   node --import tsx test/helpers/synth-server-main.ts <its directory> bulwark-synth-server
 * It answers each request file in <dir>/requests, oldest first, with <dir>/answers/<same name>. Each synth builds a
 * fresh App from the request alone; what it keeps between synths is what any process keeps between two Apps
 * (aws-cdk-lib and the app's modules, and lib/'s per-process memos, none of which depends on the config:
 * synth-server.test.ts compares templates with a fresh process's, byte for byte).
 */
export function serve(dir: string): void {
  const requests = path.join(dir, REQUESTS);
  let busy = false;
  const answerAll = async () => {
    if (busy) return;
    busy = true;
    try {
      for (;;) {
        const next = pendingRequests(requests)[0];
        if (!next) break;
        const file = path.join(requests, next);
        const { request, outdir } = JSON.parse(fs.readFileSync(file, 'utf8')) as SynthRequestFile;
        writeAtomically(path.join(dir, ANSWERS, next), JSON.stringify(await answer(request, outdir)));
        fs.rmSync(file, { force: true });
      }
    } finally {
      busy = false;
    }
  };
  // Stop when the worker goes (its end of the stdin pipe closes) or when the run directory is removed.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
  const watcher = fs.watch(requests, () => {
    if (!fs.existsSync(requests)) process.exit(0);
    void answerAll();
  });
  watcher.on('error', () => process.exit(0));
  // A request written before the watch began is answered now; the slow poll is a backstop for a missed event.
  void answerAll();
  setInterval(() => {
    if (!fs.existsSync(requests)) process.exit(0);
    void answerAll();
  }, 1_000);
}

function pendingRequests(requests: string): string[] {
  if (!fs.existsSync(requests)) process.exit(0);
  return fs
    .readdirSync(requests)
    .filter((name) => name.endsWith('.json'))
    .sort();
}

/**
 * The app's modules (aws-cdk-lib among them), loaded on the first request: a process whose worker goes before it
 * asks for anything pays nothing.
 */
let synthesizers: Promise<[typeof import('./app'), typeof import('./shared-assembly')]> | undefined;

async function answer(request: SynthRequestFile['request'], outdir: string): Promise<SynthAnswer> {
  try {
    const [{ synthKeyedApp }, { SHARED_VARIANTS, synthSharedVariant }] = await (synthesizers ??= Promise.all([
      import('./app'),
      import('./shared-assembly'),
    ]));
    if ('variant' in request) {
      if (!(request.variant in SHARED_VARIANTS)) throw new Error(`no shared variant ${request.variant}`);
      synthSharedVariant(request.variant as SharedVariant, outdir);
    } else {
      const { config, options, context } = request.app;
      synthKeyedApp(config as ResolvedConfig, options as BulwarkAppOptions, context, outdir);
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

if (require.main === module) {
  const [dir] = process.argv.slice(2);
  if (!dir || !fs.existsSync(path.join(dir, REQUESTS))) {
    console.error('usage: synth-server-main.ts <directory holding requests/ and answers/> bulwark-synth-server');
    process.exit(2);
  }
  serve(dir);
}
