#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../config';
import { buildBulwarkApp } from '../lib/app';

const app = new App();
const configPath = (app.node.tryGetContext('config') as string | undefined) ?? DEFAULT_CONFIG_PATH;
const drill = String(app.node.tryGetContext('drill')) === 'true';

buildBulwarkApp(app, loadConfig(configPath), { drill });
