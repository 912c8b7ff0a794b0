import * as path from 'path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { INSTALL_COMMAND } from '../../lib/pipeline/buildspecs';
import { formatFinding } from '../../lib/tooling/cfn-lint';
import { defaultConfig, synthBulwark } from '../helpers/app';
import { runCfnLintShared } from '../helpers/cfn-lint-shared';

// The Pipeline stack as `cdk synth` makes it: the run's shared default app (test/helpers/shared-assembly.ts), with
// cdk-nag and Control Tower's controls on (an unacknowledged finding fails its synth, failing every test below).
// The stack alone, synthesized here, gave the same template but for the AWS::CDK::Metadata resource, and paid a
// synth and a cfn-lint run of its own.
const config = defaultConfig();
const assembly = synthBulwark(config).assembly;
// Template JSON is walked freely below; one loose alias instead of a cast at every step.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Cfn = any;
const templateJson = assembly.getStackArtifact('Pipeline').template as {
  Resources: Record<string, { Type: string; Properties: Cfn }>;
};
const template = Template.fromJSON(templateJson);

type Resource = { Type: string; Properties: Record<string, Cfn> };
const resources = Object.entries(templateJson.Resources) as [string, Resource][];
const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
const pipeline = ofType('AWS::CodePipeline::Pipeline')[0][1].Properties;
const stage = (name: string) => {
  const found = pipeline.Stages.find((s: { Name: string }) => s.Name === name);
  if (!found) throw new Error(`no stage ${name}`);
  return found as { Name: string; Actions: Cfn[]; BeforeEntry?: Cfn };
};
const action = (stageName: string, actionName: string) => {
  const found = stage(stageName).Actions.find((a) => a.Name === actionName);
  if (!found) throw new Error(`no action ${actionName} in ${stageName}`);
  return found;
};
/** The buildspec (parsed) of the CodeBuild project behind a pipeline action. */
const buildSpecOf = (stageName: string, actionName: string) => {
  const projectId = action(stageName, actionName).Configuration.ProjectName.Ref as string;
  return JSON.parse(templateJson.Resources[projectId].Properties.Source.BuildSpec as string);
};
const commandsOf = (spec: Cfn): string[] =>
  Object.values(spec.phases as Record<string, { commands?: string[] }>).flatMap((p) => p.commands ?? []);
