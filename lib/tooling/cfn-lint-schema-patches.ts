import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KeptEntries, projectCacheDir } from '../common/kept-entries';
import { InstalledCfnLint, installedCfnLint } from './cfn-lint-install';

/**
 * cfn-lint 1.51's resource schema for AWS::ARCRegionSwitch::Plan predates properties the CloudFormation template
 * reference documents and Bulwark's plan uses, so it rejects them (E3002 "Additional properties are not allowed",
 * E3003 on every other branch of ExecutionBlockConfiguration's oneOf):
 * - the Aurora Serverless Scaling block: ExecutionBlockType `AuroraServerlessScaling` and
 *   ExecutionBlockConfiguration `AuroraServerlessScalingConfig`
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/
 *   aws-properties-arcregionswitch-plan-step.html, https://docs.aws.amazon.com/AWSCloudFormation/latest/
 *   TemplateReference/aws-properties-arcregionswitch-plan-auroraserverlessscalingconfiguration.html);
 * - a custom action's `Payload` (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/
 *   aws-properties-arcregionswitch-plan-lambdas.html#cfn-arcregionswitch-plan-lambdas-payload).
 * Rather than ignore E3002 (which catches real mistakes), cfn-lint gets its own schema with exactly these additions,
 * as a registry schema (`--registry-schemas`, which cfn-lint prefers over its built-in one for the type). Every other
 * rule of the schema stays cfn-lint's. When cfn-lint's schema already has an addition, it is left as cfn-lint has it.
 *
 * Measured: on the synthesized DrRegion template cfn-lint 1.51 reports nothing inside Workflows at all while a step
 * carries an intrinsic (the Lambda ARNs are Fn::GetAtt); the same plan with literal values shows the errors above.
 * So the schema is what makes a planted literal plan pass or fail (test/tooling/cfn-lint-schema-patches.test.ts),
 * and the plan's shape on the real templates is held by the template assertions (test/dr/region-switch-plan.test.ts).
 */
export const PLAN_TYPE = 'AWS::ARCRegionSwitch::Plan';

type Json = Record<string, unknown>;

/** AuroraServerlessScalingConfiguration, property by property from the CloudFormation template reference. */
export const AURORA_SERVERLESS_SCALING_CONFIGURATION: Json = {
  type: 'object',
  additionalProperties: false,
  properties: {
    CrossAccountRole: { type: 'string', pattern: '^arn:aws[a-zA-Z0-9-]*:iam::[0-9]{12}:role/.+$' },
    ExternalId: { type: 'string' },
    GlobalClusterIdentifier: {
      type: 'string',
      pattern: '^[A-Za-z][0-9A-Za-z-:._]*$',
      minLength: 1,
      maxLength: 255,
    },
    // "Per-Region configuration that maps each Region to the Aurora database cluster ARN", key and value patterns
    // from https://docs.aws.amazon.com/arc-region-switch/latest/api/API_AuroraServerlessScalingConfiguration.html.
    // Its "fixed number of 2 items" is left out: cfn-lint 1.51 then rejects every valid map (measured).
    RegionDatabaseClusterArns: {
      type: 'object',
      additionalProperties: false,
      patternProperties: {
        '^[a-z]{2}-[a-z-]+-\\d+$': {
          type: 'string',
          pattern: '^arn:aws[a-zA-Z-]*:rds:[a-z0-9-]+:\\d{12}:cluster:[A-Za-z][0-9A-Za-z-:._]*$',
        },
      },
    },
    TargetPercent: { type: 'number' },
    TimeoutMinutes: { type: 'number', minimum: 1 },
  },
  required: ['GlobalClusterIdentifier', 'RegionDatabaseClusterArns'],
};

/** cfn-lint's schema for the plan plus the documented additions above; the names of what was added. */
export function patchPlanSchema(schema: Json): { schema: Json; added: string[] } {
  const patched = JSON.parse(JSON.stringify(schema)) as Json;
  const definitions = patched.definitions as Record<string, Json>;
  const added: string[] = [];
  const blockType = definitions.ExecutionBlockType as { enum: string[] };
  if (!blockType.enum.includes('AuroraServerlessScaling')) {
    blockType.enum.push('AuroraServerlessScaling');
    added.push('ExecutionBlockType AuroraServerlessScaling');
  }
  if (!definitions.AuroraServerlessScalingConfiguration) {
    definitions.AuroraServerlessScalingConfiguration = AURORA_SERVERLESS_SCALING_CONFIGURATION;
    added.push('AuroraServerlessScalingConfiguration');
  }
  const blocks = (definitions.ExecutionBlockConfiguration as { oneOf: Json[] }).oneOf;
  if (!blocks.some((b) => (b.required as string[] | undefined)?.includes('AuroraServerlessScalingConfig'))) {
    blocks.push({
      type: 'object',
      title: 'AuroraServerlessScalingConfig',
      additionalProperties: false,
      properties: { AuroraServerlessScalingConfig: { $ref: '#/definitions/AuroraServerlessScalingConfiguration' } },
      required: ['AuroraServerlessScalingConfig'],
    });
    added.push('ExecutionBlockConfiguration AuroraServerlessScalingConfig');
  }
  const lambdas = definitions.Lambdas as { properties: Json };
  if (!lambdas.properties.Payload) {
    lambdas.properties.Payload = { type: 'string' };
    added.push('Lambdas Payload');
  }
  return { schema: patched, added };
}

