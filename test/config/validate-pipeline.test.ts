import { BulwarkConfigInput, validateConfig } from '../../config';
import { defaultConfigInput } from '../helpers/app';
import { problemsOf } from '../helpers/config';

type PipelineInput = { -readonly [K in keyof BulwarkConfigInput['pipeline']]?: BulwarkConfigInput['pipeline'][K] };

function withPipeline(change: (pipeline: PipelineInput) => void): BulwarkConfigInput {
  const input = defaultConfigInput();
  change(input.pipeline as PipelineInput);
  return input;
}

describe('pipeline config validation', () => {
  test('the default pipeline config is valid, with defaults applied', () => {
    const { pipeline } = validateConfig(defaultConfigInput());
    expect(pipeline).toMatchObject({
      account: '444444444444',
      region: 'us-east-1',
      repository: 'acme/bulwark',
      branch: 'main',
      allowSharedToolingAccount: false,
      notifications: {},
    });
  });

  test('a tooling account that is also a workload account is refused, naming both fields and the way out', () => {
    const message = problemsOf(withPipeline((p) => (p.account = '333333333333')));
    expect(message).toContain(
      'pipeline.account 333333333333 is also Prod.account; give the pipeline its own tooling account',
    );
    expect(message).toContain('set pipeline.allowSharedToolingAccount true');
  });

  test('allowSharedToolingAccount lets the tooling account double as a workload account', () => {
    const input = withPipeline((p) => {
      p.account = '333333333333';
      p.connectionArn =
        'arn:aws:codeconnections:us-east-1:333333333333:connection/00000000-0000-0000-0000-000000000000';
      p.allowSharedToolingAccount = true;
    });
    expect(validateConfig(input).pipeline.account).toBe('333333333333');
  });

  test('a missing connection ARN is refused with how to get one', () => {
    const message = problemsOf(withPipeline((p) => delete p.connectionArn));
    expect(message).toContain(
      'pipeline.connectionArn (missing): is required: create a CodeConnections connection to your repository and paste its ARN',
    );
  });

  test('a malformed connection ARN is refused with the expected form', () => {
    const message = problemsOf(withPipeline((p) => (p.connectionArn = 'arn:aws:s3:::not-a-connection')));
    expect(message).toContain(
      'pipeline.connectionArn "arn:aws:s3:::not-a-connection": must be a CodeConnections connection ARN',
    );
  });

  test('a connection owned by another account than the tooling account is refused', () => {
    const message = problemsOf(
      withPipeline(
        (p) =>
          (p.connectionArn =
            'arn:aws:codestar-connections:us-east-1:555555555555:connection/0a1b2c3d-0000-0000-0000-000000000000'),
      ),
    );
    expect(message).toContain(
      'pipeline.connectionArn belongs to account 555555555555, not pipeline.account 444444444444; create the connection in the tooling account',
    );
  });

  test('an unknown region is refused, even when it looks like one', () => {
    expect(problemsOf(withPipeline((p) => (p.region = 'us-east-9')))).toContain(
      'pipeline.region "us-east-9" is not an AWS region',
    );
    expect(problemsOf(withPipeline((p) => (p.region = 'Virginia')))).toContain(
      'pipeline.region "Virginia": must be an AWS region code such as "us-east-1"',
    );
  });

  test('a repository that is not owner/name is refused', () => {
    expect(problemsOf(withPipeline((p) => (p.repository = 'bulwark')))).toContain(
      'pipeline.repository "bulwark": must be "owner/name"',
    );
  });
});
