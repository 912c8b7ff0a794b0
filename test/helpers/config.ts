import { BulwarkConfigInput, ConfigError, loadConfig, validateConfig } from '../../config';
import { defaultConfigInput } from './app';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type EnvironmentInput = Mutable<BulwarkConfigInput['environments'][number]>;

/** The default config with one environment changed. */
export function withEnv(
  name: string,
  change: (env: EnvironmentInput, input: BulwarkConfigInput) => void,
): BulwarkConfigInput {
  const input = defaultConfigInput();
  const env = input.environments.find((e) => e.name === name);
  if (!env) throw new Error(`no environment ${name} in the default config`);
  change(env, input);
  return input;
}

/** The message of the ConfigError `load` refuses with; fails the test if it is accepted or fails otherwise. */
function refusal(load: () => unknown, what: string): string {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`expected ${what} to be refused`);
}

/** The message of the ConfigError the input is refused with; fails the test if it is accepted. */
export function problemsOf(input: unknown): string {
  return refusal(() => validateConfig(input), 'the configuration');
}

/** The message loadConfig refuses a config file with, in this process; fails the test unless it is a ConfigError. */
export function fileRefusal(file: string): string {
  return refusal(() => loadConfig(file), file);
}