/** Every policy statement attached to a role, by the role's logical id. */
const statementsOfRole = (roleId: string): Cfn[] =>
  ofType('AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as Cfn[]).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const assumable = (roleId: string): string[] =>
  statementsOfRole(roleId)
    .filter((s) => asList(s.Action).includes('sts:AssumeRole'))
    .flatMap((s) => asList(s.Resource))
    .filter((r): r is string => typeof r === 'string')
    .sort();
const projectRoleId = (stageName: string, actionName: string): string => {
  const projectId = action(stageName, actionName).Configuration.ProjectName.Ref as string;
  return templateJson.Resources[projectId].Properties.ServiceRole['Fn::GetAtt'][0];
};
const bootstrap = (kind: string, account: string, region: string) =>
  `arn:aws:iam::${account}:role/cdk-hnb659fds-${kind}-role-${account}-${region}`;

describe('the Pipeline stack', () => {
  test('is the top-level stack `Pipeline` in the tooling account and region', () => {
    const artifact = assembly.getStackArtifact('Pipeline');
    expect(artifact.stackName).toBe('Pipeline');
    expect(artifact.environment).toMatchObject({ account: '444444444444', region: 'us-east-1' });
  });

  test('is a CodePipeline V2 with its stages in order: Source, Validate, Dev, approval, Staging, approval, Prod, DrRegion', () => {
    expect(pipeline.PipelineType).toBe('V2');
    expect(pipeline.Stages.map((s: { Name: string }) => s.Name)).toEqual([
      'Source',
      'Validate',
      'Dev',
      'ApproveStaging',
      'Staging',
      'ApproveProd',
      'Prod',
      'DrRegion',
    ]);
  });

  test('takes its source from the configured CodeConnections connection, repository and branch', () => {
    const source = action('Source', 'Checkout');
    expect(source.ActionTypeId).toMatchObject({ Category: 'Source', Provider: 'CodeStarSourceConnection' });
    expect(source.Configuration).toMatchObject({
      ConnectionArn: config.pipeline.connectionArn,
      FullRepositoryId: 'acme/bulwark',
      BranchName: 'main',
    });
  });

  test('Validate runs the README test command, the audit and the report, and keeps reports/ as an artifact', () => {
    const spec = buildSpecOf('Validate', 'TestAuditSynthReport');
    const commands = commandsOf(spec);
    expect(commands).toEqual(
      expect.arrayContaining([INSTALL_COMMAND, 'npm test', 'npm audit --audit-level=high', 'npm run report']),
    );
    expect(commands.indexOf('npm test')).toBeLessThan(commands.indexOf('npm run report'));
    expect(spec.artifacts).toEqual({ 'base-directory': 'reports', files: ['**/*'] });
    expect(action('Validate', 'TestAuditSynthReport').OutputArtifacts).toEqual([{ Name: 'Report' }]);
    // The validate build deploys nothing: it may assume no role at all.
    expect(assumable(projectRoleId('Validate', 'TestAuditSynthReport'))).toEqual([]);
  });

  test.each(['Dev', 'Staging', 'Prod', 'DrRegion'])(
    'the %s stage deploys with the very command a person runs',
    (env) => {
      const commands = commandsOf(buildSpecOf(env, 'Deploy'));
      expect(commands).toEqual([INSTALL_COMMAND, `npx cdk deploy ${env} --require-approval never`]);
    },
  );

  test('no stage uses CloudFormation actions: the only deploy path is `cdk deploy` in CodeBuild', () => {
    const providers = pipeline.Stages.flatMap((s: { Actions: Cfn[] }) => s.Actions.map((a) => a.ActionTypeId.Provider));
    expect(new Set(providers)).toEqual(new Set(['CodeStarSourceConnection', 'CodeBuild', 'Manual']));
  });

  test('every environment runs its canary once after the deploy and fails unless it answers {"ok":true}', () => {
    for (const env of ['Dev', 'Staging', 'Prod']) {
      expect(action(env, 'Canary').RunOrder).toBe(2);
      const commands = commandsOf(buildSpecOf(env, 'Canary')).join('\n');
      expect(commands).toContain(`--function-name orders-${env.toLowerCase()}-canary`);
      expect(commands).toContain('r.ok !== true');
    }
  });

  test('Staging and Prod run integration checks (no alarm of theirs in ALARM after the deploy); Dev does not', () => {
    expect(stage('Dev').Actions.map((a) => a.Name)).toEqual(['Deploy', 'Canary']);
    for (const env of ['Staging', 'Prod']) {
      const commands = commandsOf(buildSpecOf(env, 'IntegrationChecks')).join('\n');
      expect(commands).toContain(`--alarm-name-prefix orders-${env.toLowerCase()}- --state-value ALARM`);
    }
  });

  test('both approvals are manual and link the resilience report of the same execution', () => {
    for (const name of ['ApproveStaging', 'ApproveProd']) {
      const [approval] = stage(name).Actions;
      expect(approval.ActionTypeId).toMatchObject({ Category: 'Approval', Provider: 'Manual' });
      expect(approval.Configuration.CustomData).toMatch(/resilience report/);
      const link = JSON.stringify(approval.Configuration.ExternalEntityLink);
      expect(link).toContain('s3/buckets/');
      expect(link).toContain('prefix=reports/#{codepipeline.PipelineExecutionId}/');
    }
    // The Validate build copies reports/ to exactly that prefix.
    const validate = action('Validate', 'TestAuditSynthReport');
    // (a Fn::Join: the bucket name is a reference)
    expect(JSON.stringify(validate.Configuration.EnvironmentVariables)).toContain(
      '{\\"name\\":\\"REPORT_PREFIX\\",\\"type\\":\\"PLAINTEXT\\",\\"value\\":\\"reports/#{codepipeline.PipelineExecutionId}/\\"}',
    );
  });

  test('Prod stays closed (beforeEntry FAIL) while the deploy freeze is on or the P1 alarm is in ALARM; other stages have no condition', () => {
    const gate = stage('Prod').BeforeEntry;
    expect(gate.Conditions).toHaveLength(1);
    const [condition] = gate.Conditions;
    expect(condition.Result).toBe('FAIL');
    expect(condition.Rules.map((r: Cfn) => [r.Name, r.RuleTypeId.Provider])).toEqual([
      ['ProdDeployFreezeOff', 'Commands'],
      ['ProdNoP1Alarm', 'Commands'],
    ]);
    const [freeze, p1] = condition.Rules.map((r: Cfn) => (r.Commands as string[]).join('\n'));
    expect(freeze).toContain('--name /orders/prod/switches/deploy-freeze');
    expect(p1).toContain('--alarm-names orders-prod-service-unhealthy');
    for (const rule of [freeze, p1])
      expect(rule).toContain(`role_arn ${bootstrap('lookup', '333333333333', 'us-east-1')}`);
    for (const name of ['Source', 'Validate', 'Dev', 'ApproveStaging', 'Staging', 'ApproveProd', 'DrRegion'])
      expect(stage(name).BeforeEntry).toBeUndefined();
  });

  test("the pipeline role may read Prod only through its read-only bootstrap lookup role, and write its rules' logs", () => {
    const pipelineRoleId = pipeline.RoleArn['Fn::GetAtt'][0] as string;
    expect(assumable(pipelineRoleId)).toEqual([bootstrap('lookup', '333333333333', 'us-east-1')]);
    const logs = statementsOfRole(pipelineRoleId).find((s) => asList(s.Action).includes('logs:PutLogEvents'));
    expect(logs.Resource).toEqual(
      expect.arrayContaining([
        'arn:aws:logs:us-east-1:444444444444:log-group:/aws/codepipeline/orders-pipeline-delivery',
      ]),
    );
  });

  test("each deploy build may assume exactly its target's bootstrap deploy and file-publishing roles", () => {
    const deployRoles = (account: string, region: string) => [
      bootstrap('deploy', account, region),
      bootstrap('file-publishing', account, region),
    ];
    expect(assumable(projectRoleId('Dev', 'Deploy'))).toEqual(deployRoles('111111111111', 'us-east-1').sort());
    expect(assumable(projectRoleId('Staging', 'Deploy'))).toEqual(deployRoles('222222222222', 'us-east-1').sort());
    // `cdk deploy Prod` deploys DrRegion first (Prod depends on it), so it needs both regions of the Prod account.
    expect(assumable(projectRoleId('Prod', 'Deploy'))).toEqual(
      [...deployRoles('333333333333', 'us-east-1'), ...deployRoles('333333333333', 'us-west-2')].sort(),
    );
    expect(assumable(projectRoleId('DrRegion', 'Deploy'))).toEqual(deployRoles('333333333333', 'us-west-2').sort());
    expect(assumable(projectRoleId('Staging', 'IntegrationChecks'))).toEqual([
      bootstrap('lookup', '222222222222', 'us-east-1'),
    ]);
    expect(assumable(projectRoleId('Dev', 'Canary'))).toEqual([
      'arn:aws:iam::111111111111:role/orders-dev-pipeline-canary',
    ]);
  });

  test("every cross-account role the stack may assume is a bootstrap role or an environment's canary invoker; no wildcard actions", () => {
    const allStatements = ofType('AWS::IAM::Policy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const crossAccount = allStatements
      .filter((s) => asList(s.Action).includes('sts:AssumeRole'))
      .flatMap((s) => asList(s.Resource))
      .filter((r): r is string => typeof r === 'string');
    expect(crossAccount.length).toBeGreaterThan(0);
    for (const arn of crossAccount) {
      expect(arn).toMatch(
        /^arn:aws:iam::(111111111111|222222222222|333333333333):role\/(cdk-hnb659fds-(deploy|file-publishing|lookup)-role-\d{12}-[a-z]+-[a-z]+-\d|orders-(dev|staging|prod)-pipeline-canary)$/,
      );
    }
    for (const s of allStatements) {
      for (const a of asList(s.Action)) expect(a).not.toMatch(/^(\*|sts:\*|iam:\*)$/);
      expect(asList(s.Resource)).not.toContain('*');
    }
  });

  test('CodeBuild roles trust only CodeBuild; the canary runners have the fixed names the workload accounts trust', () => {
    for (const [stageName, actionName] of [
      ['Validate', 'TestAuditSynthReport'],
      ['Prod', 'Deploy'],
      ['Dev', 'Canary'],
    ]) {
      const role = templateJson.Resources[projectRoleId(stageName, actionName)].Properties as Cfn;
      expect(role.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' } },
      ]);
    }
    expect((templateJson.Resources[projectRoleId('Staging', 'Canary')].Properties as Cfn).RoleName).toBe(
      'orders-pipeline-canary-runner-staging',
    );
  });

  test('artifacts are KMS-encrypted (store, bucket, builds), the bucket is versioned, logged, TLS-only and shared with no other account', () => {
    expect(pipeline.ArtifactStore.EncryptionKey.Type).toBe('KMS');
    const bucketId = pipeline.ArtifactStore.Location.Ref as string;
    const bucket = templateJson.Resources[bucketId].Properties as Cfn;
    expect(
      bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm,
    ).toBe('aws:kms');
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.LoggingConfiguration.DestinationBucketName).toBeDefined();
    const policy = ofType('AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket.Ref === bucketId)![1].Properties
      .PolicyDocument.Statement as Cfn[];
    expect(policy).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]),
    );
    // Deploys publish to the targets' own bootstrap buckets, so no foreign principal is ever granted here.
    expect(JSON.stringify(policy)).not.toMatch(/111111111111|222222222222|333333333333/);
    template.allResourcesProperties('AWS::CodeBuild::Project', { EncryptionKey: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test("a failed execution notifies the tooling account's KMS-encrypted P3 topic", () => {
    template.hasResourceProperties('AWS::CodeStarNotifications::NotificationRule', {
      EventTypeIds: ['codepipeline-pipeline-pipeline-execution-failed'],
      Targets: [{ TargetType: 'SNS', TargetAddress: { Ref: Match.stringLikeRegexp('TopicsP3') } }],
    });
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'orders-pipeline-alerts-p3',
      KmsMasterKeyId: Match.anyValue(),
    });
  });

  test('passes cfn-lint with zero errors', () => {
    const file = path.join(assembly.directory, 'Pipeline.template.json');
    expect(
      runCfnLintShared([file])
        .filter((f) => f.level === 'Error')
        .map(formatFinding),
    ).toEqual([]);
  });
});
