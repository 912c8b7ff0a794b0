#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig, ResolvedConfig } from '../config';
import { buildBulwarkApp } from '../lib/app';

const app = new App();
const configPath = (app.node.tryGetContext('config') as string | undefined) ?? DEFAULT_CONFIG_PATH;
const drill = String(app.node.tryGetContext('drill')) === 'true';

let config: ResolvedConfig;
try {
  config = loadConfig(configPath);
} catch (error) {
  // A config mistake is the user's to fix, not a crash: print the named errors without a stack trace.
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

buildBulwarkApp(app, config, { drill });
