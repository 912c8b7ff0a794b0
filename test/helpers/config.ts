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

/** The message of the ConfigError the input is refused with; fails the test if it is accepted. */
export function problemsOf(input: unknown): string {
  try {
    validateConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected the configuration to be refused');
}

/** The message loadConfig refuses a config file with, in this process; fails the test unless it is a ConfigError. */
export function fileRefusal(file: string): string {
  try {
    loadConfig(file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`expected ${file} to be refused`);
}
