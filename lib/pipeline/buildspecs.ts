/**
 * What each pipeline step runs, as plain buildspec objects (tested without synthesizing anything). The
 * deploy step runs the very command a person runs, so the pipeline and a laptop create the same stacks.
 */

/**
 * Node and Python as the README requires (Node for the app, Python for cfn-lint and moto in the tests), pinned to
 * a major version: without one CodeBuild uses the image's default, which "can change when a previously default
 * version reaches end of life" (https://docs.aws.amazon.com/codebuild/latest/userguide/available-runtimes.html).
 * On aws/codebuild/standard:7.0 `nodejs: 22` is Node 22.22.0 with npm 11.7.0; AWS's documentation names no npm
 * version, the image's Dockerfile does (github.com/aws/aws-codebuild-docker-images, ubuntu/standard/7.0/Dockerfile
 * at 1590e48, lines 334-351: NODE_22_VERSION and `npm install -g npm@11.7.0` copied into Node 22).
 */
export const RUNTIMES = { nodejs: '22', python: '3.12' } as const;

/** The CLI makes no network call of its own (telemetry, notices): only the AWS calls a deploy needs. */
const CLI_ENV = { CDK_DISABLE_CLI_TELEMETRY: 'true', CI: 'true' } as const;
/**
 * The pipeline's install. `npm install` honours package-lock.json; `npm ci` refuses a lock that lacks other
 * platforms' optional binaries, which a lock made from a single-platform registry mirror does (README).
 * `--ignore-scripts`: no dependency runs code at install time in a build whose role can assume a workload
 * account's deploy role. Nothing needs those scripts: esbuild, @swc/core and @parcel/watcher take their binaries
 * from platform packages, and npm 11.19 (where the tests and synth pass) already skips them by default; the image's
 * npm 11.7.0 (see RUNTIMES) would run them. The project itself has no install or prepare script.
 */
export const INSTALL_COMMAND = 'npm install --ignore-scripts --no-audit --no-fund';

/** `npx cdk deploy <stackId> --require-approval never`: the README's deploy command, nothing added. */
export function deployCommand(stackId: string): string {
  return `npx cdk deploy ${stackId} --require-approval never`;
}

/** The README's test command: type check, lint, jest (cdk-nag, cfn-lint), synth, cfn-lint over cdk.out. */
export const TEST_COMMAND = 'npm test';
export const AUDIT_COMMAND = 'npm audit --audit-level=high';
/** The resilience report (lib/report); writes reports/ and fails when a tier target is missed. */
export const REPORT_COMMAND = 'npm run report';
export const REPORT_DIRECTORY = 'reports';

export interface ValidateBuildSpecProps {
  /** Environment variable holding the artifact bucket's name (the report is copied there for the approvals' link). */
  readonly bucketVariable: string;
  /** Environment variable holding the S3 key prefix the report is copied under (one per execution). */
  readonly reportPrefixVariable: string;
}

export function validateBuildSpec(props: ValidateBuildSpecProps): Record<string, unknown> {
  return {
    version: '0.2',
    env: { shell: 'bash', variables: CLI_ENV },
    phases: {
      install: {
        'runtime-versions': RUNTIMES,
        commands: ['pip3 install --quiet "cfn-lint~=1.51.0" "moto[server]~=5.2.0"', INSTALL_COMMAND],
      },
      build: {
        // npm test includes `tsc --noEmit`, eslint and `cdk synth`; they are not run twice.
        commands: [TEST_COMMAND, AUDIT_COMMAND, REPORT_COMMAND],
      },
      post_build: {
        // Runs after a failed build too: a report that fails a target is exactly the one reviewers must read.
        commands: [
          `if [ -d ${REPORT_DIRECTORY} ]; then aws s3 cp ${REPORT_DIRECTORY} "s3://\${${props.bucketVariable}}/\${${props.reportPrefixVariable}}" --recursive --only-show-errors; fi`,
        ],
      },
    },
    artifacts: { 'base-directory': REPORT_DIRECTORY, files: ['**/*'] },
  };
}

export function deployBuildSpec(stackId: string): Record<string, unknown> {
  return {
    version: '0.2',
    env: { shell: 'bash', variables: CLI_ENV },
    phases: {
      install: { 'runtime-versions': RUNTIMES, commands: [INSTALL_COMMAND] },
      build: { commands: [deployCommand(stackId)] },
    },
  };
}

/**
 * A named AWS CLI profile that assumes `roleArn` from the build's own credentials (CodeBuild serves them like
 * an ECS container). Later commands pass `--profile`, so nothing else in the build runs with the role.
 */
export function assumeRoleProfileCommands(profile: string, roleArn: string): string[] {
  return [
    `aws configure set profile.${profile}.role_arn ${roleArn}`,
    `aws configure set profile.${profile}.credential_source EcsContainer`,
    `aws configure set profile.${profile}.role_session_name bulwark-pipeline`,
  ];
}

export interface CanaryBuildSpecProps {
  readonly environmentName: string;
  readonly functionName: string;
  readonly region: string;
  readonly invokerRoleArn: string;
}

/**
 * Run the environment's canary once and fail unless it answers `{"ok":true}`. A function error (the CLI still
 * exits 0) leaves `{"errorMessage":...}` in the result file, which fails the same check.
 */
