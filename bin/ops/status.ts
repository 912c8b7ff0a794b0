/**
 * `npm run ops -- status <Env> [--json|--markdown] [--explain]`: the seeds' /prodstatus on one screen, in a few
 * seconds, with your AWS credentials: the verdict and the rule that decided it, the signals over the last hour and
 * 24 h, backups against their RPO, DR replication lag and the Region switch plan's readiness (in the DR region),
 * kill switches, alarms in ALARM, incidents, the week's deployments (flagged when one started shortly before an
 * incident), and spend against the budget. Every name comes from its owner (alarm
 * factory, incident record, kill switches, canary, backup verifier, BlueGreenService); the gathering and the verdict
 * are bin/ops/status/ (pure, injected clients and clock). AWS_ENDPOINT_URL (honoured by the SDK) points it at moto.
 */
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { BudgetsClient } from '@aws-sdk/client-budgets';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Command } from 'commander';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../config';
import type { StoreDeps } from '../../lambdas/incident-recorder/store';
import { ArcRegionSwitchClient } from '../../lambdas/shared/arc-region-switch';
import { CLIENT_CONFIG } from '../../lambdas/shared/aws';
import { BACKUP_AGE_METRIC } from '../../lib/backup/backup-verifier';
import { canarySuccessMetric } from '../../lib/canary/canary-metrics';
import { Naming } from '../../lib/common/naming';
import { globalDbRpoSeconds } from '../../lib/data/global-database';
import { incidentSettings } from '../../lib/incidents/incident-record';
import { budgetName } from '../../lib/killswitch/kill-switch-settings';
import { alarmNamePrefix } from '../../lib/monitoring/alarm-factory';
import { serviceBaseName } from '../../lib/service/blue-green-service';
import { DR_REGION_STACK_ID } from '../../lib/stacks/dr-region-stack';
import { explainStatus, renderExplanation } from './status/explain';
import { DrClients, StatusClients, StatusTarget, gatherStatus } from './status/gather';
import { renderStatus } from './status/render';
import { settingsFor } from './switch';

/**
 * AWS Budgets has one endpoint, in us-east-1, whatever the environment's region
 * (https://docs.aws.amazon.com/general/latest/gr/billing.html).
 */
export const BUDGETS_REGION = 'us-east-1';

export interface StatusCommandDeps {
  readonly clients?: (region: string) => StatusClients;
  /** Clients in the environment's DR region (only asked for when it has one). */
  readonly drClients?: (region: string) => DrClients;
  readonly bedrock?: (region: string) => BedrockRuntimeClient;
  readonly print?: (text: string) => void;
  readonly now?: () => number;
}

/** What to read for one environment, from the config the stacks were built from. */
export function statusTargetFor(
  configPath: string,
  environmentName: string,
): { target: StatusTarget; explainModelId: string } {
  const config = loadConfig(configPath);
  const environment = config.environments.find((e) => e.name === environmentName);
  if (!environment) {
    throw new Error(
      `no environment "${environmentName}" in ${configPath}; have ${config.environments.map((e) => e.name).join(', ')}`,
    );
  }
  const naming = new Naming(config.service.name, environment.name);
  const incidents = incidentSettings(naming, {});
  const deployment = serviceBaseName(naming);
  const canary = canarySuccessMetric(naming);
  const target: StatusTarget = {
    service: config.service.name,
    environment: environment.name,
    region: environment.region,
    alarmNamePrefix: alarmNamePrefix(naming),
    incidents,
    switches: settingsFor(configPath, environmentName).settings,
    deploymentGroup: { application: deployment, group: deployment },
    budget: { accountId: environment.account, name: budgetName(naming) },
    canary: { namespace: canary.namespace, metricName: canary.metricName, dimensions: canary.dimensions },
    backupMetric: { namespace: naming.metricNamespace, metricName: BACKUP_AGE_METRIC },
    correlationWindowMs: incidents.contextLeadSeconds * 1000,
    ...(environment.dr
      ? {
          dr: {
            region: environment.dr.region,
            stackName: DR_REGION_STACK_ID,
            // DrRegion names its resources `<service>-dr-...` (lib/stacks/dr-region-stack.ts).
            alarmNamePrefix: alarmNamePrefix(new Naming(config.service.name, 'dr')),
            globalDbRpoSeconds: globalDbRpoSeconds(environment),
            planEvaluationMaxAgeSeconds: PLAN_EVALUATION_MAX_AGE_SECONDS,
          },
        }
      : {}),
  };
  return { target, explainModelId: config.operations.explainModelId };
}

