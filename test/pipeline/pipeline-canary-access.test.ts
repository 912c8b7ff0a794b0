import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Naming } from '../../lib/common/naming';
import { canaryRunnerRoleName, PipelineCanaryAccess } from '../../lib/pipeline/pipeline-canary-access';
import { testApp } from '../helpers/app';

// One small workload-like stack (Dev's account) holding the access role, synthesized once.
const app = testApp();
const stack = new Stack(app, 'Dev', { env: { account: '111111111111', region: 'us-east-1' } });
new PipelineCanaryAccess(stack, 'PipelineCanaryAccess', {
  naming: new Naming('orders', 'Dev'),
  toolingAccount: '444444444444',
});
const template = Template.fromStack(stack);

describe('PipelineCanaryAccess', () => {
  test("is the role the pipeline's canary step assumes, by its agreed name, trusting only that runner role", () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'orders-dev-pipeline-canary',
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::444444444444:root' },
            Condition: {
              ArnEquals: {
                'aws:PrincipalArn': `arn:aws:iam::444444444444:role/${canaryRunnerRoleName('orders', 'Dev')}`,
              },
            },
          },
        ],
      },
    });
  });

  test("may only invoke the environment's canary function", () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: 'lambda:InvokeFunction',
            Effect: 'Allow',
            Resource: 'arn:aws:lambda:us-east-1:111111111111:function:orders-dev-canary',
          },
        ],
      },
    });
    template.resourceCountIs('AWS::IAM::Policy', 1);
  });
});
