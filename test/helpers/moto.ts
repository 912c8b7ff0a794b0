import { ChildProcess, spawn } from 'child_process';
import * as net from 'net';

/**
 * A moto server (AWS APIs written by others) on 127.0.0.1, started and stopped by the test file, so
 * the real SDK speaks real HTTP to it. Usage:
 *   const moto = new MotoServer(); beforeAll(() => moto.start()); afterAll(() => moto.stop());
 *   new S3Client({ ...moto.clientConfig(), forcePathStyle: true })
 */
export class MotoServer {
  private process?: ChildProcess;
  port = 0;

  /**
   * @param environment extra variables for the server, such as MOTO_ACM_VALIDATION_WAIT (setting process.env in a
   * test file does not reach it: jest gives each test file its own copy of process.env)
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
    this.port = await freePort();
    this.process = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(this.port)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...this.environment },
    });
    let stderr = '';
    this.process.stderr?.on('data', (chunk) => (stderr += String(chunk)));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (this.process.exitCode !== null) throw new Error(`moto_server exited (${this.process.exitCode}): ${stderr}`);
      try {
        const response = await fetch(`${this.endpoint}/moto-api/`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`moto_server did not start within 20 s: ${stderr}`);
  }

  /** Forget all state between tests. */
  async reset(): Promise<void> {
    await fetch(`${this.endpoint}/moto-api/reset`, { method: 'POST' });
  }

  async stop(): Promise<void> {
    if (!this.process || this.process.exitCode !== null) return;
    const exited = new Promise((resolve) => this.process!.once('exit', resolve));
    this.process.kill('SIGTERM');
    await exited;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
