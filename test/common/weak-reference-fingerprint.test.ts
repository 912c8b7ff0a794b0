import { CfnResource, DefaultTokenResolver, Stack, StringConcat, Tokenization } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Template } from 'aws-cdk-lib/assertions';
import { WeakReferenceFingerprint } from '../../lib/common/weak-reference-fingerprint';
import { testApp } from '../helpers/app';

interface Setup {
  /** The KMS key's description in the producer (a property the consumer does not read directly). */
  readonly keyDescription?: string;
  /** The producer's alarm description: nothing in the consumer depends on it. */
  readonly unrelatedDescription?: string;
}

/**
 * Producer in us-west-2 (like DrRegion), consumer in us-east-1 (like Prod) reading a topic's ARN whose
 * key is another resource: cdk.json makes the reference weak, Fn::GetStackOutput.
 */
function consumerTemplate(setup: Setup = {}): Record<string, unknown> {
  const app = testApp();
  const producer = new Stack(app, 'Producer', { env: { account: '333333333333', region: 'us-west-2' } });
  const key = new CfnResource(producer, 'Key', {
    type: 'AWS::KMS::Key',
    properties: { Description: setup.keyDescription ?? 'v1', KeyPolicy: {} },
  });
  const topic = new CfnResource(producer, 'Topic', {
    type: 'AWS::SNS::Topic',
    properties: { KmsMasterKeyId: key.ref },
  });
  new CfnResource(producer, 'Unrelated', {
    type: 'AWS::SNS::Topic',
    properties: { DisplayName: setup.unrelatedDescription ?? 'v1' },
  });
  const consumer = new Stack(app, 'Consumer', { env: { account: '333333333333', region: 'us-east-1' } });
  new CfnResource(consumer, 'Reader', {
    type: 'AWS::SSM::Parameter',
    properties: { Type: 'String', Value: topic.ref },
  });
  new WeakReferenceFingerprint(consumer, 'References', { parameterName: '/test/references' });
  return Template.fromStack(consumer).toJSON();
}

function fingerprintOf(template: Record<string, unknown>): string {
  const resources = template.Resources as Record<
    string,
    { Type: string; Properties: { Name?: string; Value?: string } }
  >;
  const parameter = Object.values(resources).find((r) => r.Properties.Name === '/test/references');
  if (!parameter) throw new Error('no fingerprint parameter in the consumer');
  return parameter.Properties.Value!;
}

describe('WeakReferenceFingerprint', () => {
  test('the consumer reads the producer through Fn::GetStackOutput and holds a sha256 fingerprint', () => {
    const template = consumerTemplate();
    expect(JSON.stringify(template)).toContain('"Fn::GetStackOutput":{"StackName":"Producer"');
    expect(fingerprintOf(template)).toMatch(/^[0-9a-f]{64}$/);
  });

  test('the same producer gives the same fingerprint (a deploy without a change does not update the consumer)', () => {
    expect(fingerprintOf(consumerTemplate())).toBe(fingerprintOf(consumerTemplate()));
  });

  test('a change to a resource the output depends on, transitively, changes the consumer template', () => {
    const before = consumerTemplate();
    const after = consumerTemplate({ keyDescription: 'v2' });
    expect(fingerprintOf(after)).not.toBe(fingerprintOf(before));
    expect(after).not.toEqual(before);
  });

  test('a change the consumer does not read leaves its template alone', () => {
    expect(consumerTemplate({ unrelatedDescription: 'v2' })).toEqual(consumerTemplate());
  });

  test('computed once per synth, for the final rendering: not while aws-cdk-lib prepares the app', () => {
    const app = testApp();
    const producer = new Stack(app, 'Producer', { env: { account: '333333333333', region: 'us-west-2' } });
    const topic = new CfnResource(producer, 'Topic', { type: 'AWS::SNS::Topic' });
    const consumer = new Stack(app, 'Consumer', { env: { account: '333333333333', region: 'us-east-1' } });
    new CfnResource(consumer, 'Reader', {
      type: 'AWS::SSM::Parameter',
      properties: { Type: 'String', Value: topic.ref },
    });
    const references = new WeakReferenceFingerprint(consumer, 'References', { parameterName: '/test/references' });
    const value = (references.parameter.node.defaultChild as ssm.CfnParameter).value;
    const resolveWith = (preparing: boolean) =>
      Tokenization.resolve(value, {
        scope: consumer,
        preparing,
        resolver: new DefaultTokenResolver(new StringConcat()),
      }) as string;
    expect(resolveWith(true)).toBe('preparing');
    expect(resolveWith(false)).toMatch(/^[0-9a-f]{64}$/);
  });
});
