#!/usr/bin/env node
// First: the Lambdas are bundled on another thread while the rest of the app loads (lib/common/lambda-bundles.ts).
import '../lib/common/lambda-bundles-prefetch';
import { App, Validations } from 'aws-cdk-lib';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig, ResolvedConfig } from '../config';
import { buildBulwarkApp, parseDrillContext } from '../lib/app';
import { CachedCloudFormationValidation } from '../lib/common/cloudformation-validation-cache';

const app = new App();

let config: ResolvedConfig;
let drill: boolean | 'switchover';
try {
  const configPath = String(app.node.tryGetContext('config') ?? DEFAULT_CONFIG_PATH);
  drill = parseDrillContext(app.node.tryGetContext('drill'));
  config = loadConfig(configPath);
} catch (error) {
  // A config or context mistake is the user's to fix, not a crash: print the named errors without a stack trace.
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

// The built-in CloudFormation validation, its report reused while no template changed (the same check: see
// lib/common/cloudformation-validation-cache.ts). CDK_VALIDATION=false still turns it off, as it does the default.
// It is registered after cdk-nag and the Control Tower checks (the report's order), and the Control Tower plugin
// starts it first, so that without a kept report it validates in a worker thread while cfn-guard runs.
const cloudFormationValidation =
  process.env.CDK_VALIDATION !== 'false' ? new CachedCloudFormationValidation() : undefined;
buildBulwarkApp(app, config, {
  drill,
  startAlongsideControlTower: cloudFormationValidation ? [cloudFormationValidation] : [],
});
if (cloudFormationValidation) {
  Validations.of(app).addPlugins(cloudFormationValidation);
  // The constructs are built: a tree not seen with a kept report builds the validation engine on the other core
  // while the main thread synthesizes the templates (lib/common/cloudformation-validation-cache.ts startEngine).
  cloudFormationValidation.startEngine(app);
}
