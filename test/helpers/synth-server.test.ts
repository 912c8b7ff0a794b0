import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { validateConfig } from '../../config';
import { defaultConfig, synthBulwark } from './app';
import { withEnv } from './config';
import { pollSync } from './poll';
import { RUN_DIRECTORY_ENV } from './run-directory';
import { awaitSynth, isSynthServer, queueSynth, requestSynth, startServer, SynthRequest } from './synth-server';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-server-test-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Every file the synth writes at the top of its cloud assembly (templates, manifest, tree, asset manifests). */
function assemblyFiles(dir: string): Map<string, Buffer> {
  const names = fs.readdirSync(dir).filter((name) => name.endsWith('.json'));
  return new Map(names.sort().map((name) => [name, fs.readFileSync(path.join(dir, name))]));
}

function waitUntil(done: () => boolean, limitMs: number): boolean {
  return pollSync(() => done() || undefined, limitMs, 50) !== undefined;
}

describe('one synth process synthesizes one variant after another as a fresh process would', () => {
  // Two variants as unlike as the suite's keyed ones: a pilot-light Prod, and the default config with the drill.
  // cdk-nag is on in both (its plugin is the most stateful thing a synth loads).
  const pilotLight: SynthRequest = {
    app: {
      config: validateConfig(
        withEnv('Prod', (env) => {
          env.dr!.standbyMode = 'pilot-light';
        }),
      ),
      options: {},
      context: {},
    },
  };
  const drill: SynthRequest = { app: { config: defaultConfig(), options: { drill: true }, context: {} } };
  const dir = path.join(scratch, 'in-turn');
  const out = (name: string) => path.join(dir, `${name}.out`);

  beforeAll(() => {
    // The pilot light first (as a fresh process makes it: nothing ran before it), then the drill, then the pilot
    // light again: whatever the drill's synth left in the process would show in the third. One process, not one per
    // order: each synth is seconds of CPU, and this order checks what the two orders checked.
    const server = startServer(dir);
    const queued = [
      queueSynth(server, pilotLight, out('pilot-first')),
      queueSynth(server, drill, out('drill-second')),
      queueSynth(server, pilotLight, out('pilot-third')),
    ];
    for (const synth of queued) awaitSynth(synth, 'a variant');
  }, 240_000);

  test('the pilot-light variant synthesized after the drill is byte for byte the one synthesized first', () => {
    const first = assemblyFiles(out('pilot-first'));
    const third = assemblyFiles(out('pilot-third'));
    expect([...first.keys()]).toEqual(expect.arrayContaining(['Prod.template.json', 'DrRegion.template.json']));
    expect([...third.keys()]).toEqual([...first.keys()]);
    for (const [name, bytes] of first)
      expect({ name, same: third.get(name)!.equals(bytes) }).toEqual({ name, same: true });
  });

  test('the two variants differ where their configs do (else the comparison could not tell them apart)', () => {
    const pilotDr = fs.readFileSync(path.join(out('pilot-first'), 'DrRegion.template.json'));
    const drillDr = fs.readFileSync(path.join(out('drill-second'), 'DrRegion.template.json'));
    expect(pilotDr.equals(drillDr)).toBe(false);
  });
});

describe('a synth that fails fails its test with the synth’s own error', () => {
  // A config validateConfig would refuse, passed resolved: CDK's VPC construct refuses the CIDR while the app is
  // built, as it would in the test's own process.
  const badCidr = () => {
    const config = defaultConfig();
    return {
      ...config,
      environments: config.environments.map((env) =>
        env.name === 'Dev' ? { ...env, vpc: { ...env.vpc, cidr: '10.300.0.0/16' } } : env,
      ),
    };
  };

  test('the claimant and every later caller of the run get the error the synth threw', () => {
    expect(process.env[RUN_DIRECTORY_ENV]).toBeDefined();
    // A context key no other file uses: this variant is claimed here, whatever ran before in this run.
    const context = { probe: `failing-${process.pid}-${Date.now()}` };
    expect(() => synthBulwark(badCidr(), { nag: false }, context)).toThrow(
      /^the shared synth of app-[0-9a-f]{32} failed:\n«InvalidIpAddress» 10\.300\.0\.0 is not valid/,
    );
    expect(() => synthBulwark(badCidr(), { nag: false }, context)).toThrow(
      /^the shared app-[0-9a-f]{32} failed:\n[\s\S]*«InvalidIpAddress» 10\.300\.0\.0 is not valid/,
    );
  });

  test('a synth process that ends before it answers fails the request with its log', () => {
    const server = startServer(path.join(scratch, 'killed'));
    process.kill(server.pid, 'SIGKILL');
    expect(waitUntil(() => !isSynthServer(server.pid), 10_000)).toBe(true);
    expect(() =>
      requestSynth(server, { variant: 'default' }, path.join(scratch, 'killed', 'never'), 'the killed synth'),
    ).toThrow(new RegExp(`the killed synth failed: the synth process ${server.pid} ended first`));
  });
});

describe('the synth process ends with its worker or its run', () => {
  test('when the process that started it exits (its stdin ends)', () => {
    const dir = path.join(scratch, 'orphan');
    // A stand-in worker: starts a synth process, prints its pid and exits at once.
    const client = JSON.stringify(path.join(__dirname, 'synth-server.ts'));
    const script = `process.stdout.write(String(require(${client}).startServer(${JSON.stringify(dir)}).pid))`;
    const worker = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
    expect(worker.status).toBe(0);
    const pid = Number(worker.stdout);
    expect(pid).toBeGreaterThan(0);
    expect(waitUntil(() => !isSynthServer(pid), 60_000)).toBe(true);
  });

  test('when the run directory goes (globalTeardown removes it)', () => {
    const dir = path.join(scratch, 'teardown');
    const server = startServer(dir);
    // Once it answers a request, it is watching its directory.
    const outdir = path.join(scratch, 'teardown-unknown');
    expect(() => requestSynth(server, { variant: 'no-such-variant' }, outdir, 'a probe')).toThrow(
      'a probe failed:\nError: no shared variant no-such-variant',
    );
    fs.rmSync(dir, { recursive: true, force: true });
    expect(waitUntil(() => !isSynthServer(server.pid), 10_000)).toBe(true);
  });
});
