import type * as ChildProcess from 'child_process';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCfnLint } from '../../lib/tooling/cfn-lint';
import {
  PLAN_TYPE,
  cfnLintSchema,
  keptCfnLintSchema,
  patchPlanSchema,
  registrySchemasDir,
} from '../../lib/tooling/cfn-lint-schema-patches';

/**
 * cfn-lint's own plan schema is read by a Python process that loads cfn-lint (cfnLintSchema, about 1.1 s of CPU).
 * Here the patch test reads it directly, and the linting (registrySchemasDir) reads it unless a run before kept it
 * (keptCfnLintSchema). The same installed cfn-lint gives the same answer within a run, so the first read's answer
 * serves the others; every other process (cfn-lint itself, its version) runs as it would. `failSchemaReads` makes
 * a read fail instead, to show what is served without one.
 */
// Node's own module object, which lib's imports read spawnSync from at each call (an `import * as` here is a copy).
const childProcess = jest.requireActual<typeof ChildProcess>('child_process');
const realSpawnSync = childProcess.spawnSync;
const schemaReads = new Map<string, ReturnType<typeof realSpawnSync>>();
let failSchemaReads = false;
const schemaReadOnce = jest.spyOn(childProcess, 'spawnSync').mockImplementation(((
  command: string,
  args: readonly string[],
  options: ChildProcess.SpawnSyncOptions,
) => {
  const readsSchema = command === 'python3' && args.some((arg) => arg.includes('get_resource_schema'));
  if (!readsSchema) return realSpawnSync(command, args, options);
  if (failSchemaReads) return { status: 1, stderr: 'schema reads fail in this test', stdout: '' } as never;
  const key = JSON.stringify([args, options?.cwd]);
  if (!schemaReads.has(key)) schemaReads.set(key, realSpawnSync(command, args, options));
  return schemaReads.get(key)!;
}) as typeof ChildProcess.spawnSync);
afterAll(() => schemaReadOnce.mockRestore());

/**
 * cfn-lint 1.51's AWS::ARCRegionSwitch::Plan schema lacks the Aurora Serverless Scaling block and a custom action's
 * Payload, both in the CloudFormation template reference. Planted plans with literal values (cfn-lint skips the
 * workflows of a plan whose steps hold intrinsics) show the patch lets exactly those through and that E3002 still
 * catches a wrong property.
 */
const clusterArns = {
  'us-east-1': 'arn:aws:rds:us-east-1:333333333333:cluster:orders-prod-db',
  'us-west-2': 'arn:aws:rds:us-west-2:333333333333:cluster:orders-dr-db',
};
const plan = (serverless: Record<string, unknown>) => ({
  Resources: {
    Plan: {
      Type: PLAN_TYPE,
      Properties: {
        Name: 'orders-dr-switch',
        ExecutionRole: 'arn:aws:iam::333333333333:role/orders-dr-switch-execution',
        RecoveryApproach: 'activePassive',
        PrimaryRegion: 'us-east-1',
        Regions: ['us-east-1', 'us-west-2'],
        Workflows: [
          {
            WorkflowTargetAction: 'activate',
            WorkflowTargetRegion: 'us-west-2',
            Steps: [
              {
                Name: 'freeze-and-notify',
                ExecutionBlockType: 'CustomActionLambda',
                ExecutionBlockConfiguration: {
                  CustomActionLambdaConfig: {
                    Lambdas: [
                      {
                        Arn: 'arn:aws:lambda:us-west-2:333333333333:function:orders-dr-region-switch-action',
                        Payload: '{"action":"activate"}',
                      },
                    ],
                    RegionToRun: 'activatingRegion',
                    RetryIntervalMinutes: 1,
                  },
                },
              },
              {
                Name: 'aurora-serverless-capacity',
                ExecutionBlockType: 'AuroraServerlessScaling',
                ExecutionBlockConfiguration: {
                  AuroraServerlessScalingConfig: { GlobalClusterIdentifier: 'orders-global', ...serverless },
                },
              },
            ],
          },
        ],
      },
    },
  },
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-plan-schema-'));
const write = (name: string, template: object) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(template, null, 1));
  return file;
};
const valid = write('Valid.template.json', plan({ RegionDatabaseClusterArns: clusterArns, TargetPercent: 100 }));
const bogus = write('Bogus.template.json', plan({ RegionDatabaseClusterArns: clusterArns, TargetPercentage: 100 }));
const badArn = write(
  'BadArn.template.json',
  plan({ RegionDatabaseClusterArns: { ...clusterArns, 'us-west-2': 'arn:aws:rds:us-west-2:333333333333:db:x' } }),
);
const findings = runCfnLint([valid, bogus, badArn]);
const errorsOf = (file: string) =>
  findings.filter((f) => f.file === file && f.level === 'Error').map((f) => `${f.rule} ${f.message}`);

