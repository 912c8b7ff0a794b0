import * as fs from 'fs';
import { stopSharedMotoServers } from './moto';
import { RUN_DIRECTORY_ENV } from './run-directory';

export default async function globalTeardown(): Promise<void> {
  const root = process.env[RUN_DIRECTORY_ENV];
  if (!root) return;
  // The run's moto servers (one per jest worker that used moto) end with the run, before their registry goes.
  await stopSharedMotoServers(root);
  fs.rmSync(root, { recursive: true, force: true });
}
