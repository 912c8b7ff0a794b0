import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';

/** The cfn-lint that runs: its version, as Python reports it, and its entry script, which names the Python it runs on. */
export interface InstalledCfnLint {
  readonly version: string;
  readonly script: Buffer;
}

let installedMemo: InstalledCfnLint | undefined;

/**
 * The cfn-lint on the PATH, looked up once per process. What it reports depends on nothing else of the machine's
 * Python (its schemas ship inside the package), so this identifies what the caches of its findings and of its own
 * schemas are valid for.
 */
export function installedCfnLint(): InstalledCfnLint {
  if (installedMemo) return installedMemo;
  const version = spawnSync('python3', ['-c', "from importlib.metadata import version; print(version('cfn-lint'))"], {
    encoding: 'utf8',
    cwd: os.tmpdir(),
  });
  const script = spawnSync('sh', ['-c', 'command -v cfn-lint'], { encoding: 'utf8' }).stdout.trim();
  if (version.status !== 0 || !script) throw new Error(`cfn-lint: cannot tell its version: ${version.stderr}`);
  installedMemo = { version: version.stdout.trim(), script: fs.readFileSync(fs.realpathSync(script)) };
  return installedMemo;
}