/** cfn-lint's own schema for a type, read from the machine's cfn-lint (the one that will lint). */
export function cfnLintSchema(type: string): Json {
  const script =
    'import json, sys\n' +
    'from cfnlint.schema import PROVIDER_SCHEMA_MANAGER as m\n' +
    "print(json.dumps(m.get_resource_schema('us-east-1', sys.argv[1]).schema))\n";
  // Run outside any directory named like cfn-lint's own packages (its `jsonschema` would shadow the library).
  const result = spawnSync('python3', ['-c', script, type], { encoding: 'utf8', cwd: os.tmpdir() });
  if (result.status !== 0) throw new Error(`could not read cfn-lint's schema for ${type}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Json;
}

/** Where cfn-lint's own schemas are kept between runs, by the installed cfn-lint (cfn-lint-install.ts). */
export const DEFAULT_CFN_LINT_SCHEMA_CACHE_DIR = projectCacheDir('bulwark-cfn-lint-schemas');
const SCHEMA_ENTRY_FORMAT = 'bulwark-cfn-lint-schema-1';
const SCHEMA_ENTRIES_KEPT = 20;

export interface CfnLintSchemaSource {
  /** Where schemas are kept; false reads cfn-lint's every time. @default DEFAULT_CFN_LINT_SCHEMA_CACHE_DIR */
  readonly cacheDir?: string | false;
  /** How a schema is read from cfn-lint. @default cfnLintSchema (a Python process that loads cfn-lint) */
  readonly read?: (type: string) => Json;
  /** The cfn-lint the schema is read from. @default installedCfnLint() */
  readonly installed?: () => InstalledCfnLint;
}

/**
 * cfn-lint's own schema for a type, kept by the cfn-lint that has it (its version and entry script) and the type.
 * Why: reading it loads cfn-lint in a Python process, about 1.1 s of CPU, and every process that lints paid it
 * (`npm run cfn-lint`'s two runs and half a dozen jest files) for the same answer. cfn-lint's schemas ship inside
 * its package, so the same installed cfn-lint gives the same schema; another version or install reads it again.
 */
export function keptCfnLintSchema(type: string, source: CfnLintSchemaSource = {}): Json {
  const read = source.read ?? cfnLintSchema;
  const cacheDir = source.cacheDir ?? DEFAULT_CFN_LINT_SCHEMA_CACHE_DIR;
  if (cacheDir === false) return read(type);
  const installed = (source.installed ?? installedCfnLint)();
  const key = createHash('sha256')
    .update(`${SCHEMA_ENTRY_FORMAT}\0${installed.version}\0${type}\0`)
    .update(installed.script)
    .digest('hex');
  const entries = new KeptEntries<Json>(
    cacheDir,
    SCHEMA_ENTRY_FORMAT,
    SCHEMA_ENTRIES_KEPT,
    (value) => typeof value === 'object' && value !== null && (value as Json).typeName === type,
  );
  const kept = entries.get(key);
  if (kept) return kept;
  const schema = read(type);
  entries.put(key, schema);
  return schema;
}

let cached: string | null | undefined;

/**
 * A directory holding the patched plan schema for `cfn-lint --registry-schemas`, or undefined when cfn-lint's own
 * schema already has every addition. Written once per process, named by the content's hash.
 */
export function registrySchemasDir(): string | undefined {
  if (cached !== undefined) return cached ?? undefined;
  const { schema, added } = patchPlanSchema(keptCfnLintSchema(PLAN_TYPE));
  if (added.length === 0) {
    cached = null;
    return undefined;
  }
  const text = JSON.stringify(schema);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), `bulwark-cfn-lint-schemas-${hash}`);
  fs.mkdirSync(dir, { recursive: true });
  // Written beside the folder and renamed in: a cfn-lint running at the same time (the other jest worker, the
  // other half of `npm run cfn-lint`) reads every file in the folder, and must never see a half-written schema.
  // rename(2) replaces the name atomically within one file system.
  const target = path.join(dir, 'aws-arcregionswitch-plan.json');
  const staging = `${dir}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(staging, text);
  fs.renameSync(staging, target);
  cached = dir;
  return dir;
}
