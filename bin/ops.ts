#!/usr/bin/env node
/**
 * `npm run ops -- <command>`: operator commands against a deployed environment, using your AWS
 * credentials (or AWS_ENDPOINT_URL, which the SDK honours, for a local moto server in tests).
 * Each capability registers its commands from its own module under bin/ops/.
 */
import { Command } from 'commander';
import { registerDrRestore } from './ops/dr-restore';
import { registerIncident } from './ops/incident';
import { registerPostmortem } from './ops/postmortem';
import { registerPreflight } from './ops/preflight/command';
import { registerStatus } from './ops/status';
import { registerSwitch } from './ops/switch';
import { registerTestAlarms } from './ops/test-alarms';
import { registerWeeklyReport } from './ops/weekly-report';

export function buildOpsProgram(): Command {
  const program = new Command('ops').description('Bulwark operator commands').showHelpAfterError();
  // Capabilities register their commands here, one line each.
  registerTestAlarms(program);
  registerSwitch(program);
  registerDrRestore(program);
  registerPreflight(program);
  registerIncident(program);
  registerPostmortem(program);
  registerStatus(program);
  registerWeeklyReport(program);
  return program;
}

if (require.main === module) {
  buildOpsProgram()
    .parseAsync(process.argv)
    .catch((error: Error) => {
      console.error(`error: ${error.message}`);
      process.exit(1);
    });
}
