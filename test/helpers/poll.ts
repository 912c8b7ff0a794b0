/**
 * Calls `check` every `pauseMs` until it returns a value, and returns it; undefined once `limitMs` has passed.
 * Blocks this thread while it waits (`Atomics.wait`): the helpers that wait are synchronous, as synthBulwark is. A
 * `check` that throws ends the wait with its error.
 */
export function pollSync<T>(check: () => T | undefined, limitMs: number, pauseMs: number): T | undefined {
  const pause = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const started = Date.now();
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() - started > limitMs) return undefined;
    Atomics.wait(pause, 0, 0, pauseMs);
  }
}
