import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { groupBySize } from '../../bin/cfn-lint';

describe('npm run cfn-lint: templates split into groups linted at the same time', () => {
  const sizes: Record<string, number> = { Prod: 355, Staging: 277, Dev: 274, DrRegion: 252, Pipeline: 118 };
  const sizeOf = (file: string): number => sizes[file];

  test('two groups of about equal size, every template in exactly one', () => {
    // Largest first, each to the lighter group: Prod (355) | Staging+Dev (551); DrRegion to Prod (607);
    // then Pipeline to the lighter: Staging+Dev+Pipeline (669).
    expect(groupBySize(Object.keys(sizes), sizeOf, 2)).toEqual([
      ['DrRegion', 'Prod'],
      ['Dev', 'Pipeline', 'Staging'],
    ]);
  });

  test('never more groups than templates, and one group on one core', () => {
    expect(groupBySize(['Prod', 'Dev'], sizeOf, 8)).toEqual([['Prod'], ['Dev']]);
    expect(groupBySize(Object.keys(sizes), sizeOf, 1)).toEqual([['Dev', 'DrRegion', 'Pipeline', 'Prod', 'Staging']]);
    expect(groupBySize([], sizeOf, 2)).toEqual([]);
  });

  test('a finding of either group fails the run: a planted retired runtime (E2533) in one of two templates', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-cfn-lint-groups-'));
    const fn = (runtime: string) => ({
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Runtime: runtime,
            Handler: 'index.handler',
            Role: 'arn:aws:iam::111111111111:role/x',
            Code: { ZipFile: 'exports.handler=()=>1' },
          },
        },
      },
    });
    fs.writeFileSync(path.join(dir, 'Clean.template.json'), JSON.stringify(fn('nodejs22.x')));
    fs.writeFileSync(path.join(dir, 'Planted.template.json'), JSON.stringify(fn('nodejs16.x')));
    const script = path.join(__dirname, '..', '..', 'bin', 'cfn-lint.ts');
    const run = spawnSync(process.execPath, ['--import', 'tsx', script, dir], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^Error E2533 Planted\.template\.json Fn: /m);
    expect(run.stdout).not.toMatch(/Clean\.template\.json/);
    const groups = Math.min(os.availableParallelism(), 2);
    expect(run.stdout).toContain(`cfn-lint: 2 templates in ${groups} parallel runs, 1 errors`);
  });
});
