import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { config as userConfig } from '../../config/bulwark.config';
import { BulwarkConfigInput, ResolvedConfig, validateConfig } from '../../config';
import { BulwarkAppOptions, BulwarkStacks, buildBulwarkApp } from '../../lib/app';

const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };

/**
 * An App with cdk.json's context: jest's `new App()` does not read cdk.json, and without its
 * feature flags the templates would differ from what `cdk synth` produces.
 */
export function testApp(extraContext: Record<string, unknown> = {}): App {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-test-'));
  return new App({ outdir, context: { ...cdkJson.context, ...extraContext }, builtinCloudFormationValidation: false });
}

/** A fresh copy of the default config input, for tests that change one field. */
export function defaultConfigInput(): BulwarkConfigInput {
  return structuredClone(userConfig);
}

export function defaultConfig(): ResolvedConfig {
  return validateConfig(defaultConfigInput());
}

export interface SynthesizedBulwark {
  readonly app: App;
  readonly stacks: BulwarkStacks;
  readonly assembly: CloudAssembly;
  /** Template of a stack by id (Dev, Staging, Prod, DrRegion, Pipeline). */
  template(stackId: string): Template;
  stack(stackId: string): Stack;
}

/**
 * Build and synthesize the whole app once, with cdk-nag on: synth throws ValidationFailed (and the
 * test fails with the report) on any unacknowledged finding. Call it once per test file and share it.
 */
export function synthBulwark(config: ResolvedConfig = defaultConfig(), options: BulwarkAppOptions = {}, context: Record<string, unknown> = {}): SynthesizedBulwark {
  const app = testApp(context);
  const stacks = buildBulwarkApp(app, config, { nag: true, ...options });
  const assembly = app.synth();
  const templates = new Map<string, Template>();
  const stack = (stackId: string): Stack => {
    const found = app.node.tryFindChild(stackId);
    if (!(found instanceof Stack)) throw new Error(`no stack with id ${stackId}; have ${app.node.children.map((c) => c.node.id).join(', ')}`);
    return found;
  };
  return {
    app,
    stacks,
    assembly,
    stack,
    template(stackId: string): Template {
      if (!templates.has(stackId)) templates.set(stackId, Template.fromJSON(assembly.getStackByName(stack(stackId).stackName).template));
      return templates.get(stackId)!;
    },
  };
}
