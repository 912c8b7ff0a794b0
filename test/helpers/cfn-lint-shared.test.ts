import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCfnLintShared } from './cfn-lint-shared';
import { SHARED_ASSEMBLIES_ENV } from './shared-assembly';

/** A one-function template; `nodejs16.x` is a retired runtime, E2533. The marker makes its bytes this file's own. */
function template(runtime: string): string {
  return JSON.stringify({
    Description: `cfn-lint-shared.test.ts ${process.pid} ${Date.now()}`,
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
}

test('each template content is linted once per run; every caller gets the findings under its own file name', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-cfn-lint-shared-'));
  const write = (name: string, text: string): string => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  const planted = template('nodejs16.x');
  const clean = template('nodejs22.x');
  const [first, twin, fine] = [write('A.json', planted), write('B.json', planted), write('Clean.json', clean)];

  const findings = runCfnLintShared([first, twin, fine]);
  const errors = findings.filter((f) => f.level === 'Error').map((f) => `${f.rule} ${path.basename(f.file)}`);
  expect(errors).toContain('E2533 A.json');
  expect(errors).toContain('E2533 B.json');
  expect(findings.filter((f) => f.file === fine)).toEqual([]);

  // The same bytes elsewhere are read from the run's shared result, not linted again: a finding planted in that
  // result comes back, under the new name.
  const root = process.env[SHARED_ASSEMBLIES_ENV]!;
  const entry = path.join(root, `cfn-lint-${createHash('sha256').update(clean).digest('hex')}`, 'findings.json');
  expect(JSON.parse(fs.readFileSync(entry, 'utf8'))).toEqual([]);
  const marker = { rule: 'X0000', level: 'Warning', cfnLintLevel: 'Warning', message: 'kept', file: '' };
  fs.writeFileSync(entry, JSON.stringify([marker]));
  const moved = write('Moved.json', clean);
  expect(runCfnLintShared([moved])).toEqual([{ ...marker, file: moved }]);

  // Changed bytes are another key: the planted file rewritten with the clean content gets the clean content's result.
  write('A.json', clean);
  expect(runCfnLintShared([first]).map((f) => f.rule)).toEqual(['X0000']);
});
