import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../config';
import { fileRefusal } from '../helpers/config';

const fixtures = path.join('test', 'fixtures');

/** The syntax-error fixture cannot live in test/ as .ts (the type check would fail): copy it out first. */
function syntaxErrorFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-load-'));
  const file = path.join(dir, 'syntax-error.config.ts');
  fs.copyFileSync(path.join(fixtures, 'syntax-error.config.ts.txt'), file);
  return file;
}

describe('loadConfig: a config file that cannot be loaded is one named line, no stack', () => {
  test('the default file loads', () => {
    expect(loadConfig().environments.map((e) => e.name)).toEqual(['Dev', 'Staging', 'Prod']);
  });

  test('a missing file names the path and the -c config= fix', () => {
    const message = fileRefusal('test/fixtures/does-not-exist.config.ts');
    expect(message).toBe(
      'Cannot load the Bulwark configuration test/fixtures/does-not-exist.config.ts: the file does not exist; pass an existing file with -c config=<path> (the default is config/bulwark.config.ts)',
    );
  });

  test('a file that throws names the file and the thrown message', () => {
    const message = fileRefusal('test/fixtures/throws.config.ts');
    expect(message).toBe(
      'Cannot load the Bulwark configuration test/fixtures/throws.config.ts: throws while loading: BULWARK_FIXTURE_NEVER_SET is not set; make the file evaluate without errors (it runs on every synth)',
    );
  });

  test('a file that exports a Promise is refused instead of reading as "service (missing)"', () => {
    const message = fileRefusal('test/fixtures/promise.config.ts');
    expect(message).toBe(
      'Cannot load the Bulwark configuration test/fixtures/promise.config.ts: exports a Promise, but synth reads the configuration synchronously; export the object itself (`export const config: BulwarkConfigInput = {...}`), computed without await',
    );
  });

  test('a file with a syntax error names the file and says so on one line', () => {
    const file = syntaxErrorFile();
    const message = fileRefusal(file);
    expect(message).toMatch(
      /^Cannot load the Bulwark configuration .*syntax-error\.config\.ts: has a syntax error \(.+\); fix it \(npx tsc --noEmit lists every error\)$/,
    );
    expect(message).not.toContain('\n');
  });
});
