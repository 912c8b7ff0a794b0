import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { validateConfig } from '../../config';
import { Naming } from '../../lib/common/naming';
import { Network } from '../../lib/network/network';
import { BlueGreenService } from '../../lib/service/blue-green-service';
import { defaultConfigInput, testApp } from '../helpers/app';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

/** One environment's blue/green service on its own, and the statements of each deployment-trigger role. */
function triggerStatements(environmentName: 'Dev' | 'Prod'): {
  template: Template;
  byRole: Record<string, Statement[]>;
} {
  const config = validateConfig(defaultConfigInput());
  const env = config.environments.find((e) => e.name === environmentName)!;
  const stack = new Stack(testApp(), `Trigger${environmentName}`, {
    env: { account: env.account, region: env.region },
  });
  const network = new Network(stack, 'Network', {
    cidr: env.vpc.cidr,
    availabilityZones: env.availabilityZones,
    natGateways: 1,
    interfaceEndpoints: [],
    flowLogRetentionDays: 30,
    protection: { retain: false },
  });
  new BlueGreenService(stack, 'Service', {
    service: config.service,
    environment: env,
    vpc: network.vpc,
    natEgressIps: network.natEgressIps,
    naming: new Naming('orders', environmentName),
    protection: { retain: false },
  });
  const template = Template.fromStack(stack);
  const byRole: Record<string, Statement[]> = {};
  for (const step of ['Start', 'Wait']) {
    const roleIds = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) =>
      id.startsWith(`ServiceDeploymentTrigger${step}Role`),
    );
    expect(roleIds).toHaveLength(1);
    byRole[step] = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleIds[0] }]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
  }
  return { template, byRole };
}

const REVISION_ACTIONS = ['codedeploy:GetApplicationRevision', 'codedeploy:RegisterApplicationRevision'];

/** The Resource of the one Allow statement that holds exactly these actions. */
function resourceOf(statements: Statement[], actions: string[]): unknown {
  const sameActions = (s: Statement): boolean => [s.Action].flat().sort().join() === [...actions].sort().join();
  const found = statements.filter((s) => s.Effect === 'Allow' && sameActions(s));
  expect(found).toHaveLength(1);
  return found[0].Resource;
}

// IAM matches CodeDeploy actions against these ARN formats (Service Authorization Reference, AWS CodeDeploy,
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodedeploy.html):
//   application      arn:${Partition}:codedeploy:${Region}:${Account}:application:${ApplicationName}
//   deploymentconfig arn:${Partition}:codedeploy:${Region}:${Account}:deploymentconfig:${DeploymentConfigurationName}
//   deploymentgroup  arn:${Partition}:codedeploy:${Region}:${Account}:deploymentgroup:
//                    ${ApplicationName}/${DeploymentGroupName}
// CreateDeployment, GetDeployment and ListDeployments take the deployment group; GetDeploymentConfig the deployment
// config; GetApplicationRevision and RegisterApplicationRevision the application.
describe('deployment trigger roles name CodeDeploy resources as IAM matches them', () => {
  const dev = triggerStatements('Dev');
  const prod = triggerStatements('Prod');
  /** Logical id of the one resource of a type whose properties include these. */
  const idOf = (template: Template, type: string, properties: Record<string, unknown>): string => {
    const ids = Object.keys(template.findResources(type, { Properties: properties }));
    expect(ids).toHaveLength(1);
    return ids[0];
  };

  test.each(['Start', 'Wait'])('Dev %s role: deployment group, predefined config and application ARNs', (step) => {
    const application = idOf(dev.template, 'AWS::CodeDeploy::Application', { ApplicationName: 'orders-dev' });
    const group = idOf(dev.template, 'AWS::CodeDeploy::DeploymentGroup', { DeploymentGroupName: 'orders-dev' });
    const statements = dev.byRole[step];
    const groupActions = ['codedeploy:CreateDeployment', 'codedeploy:GetDeployment', 'codedeploy:ListDeployments'];
    // arn:aws:codedeploy:us-east-1:111111111111:deploymentgroup:orders-dev/orders-dev
    expect(resourceOf(statements, groupActions)).toEqual({
      'Fn::Join': [
        '',
        ['arn:aws:codedeploy:us-east-1:111111111111:deploymentgroup:', { Ref: application }, '/', { Ref: group }],
      ],
    });
    expect(resourceOf(statements, ['codedeploy:GetDeploymentConfig'])).toBe(
      'arn:aws:codedeploy:us-east-1:111111111111:deploymentconfig:CodeDeployDefault.ECSAllAtOnce',
    );
    // arn:aws:codedeploy:us-east-1:111111111111:application:orders-dev
    expect(resourceOf(statements, REVISION_ACTIONS)).toEqual({
      'Fn::Join': ['', ['arn:aws:codedeploy:us-east-1:111111111111:application:', { Ref: application }]],
    });
  });

  test.each(['Start', 'Wait'])('Prod %s role: its CloudFormation-named deployment config, the application', (step) => {
    const application = idOf(prod.template, 'AWS::CodeDeploy::Application', { ApplicationName: 'orders-prod' });
    const configs = Object.keys(prod.template.findResources('AWS::CodeDeploy::DeploymentConfig'));
    expect(configs).toHaveLength(1);
    const statements = prod.byRole[step];
    expect(resourceOf(statements, ['codedeploy:GetDeploymentConfig'])).toEqual({
      'Fn::Join': ['', ['arn:aws:codedeploy:us-east-1:333333333333:deploymentconfig:', { Ref: configs[0] }]],
    });
    expect(resourceOf(statements, REVISION_ACTIONS)).toEqual({
      'Fn::Join': ['', ['arn:aws:codedeploy:us-east-1:333333333333:application:', { Ref: application }]],
    });
  });
});
