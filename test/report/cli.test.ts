import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../config/load';
import { ResilienceReport } from '../../lib/report/model';
import { runReport } from '../../lib/report/run';

const ROOT = path.join(__dirname, '..', '..');
const FIXTURE = path.join(__dirname, 'fixtures', 'assembly');
const TIGHT = path.join(__dirname, 'fixtures', 'tight.config.ts');
const DEFAULT = path.join(__dirname, 'fixtures', 'fixture.config.ts');

function outDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-report-'));
}

describe('report on the hand-written fixture assembly', () => {
  const out = outDir();
  const result = runReport({ cdkOut: FIXTURE, configPath: DEFAULT, config: loadConfig(DEFAULT), outDir: out });
  const prod = result.report.environments.find((e) => e.name === 'Prod')!;
  const headline = (key: string) => prod.headlines.find((h) => h.targetKey === key)!;

  test('meets every target on the default config and writes the three files', () => {
    expect(result.report.misses).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.report.environments.map((e) => e.name)).toEqual(['Dev', 'Staging', 'Prod', 'DrRegion']);
    const json = JSON.parse(fs.readFileSync(result.files.json, 'utf8')) as ResilienceReport;
    expect(json.environments).toHaveLength(4);
    expect(fs.readFileSync(result.files.markdown, 'utf8')).toMatch(/### Prod \(tier 1, Prod.template.json\)/);
    expect(fs.readFileSync(result.files.html, 'utf8')).toMatch(/<canvas id="chart-Prod"/);
  });

  // The fixture's canary: rate(1 minute), 6 probes 20 s apart, 2 journeys in turn, 2000 ms timeout:
  // lag = max(20, 60 + 60 - 5 x 20) + 2 x 2 x 2 s = 28 s. Prod's canary alarm: Minimum < 1, 10 s, 3 of 3.
  const canaryLag = 20 + 2 * 2 * 2;
  test('Prod headlines: slowest P1 failure mode, rollback, worst store, warm-standby RTO', () => {
    // 0 partial (Minimum below) + 3 x 10 s + 28 s lag + 20 s custom delay + 10 s evaluation.
    expect(headline('detectionSeconds')).toMatchObject({
      value: 3 * 10 + canaryLag + 20 + 10,
      target: 180,
      status: 'met',
      figureId: 'failure-mode/service-down',
    });
    // The deployment group gates on that alarm; no event rule, so CodeDeploy polling (60 s, assumption).
    expect(headline('rollbackSeconds')).toMatchObject({ value: 3 * 10 + canaryLag + 20 + 10 + 60, status: 'met' });
    expect(headline('rpoMinutes')).toMatchObject({ value: 15, figureId: 'rpo-regional/Prod/Archive' });
    // 15 decision + 10 promote + 10 scale + (3 x (10 + 4 + 2) + 60) s / 60 DNS.
    expect(headline('rtoMinutes')).toMatchObject({ value: 15 + 10 + 10 + (3 * (10 + 4 + 2) + 60) / 60, status: 'met' });
    // Region down is seen from DrRegion's primary probe (1 of 1): 10 + 28 + 20 + 10.
    expect(prod.figures.find((f) => f.id === 'failure-mode/region-down')).toMatchObject({
      value: 10 + canaryLag + 20 + 10,
      status: 'met',
    });
  });

  test("DrRegion answers to Prod's targets and carries Prod's regional RPO", () => {
    const dr = result.report.environments.find((e) => e.name === 'DrRegion')!;
    expect(dr.targetsFrom).toBe('Prod');
    expect(dr.targets).toEqual(prod.targets);
    expect(dr.figures.filter((f) => f.category === 'rpo').map((f) => f.id)).toEqual([
      'rpo-regional/Prod/Database',
      'rpo-regional/Prod/Archive',
    ]);
  });

  test('what cannot be derived is "not assessed" and listed', () => {
    const dev = result.report.environments.find((e) => e.name === 'Dev')!;
    expect(dev.figures.find((f) => f.id === 'rpo-in-region/Dev/Uploads')).toMatchObject({
      status: 'not-assessed',
      reason: expect.stringMatching(/no backup/),
      acknowledged: expect.any(String),
    });
    expect(dev.headlines.find((h) => h.targetKey === 'rtoMinutes')!.status).toBe('not-assessed');
    expect(fs.readFileSync(result.files.markdown, 'utf8')).toMatch(/## Not assessed[\s\S]*Dev: RPO in region: Uploads/);
  });

  test('a tighter target is missed, naming the figure, the target and the resource', () => {
    const tight = runReport({ cdkOut: FIXTURE, configPath: TIGHT, config: loadConfig(TIGHT), outDir: outDir() });
    expect(tight.exitCode).toBe(1);
    const journey = 'Failure mode: a journey is broken (wrong answer, auth, a dependency) -> first P1 page';
    expect(tight.report.misses).toContainEqual(
      expect.objectContaining({
        environment: 'Prod',
        figure: journey,
        value: 3 * 10 + canaryLag + 20 + 10,
        target: 60,
        targetKey: 'detectionSeconds',
        resources: [
          'Prod.template.json#CanaryFailing',
          'Prod.template.json#CanaryFunction',
          'Prod.template.json#CanarySchedule',
        ],
      }),
    );
    // DrRegion answers to Prod's targets: its canary (1 of 1) misses 60 s too, and so does region down, seen from it.
    expect(tight.report.misses).toContainEqual(
      expect.objectContaining({ environment: 'DrRegion', figure: journey, value: 10 + canaryLag + 20 + 10 }),
    );
    expect(tight.report.misses).toContainEqual(
      expect.objectContaining({
        environment: 'Prod',
        figure: expect.stringMatching(/region down/),
        resources: expect.arrayContaining(['DrRegion.template.json#PrimaryProbeFailing']),
      }),
    );
    expect(tight.report.misses).toHaveLength(7);
    expect(tight.text).toMatch(
      /MISSED Prod: Failure mode: service down .* is 88 s, target detectionSeconds 60 s; change Prod.template.json#CanaryFailing/,
    );
  });
});

describe('npm run report (the real CLI)', () => {
  const cli = (config: string, out: string) =>
    spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        'bin/report.ts',
        '--cdk-out',
        FIXTURE,
        '--config',
        config,
        '--out',
        out,
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );

  test('exits 1 on a missed target and says which', () => {
    const out = outDir();
    const run = cli(TIGHT, out);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/7 target\(s\) missed:\n {2}MISSED Prod: Failure mode: service down/);
    expect(fs.existsSync(path.join(out, 'resilience-report.html'))).toBe(true);
  });

  test("exits 0 and prints every environment's table when all targets are met", () => {
    const run = cli(DEFAULT, outDir());
    expect(run.status).toBe(0);
    for (const env of ['Dev', 'Staging', 'Prod', 'DrRegion'])
      expect(run.stdout).toMatch(new RegExp(`^== ${env} \\(tier`, 'm'));
  });

  test('exits 2 with a clear message when cdk.out is missing', () => {
    const run = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        'bin/report.ts',
        '--cdk-out',
        path.join(outDir(), 'nope'),
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/manifest.json not found: run `npx cdk synth` first/);
  });
});
