import * as path from 'path';
import { ResolvedConfig, validateConfig } from './validate';

export const DEFAULT_CONFIG_PATH = 'config/bulwark.config.ts';

/**
 * Load a config module (its `config` export) and validate it. Only bin/ calls this: constructs
 * receive the validated slices as props.
 */
export function loadConfig(configPath: string = DEFAULT_CONFIG_PATH): ResolvedConfig {
  const absolute = path.resolve(configPath);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(absolute) as { config?: unknown; default?: unknown };
  const raw = mod.config ?? mod.default;
  if (raw === undefined) {
    throw new Error(`${configPath} must export the configuration as \`export const config: BulwarkConfigInput = {...}\``);
  }
  return validateConfig(raw, path.relative(process.cwd(), absolute) || configPath);
}
