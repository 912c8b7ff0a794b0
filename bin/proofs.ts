#!/usr/bin/env node
import { Command } from 'commander';
import { failed, formatProofs, runProofs } from './proofs/run';
import { readStacksFromCdkOut } from './proofs/templates';

/**
 * `npm run proofs`: every runtime permission flow simulated with @cloud-copilot/iam-simulate and every policy
 * ARN matched against the Service Authorization Reference, read from the synthesized templates. bin/proofs/
 * is the only code that imports the AGPL-3.0 @cloud-copilot packages; lib/ and lambdas/ never do.
 */
const program = new Command('proofs')
  .description('Permission flows (ALLOW/DENY) and ARN shapes of the synthesized templates; exit 1 on a DENY or a finding')
  .option('--cdk-out <dir>', 'cloud assembly to read (run `npx cdk synth --quiet` first)', 'cdk.out')
  .action(async (opts: { cdkOut: string }) => {
    try {
      const result = await runProofs(readStacksFromCdkOut(opts.cdkOut));
      const text = formatProofs(result);
      (failed(result) ? process.stderr : process.stdout).write(text);
      process.exitCode = failed(result) ? 1 : 0;
    } catch (error) {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    }
  });

void program.parseAsync();