describe("cfn-lint's Region switch plan schema, patched with what the template reference documents", () => {
  test('adds the Aurora Serverless Scaling block and Payload, and nothing twice', () => {
    const { schema, added } = patchPlanSchema(cfnLintSchema(PLAN_TYPE));
    expect(added).toEqual([
      'ExecutionBlockType AuroraServerlessScaling',
      'AuroraServerlessScalingConfiguration',
      'ExecutionBlockConfiguration AuroraServerlessScalingConfig',
      'Lambdas Payload',
    ]);
    expect(patchPlanSchema(schema).added).toEqual([]);
  });

  test('a plan with the Aurora Serverless Scaling step and a Payload has no errors', () => {
    expect(errorsOf(valid)).toEqual([]);
  });

  test('E3002 still catches a property the block does not have', () => {
    expect(errorsOf(bogus)).toContain(
      "E3002 Additional properties are not allowed ('TargetPercentage' was unexpected. Did you mean 'TargetPercent'?)",
    );
  });

  test("a region's value that is not a cluster ARN is refused", () => {
    expect(errorsOf(badArn).some((e) => e.includes('arn:aws:rds:us-west-2:333333333333:db:x'))).toBe(true);
  });

  test('without the patch, cfn-lint 1.51 rejects the valid plan (what the patch is for)', () => {
    const result = spawnSync('cfn-lint', ['--format', 'parseable', '--', valid], { encoding: 'utf8' });
    expect(result.stdout).toMatch(/E3002:Additional properties are not allowed \('AuroraServerlessScalingConfig'/);
    expect(result.stdout).toMatch(/E3002:Additional properties are not allowed \('Payload' was unexpected\)/);
  });
});

describe('the patched schema folder', () => {
  // cfn-lint reads every file in the folder; a concurrent writer must never expose a half-written schema there.
  // Writing the name in place truncates the file a reader may hold open; a rename gives the name a new, complete file.
  test('a second writer replaces the schema file by rename (a new inode), never rewrites it in place', async () => {
    const dir = registrySchemasDir();
    expect(dir).toBeDefined();
    const target = path.join(dir!, 'aws-arcregionswitch-plan.json');
    const before = fs.statSync(target).ino;
    // A fresh copy of the module: registrySchemasDir keeps its answer for the life of the module.
    await jest.isolateModulesAsync(async () => {
      const fresh = await import('../../lib/tooling/cfn-lint-schema-patches');
      expect(fresh.registrySchemasDir()).toBe(dir);
    });
    expect(fs.statSync(target).ino).not.toBe(before);
    expect(fs.readdirSync(dir!)).toEqual(['aws-arcregionswitch-plan.json']);
    expect(JSON.parse(fs.readFileSync(target, 'utf8')).typeName).toBe(PLAN_TYPE);
  });
});

describe("cfn-lint's own schema, kept by the cfn-lint that has it", () => {
  const cacheDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-cfn-lint-schemas-test-'));
  /** A stand-in for cfn-lint's Python read, counting its calls; each answer says which call gave it. */
  function countingReader() {
    const calls: string[] = [];
    const read = (type: string) => {
      calls.push(type);
      return { typeName: type, call: calls.length };
    };
    return { calls, read };
  }
  const installed =
    (version: string, script = '#!/usr/bin/python3\nfrom cfnlint.runner import main\n') =>
    () => ({
      version,
      script: Buffer.from(script),
    });

  test('read once, then kept: another version, entry script or type reads again, and so does a damaged entry', () => {
    const dir = cacheDir();
    const { calls, read } = countingReader();
    const keep = (type: string, version = '1.51.0', script?: string) =>
      keptCfnLintSchema(type, { cacheDir: dir, read, installed: installed(version, script) });

    expect(keep(PLAN_TYPE)).toEqual({ typeName: PLAN_TYPE, call: 1 });
    expect(keep(PLAN_TYPE)).toEqual({ typeName: PLAN_TYPE, call: 1 });
    expect(calls).toHaveLength(1);

    expect(keep(PLAN_TYPE, '1.52.0')).toEqual({ typeName: PLAN_TYPE, call: 2 });
    expect(keep(PLAN_TYPE, '1.51.0', '#!/opt/other/python3\nfrom cfnlint.runner import main\n')).toEqual({
      typeName: PLAN_TYPE,
      call: 3,
    });
    expect(keep('AWS::S3::Bucket')).toEqual({ typeName: 'AWS::S3::Bucket', call: 4 });
    expect(keep(PLAN_TYPE)).toEqual({ typeName: PLAN_TYPE, call: 1 });
    expect(calls).toHaveLength(4);

    for (const entry of fs.readdirSync(dir)) fs.writeFileSync(path.join(dir, entry), '{"format":"bulwark-cfn-l');
    expect(keep(PLAN_TYPE)).toEqual({ typeName: PLAN_TYPE, call: 5 });
  });

  test('cacheDir false reads every time; an unwritable folder still answers', () => {
    const { calls, read } = countingReader();
    keptCfnLintSchema(PLAN_TYPE, { cacheDir: false, read, installed: installed('1.51.0') });
    keptCfnLintSchema(PLAN_TYPE, { cacheDir: false, read, installed: installed('1.51.0') });
    expect(calls).toHaveLength(2);
    const blocker = path.join(cacheDir(), 'a-file');
    fs.writeFileSync(blocker, '');
    const unwritable = { cacheDir: path.join(blocker, 'cache'), read, installed: installed('1.51.0') };
    expect(keptCfnLintSchema(PLAN_TYPE, unwritable)).toEqual({ typeName: PLAN_TYPE, call: 3 });
    expect(keptCfnLintSchema(PLAN_TYPE, unwritable)).toEqual({ typeName: PLAN_TYPE, call: 4 });
  });

  test('the linting reads the kept schema: a fresh process with no way to read it still gets its folder', async () => {
    const dir = registrySchemasDir();
    failSchemaReads = true;
    try {
      expect(() => cfnLintSchema(PLAN_TYPE)).toThrow(/schema reads fail in this test/);
      await jest.isolateModulesAsync(async () => {
        const fresh = await import('../../lib/tooling/cfn-lint-schema-patches');
        expect(fresh.registrySchemasDir()).toBe(dir);
      });
    } finally {
      failSchemaReads = false;
    }
  });

  test("the kept schema is cfn-lint's own, as the machine's cfn-lint reads it", () => {
    const dir = cacheDir();
    const own = cfnLintSchema(PLAN_TYPE);
    expect(own.typeName).toBe(PLAN_TYPE);
    expect(keptCfnLintSchema(PLAN_TYPE, { cacheDir: dir })).toEqual(own);
    // Served from the folder now: a reader that fails is not called.
    const failing = () => {
      throw new Error('read again');
    };
    expect(keptCfnLintSchema(PLAN_TYPE, { cacheDir: dir, read: failing })).toEqual(own);
  });
});
