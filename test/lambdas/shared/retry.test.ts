import { isRetryableError, withRetry } from '../../../lambdas/shared/retry';

const noSleep = async () => undefined;

function throttled(): Error {
  return Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
}

describe('withRetry', () => {
  test('retries throttling until the call succeeds', async () => {
    let calls = 0;
    const delays: number[] = [];
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw throttled();
        return 'done';
      },
      { sleep: noSleep, onRetry: (_e, _a, delay) => delays.push(delay) },
    );
    expect(result).toBe('done');
    expect(calls).toBe(3);
    expect(delays).toHaveLength(2);
  });

  test('gives up after the configured attempts and rethrows the last error', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw throttled();
        },
        { attempts: 4, sleep: noSleep },
      ),
    ).rejects.toThrow('Rate exceeded');
    expect(calls).toBe(4);
  });

  test('does not retry errors that are not transient', async () => {
    let calls = 0;
    const denied = Object.assign(new Error('denied'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(
      withRetry(
        async () => {
          calls++;
          throw denied;
        },
        { sleep: noSleep },
      ),
    ).rejects.toThrow('denied');
    expect(calls).toBe(1);
  });

  test('backoff delays stay within the exponential cap', async () => {
    const delays: number[] = [];
    await expect(
      withRetry(
        async () => {
          throw throttled();
        },
        { attempts: 6, baseDelayMs: 100, maxDelayMs: 400, sleep: noSleep, onRetry: (_e, _a, d) => delays.push(d) },
      ),
    ).rejects.toThrow();
    expect(delays.every((d, i) => d >= 0 && d <= Math.min(400, 100 * 2 ** i))).toBe(true);
  });

  test('classifies throttling, 5xx and timeouts as retryable', () => {
    expect(isRetryableError(throttled())).toBe(true);
    expect(isRetryableError({ name: 'X', $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isRetryableError({ name: 'TimeoutError' })).toBe(true);
    expect(isRetryableError({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } })).toBe(false);
    expect(isRetryableError('boom')).toBe(false);
  });
});
