import * as path from 'path';
import { App, Aspects, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, DrConfig, EnvironmentConfig, ResolvedConfig } from '../config';
import {
  ControlTowerDesignDecisions,
  ValidationStartedAlongside,
  acknowledgeKeyGrantControl,
  controlTowerChecks,
} from './common/control-tower';
import { WeakReferenceFingerprint } from './common/weak-reference-fingerprint';
import { RunbookCheck } from './monitoring/runbook-check';
import { DrRegionStack, DR_REGION_STACK_ID } from './stacks/dr-region-stack';
import { EnvironmentStack } from './stacks/environment-stack';
import { PipelineStack } from './stacks/pipeline-stack';

export interface BulwarkAppOptions {
  /**
   * Add the DR drill to DrRegion: `true` measures without moving live traffic (`-c drill=true`); `'switchover'` runs
   * the Region switch plan's graceful switchover to DrRegion and back (`-c drill=switchover`).
   */
  readonly drill?: boolean | 'switchover';
  /** Run cdk-nag's AwsSolutions pack on every stack; an unacknowledged finding fails synth. */
  readonly nag?: boolean;
  /** Run the AWS Control Tower proactive controls (cfn-guard) on every stack; an unacknowledged finding fails synth. */
  readonly controlTower?: boolean;
  /** Where runbooks live; every alarm must link one that exists here. @default the repository's runbooks/ */
  readonly runbooksDir?: string;
  /**
   * Validations the Control Tower plugin starts before its cfn-guard runs, so they work at the same time
   * (bin/app.ts passes the built-in CloudFormation validation it registers after this plugin). @default none
   */
  readonly startAlongsideControlTower?: readonly ValidationStartedAlongside[];
}

export const DEFAULT_RUNBOOKS_DIR = path.join(__dirname, '..', 'runbooks');

export interface BulwarkStacks {
  readonly environments: readonly EnvironmentStack[];
  readonly drRegion?: DrRegionStack;
  readonly pipeline: PipelineStack;
}

/**
 * The `drill` context (`-c drill=true`, or `"drill": true` in cdk.json): true, false or switchover in any case.
 * Anything else is refused by name: read as false, `-c drill=yes` would deploy without the drill and nobody would
 * notice.
 */
export function parseDrillContext(value: unknown): boolean | 'switchover' {
  if (value === undefined || typeof value === 'boolean') return value === true;
  const text = String(value).trim().toLowerCase();
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'switchover') return 'switchover';
  throw new ConfigError('-c drill', [
    `drill ${JSON.stringify(value)}: must be true or false; run the DR drill with \`npx cdk deploy DrRegion -c drill=true\`, ` +
      'or leave -c drill out (`-c drill=switchover` runs the Region switch plan to DrRegion and back, moving live traffic)',
  ]);
}

/** Create every Bulwark stack in `app` from a validated config. bin/app.ts and the tests share this. */
export function buildBulwarkApp(app: App, config: ResolvedConfig, options: BulwarkAppOptions = {}): BulwarkStacks {
  const primary = config.environments.find((env): env is EnvironmentConfig & { dr: DrConfig } => env.dr !== undefined);
  const drRegion = primary
    ? new DrRegionStack(app, { service: config.service, primary, drill: options.drill })
    : undefined;

  const environments = config.environments.map((environment) => {
    const stack = new EnvironmentStack(app, {
      service: config.service,
      environment,
      toolingAccount: config.pipeline.account,
      drDataSinks: environment === primary ? drRegion?.dataSinks : undefined,
      drStandbyHealthCheck: environment === primary ? drRegion?.failover.failover.healthCheck : undefined,
      drPlanHealthCheckId: environment === primary ? drRegion?.planHealthChecks.primaryHealthCheckId : undefined,
      drDatabaseSite: environment === primary ? drRegion?.databaseSite : undefined,
    });
    // DrRegion holds Prod's DR data sinks (copy vault, replica bucket): a first `cdk deploy Prod` brings it up first.
    if (drRegion && environment === primary) {
      stack.addStackDependency(
        drRegion,
        'Prod copies backups and replicates objects into DrRegion, and creates its global database secondary there',
      );
      // DrRegion's values reach Prod as weak references (Fn::GetStackOutput): a change to them must change Prod too.
      new WeakReferenceFingerprint(stack, 'DrRegionReferences', {
        parameterName: stack.naming.parameter('dr-region-references'),
      });
    }
    return stack;
  });

  // The tooling account's pipeline runs `cdk deploy <Env>` for each of the stacks above, in config order.
  const pipeline = new PipelineStack(app, {
    service: config.service,
    pipeline: config.pipeline,
    environments: config.environments,
    drStackId: drRegion ? DR_REGION_STACK_ID : undefined,
  });

  Aspects.of(app).add(
    new RunbookCheck({
      runbooksDir: options.runbooksDir ?? DEFAULT_RUNBOOKS_DIR,
      runbookBaseUrl: config.service.runbookBaseUrl,
    }),
  );
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  if (options.controlTower ?? true) {
    Validations.of(app).addPlugins(controlTowerChecks({ startAlongside: options.startAlongsideControlTower }));
    Aspects.of(app).add(new ControlTowerDesignDecisions());
    acknowledgeKeyGrantControl(app);
  }
  return { environments, drRegion, pipeline };
}
