import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bootstrapRoleArn, deployRoleArns } from '../../lib/pipeline/bootstrap-roles';
import {
  alarmSweepCommands,
  canaryBuildSpec,
  deployBuildSpec,
  deployCommand,
  freezeGateCommands,
  p1AlarmGateCommands,
  ProdGateProps,
  validateBuildSpec,
} from '../../lib/pipeline/buildspecs';

/**
 * The gate and check commands run for real here, in bash, against a stub `aws` on PATH that answers as the
 * scenario says. Like CodeBuild, a command that exits non-zero fails the run (`set -e`).
 */
const stubDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-aws-stub-'));
fs.writeFileSync(
  path.join(stubDir, 'aws'),
  [
    '#!/usr/bin/env bash',
    'echo "$*" >> "$STUB_LOG"',
    'case "$1 $2" in',
    '  "configure set") exit 0;;',
    '  "ssm get-parameter")',
    '    case "$FAKE_SSM" in',
    '      notfound) echo "An error occurred (ParameterNotFound) when calling the GetParameter operation" >&2; exit 254;;',
    '      denied) echo "An error occurred (AccessDeniedException) when calling the GetParameter operation" >&2; exit 254;;',
    '      *) echo "$FAKE_SSM";;',
    '    esac;;',
    '  "cloudwatch describe-alarms") if [ "$FAKE_CW" = "fail" ]; then echo "An error occurred (ExpiredToken)" >&2; exit 254; fi; printf "%s" "$FAKE_CW";;',
    '  *) echo "unexpected aws $*" >&2; exit 99;;',
    'esac',
  ].join('\n'),
  { mode: 0o755 },
);

/**
 * The directory of the python3 the gate commands run, first on PATH: on a machine whose python3 is a version
 * manager's shim (pyenv here, about 0.07 s of CPU in bash per call), each run then starts the interpreter directly,
 * as CodeBuild's image does. The same interpreter runs the same command either way.
 */
const python3Dir = path.dirname(
  spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim(),
);

