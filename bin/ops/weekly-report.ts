/**
 * `npm run ops -- weekly-report <Env> [--week YYYY-Www] [--json|--markdown] [--html <file>]`: the weekly ops
 * report (the seeds' "Weekly Ops Report") for one ISO week, by default the last complete one (UTC), with your AWS
 * credentials: the same gathering, figures and renderings as the scheduled Lambda (lambdas/weekly-report/),
 * printed instead of archived. AWS_ENDPOINT_URL (honoured by the SDK) points it at moto.
 */
import * as fs from 'fs';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Command } from 'commander';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../config';
import type { StoreDeps } from '../../lambdas/incident-recorder/store';
import { CLIENT_CONFIG } from '../../lambdas/shared/aws';
import { COST_EXPLORER_REGION, WeeklyReportClients, gatherWeekly } from '../../lambdas/weekly-report/gather';
import { renderWeeklyHtml } from '../../lambdas/weekly-report/html';
import { renderWeeklyMarkdown } from '../../lambdas/weekly-report/markdown';
import { buildWeeklyReport } from '../../lambdas/weekly-report/model';
import type { WeeklyReportSettings } from '../../lambdas/weekly-report/settings';
import { lastCompleteWeek, parseIsoWeek } from '../../lambdas/weekly-report/week';
import { Naming } from '../../lib/common/naming';
import { weeklyReportSettings } from '../../lib/ops-report/weekly-report';
import { describeAlarms, watchedResources } from './status/gather';

export interface WeeklyReportCommandDeps {
  readonly clients?: (region: string) => WeeklyReportClients;
  readonly print?: (text: string) => void;
  readonly now?: () => number;
  /** How long to poll the Logs Insights query. @default 120 s */
  readonly queryWaitMs?: number;
}

/** The report's settings for one environment, from the config the stacks were built from. */
export function weeklyReportSettingsFor(configPath: string, environmentName: string): WeeklyReportSettings {
  const config = loadConfig(configPath);
  const environment = config.environments.find((e) => e.name === environmentName);
  if (!environment) {
    const have = config.environments.map((e) => e.name).join(', ');
    throw new Error(`no environment "${environmentName}" in ${configPath}; have ${have}`);
  }
  return weeklyReportSettings(new Naming(config.service.name, environment.name), environment);
}

/** Structured lines on stderr (the incident store logs its retries), so stdout stays the report. */
const stderrLogger = {
  info: (message: string, extra?: object) => console.error(JSON.stringify({ level: 'INFO', message, ...extra })),
  warn: (message: string, extra?: object) => console.error(JSON.stringify({ level: 'WARN', message, ...extra })),
  error: (message: string, extra?: object) => console.error(JSON.stringify({ level: 'ERROR', message, ...extra })),
} as unknown as StoreDeps['logger'];

function defaultClients(region: string): WeeklyReportClients {
  const config = { ...CLIENT_CONFIG, maxAttempts: 3, region };
  const cloudwatch = new CloudWatchClient(config);
  return {
    cloudwatch,
    codedeploy: new CodeDeployClient(config),
    logs: new CloudWatchLogsClient(config),
    costExplorer: new CostExplorerClient({ ...config, region: COST_EXPLORER_REGION }),
    incidentStore: {
      ddb: DynamoDBDocumentClient.from(new DynamoDBClient(config), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      cloudwatch,
      logger: stderrLogger,
    },
  };
}

interface WeeklyReportOptions {
  readonly config: string;
  readonly week?: string;
  readonly json?: boolean;
  readonly markdown?: boolean;
  readonly html?: string;
}

export function registerWeeklyReport(program: Command, deps: WeeklyReportCommandDeps = {}): Command {
  const print = deps.print ?? ((text: string) => console.log(text));
  program
    .command('weekly-report')
    .description(
      'the weekly ops report: availability, incidents with MTTD/MTTR, latency, 5xx, top errors, cost, deployments',
    )
    .argument('<environment>', 'environment name, e.g. Prod')
    .option('--week <YYYY-Www>', 'ISO week (UTC), e.g. 2026-W47; default: the last complete week')
    .option('--json', 'print the report as JSON')
    .option('--markdown', 'print Markdown (the default)')
    .option('--html <file>', 'also write the standalone HTML page with charts to this file')
    .option('-c, --config <path>', 'config file', DEFAULT_CONFIG_PATH)
    .action(async (environment: string, options: WeeklyReportOptions) => {
      if (options.json && options.markdown) throw new Error('choose one of --json and --markdown');
      const now = (deps.now ?? Date.now)();
      const week = options.week ? parseIsoWeek(options.week) : lastCompleteWeek(now);
      if (week.start > now) throw new Error(`week ${week.label} has not started yet`);
      const settings = weeklyReportSettingsFor(options.config, environment);
      const clients = (deps.clients ?? defaultClients)(settings.region);
      // The load balancer's dimension as the environment's alarms watch it (the Lambda gets it at synth).
      const findLoadBalancer = async () =>
        watchedResources((await describeAlarms(clients, settings)).metricAlarms, settings).loadBalancer;
      const inputs = await gatherWeekly(settings, clients, week, now, {
        findLoadBalancer,
        queryWaitMs: deps.queryWaitMs,
      });
      const report = buildWeeklyReport(inputs);
      if (options.html) {
        fs.writeFileSync(options.html, renderWeeklyHtml(report));
        console.error(`wrote ${options.html}`);
      }
      print(options.json ? JSON.stringify(report, null, 2) : renderWeeklyMarkdown(report));
    });
  return program;
}
