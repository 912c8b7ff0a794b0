/**
 * `npm run ops -- switch <Env> <name> on|off [--reason ...]`: flip a kill switch by hand with your AWS
 * credentials, through exactly the code the kill-switch function runs (record first, then act; off
 * restores the record), and print what changed. AWS_ENDPOINT_URL (honoured by the SDK) points it at a
 * local moto server in tests.
 */
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Command } from 'commander';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../config';
import { SwitchSettings } from '../../lambdas/kill-switch/settings';
import { AuditLogger, SwitchClients, SwitchOutcome, setSwitch } from '../../lambdas/kill-switch/switches';
import { CLIENT_CONFIG } from '../../lambdas/shared/aws';
import { Naming } from '../../lib/common/naming';
import { budgetTopicName, killSwitchSettings } from '../../lib/killswitch/kill-switch-settings';
import { severityTopicName } from '../../lib/monitoring/severity-topics';

export interface SwitchCommandInput {
  readonly environment: string;
  readonly name: string;
  readonly state: 'on' | 'off';
  readonly reason: string;
  readonly configPath?: string;
  readonly changedBy?: string;
}

export interface SwitchCommandDeps {
  readonly clients?: (region: string) => SwitchClients;
  readonly whoAmI?: (region: string) => Promise<string>;
  readonly print?: (line: string) => void;
}

/** The topic names SeverityTopics gives: `<service>-<env>-alerts-<severity>`. */
function topicArn(region: string, account: string, name: string): string {
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return `arn:${partition}:sns:${region}:${account}:${name}`;
}

/** The settings the deployed function has, rebuilt from the same config. */
export function settingsFor(configPath: string, environmentName: string): { settings: SwitchSettings; region: string } {
  const config = loadConfig(configPath);
  const environment = config.environments.find((e) => e.name === environmentName);
  if (!environment)
    throw new Error(
      `no environment "${environmentName}" in ${configPath}; have ${config.environments.map((e) => e.name).join(', ')}`,
    );
  const naming = new Naming(config.service.name, environment.name);
  const arn = (name: string) => topicArn(environment.region, environment.account, name);
  const settings = killSwitchSettings(naming, environment, config.service.nonCriticalFeatures, {
    p1TopicArn: arn(severityTopicName(naming, 'P1')),
    budgetTopicArn: arn(budgetTopicName(naming)),
    noticeTopicArn: arn(severityTopicName(naming, 'P3')),
  });
  return { settings, region: environment.region };
}

function defaultClients(region: string): SwitchClients {
  const config = { ...CLIENT_CONFIG, region };
  return {
    ssm: new SSMClient(config),
    ecs: new ECSClient(config),
    autoscaling: new ApplicationAutoScalingClient(config),
    lambda: new LambdaClient(config),
    sns: new SNSClient(config),
  };
}

async function defaultWhoAmI(region: string): Promise<string> {
  try {
    const me = await new STSClient({ ...CLIENT_CONFIG, region, maxAttempts: 2 }).send(new GetCallerIdentityCommand({}));
    return `user:${me.Arn}`;
  } catch {
    return `user:${process.env.USER ?? 'unknown'}`;
  }
}

/** Structured audit lines on stderr, so stdout stays the human summary. */
const stderrLogger = {
  info: (message: string, extra?: object) => console.error(JSON.stringify({ level: 'INFO', message, ...extra })),
  warn: (message: string, extra?: object) => console.error(JSON.stringify({ level: 'WARN', message, ...extra })),
  error: (message: string, extra?: object) => console.error(JSON.stringify({ level: 'ERROR', message, ...extra })),
} as unknown as AuditLogger;

export async function runSwitchCommand(
  input: SwitchCommandInput,
  deps: SwitchCommandDeps = {},
): Promise<SwitchOutcome> {
  const print = deps.print ?? console.log;
  const { settings, region } = settingsFor(input.configPath ?? DEFAULT_CONFIG_PATH, input.environment);
  const changedBy = input.changedBy ?? (await (deps.whoAmI ?? defaultWhoAmI)(region));
  const outcome = await setSwitch(
    { name: input.name, state: input.state, reason: input.reason, changedBy },
    settings,
    (deps.clients ?? defaultClients)(region),
    { logger: stderrLogger },
  );
  print(describe(outcome));
  return outcome;
}

export function describe(outcome: SwitchOutcome): string {
  const head = `${outcome.environment} switch "${outcome.switch}" (${outcome.parameter}): ${outcome.from} -> ${outcome.to}`;
  if (!outcome.changed) return `${head}: already ${outcome.to}, nothing to do (${outcome.durationMs} ms)`;
  const lines = [`${head} in ${outcome.durationMs} ms`, ...outcome.actions.map((a) => `  - ${a}`)];
  if (outcome.notice === 'failed')
    lines.push('  ! the P3 notice could not be published (the change stands; see the log line above)');
  if (outcome.to === 'on')
    lines.push(`  undo with: npm run ops -- switch ${outcome.environment} ${outcome.switch} off --reason "..."`);
  return lines.join('\n');
}

export function registerSwitch(program: Command, deps: SwitchCommandDeps = {}): Command {
  program
    .command('switch')
    .description(
      'turn a kill switch on or off (features, cost, deploy-freeze, ...) with the same code the kill-switch function runs',
    )
    .argument('<environment>', 'environment name, e.g. Prod')
    .argument('<name>', 'switch name, e.g. features, cost, deploy-freeze')
    .argument('<state>', 'on or off')
    .option('-r, --reason <text>', 'why (recorded in the switch and the audit notice)', 'manual')
    .option('-c, --config <path>', 'config file', DEFAULT_CONFIG_PATH)
    .action(async (environment: string, name: string, state: string, options: { reason: string; config: string }) => {
      if (state !== 'on' && state !== 'off') throw new Error(`state must be "on" or "off", not "${state}"`);
      await runSwitchCommand({ environment, name, state, reason: options.reason, configPath: options.config }, deps);
    });
  return program;
}
