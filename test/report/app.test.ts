import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnResource } from '../../lib/report/model';
import { runReport } from '../../lib/report/run';
import { defaultConfig, synthBulwark } from '../helpers/app';

/** The report on the whole app, synthesized once for this file, with the default config. */
describe('report on the synthesized Bulwark app', () => {
  const bulwark = synthBulwark();
  const cdkOut = bulwark.assembly.directory;
  const result = runReport({
    cdkOut,
    configPath: 'config/bulwark.config.ts',
    config: defaultConfig(),
    outDir: fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-report-app-')),
  });
  const env = (name: string) => result.report.environments.find((e) => e.name === name)!;

  test('covers Dev, Staging, Prod and DrRegion (not the pipeline) with the targets each sets', () => {
    expect(result.report.environments.map((e) => e.name)).toEqual(['Dev', 'Staging', 'Prod', 'DrRegion']);
    const tierTargets = ['detectionSeconds', 'rollbackSeconds', 'rpoMinutes', 'rtoMinutes'];
    // Only Prod (and DrRegion, on Prod's targets) sets a DNS failover target.
    for (const e of result.report.environments) {
      expect(e.headlines.map((h) => h.targetKey)).toEqual(
        ['Prod', 'DrRegion'].includes(e.name) ? [...tierTargets, 'dnsFailoverSeconds'] : tierTargets,
      );
    }
    expect(env('DrRegion').targets).toEqual(env('Prod').targets);
  });

  test('every figure points at resources and properties that exist in the synthesized templates', () => {
    const templates = new Map<string, Record<string, CfnResource>>();
    const resources = (file: string) => {
      if (!templates.has(file))
        templates.set(
          file,
          (JSON.parse(fs.readFileSync(path.join(cdkOut, file), 'utf8')) as { Resources: Record<string, CfnResource> })
            .Resources,
        );
      return templates.get(file)!;
    };
    for (const e of result.report.environments) {
      for (const f of e.figures) {
        if (f.status !== 'not-assessed')
          expect({ figure: f.name, hasSources: f.sources.length > 0 }).toEqual({ figure: f.name, hasSources: true });
        for (const s of f.sources)
          expect({ figure: f.name, type: resources(s.template)[s.logicalId]?.Type }).toEqual({
            figure: f.name,
            type: s.type,
          });
      }
    }
  });

  test("Prod's P1 alarms, blue/green rollback, data stores and failover are all assessed", () => {
    const prod = env('Prod');
    for (const key of ['detectionSeconds', 'rollbackSeconds', 'rpoMinutes', 'rtoMinutes']) {
      expect({ key, value: prod.headlines.find((h) => h.targetKey === key)!.value }).toEqual({
        key,
        value: expect.any(Number),
      });
    }
    expect(prod.figures.filter((f) => f.category === 'failure-mode' && f.targetKey === 'detectionSeconds').length).toBe(
      4,
    );
    expect(prod.figures.find((f) => f.id.startsWith('exposure/'))?.value).toBe(10);
    expect(prod.figures.find((f) => f.id.startsWith('full-shift/'))?.value).toBe(5);
    expect(prod.figures.find((f) => f.id.startsWith('bake/'))?.value).toBe(30);
    // The live pair (a CNAME, TTL 15 s) moves only in the Region switch plan's DNS step (issue 15): from that step
    // starting, its 2-min timeout + the 15 s TTL.
    expect(prod.figures.find((f) => f.category === 'dns')?.value).toBe(2 * 60 + 15);
  });

  test('each miss names the figure, the target and a resource of the templates', () => {
    for (const m of result.report.misses) {
      if (m.value !== undefined && m.target !== undefined) expect(m.value).toBeGreaterThan(m.target);
      expect(m.resources.length).toBeGreaterThan(0);
      expect(result.text).toContain(`MISSED ${m.environment}: ${m.figure}`);
    }
    expect(result.exitCode).toBe(result.report.misses.length > 0 ? 1 : 0);
  });
});
