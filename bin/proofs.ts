#!/usr/bin/env node
import { Command } from 'commander';
import { failed, formatProofs, runProofs } from './proofs/run';
import { readStacksFromCdkOut } from './proofs/templates';
import { checkNetworkPaths, formatPathTable } from '../lib/proofs/network';
import { readCloudAssembly } from '../lib/report/templates';

/**
 * `npm run proofs`: every runtime permission flow simulated with @cloud-copilot/iam-simulate and every policy
 * ARN matched against the Service Authorization Reference, read from the synthesized templates. bin/proofs/
 * is the only code that imports the AGPL-3.0 @cloud-copilot packages; lib/ and lambdas/ never do.
 */
const program = new Command('proofs')
  .description(
    'Permission flows (ALLOW/DENY), ARN shapes and network paths (PASS/FAIL) of the synthesized templates; ' +
      'exit 1 on a DENY, a finding or a FAIL',
  )
  .option('--cdk-out <dir>', 'cloud assembly to read (run `npx cdk synth --quiet` first)', 'cdk.out')
  .action(async (opts: { cdkOut: string }) => {
    try {
      const result = await runProofs(readStacksFromCdkOut(opts.cdkOut));
      const text = formatProofs(result);
      (failed(result) ? process.stderr : process.stdout).write(text);
      // Network paths (issue 13 section 3; lib/proofs/network, no AGPL code), from the same templates.
      const paths = checkNetworkPaths(readCloudAssembly(opts.cdkOut).stacks);
      const pathsFailed = paths.some((p) => p.status === 'FAIL');
      (pathsFailed ? process.stderr : process.stdout).write(`\n${formatPathTable(paths)}`);
      process.exitCode = failed(result) || pathsFailed ? 1 : 0;
    } catch (error) {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    }
  });

void program.parseAsync();
