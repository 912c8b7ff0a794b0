import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * The static checks' toolchain (README, "Toolchain choices"): the type check runs on TypeScript 7, the native
 * compiler, while typescript-eslint keeps the TypeScript 5 JavaScript API it needs; Prettier parses with oxc. Both
 * were chosen for speed (docs/performance.md, "Test time, fourth round"), and either one silently falling back to
 * the slow path, or the type check to TypeScript 5, is what these tests catch.
 */
const root = path.join(__dirname, '..', '..');
const packageJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
};

function installedVersion(packageName: string): string {
  return (
    JSON.parse(fs.readFileSync(path.join(root, 'node_modules', packageName, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
}

describe('type check', () => {
  test('npm run typecheck runs the TypeScript 7 compiler that package.json installs as typescript-native', () => {
    expect(packageJson.devDependencies['typescript-native']).toBe('npm:typescript@7.0.2');
    expect(installedVersion('typescript-native')).toBe('7.0.2');
    expect(packageJson.scripts.typecheck).toMatch(/^node node_modules\/typescript-native\/bin\/tsc --noEmit /);
  });

  test('typescript-eslint still gets TypeScript 5 (its peer range ends before 6.1)', () => {
    expect(installedVersion('typescript')).toMatch(/^5\./);
  });

  test('the TypeScript 7 type check fails on a type error under the project tsconfig', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-typecheck-'));
    fs.writeFileSync(path.join(dir, 'wrong.ts'), "export const retries: number = 'three';\n");
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: path.join(root, 'tsconfig.json'),
        include: ['wrong.ts'],
        exclude: [],
        compilerOptions: { types: [] },
      }),
    );
    const result = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules', 'typescript-native', 'bin', 'tsc'), '--noEmit', '-p', dir],
      { cwd: root, encoding: 'utf8' },
    );
    fs.rmSync(dir, { recursive: true, force: true });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain("Type 'string' is not assignable to type 'number'");
  });
});

/**
 * Prettier's CommonJS entry loads its parsers with dynamic `import()`, which jest's module loader refuses without
 * --experimental-vm-modules: ask a plain node process, as `npm run lint` runs it.
 */
function prettierAnswers(): { parsers: Record<string, string | null>; formatted: string } {
  const script = `
    const prettier = require('prettier');
    (async () => {
      const parsers = {};
      for (const file of ['bin/app.ts', 'eslint.config.mjs']) {
        const options = await prettier.resolveConfig(file);
        parsers[file] = (await prettier.getFileInfo(file, { plugins: (options && options.plugins) || [] })).inferredParser;
      }
      const options = await prettier.resolveConfig('bin/app.ts');
      const formatted = await prettier.format('const x = {a:"b",c:[1,2,]}\\n', { ...options, filepath: 'bin/x.ts' });
      process.stdout.write(JSON.stringify({ parsers, formatted }));
    })();`;
  const result = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`prettier: ${result.stderr}`);
  return JSON.parse(result.stdout) as { parsers: Record<string, string | null>; formatted: string };
}

describe('formatting', () => {
  const answers = prettierAnswers();

  test.each([
    ['bin/app.ts', 'oxc-ts'],
    ['eslint.config.mjs', 'oxc'],
  ])('Prettier parses %s with the oxc plugin (%s)', (file, parser) => {
    expect(answers.parsers[file]).toBe(parser);
  });

  test('the oxc parser formats TypeScript as the project style asks', () => {
    expect(answers.formatted).toBe("const x = { a: 'b', c: [1, 2] };\n");
  });
});
