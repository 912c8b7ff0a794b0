import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BulwarkStack } from '../../lib/common/bulwark-stack';
import { Network } from '../../lib/network/network';
import { testApp } from '../helpers/app';

type KeyStatement = { Principal?: { Service?: string }; Condition?: Record<string, Record<string, unknown>> };

/** The flow-log key's statement for the CloudWatch Logs service principal, in a VPC of this account and region. */
function logsStatementOfFlowLogKey(account: string, region: string): KeyStatement {
  const stack = new BulwarkStack(testApp(), 'FlowLogKeyTest', {
    env: { account, region },
    availabilityZones: [`${region}a`, `${region}b`],
    tags: {},
  });
  new Network(stack, 'Network', {
    cidr: '10.40.0.0/16',
    availabilityZones: [`${region}a`, `${region}b`],
    natGateways: 1,
    interfaceEndpoints: [],
    flowLogRetentionDays: 90,
    protection: { retain: false },
  });
  const keys = Object.values(Template.fromStack(stack as Stack).findResources('AWS::KMS::Key'));
  expect(keys).toHaveLength(1);
  const statements = keys[0].Properties.KeyPolicy.Statement as KeyStatement[];
  const forLogs = statements.filter((s) => s.Principal?.Service === `logs.${region}.amazonaws.com`);
  expect(forLogs).toHaveLength(1);
  return forLogs[0];
}

// CloudWatch Logs asks KMS with encryption context aws:logs:arn =
// arn:<partition>:logs:<region>:<account>:log-group:<name>
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html). A "log-group/*" pattern
// never matches that, and KMS then denies CloudWatch Logs the key.
describe('flow-log key admits CloudWatch Logs for the log groups it really encrypts', () => {
  test.each([
    ['111111111111', 'us-east-1', 'arn:aws:logs:us-east-1:111111111111:log-group:*'],
    ['333333333333', 'us-west-2', 'arn:aws:logs:us-west-2:333333333333:log-group:*'],
  ])('account %s in %s: the encryption-context condition is %s', (account, region, expected) => {
    expect(logsStatementOfFlowLogKey(account, region).Condition).toEqual({
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': expected },
    });
  });
});
