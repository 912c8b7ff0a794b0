#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../config';
import { environmentParity, parityText, readEnvironmentTemplates } from '../lib/parity/run';

/**
 * `npm run parity`: Dev, Staging and Prod compared capability by capability from cdk.out; a difference the config
 * does not ask for exits 1, naming the resource. Exit 2: the config or cdk.out could not be read.
 */
const program = new Command('parity')
  .description('Compare the environments from their templates; fail on a difference the config does not explain')
  .option('--cdk-out <dir>', 'cloud assembly to read (run `npx cdk synth` first)', 'cdk.out')
  .option('--config <file>', 'configuration with the environments', DEFAULT_CONFIG_PATH)
  .option('--json', 'print the result as JSON')
  .action((opts: { cdkOut: string; config: string; json?: boolean }) => {
    try {
      const config = loadConfig(opts.config);
      const templates = readEnvironmentTemplates(
        opts.cdkOut,
        config.environments.map((env) => env.name),
      );
      const result = environmentParity(config, templates);
      const failed = result.unexplained.length > 0;
      const text = opts.json ? `${JSON.stringify(result, null, 2)}\n` : parityText(result);
      (failed ? process.stderr : process.stdout).write(text);
      process.exitCode = failed ? 1 : 0;
    } catch (error) {
      const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
      process.stderr.write(`${message}\n`);
      process.exitCode = 2;
    }
  });

program.parse();
