import { spawn } from 'child_process';
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { pollSync } from './poll';
import { runsProgram } from './processes';
import { RUN_DIRECTORY_ENV } from './run-directory';

/**
 * One long-lived synth process per jest worker (test/helpers/synth-server-main.ts), which synthesizes every shared
 * variant of the app that worker claims (shared-assembly.ts's default, drill and switchover, and app.ts's variants
 * keyed by config), one after another, each into its own directory with a fresh App.
 *
 * Why: a whole-app synth costs 3.8-3.9 s of CPU in a jest worker and 3.2-3.5 s in a fresh node process, but about
 * 1.6 s as the second synth of the same process; about half of each synth is loading aws-cdk-lib and the app and
 * warming the JIT (docs/performance.md, "Test time, third round"). A process per worker pays that once per worker.
 * Per worker rather than one per run: a worker blocks while its synth runs, so with one process the other worker's
 * request would queue behind it and leave a core idle (measured: docs/performance.md, "Test time, fourth round").
 *
 * The process starts on a worker's first request (a run of unit tests alone never starts one). Requests and answers
 * are files in its directory in the run directory (global-setup.ts): the caller writes a request, then blocks with
 * `Atomics.wait` until the answer appears, as `waitForMarker` does, since synthBulwark is synchronous. The process
 * ends when its worker goes (its stdin, a pipe from the worker, ends) or when the run directory is removed
 * (global-teardown.ts).
 */

/** What the synth process is asked to make: a shared variant by name, or an app of this config, options, context. */
export type SynthRequest =
  | { readonly variant: string }
  | {
      readonly app: {
        readonly config: unknown;
        readonly options: object;
        readonly context: Record<string, unknown>;
      };
    };

/** The request file the process reads: the request and the directory to synthesize it into. */
export interface SynthRequestFile {
  readonly request: SynthRequest;
  readonly outdir: string;
}

/** The answer file the process writes for a request: done, or the synth's own error (its stack). */
export type SynthAnswer = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** Written into the process's argv, so a pid read back from its file is known to be this program still. */
export const SYNTH_SERVER_MARKER = 'bulwark-synth-server';
export const REQUESTS = 'requests';
export const ANSWERS = 'answers';
const MAIN = path.join(__dirname, 'synth-server-main.ts');
const PID_FILE = 'pid';
const LOG_FILE = 'server.log';
const POLL_MS = 20;
const WAIT_LIMIT_MS = 15 * 60_000;

/**
 * Synthesize `request` into `outdir` in this worker's synth process and return once it is there; throws with the
 * synth's own error text when it failed, or with the process's log when the process ended first. Undefined outside
 * a jest run that set up the run directory (the caller then synthesizes in its own process).
 */
export function synthInServer(request: SynthRequest, outdir: string, what: string): true | undefined {
  const root = process.env[RUN_DIRECTORY_ENV];
  if (!root) return undefined;
  requestSynth(workerServer(root), request, outdir, what);
  return true;
}

/** Have `server` synthesize `request` into `outdir`; returns when done, throws as synthInServer does. */
export function requestSynth(server: RunningServer, request: SynthRequest, outdir: string, what: string): void {
  awaitSynth(queueSynth(server, request, outdir), what);
}

/** A request written for `server`, not yet answered: awaitSynth waits for it. */
export interface QueuedSynth {
  readonly server: RunningServer;
  readonly answerFile: string;
}

/** Ask `server` for a synth without waiting (several processes can then work side by side). */
export function queueSynth(server: RunningServer, request: SynthRequest, outdir: string): QueuedSynth {
  // Named in the order asked (a process answers its requests in name order), monotonic across this worker's files.
  const name = `${String(process.hrtime.bigint()).padStart(20, '0')}-${randomUUID()}.json`;
  writeAtomically(path.join(server.dir, REQUESTS, name), JSON.stringify({ request, outdir }));
  return { server, answerFile: path.join(server.dir, ANSWERS, name) };
}

/** Block until a queued synth is answered; throws with the synth's own error, or the log of a process that ended. */
export function awaitSynth({ server, answerFile }: QueuedSynth, what: string): void {
  const answer = waitForAnswer(server, answerFile, what);
  if (!answer.ok) throw new Error(`${what} failed:\n${answer.error}`);
}

export interface RunningServer {
  /** Its directory: requests/, answers/, its pid and its log. */
  readonly dir: string;
  readonly pid: number;
}

/** This worker's synth process: the one its directory names while that pid still runs this program, else a new one. */
export function workerServer(root: string): RunningServer {
  const dir = path.join(root, `synth-server-${process.pid}`);
  const pidFile = path.join(dir, PID_FILE);
  if (fs.existsSync(pidFile)) {
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    if (isSynthServer(pid)) return { dir, pid };
  }
  return startServer(dir);
}

/** A new synth process serving `dir`; it ends when this process does, or when `dir/requests` is removed. */
export function startServer(dir: string): RunningServer {
  const pidFile = path.join(dir, PID_FILE);
  fs.mkdirSync(path.join(dir, REQUESTS), { recursive: true });
  fs.mkdirSync(path.join(dir, ANSWERS), { recursive: true });
  // The log is a file, not a pipe: this worker reads nothing while it blocks, and a full pipe would stall the synth.
  const log = fs.openSync(path.join(dir, LOG_FILE), 'a');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, dir, SYNTH_SERVER_MARKER], {
      stdio: ['pipe', 'ignore', log],
    });
    // The process outlives this test file (the worker's next file reuses it): it must not hold the worker open.
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    writeAtomically(pidFile, String(child.pid));
    return { dir, pid: child.pid! };
  } finally {
    fs.closeSync(log);
  }
}

function waitForAnswer(server: RunningServer, answerFile: string, what: string): SynthAnswer {
  const answered = (): SynthAnswer | undefined => {
    if (!fs.existsSync(answerFile)) return undefined;
    const answer = JSON.parse(fs.readFileSync(answerFile, 'utf8')) as SynthAnswer;
    fs.rmSync(answerFile, { force: true });
    return answer;
  };
  const answer = pollSync(
    () => {
      const found = answered();
      if (found || isSynthServer(server.pid)) return found;
      // It may have answered just before it ended.
      const last = answered();
      if (last) return last;
      throw new Error(`${what} failed: the synth process ${server.pid} ended first. Its log:\n${logTail(server.dir)}`);
    },
    WAIT_LIMIT_MS,
    POLL_MS,
  );
  if (!answer) throw new Error(`${what} did not end in ${WAIT_LIMIT_MS / 60_000} min`);
  return answer;
}

/** True while `pid` runs this program (and not another that got its pid: processes.ts). */
export function isSynthServer(pid: number): boolean {
  return runsProgram(pid, SYNTH_SERVER_MARKER);
}

function logTail(dir: string): string {
  const file = path.join(dir, LOG_FILE);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').slice(-4000) : '(no log)';
}

/** Write through a temporary name and rename: a reader never sees half a file. */
export function writeAtomically(file: string, text: string): void {
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, text);
  fs.renameSync(partial, file);
}
