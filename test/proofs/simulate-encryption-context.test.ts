import { Flow } from '../../bin/proofs/flows';
import { PolicyIndex, PolicyStatement } from '../../bin/proofs/policies';
import { evaluateFlow } from '../../bin/proofs/simulate';

const KEY = 'arn:aws:kms:us-east-1:111111111111:key/26f5c531-cbf2-d46d-7d1e-fcc07a8b1b3e';
const FLOW_LOG_GROUP = 'arn:aws:logs:us-east-1:111111111111:log-group:Dev-NetworkFlowLogs2BEC3212-AbCdEf123456';

/** CloudWatch Logs using a key for one of its log groups; the key policy's logs statement has this condition. */
function logsUseKey(action: string, condition: PolicyStatement['Condition']): Flow {
  return {
    stack: 'Dev',
    source: 'test',
    caller: { kind: 'service', principal: 'logs.us-east-1.amazonaws.com' },
    action,
    resource: KEY,
    resourceAccount: '111111111111',
    context: {
      'kms:EncryptionContext:aws:logs:arn': FLOW_LOG_GROUP,
      'aws:SourceAccount': '111111111111',
      'aws:SecureTransport': 'true',
    },
    assumedResourcePolicy: {
      name: 'Dev/NetworkFlowLogKey',
      document: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'kms:*', Resource: '*' },
          {
            Effect: 'Allow',
            Principal: { Service: 'logs.us-east-1.amazonaws.com' },
            Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
            Resource: '*',
            Condition: condition,
          },
        ],
      },
    },
  };
}

// The flow carries its own key policy, so the index is never asked for one.
const noIndex = { resourcePolicy: () => undefined } as unknown as PolicyIndex;
const condition = (operator: string, pattern: string): PolicyStatement['Condition'] => ({
  [operator]: { 'kms:EncryptionContext:aws:logs:arn': pattern },
});

// iam-simulate drops kms:EncryptionContext:<key> from a request (it matches variable keys only after a "/"); the
// proof puts it back. Conditions here follow the key policy of "Encrypt log data in CloudWatch Logs using AWS KMS"
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
describe('proofs: a KMS key policy conditioned on the encryption context is evaluated with it', () => {
  test.each(['kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt'])(
    "%s is ALLOW when the condition admits the account's log groups (log-group:*)",
    async (action) => {
      const flow = logsUseKey(action, condition('ArnLike', 'arn:aws:logs:us-east-1:111111111111:log-group:*'));
      expect((await evaluateFlow(flow, noIndex)).verdict).toBe('ALLOW');
    },
  );

  test('ALLOW when the condition names exactly that log group (ArnEquals)', async () => {
    const flow = logsUseKey('kms:Decrypt', condition('ArnEquals', FLOW_LOG_GROUP));
    expect((await evaluateFlow(flow, noIndex)).verdict).toBe('ALLOW');
  });

  test('DENY, naming the key policy, when the condition is log-group/* (no log group ARN has that shape)', async () => {
    const flow = logsUseKey('kms:Decrypt', condition('ArnLike', 'arn:aws:logs:us-east-1:111111111111:log-group/*'));
    const result = await evaluateFlow(flow, noIndex);
    expect(result.verdict).toBe('DENY');
    expect(result.reason).toBe(
      `logs.us-east-1.amazonaws.com -> kms:Decrypt -> ${KEY}: Dev/NetworkFlowLogKey has no Allow for ` +
        `logs.us-east-1.amazonaws.com to kms:Decrypt with kms:EncryptionContext:aws:logs:arn=${FLOW_LOG_GROUP}, ` +
        'aws:SourceAccount=111111111111',
    );
  });

  test("DENY when the condition admits another account's log groups only", async () => {
    const flow = logsUseKey('kms:Decrypt', condition('ArnLike', 'arn:aws:logs:us-east-1:222222222222:log-group:*'));
    expect((await evaluateFlow(flow, noIndex)).verdict).toBe('DENY');
  });
});
