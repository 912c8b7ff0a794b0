import { Template } from 'aws-cdk-lib/assertions';
import { validateConfig } from '../../config';
import { useConnectionAction } from '../../lib/pipeline/delivery-pipeline';
import { PipelineStack } from '../../lib/stacks/pipeline-stack';
import { defaultConfigInput, testApp } from '../helpers/app';

// The Source action may use the configured connection: the IAM action's service prefix must be the connection ARN's
// (https://docs.aws.amazon.com/dtconsole/latest/userguide/security-iam.html). Issue 12, item 3.

// Template JSON is walked freely below; one loose alias instead of a cast at every step.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Cfn = any;
const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Every policy statement of the role the Source action runs with, from a Pipeline stack built for this ARN. */
function sourceRoleStatements(connectionArn: string): Cfn[] {
  const input = defaultConfigInput();
  input.pipeline.connectionArn = connectionArn;
  const config = validateConfig(input);
  const app = testApp();
  const { service, pipeline: pipelineConfig, environments } = config;
  const stack = new PipelineStack(app, { service, pipeline: pipelineConfig, environments });
  type Resources = Record<string, { Type: string; Properties: Cfn }>;
  const template = Template.fromStack(stack).toJSON() as { Resources: Resources };
  const pipeline = Object.values(template.Resources).find((r) => r.Type === 'AWS::CodePipeline::Pipeline')!.Properties;
  const source = pipeline.Stages.find((s: Cfn) => s.Name === 'Source').Actions[0];
  const roleId = source.RoleArn['Fn::GetAtt'][0];
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((role: Cfn) => role.Ref === roleId))
    .flatMap((r) => r.Properties.PolicyDocument.Statement);
}

/** Statements that name a connection, with the actions they grant on it. */
const connectionGrants = (statements: Cfn[]) =>
  statements
    .filter((s) => asList(s.Resource).some((r) => typeof r === 'string' && r.includes(':connection/')))
    .map((s) => ({ Action: s.Action, Resource: s.Resource }));

const NEW_ARN = 'arn:aws:codeconnections:us-east-1:444444444444:connection/0f3e7c2a-1111-2222-3333-444455556666';
const OLD_ARN = 'arn:aws:codestar-connections:us-east-1:444444444444:connection/0f3e7c2a-1111-2222-3333-444455556666';

describe("the Source action's connection permission", () => {
  test('has the prefix of the connection ARN it is granted on', () => {
    expect(useConnectionAction(NEW_ARN)).toBe('codeconnections:UseConnection');
    expect(useConnectionAction(OLD_ARN)).toBe('codestar-connections:UseConnection');
    const repository = 'arn:aws:codecommit:us-east-1:444444444444:repo';
    expect(() => useConnectionAction(repository)).toThrow(/not a CodeConnections connection ARN/);
  });

  test('a codeconnections connection (made since mid-2024): codeconnections:UseConnection on it, nothing else', () => {
    const grants = connectionGrants(sourceRoleStatements(NEW_ARN));
    expect(grants).toEqual([{ Action: 'codeconnections:UseConnection', Resource: NEW_ARN }]);
  });

  test('an older codestar-connections connection: codestar-connections:UseConnection on it, nothing else', () => {
    const grants = connectionGrants(sourceRoleStatements(OLD_ARN));
    expect(grants).toEqual([{ Action: 'codestar-connections:UseConnection', Resource: OLD_ARN }]);
  });

  test('the Source action still writes the checkout to the artifact bucket', () => {
    const statements = sourceRoleStatements(NEW_ARN);
    const actions = statements.flatMap((s) => asList(s.Action));
    expect(actions).toEqual(expect.arrayContaining(['s3:PutObject', 's3:PutObjectAcl', 's3:GetObject*']));
  });
});
