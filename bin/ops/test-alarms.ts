/**
 * `npm run ops -- test-alarms <Env>`: test-fire every alarm of an environment. Each alarm is set to
 * ALARM with a reason (SetAlarmState), so its actions really run: the severity topic notifies its
 * subscribers (P1 pages!) and the pipeline's P1 gate sees it; the kill-switch Lambda recognises the test
 * reason and only logs it. After a wait each is
 * set back to OK (P1/P2 announce the recovery). CloudWatch re-evaluates the alarm at its next period
 * anyway, so a real breach wins over the OK we set.
 */
import { CloudWatchClient, DescribeAlarmsCommand, SetAlarmStateCommand, StateValue } from '@aws-sdk/client-cloudwatch';
import { Command } from 'commander';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../config';
import { TEST_FIRE_REASON_PREFIX } from '../../lambdas/shared/test-fire';

export interface TestFireOptions {
  readonly client: CloudWatchClient;
  /** Alarm name prefix of the environment: `<service>-<env>-`. */
  readonly prefix: string;
  /** How long alarms stay in ALARM before they are returned to OK. */
  readonly waitSeconds: number;
  /** Only alarms whose name contains this text. */
  readonly match?: string;
  /** List what would be fired and stop. */
  readonly dryRun?: boolean;
  readonly log?: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
}

export interface AlarmOutcome {
  readonly alarmName: string;
  readonly type: 'metric' | 'composite';
  /** Observed state after SetAlarmState ALARM (DescribeAlarms), or undefined if setting it failed. */
  readonly fired?: string;
  /** Observed state after SetAlarmState OK. */
  readonly restored?: string;
  readonly error?: string;
}

export interface TestFireSummary {
  readonly alarms: readonly AlarmOutcome[];
  readonly passed: number;
  readonly failed: number;
}

/** Every alarm (metric and composite) whose name starts with the prefix, following pagination. */
export async function listAlarms(
  client: CloudWatchClient,
  prefix: string,
): Promise<Array<{ alarmName: string; type: 'metric' | 'composite'; state?: string }>> {
  const found: Array<{ alarmName: string; type: 'metric' | 'composite'; state?: string }> = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new DescribeAlarmsCommand({
        AlarmNamePrefix: prefix,
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        NextToken: nextToken,
        MaxRecords: 100,
      }),
    );
    for (const a of page.MetricAlarms ?? [])
      found.push({ alarmName: a.AlarmName!, type: 'metric', state: a.StateValue });
    for (const a of page.CompositeAlarms ?? [])
      found.push({ alarmName: a.AlarmName!, type: 'composite', state: a.StateValue });
    nextToken = page.NextToken;
  } while (nextToken);
  return found.sort((a, b) => a.alarmName.localeCompare(b.alarmName));
}

async function stateOf(client: CloudWatchClient, alarmName: string): Promise<string | undefined> {
  const result = await client.send(
    new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
  );
  return (result.MetricAlarms?.[0] ?? result.CompositeAlarms?.[0])?.StateValue;
}

/**
 * Set every matching alarm to ALARM, verify, wait once for all of them, set each back to OK, verify.
 * One failing alarm (missing permission, deleted meanwhile) does not stop the others.
 */