function run(commands: string[], env: Record<string, string> = {}): { code: number; output: string; calls: string } {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-run-'));
  const log = path.join(cwd, 'aws-calls.log');
  fs.writeFileSync(log, '');
  const result = spawnSync('bash', ['-e', '-c', commands.join('\n')], {
    cwd,
    encoding: 'utf8',
    env: { PATH: `${stubDir}:${python3Dir}:${process.env.PATH}`, STUB_LOG: log, ...env },
  });
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}`, calls: fs.readFileSync(log, 'utf8') };
}

const gate: ProdGateProps = {
  region: 'us-east-1',
  lookupRoleArn: bootstrapRoleArn('lookup', '333333333333', 'us-east-1'),
  freezeParameterName: '/orders/prod/switches/deploy-freeze',
  p1AlarmName: 'orders-prod-service-unhealthy',
};

describe('bootstrap roles', () => {
  test('are the roles `cdk bootstrap` creates, per account and region', () => {
    expect(bootstrapRoleArn('lookup', '333333333333', 'us-west-2')).toBe(
      'arn:aws:iam::333333333333:role/cdk-hnb659fds-lookup-role-333333333333-us-west-2',
    );
    expect(deployRoleArns('111111111111', 'us-east-1', { qualifier: 'custom123' })).toEqual([
      'arn:aws:iam::111111111111:role/cdk-custom123-deploy-role-111111111111-us-east-1',
      'arn:aws:iam::111111111111:role/cdk-custom123-file-publishing-role-111111111111-us-east-1',
    ]);
  });
});

describe('the deploy command', () => {
  test("is the README's, with the stack id users type", () => {
    expect(deployCommand('Prod')).toBe('npx cdk deploy Prod --require-approval never');
  });
});

describe("the builds' install (issue 12, item 13)", () => {
  // Template JSON of a buildspec, walked freely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Spec = any;
  const installOf = (spec: Spec) => spec.phases.install;

  test("a deploy build installs from the lock without running any dependency's install scripts", () => {
    for (const stackId of ['Dev', 'Staging', 'Prod', 'DrRegion']) {
      const spec: Spec = deployBuildSpec(stackId);
      expect(installOf(spec).commands).toEqual(['npm install --ignore-scripts --no-audit --no-fund']);
      expect(spec.phases.build.commands).toEqual([`npx cdk deploy ${stackId} --require-approval never`]);
    }
  });

  test('the Validate build installs the same way', () => {
    const spec: Spec = validateBuildSpec({ bucketVariable: 'ARTIFACT_BUCKET', reportPrefixVariable: 'REPORT_PREFIX' });
    const npmInstalls = (installOf(spec).commands as string[]).filter((c) => c.startsWith('npm '));
    expect(npmInstalls).toEqual(['npm install --ignore-scripts --no-audit --no-fund']);
  });

  test('every build pins Node 22, the major whose npm (11.7.0 on standard:7.0) the install was checked against', () => {
    expect(installOf(deployBuildSpec('Prod'))['runtime-versions']).toEqual({ nodejs: '22', python: '3.12' });
    const validate = validateBuildSpec({ bucketVariable: 'B', reportPrefixVariable: 'P' });
    expect(installOf(validate)['runtime-versions']).toEqual({ nodejs: '22', python: '3.12' });
  });
});

describe('the Prod deploy-freeze gate', () => {
  // The kill switch's parameter value (lambdas/kill-switch/settings.ts).
  const switchValue = (state: string) =>
    JSON.stringify({
      state,
      reason: 'created by CloudFormation',
      changedAt: '1970-01-01T00:00:00.000Z',
      changedBy: 'cloudformation',
    });

  test.each([switchValue('off'), 'off', 'OFF'])(
    'lets Prod open while the switch is %s, reading it through the lookup role',
    (value) => {
      const result = run(freezeGateCommands(gate), { FAKE_SSM: value });
      expect(result.code).toBe(0);
      expect(result.calls).toContain(
        'configure set profile.prod.role_arn arn:aws:iam::333333333333:role/cdk-hnb659fds-lookup-role-333333333333-us-east-1',
      );
      expect(result.calls).toContain(
        'ssm get-parameter --profile prod --region us-east-1 --name /orders/prod/switches/deploy-freeze',
      );
    },
  );

  test.each([
    [switchValue('on'), 'on'],
    ['on', 'on'],
    ['{"reason":"no state"}', 'unreadable'],
    ['{not json', 'unreadable'],
  ])('keeps Prod closed while the switch is %s', (value, state) => {
    const result = run(freezeGateCommands(gate), { FAKE_SSM: value });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(`Prod is closed: /orders/prod/switches/deploy-freeze is ${state}`);
  });

  test('treats a switch that does not exist yet as off (the first Prod deploy creates it)', () => {
    expect(run(freezeGateCommands(gate), { FAKE_SSM: 'notfound' }).code).toBe(0);
  });

  test('keeps Prod closed when the switch cannot be read', () => {
    const result = run(freezeGateCommands(gate), { FAKE_SSM: 'denied' });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('AccessDeniedException');
  });
});

describe('the Prod P1 gate', () => {
  test('lets Prod open while the P1 alarm is not in ALARM', () => {
    const result = run(p1AlarmGateCommands(gate), { FAKE_CW: '' });
    expect(result.code).toBe(0);
    expect(result.calls).toContain(
      'cloudwatch describe-alarms --profile prod --region us-east-1 --alarm-names orders-prod-service-unhealthy',
    );
  });

  test('keeps Prod closed while the P1 alarm is in ALARM', () => {
    const result = run(p1AlarmGateCommands(gate), { FAKE_CW: 'orders-prod-service-unhealthy' });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('Prod is closed: P1 alarm orders-prod-service-unhealthy is in ALARM');
  });

  test('keeps Prod closed when the alarm cannot be read', () => {
    expect(run(p1AlarmGateCommands(gate), { FAKE_CW: 'fail' }).code).not.toBe(0);
  });
});

describe('the integration checks', () => {
  const sweep = alarmSweepCommands({
    region: 'us-east-1',
    lookupRoleArn: bootstrapRoleArn('lookup', '222222222222', 'us-east-1'),
    alarmNamePrefix: 'orders-staging-',
  });

  test('pass when no alarm of the environment is in ALARM', () => {
    expect(run(sweep, { FAKE_CW: '' }).code).toBe(0);
  });

  test('fail naming the alarms in ALARM, or when the alarms cannot be read', () => {
    const firing = run(sweep, { FAKE_CW: 'orders-staging-http-5xx-rate\torders-staging-latency-high' });
    expect(firing.code).not.toBe(0);
    expect(firing.output).toContain('alarms in ALARM after the deploy: orders-staging-http-5xx-rate');
    expect(run(sweep, { FAKE_CW: 'fail' }).code).not.toBe(0);
  });
});

describe('the canary check', () => {
  const spec = canaryBuildSpec({
    environmentName: 'Dev',
    functionName: 'orders-dev-canary',
    region: 'us-east-1',
    invokerRoleArn: 'arn:aws:iam::111111111111:role/orders-dev-pipeline-canary',
  }) as {
    phases: { build: { commands: string[] } };
  };
  const commands = spec.phases.build.commands;
  const check = commands[commands.length - 1];
  const withResult = (result: string) => [`printf '%s' '${result}' > canary-result.json`, check];

  test("invokes the environment's canary through its invoker role", () => {
    expect(commands).toContain(
      'aws configure set profile.canary.role_arn arn:aws:iam::111111111111:role/orders-dev-pipeline-canary',
    );
    expect(commands.join('\n')).toMatch(
      /aws lambda invoke --profile canary --region us-east-1 --function-name orders-dev-canary .* canary-result\.json/,
    );
  });

  test('passes on {"ok":true}', () => {
    expect(run(withResult('{"ok":true,"journeys":[{"name":"health","ok":true}]}')).code).toBe(0);
  });

  test.each([
    ['a failing journey', '{"ok":false,"journeys":[{"name":"home","ok":false}]}'],
    ['a function error', '{"errorMessage":"Task timed out","errorType":"Error"}'],
    ['an empty answer', 'null'],
  ])('fails on %s', (_case, result) => {
    const outcome = run(withResult(result));
    expect(outcome.code).not.toBe(0);
    expect(outcome.output).toContain('canary failed');
  });
});
