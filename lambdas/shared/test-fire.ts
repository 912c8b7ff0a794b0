/**
 * The reason `npm run ops -- test-alarms` sets on an alarm. Whatever reacts to alarms (the kill-switch
 * Lambda) recognises it: a test fire proves the routing reaches it, and must not switch off features
 * or freeze deploys in a healthy environment.
 */
export const TEST_FIRE_REASON_PREFIX = 'Test fire by "ops test-alarms"';

export function isTestFire(stateReason: string | undefined): boolean {
  return stateReason?.startsWith(TEST_FIRE_REASON_PREFIX) ?? false;
}