/**
 * Region switch "automatically evaluates your plan multiple times per hour"
 * (https://docs.aws.amazon.com/r53recovery/latest/dg/working-with-rs-plan-evaluation.html): an evaluation older than
 * an hour means they stopped. The drill's default bound too (lambdas/dr-drill/drill.ts planEvaluationMaxAgeSeconds).
 */
export const PLAN_EVALUATION_MAX_AGE_SECONDS = 3600;

/** Structured lines on stderr (the incident store logs its retries), so stdout stays the answer. */
const stderrLogger = {
  info: (message: string, extra?: object) => console.error(JSON.stringify({ level: 'INFO', message, ...extra })),
  warn: (message: string, extra?: object) => console.error(JSON.stringify({ level: 'WARN', message, ...extra })),
  error: (message: string, extra?: object) => console.error(JSON.stringify({ level: 'ERROR', message, ...extra })),
} as unknown as StoreDeps['logger'];

function defaultClients(region: string): StatusClients {
  // Fewer SDK attempts than a Lambda's: one screen in a few seconds matters more than outlasting a long throttle.
  const config = { ...CLIENT_CONFIG, maxAttempts: 3, region };
  const cloudwatch = new CloudWatchClient(config);
  return {
    cloudwatch,
    ssm: new SSMClient(config),
    codedeploy: new CodeDeployClient(config),
    budgets: new BudgetsClient({ ...config, region: BUDGETS_REGION }),
    incidentStore: {
      ddb: DynamoDBDocumentClient.from(new DynamoDBClient(config), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      cloudwatch,
      logger: stderrLogger,
    },
  };
}

export function defaultDrClients(region: string): DrClients {
  const config = { ...CLIENT_CONFIG, maxAttempts: 3, region };
  const cloudwatch = new CloudWatchClient(config);
  return {
    cloudwatch,
    cloudformation: new CloudFormationClient(config),
    // The same credentials as the SDK clients (your profile or environment); the data plane of the DR region. Like
    // the SDK clients, it follows AWS_ENDPOINT_URL, so a run pointed at a local server never reaches AWS.
    regionSwitch: new ArcRegionSwitchClient({
      region,
      credentials: cloudwatch.config.credentials,
      maxAttempts: 3,
      ...(process.env.AWS_ENDPOINT_URL ? { endpoint: process.env.AWS_ENDPOINT_URL } : {}),
    }),
  };
}

interface StatusOptions {
  readonly config: string;
  readonly json?: boolean;
  readonly markdown?: boolean;
  readonly explain?: boolean;
}

export function registerStatus(program: Command, deps: StatusCommandDeps = {}): Command {
  const print = deps.print ?? ((text: string) => console.log(text));
  program
    .command('status')
    .description(
      'the environment at a glance (the /prodstatus): verdict, signals, alarms, incidents, deployments, cost',
    )
    .argument('<environment>', 'environment name, e.g. Prod')
    .option('--json', 'print the status as JSON')
    .option('--markdown', 'print Markdown (for a ticket or a chat)')
    .option('--explain', 'add a short narrative generated by Amazon Bedrock from the status JSON (off by default)')
    .option('-c, --config <path>', 'config file', DEFAULT_CONFIG_PATH)
    .action(async (environment: string, options: StatusOptions) => {
      if (options.json && options.markdown) throw new Error('choose one of --json and --markdown');
      const { target, explainModelId } = statusTargetFor(options.config, environment);
      const now = (deps.now ?? Date.now)();
      const clients = (deps.clients ?? defaultClients)(target.region);
      const dr = target.dr ? (deps.drClients ?? defaultDrClients)(target.dr.region) : undefined;
      const report = await gatherStatus(target, { ...clients, ...(dr ? { dr } : {}) }, now);
      let explanation: { text: string } | { error: string } | undefined;
      if (options.explain) {
        const bedrock = (
          deps.bedrock ?? ((region) => new BedrockRuntimeClient({ ...CLIENT_CONFIG, maxAttempts: 3, region }))
        )(target.region);
        explanation = await explainStatus(report, bedrock, explainModelId).then(
          (text) => ({ text }),
          (error: Error) => ({ error: `${error.name}: ${error.message}` }),
        );
      }
      if (options.json) {
        print(
          JSON.stringify(
            explanation
              ? { ...report, explanation: { generated: true, modelId: explainModelId, ...explanation } }
              : report,
            null,
            2,
          ),
        );
        return;
      }
      const markdown = Boolean(options.markdown);
      print(
        renderStatus(report, { markdown }) + (explanation ? `\n\n${renderExplanation(explanation, { markdown })}` : ''),
      );
    });
  return program;
}
