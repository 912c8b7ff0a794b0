import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const loader = path.join(__dirname, '..', '..', 'bin', 'load-typescript.js');
const tsx = require.resolve('tsx/cjs');

/**
 * A project with TypeScript, an ES module .js file of its own, and an ES-module-only package in node_modules, and
 * what `node --require <preload>` makes of each (as JSON on stdout, or the error's name and message). Node 20.19+
 * loads an ES module with `require` itself (https://nodejs.org/api/modules.html#loading-ecmascript-modules-using-require).
 */
function loadWith(preload: string): Record<string, string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-loader-'));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };
  write('typed.ts', 'export const typed: number = 3;\n');
  write('own-esm.js', 'export const own = 2;\n');
  write('node_modules/esm-only/package.json', '{"name":"esm-only","main":"index.js"}\n');
  write('node_modules/esm-only/index.js', 'export const fromPackage = 1;\n');
  const script = `
    const outcome = (load) => { try { return JSON.stringify(load()); } catch (error) { return error.name + ': ' + error.message.split('\\n')[0]; } };
    process.stdout.write(JSON.stringify({
      typed: outcome(() => require('./typed.ts').typed),
      own: outcome(() => require('./own-esm.js').own),
      // Node's own require of an ES module gives its namespace ([object Module]); tsx rewrites it into CommonJS
      // exports ([object Object]).
      fromPackage: outcome(() => Object.prototype.toString.call(require('esm-only'))),
    }));`;
  const result = spawnSync(process.execPath, ['--require', preload, '-e', script], { cwd: dir, encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as Record<string, string>;
}

describe("bin/load-typescript.js: tsx for the project's files, Node's own loader for node_modules", () => {
  const withLoader = loadWith(loader);

  test("the project's TypeScript and its own ES module .js files load through tsx", () => {
    expect(withLoader.typed).toBe('3');
    expect(withLoader.own).toBe('2');
  });

  test('a package in node_modules is loaded by Node itself (an ES module one too), not lexed and rewritten by tsx', () => {
    expect(withLoader.fromPackage).toBe('"[object Module]"');
    // tsx alone rewrites it: the difference is what the loader is for.
    expect(loadWith(tsx).fromPackage).toBe('"[object Object]"');
  });

  test("cdk.json's app command preloads it", () => {
    const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
      app: string;
    };
    expect(cdkJson.app).toBe('node --require ./bin/load-typescript.js bin/app.ts');
  });
});
