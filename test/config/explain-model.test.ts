import { ConfigError, validateConfig } from '../../config';
import { defaultConfigInput } from '../helpers/app';

function problemsWith(explainModelId: string): string[] {
  const input = defaultConfigInput();
  input.operations = { ...input.operations, explainModelId };
  try {
    validateConfig(input);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

describe('operations.explainModelId (ops status --explain)', () => {
  test('defaults to Amazon Nova Lite', () => {
    expect(validateConfig(defaultConfigInput()).operations.explainModelId).toBe('amazon.nova-lite-v1:0');
  });

  test.each([
    'anthropic.claude-3-5-haiku-20241022-v1:0',
    'us.amazon.nova-lite-v1:0',
    'arn:aws:bedrock:us-east-1:111111111111:inference-profile/us.amazon.nova-micro-v1:0',
  ])('accepts %s', (id) => {
    expect(problemsWith(id)).toEqual([]);
  });

  test.each(['Nova Lite', 'gpt4', ''])('rejects "%s", naming the field and the accepted forms', (id) => {
    expect(problemsWith(id)).toContainEqual(
      expect.stringMatching(
        /operations\.explainModelId.*must be a Bedrock model id \(amazon\.nova-lite-v1:0\), an inference profile id/,
      ),
    );
  });
});
