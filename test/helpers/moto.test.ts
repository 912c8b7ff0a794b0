import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { freePort, GUARD_SOURCE, isAlive, MotoServer, stopSharedMotoServers } from './moto';
import { RUN_DIRECTORY_ENV } from './run-directory';

const moto = new MotoServer();
beforeAll(() => moto.start(), 30_000);
afterAll(() => moto.stop());

const s3Of = (server: MotoServer) => new S3Client({ ...server.clientConfig(), forcePathStyle: true });
const bucketsOf = async (server: MotoServer) =>
  ((await s3Of(server).send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name);

async function answers(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/moto-api/`)).ok;
  } catch {
    return false;
  }
}

test('the moto server on 127.0.0.1 answers the real SDK over HTTP', async () => {
  expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const s3 = s3Of(moto);
  await s3.send(new CreateBucketCommand({ Bucket: 'probe' }));
  await s3.send(new PutObjectCommand({ Bucket: 'probe', Key: 'k', Body: 'v' }));
  const got = await s3.send(new GetObjectCommand({ Bucket: 'probe', Key: 'k' }));
  expect(await got.Body!.transformToString()).toBe('v');
});

describe("within a jest run, one server per worker and environment serves the worker's files in turn", () => {
  test("the next file's MotoServer gets this worker's server, empty as a new one", async () => {
    await s3Of(moto).send(new CreateBucketCommand({ Bucket: 'left-by-an-earlier-file' }));
    await moto.stop();
    expect(await answers(moto.port)).toBe(true);
    const next = new MotoServer();
    await next.start();
    expect(next.port).toBe(moto.port);
    expect(await bucketsOf(next)).toEqual([]);
  });

  test('a server of another environment is its own; the run directory lists it until teardown stops it', async () => {
    const runRoot = process.env[RUN_DIRECTORY_ENV];
    const otherRun = fs.mkdtempSync(path.join(os.tmpdir(), 'moto-run-'));
    process.env[RUN_DIRECTORY_ENV] = otherRun;
    try {
      const other = new MotoServer({ MOTO_ACM_VALIDATION_WAIT: '0' });
      await other.start();
      expect(other.port).not.toBe(moto.port);
      const listed = fs.readdirSync(otherRun);
      expect(listed).toHaveLength(1);
      const { port, guardPid } = JSON.parse(fs.readFileSync(path.join(otherRun, listed[0]), 'utf8'));
      expect(port).toBe(other.port);
      expect(isAlive(guardPid)).toBe(true);

      await stopSharedMotoServers(otherRun);
      expect(isAlive(guardPid)).toBe(false);
      expect(await answers(other.port)).toBe(false);
      expect(fs.readdirSync(otherRun)).toEqual([]);
    } finally {
      process.env[RUN_DIRECTORY_ENV] = runRoot;
      fs.rmSync(otherRun, { recursive: true, force: true });
    }
  });

  test('teardown leaves alone a recorded pid now naming another process (a guard gone, its pid reused)', async () => {
    const otherRun = fs.mkdtempSync(path.join(os.tmpdir(), 'moto-run-'));
    const bystander = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const registry = path.join(otherRun, `moto-server-${process.pid}-reused.json`);
      fs.writeFileSync(registry, JSON.stringify({ port: 1, guardPid: bystander.pid }));
      await stopSharedMotoServers(otherRun);
      expect(isAlive(bystander.pid!)).toBe(true);
      expect(fs.readdirSync(otherRun)).toEqual([]);
    } finally {
      bystander.kill('SIGKILL');
      fs.rmSync(otherRun, { recursive: true, force: true });
    }
  });

  test("the guard stops its moto_server when its worker goes (its stdin ends) without the run's teardown", async () => {
    const port = await freePort();
    const guard = spawn(process.execPath, ['-e', GUARD_SOURCE, String(port)], { stdio: ['pipe', 'ignore', 'ignore'] });
    const exited = new Promise<number | null>((resolve) => guard.once('exit', resolve));
    const deadline = Date.now() + 20_000;
    while (!(await answers(port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await answers(port)).toBe(true);
    guard.stdin!.end();
    try {
      const stillRunning = new Promise((resolve) =>
        setTimeout(() => resolve('still running after 10 s'), 10_000).unref(),
      );
      expect(await Promise.race([exited, stillRunning])).toBe(0);
      expect(await answers(port)).toBe(false);
    } finally {
      if (guard.exitCode === null) guard.kill('SIGTERM');
    }
  });
});
