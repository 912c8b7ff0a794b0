import { ChildProcess, spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { runsProgram } from './processes';
import { RUN_DIRECTORY_ENV } from './run-directory';

/**
 * A moto server (AWS APIs written by others) on 127.0.0.1, started and stopped by the test run, so the real SDK
 * speaks real HTTP to it. Usage:
 *   const moto = new MotoServer(); beforeAll(() => moto.start()); afterAll(() => moto.stop());
 *   new S3Client({ ...moto.clientConfig(), forcePathStyle: true })
 *
 * Within a jest run (the run directory test/helpers/global-setup.ts makes), one server per jest worker and server
 * environment serves every test file of that worker in turn: a worker runs its files one at a time, and `start()`
 * hands the server over empty (moto's reset), as a new server would be. A new moto_server costs about 0.5 s of CPU
 * to start and another 0.4-1.1 s for each AWS service's first request (moto imports its backend then; measured
 * here), and fourteen files start one. So two MotoServers of one file with the same environment are one server,
 * and the second `start()` empties it: a file that needs two servers at once gives them different environments.
 * Between runs nothing is shared: globalTeardown stops the run's servers (stopSharedMotoServers), and a server's
 * guard stops it when its worker exits in any other way.
 * Outside such a run (no run directory), each MotoServer starts its own server and `stop()` ends it.
 */
export class MotoServer {
  private process?: ChildProcess;
  port = 0;

  /**
   * @param environment extra variables for the server, such as MOTO_ACM_VALIDATION_WAIT (setting process.env in a
   * test file does not reach it: jest gives each test file its own copy of process.env); servers of different
   * environments are never shared
   */
  constructor(private readonly environment: Readonly<Record<string, string>> = {}) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  clientConfig(region = 'us-east-1') {
    return {
      endpoint: this.endpoint,
      region,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    };
  }

  async start(): Promise<void> {
    const registry = sharedRegistryFile(this.environment);
    if (registry) {
      const kept = readRegistry(registry);
      if (kept && (await answers(kept.port))) {
        this.port = kept.port;
        await this.reset();
        return;
      }
      if (kept) stopGuard(kept.guardPid);
      const guarded = await startServer(this.environment, 'guarded');
      this.port = guarded.port;
      // The guard outlives this test file (the next file of this worker reuses it): it must not hold the worker.
      guarded.process.unref();
      for (const stream of [guarded.process.stdin, guarded.process.stderr]) (stream as net.Socket | null)?.unref();
      writeRegistry(registry, { port: guarded.port, guardPid: guarded.process.pid! });
      return;
    }
    const own = await startServer(this.environment, 'own');
    this.process = own.process;
    this.port = own.port;
  }

  /** Forget all state between tests. */
  async reset(): Promise<void> {
    const response = await fetch(`${this.endpoint}/moto-api/reset`, { method: 'POST' });
    if (!response.ok) throw new Error(`moto reset answered ${response.status}`);
  }

  /** Ends a server this MotoServer started for itself; a run's shared server stays for the worker's next file. */
  async stop(): Promise<void> {
    if (!this.process || this.process.exitCode !== null) return;
    const exited = new Promise((resolve) => this.process!.once('exit', resolve));
    this.process.kill('SIGTERM');
    await exited;
  }
}

/** What a run directory keeps of one shared server: its port, and the pid of the guard that owns it. */
interface SharedMotoServer {
  readonly port: number;
  readonly guardPid: number;
}

const REGISTRY_PREFIX = 'moto-server-';

/** The registry file of this worker's server for `environment`, or undefined outside a jest run's directory. */
function sharedRegistryFile(environment: Readonly<Record<string, string>>): string | undefined {
  const root = process.env[RUN_DIRECTORY_ENV];
  if (!root) return undefined;
  const sorted = Object.fromEntries(Object.entries(environment).sort(([a], [b]) => (a < b ? -1 : 1)));
  const key = createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
  return path.join(root, `${REGISTRY_PREFIX}${process.pid}-${key}.json`);
}

function readRegistry(file: string): SharedMotoServer | undefined {
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SharedMotoServer;
}

function writeRegistry(file: string, server: SharedMotoServer): void {
  fs.writeFileSync(file, JSON.stringify(server));
}

/**
 * Stop every shared moto server recorded in a run directory and wait until each is gone (globalTeardown): the
 * guard ends its moto_server and waits for it before it exits itself.
 */
export async function stopSharedMotoServers(root: string): Promise<void> {
  if (!fs.existsSync(root)) return;
  const files = fs.readdirSync(root).filter((name) => name.startsWith(REGISTRY_PREFIX) && name.endsWith('.json'));
  const guards = files.map((name) => readRegistry(path.join(root, name))!.guardPid).filter(stopGuard);
  const deadline = Date.now() + 10_000;
  while (guards.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const name of files) fs.rmSync(path.join(root, name), { force: true });
}

/**
 * SIGTERM to a guard (true when sent), unless that pid now names another process: a guard whose worker ended has
 * gone already, and its pid may be reused by the time the run ends (processes.ts).
 */
function stopGuard(pid: number): boolean {
  if (!runsProgram(pid, GUARD_MARKER)) return false;
  try {
    process.kill(pid, 'SIGTERM');
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    return false;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs moto_server (argv[1] is its port) and stops it, waiting for it, when this guard's stdin ends (its jest
 * worker exited, however it ended) or the guard gets SIGTERM (globalTeardown); it exits with moto_server.
 */
const GUARD_MARKER = 'bulwark-moto-guard';
export const GUARD_SOURCE = `// ${GUARD_MARKER}
const { spawn } = require('child_process');
const server = spawn('moto_server', ['-H', '127.0.0.1', '-p', process.argv[1]], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
const stop = () => { if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM'); };
server.on('exit', (code) => process.exit(code ?? 0));
server.on('error', (error) => { console.error(String(error)); process.exit(1); });
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
`;

/**
 * A moto server on a free port, answering: either its own moto_server child (`own`, stopped by `stop()`), or a
 * node guard running one (`guarded`, stopped with the guard; see GUARD_SOURCE).
 */
async function startServer(
  environment: Readonly<Record<string, string>>,
  how: 'own' | 'guarded',
): Promise<{ process: ChildProcess; port: number }> {
  const port = await freePort();
  const env = { ...process.env, ...environment };
  const child =
    how === 'own'
      ? spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'], env })
      : spawn(process.execPath, ['-e', GUARD_SOURCE, String(port)], { stdio: ['pipe', 'ignore', 'pipe'], env });
  let stderr = '';
  const keep = (chunk: Buffer) => (stderr += String(chunk));
  child.stderr?.on('data', keep);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    if (await answers(port)) {
      // From here on moto's stderr is one line per request: read and dropped, so the pipe never fills.
      child.stderr?.off('data', keep).resume();
      return { process: child, port };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGTERM');
  throw new Error(`moto_server did not start within 20 s: ${stderr}`);
}

/** True when a moto server answers on the port (its management API). */
async function answers(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/moto-api/`, { signal: AbortSignal.timeout(5_000) });
    return response.ok;
  } catch {
    return false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
