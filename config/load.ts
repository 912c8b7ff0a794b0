import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, ResolvedConfig, validateConfig } from './validate';

export const DEFAULT_CONFIG_PATH = 'config/bulwark.config.ts';

/**
 * A config file that cannot be read at all (missing, a syntax error, throws, exports the wrong thing): one
 * line naming the file, what is wrong and the fix, instead of Node's stack trace.
 */
export class ConfigFileError extends ConfigError {
  constructor(file: string, problem: string) {
    super(file, [problem]);
    this.name = 'ConfigFileError';
    this.message = `Cannot load the Bulwark configuration ${file}: ${problem}`;
  }
}

/**
 * Load a config module (its `config` export) and validate it. Only bin/ calls this: constructs
 * receive the validated slices as props. Every failure is a ConfigError (bin/app.ts prints its message).
 */
export function loadConfig(configPath: string = DEFAULT_CONFIG_PATH): ResolvedConfig {
  const absolute = path.resolve(configPath);
  const shown = path.relative(process.cwd(), absolute) || configPath;
  if (!fs.existsSync(absolute)) {
    throw new ConfigFileError(
      shown,
      `the file does not exist; pass an existing file with -c config=<path> (the default is ${DEFAULT_CONFIG_PATH})`,
    );
  }
  let mod: { config?: unknown; default?: unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(absolute) as typeof mod;
  } catch (error) {
    throw new ConfigFileError(shown, describeLoadFailure(error, absolute));
  }
  const raw = mod.config ?? mod.default;
  if (raw === undefined) {
    throw new ConfigFileError(
      shown,
      'exports no configuration; export it as `export const config: BulwarkConfigInput = {...}`',
    );
  }
  if (isPromiseLike(raw)) {
    throw new ConfigFileError(
      shown,
      'exports a Promise, but synth reads the configuration synchronously; export the object itself (`export const config: BulwarkConfigInput = {...}`), computed without await',
    );
  }
  if (typeof raw === 'function') {
    throw new ConfigFileError(
      shown,
      'exports a function; export the configuration object itself (`export const config: BulwarkConfigInput = {...}`)',
    );
  }
  return validateConfig(raw, shown);
}

function isPromiseLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** One line: what the loader (tsx's esbuild, or jest's SWC) or the module itself reported. */
function describeLoadFailure(error: unknown, absolute: string): string {
  const message = error instanceof Error ? error.message : String(error);
  // Compilers decorate their messages with ANSI colours and code frames; keep the first line that says what is wrong.
  const lines = message
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const name = error instanceof Error ? error.name : '';
  const syntax =
    name === 'SyntaxError' ||
    name === 'TransformError' ||
    /Transform failed|Syntax Error|Expression expected|Expected /.test(message);
  if (syntax) {
    const detail =
      lines.find(
        (line) => /ERROR:|Expected|expected|Unexpected|Syntax Error/.test(line) && !/^Transform failed/.test(line),
      ) ??
      lines[0] ??
      'unknown';
    return `has a syntax error (${detail.split(absolute).join('').replace(/^:/, 'line ')}); fix it (npx tsc --noEmit lists every error)`;
  }
  return `throws while loading: ${lines[0] ?? 'unknown error'}; make the file evaluate without errors (it runs on every synth)`;
}