export function canaryBuildSpec(props: CanaryBuildSpecProps): Record<string, unknown> {
  const check =
    "node -e \"const r = JSON.parse(require('fs').readFileSync('canary-result.json', 'utf8')); if (r === null || r.ok !== true) { console.error('canary failed: ' + JSON.stringify(r)); process.exit(1); } console.log('canary passed')\"";
  return {
    version: '0.2',
    env: { shell: 'bash', variables: CLI_ENV },
    phases: {
      install: { 'runtime-versions': { nodejs: RUNTIMES.nodejs } },
      build: {
        commands: [
          ...assumeRoleProfileCommands('canary', props.invokerRoleArn),
          `aws lambda invoke --profile canary --region ${props.region} --function-name ${props.functionName} --cli-binary-format raw-in-base64-out --payload '{"source":"bulwark-pipeline","environment":"${props.environmentName}"}' canary-result.json`,
          'cat canary-result.json',
          check,
        ],
      },
    },
  };
}

export interface AlarmSweepProps {
  readonly region: string;
  /** The read-only bootstrap lookup role of the environment's account and region. */
  readonly lookupRoleArn: string;
  /** Every alarm of the environment starts with this (`orders-staging-`). */
  readonly alarmNamePrefix: string;
}

/** The command lines that fail when any of the environment's alarms is in ALARM (a failed call fails too). */
export function alarmSweepCommands(props: AlarmSweepProps): string[] {
  return [
    ...assumeRoleProfileCommands('checks', props.lookupRoleArn),
    `IN_ALARM=$(aws cloudwatch describe-alarms --profile checks --region ${props.region} --alarm-name-prefix ${props.alarmNamePrefix} --state-value ALARM --query '[MetricAlarms[].AlarmName, CompositeAlarms[].AlarmName][]' --output text)`,
    `if [ -n "$IN_ALARM" ]; then echo "alarms in ALARM after the deploy: $IN_ALARM"; exit 1; fi`,
    `echo "no ${props.alarmNamePrefix}* alarm is in ALARM"`,
  ];
}

/** Integration checks after a deploy: the environment came out of it with no alarm firing. */
export function integrationBuildSpec(props: AlarmSweepProps): Record<string, unknown> {
  return {
    version: '0.2',
    env: { shell: 'bash', variables: CLI_ENV },
    phases: { build: { commands: alarmSweepCommands(props) } },
  };
}

export interface ProdGateProps {
  readonly region: string;
  readonly lookupRoleArn: string;
  /** SSM parameter of the deploy-freeze switch (`/orders/prod/switches/deploy-freeze`). */
  readonly freezeParameterName: string;
  /** The P1 composite alarm (`orders-prod-service-unhealthy`). */
  readonly p1AlarmName: string;
}

/** States of the deploy-freeze switch that leave Prod open; anything else (`on`, garbage) closes it. */
export const FREEZE_OFF_VALUES = ['off', 'false'] as const;

/**
 * Commands of the stage-condition rule that passes only while the freeze switch is off. The parameter holds
 * the kill switch's JSON (`{"state":"on"|"off","reason":...}`, lambdas/kill-switch/settings.ts); a bare
 * `off` is read as well. A parameter that does not exist yet counts as off (the kill-switch capability
 * creates it in the first Prod deploy, which this gate must let through); any other failure, such as access
 * denied or a value that cannot be read, keeps Prod closed.
 */
export function freezeGateCommands(props: ProdGateProps): string[] {
  return [
    ...assumeRoleProfileCommands('prod', props.lookupRoleArn),
    `FREEZE=$(aws ssm get-parameter --profile prod --region ${props.region} --name ${props.freezeParameterName} --query Parameter.Value --output text 2>freeze-error.txt || (grep -q ParameterNotFound freeze-error.txt && echo off) || (cat freeze-error.txt >&2; echo unreadable))`,
    `STATE=$(printf '%s' "$FREEZE" | python3 -c 'import json,sys; v=sys.stdin.read().strip(); print((json.loads(v)["state"] if v.startswith("{") else v).lower())' 2>/dev/null || echo unreadable)`,
    `case "$STATE" in ${FREEZE_OFF_VALUES.join('|')}) echo "deploy freeze is off";; *) echo "Prod is closed: ${props.freezeParameterName} is $STATE ($FREEZE)"; exit 1;; esac`,
  ];
}

/** Commands of the stage-condition rule that passes only while the P1 alarm is not in ALARM. */
export function p1AlarmGateCommands(props: ProdGateProps): string[] {
  return [
    ...assumeRoleProfileCommands('prod', props.lookupRoleArn),
    `FIRING=$(aws cloudwatch describe-alarms --profile prod --region ${props.region} --alarm-names ${props.p1AlarmName} --alarm-types CompositeAlarm MetricAlarm --state-value ALARM --query '[MetricAlarms[].AlarmName, CompositeAlarms[].AlarmName][]' --output text)`,
    `if [ -n "$FIRING" ]; then echo "Prod is closed: P1 alarm $FIRING is in ALARM"; exit 1; fi`,
    `echo "P1 alarm ${props.p1AlarmName} is not in ALARM"`,
  ];
}
