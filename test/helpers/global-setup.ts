import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RUN_DIRECTORY_ENV } from './run-directory';

/**
 * A new directory for this run's shared assemblies (never a cache from an earlier run, so it cannot be stale);
 * jest's workers, started after this, inherit its path through the environment and fill it on first need.
 */
export default async function globalSetup(): Promise<void> {
  process.env[RUN_DIRECTORY_ENV] = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-shared-'));
}
