import * as fs from 'fs';
import { SHARED_ASSEMBLIES_ENV } from './shared-assembly';

export default async function globalTeardown(): Promise<void> {
  const root = process.env[SHARED_ASSEMBLIES_ENV];
  if (root) fs.rmSync(root, { recursive: true, force: true });
}