export async function testFireAlarms(options: TestFireOptions): Promise<TestFireSummary> {
  const log = options.log ?? ((line: string) => console.log(line));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? (() => new Date());
  const { client } = options;

  const alarms = (await listAlarms(client, options.prefix)).filter(
    (a) => !options.match || a.alarmName.includes(options.match),
  );
  if (alarms.length === 0) {
    log(
      `No alarms named ${options.prefix}*${options.match ? ` containing "${options.match}"` : ''}: is the environment deployed in this account and region?`,
    );
    return { alarms: [], passed: 0, failed: 0 };
  }
  log(`${alarms.length} alarms named ${options.prefix}*${options.dryRun ? ' (dry run: nothing is changed)' : ''}:`);
  if (options.dryRun) {
    for (const a of alarms) log(`  ${a.alarmName} (${a.type}, now ${a.state ?? 'unknown'})`);
    return { alarms: alarms.map((a) => ({ alarmName: a.alarmName, type: a.type })), passed: 0, failed: 0 };
  }

  const outcomes = new Map<
    string,
    { type: 'metric' | 'composite'; fired?: string; restored?: string; error?: string }
  >();
  const width = String(alarms.length).length;
  const step = (i: number) => `[${String(i + 1).padStart(width)}/${alarms.length}]`;

  for (const [i, a] of alarms.entries()) {
    try {
      await client.send(
        new SetAlarmStateCommand({
          AlarmName: a.alarmName,
          StateValue: StateValue.ALARM,
          StateReason: `${TEST_FIRE_REASON_PREFIX} at ${now().toISOString()}: checking notification routing; returns to OK in ${options.waitSeconds} s. Not a real incident.`,
        }),
      );
      const fired = await stateOf(client, a.alarmName);
      outcomes.set(a.alarmName, { type: a.type, fired });
      log(`${step(i)} ${a.alarmName}: ${fired === 'ALARM' ? 'ALARM' : `expected ALARM, reads ${fired}`}`);
    } catch (error) {
      outcomes.set(a.alarmName, { type: a.type, error: `could not set ALARM: ${(error as Error).message}` });
      log(`${step(i)} ${a.alarmName}: FAILED to set ALARM (${(error as Error).message})`);
    }
  }

  log(`Waiting ${options.waitSeconds} s so notifications are delivered before the recovery...`);
  await sleep(options.waitSeconds * 1000);

  for (const [i, a] of alarms.entries()) {
    const outcome = outcomes.get(a.alarmName)!;
    if (outcome.error) continue;
    try {
      await client.send(
        new SetAlarmStateCommand({
          AlarmName: a.alarmName,
          StateValue: StateValue.OK,
          StateReason: `${TEST_FIRE_REASON_PREFIX} over at ${now().toISOString()}.`,
        }),
      );
      outcome.restored = await stateOf(client, a.alarmName);
      log(`${step(i)} ${a.alarmName}: ${outcome.restored === 'OK' ? 'OK' : `expected OK, reads ${outcome.restored}`}`);
    } catch (error) {
      outcome.error = `could not set OK: ${(error as Error).message}`;
      log(`${step(i)} ${a.alarmName}: FAILED to set OK (${(error as Error).message})`);
    }
  }

  const results: AlarmOutcome[] = alarms.map((a) => ({ alarmName: a.alarmName, ...outcomes.get(a.alarmName)! }));
  const ok = (r: AlarmOutcome) => !r.error && r.fired === 'ALARM' && r.restored === 'OK';
  const passed = results.filter(ok).length;
  const failed = results.length - passed;
  log(`Summary: ${results.length} alarms, ${passed} fired and returned to OK, ${failed} failed.`);
  for (const r of results.filter((x) => !ok(x)))
    log(`  FAILED ${r.alarmName}: ${r.error ?? `ALARM step read ${r.fired}, OK step read ${r.restored}`}`);
  return { alarms: results, passed, failed };
}

export interface TestAlarmsDependencies {
  /** Build the CloudWatch client; tests point it at moto. */
  readonly client?: (region: string, endpoint?: string) => CloudWatchClient;
  readonly log?: (line: string) => void;
}

/** Registers `test-alarms <Env>` on the ops program. */
export function registerTestAlarms(program: Command, deps: TestAlarmsDependencies = {}): Command {
  return program
    .command('test-alarms')
    .description(
      'Set every alarm of an environment to ALARM (its actions run: P1 pages), wait, and return each to OK; prints progress and a summary',
    )
    .argument('<env>', 'environment name from the config, e.g. Prod')
    .option('-w, --wait <seconds>', 'seconds the alarms stay in ALARM', (v) => Number.parseInt(v, 10), 60)
    .option('-m, --match <text>', 'only alarms whose name contains this text')
    .option('--dry-run', 'list the alarms that would be fired, change nothing')
    .option('-c, --config <path>', 'config file', DEFAULT_CONFIG_PATH)
    .option('--endpoint <url>', 'CloudWatch endpoint (a local moto server); AWS_ENDPOINT_URL works too')
    .action(
      async (
        envName: string,
        opts: { wait: number; match?: string; dryRun?: boolean; config: string; endpoint?: string },
      ) => {
        const config = loadConfig(opts.config);
        const environment = config.environments.find((e) => e.name === envName);
        if (!environment)
          throw new Error(
            `no environment "${envName}" in ${opts.config}; choose one of ${config.environments.map((e) => e.name).join(', ')}`,
          );
        if (!Number.isFinite(opts.wait) || opts.wait < 0)
          throw new Error(`--wait ${opts.wait}: give a number of seconds, 0 or more`);
        const client = deps.client
          ? deps.client(environment.region, opts.endpoint)
          : new CloudWatchClient({ region: environment.region, ...(opts.endpoint ? { endpoint: opts.endpoint } : {}) });
        const log = deps.log ?? ((line: string) => console.log(line));
        if (!opts.dryRun)
          log(
            `Test-firing the alarms of ${environment.name} (${environment.account}, ${environment.region}): their subscribers are notified, P1 pages.`,
          );
        const summary = await testFireAlarms({
          client,
          prefix: `${config.service.name}-${environment.name.toLowerCase()}-`,
          waitSeconds: opts.wait,
          match: opts.match,
          dryRun: opts.dryRun,
          log,
        });
        if (summary.failed > 0)
          throw new Error(`${summary.failed} of ${summary.alarms.length} alarms did not fire and recover; see above`);
      },
    );
}
