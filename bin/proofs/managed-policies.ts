import type { PolicyDocument } from './policies';

/**
 * The AWS managed policies the templates attach whose grants a flow depends on, as the AWS Managed Policy
 * Reference publishes them. A managed policy not listed here grants nothing in the simulation: a flow that
 * needs it shows DENY, and the policy's name is printed, so a reviewer adds its text here rather than guess.
 */
export const AWS_MANAGED_POLICIES: Record<string, PolicyDocument> = {
  // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForECS.html (v3)
  AWSCodeDeployRoleForECS: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'ecs:DescribeServices',
          'ecs:CreateTaskSet',
          'ecs:UpdateServicePrimaryTaskSet',
          'ecs:DeleteTaskSet',
          'elasticloadbalancing:DescribeTargetGroups',
          'elasticloadbalancing:DescribeListeners',
          'elasticloadbalancing:ModifyListener',
          'elasticloadbalancing:DescribeRules',
          'elasticloadbalancing:ModifyRule',
          'lambda:InvokeFunction',
          'cloudwatch:DescribeAlarms',
          'sns:Publish',
          's3:GetObject',
          's3:GetObjectVersion',
        ],
        Resource: '*',
      },
      {
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: '*',
        Condition: { StringLike: { 'iam:PassedToService': ['ecs-tasks.amazonaws.com'] } },
      },
    ],
  },
  // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html
  'service-role/AWSLambdaBasicExecutionRole': {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
    ],
  },
};
