#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../config';
import { runReport } from '../lib/report/run';

/**
 * `npm run report`: the resilience report of cdk.out against the config's tier targets, with each environment's
 * readiness score and the environments' parity; exits 1 on a miss or when the last environment (Prod) scores below
 * operations.readinessThreshold.
 */
const program = new Command('report')
  .description(
    'Worst-case detection, rollback, failover, RPO and RTO per environment, from the synthesized templates, against ' +
      'the tier targets; readiness score (go/no-go) and environment parity',
  )
  .option('--cdk-out <dir>', 'cloud assembly to read (run `npx cdk synth` first)', 'cdk.out')
  .option('--config <file>', 'configuration with the environments and their targets', DEFAULT_CONFIG_PATH)
  .option('--out <dir>', 'where to write resilience-report.{json,md,html}', 'reports')
  .action((opts: { cdkOut: string; config: string; out: string }) => {
    try {
      const result = runReport({
        cdkOut: opts.cdkOut,
        configPath: opts.config,
        config: loadConfig(opts.config),
        outDir: opts.out,
      });
      (result.exitCode === 0 ? process.stdout : process.stderr).write(result.text);
      process.exitCode = result.exitCode;
    } catch (error) {
      process.stderr.write(
        `${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 2;
    }
  });

program.parse();
