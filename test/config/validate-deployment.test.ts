import {
  DEPLOYMENT_START_ALLOWANCE_MINUTES,
  DEPLOYMENT_WAIT_LIMIT_MINUTES,
  trafficShiftMinutes,
  validateConfig,
} from '../../config';
import { defaultConfigInput } from '../helpers/app';
import { problemsOf, withEnv } from '../helpers/config';

describe('deployment policy per tier', () => {
  test('the default deployment policies are valid', () => {
    expect(() => validateConfig(defaultConfigInput())).not.toThrow();
  });

  test('all-at-once in a tier-1 environment is refused', () => {
    const message = problemsOf(withEnv('Prod', (env) => (env.deployment.traffic = { type: 'all-at-once' })));
    expect(message).toContain(
      'Prod.deployment.traffic "all-at-once" exposes every user to a bad release; a tier-1 environment needs',
    );
  });

  test.each([1, 2] as const)('autoRollback false in a tier-%i environment is refused', (tier) => {
    const message = problemsOf(
      withEnv('Staging', (env) => {
        env.tier = tier;
        env.deployment.autoRollback = false;
      }),
    );
    expect(message).toContain(
      `Staging.deployment.autoRollback false: a tier-${tier} environment must roll back automatically on alarms; set it to true`,
    );
  });

  test('autoRollback false is allowed in tier 3 (Dev)', () => {
    expect(() => validateConfig(withEnv('Dev', (env) => (env.deployment.autoRollback = false)))).not.toThrow();
  });

  test('a tier-1 bake time under 5 minutes is refused', () => {
    const message = problemsOf(withEnv('Prod', (env) => (env.deployment.bakeTimeMinutes = 4)));
    expect(message).toContain(
      'Prod.deployment.bakeTimeMinutes 4: a tier-1 environment keeps the old task set at least 5 minutes for instant rollback; set 5 or more',
    );
  });

  test('a tier-1 first traffic step above 25 % is refused', () => {
    const message = problemsOf(
      withEnv('Prod', (env) => (env.deployment.traffic = { type: 'canary', percentage: 50, intervalMinutes: 5 })),
    );
    expect(message).toContain(
      'Prod.deployment.traffic.percentage 50: a tier-1 environment sends at most 25 % of users',
    );
  });

  test('traffic shifting plus bake time longer than a cdk deploy can wait is refused', () => {
    const message = problemsOf(withEnv('Prod', (env) => (env.deployment.bakeTimeMinutes = 60)));
    const budget = DEPLOYMENT_WAIT_LIMIT_MINUTES - DEPLOYMENT_START_ALLOWANCE_MINUTES;
    expect(message).toContain(
      `Prod.deployment: traffic shifting (5 min) plus bakeTimeMinutes 60 exceeds ${budget} min`,
    );
    const linear = problemsOf(
      withEnv('Staging', (env) => (env.deployment.traffic = { type: 'linear', percentage: 10, intervalMinutes: 5 })),
    );
    expect(linear).toContain('Staging.deployment: traffic shifting (50 min) plus bakeTimeMinutes 5');
  });

  test('traffic shift time per policy', () => {
    expect(trafficShiftMinutes({ type: 'all-at-once' })).toBe(0);
    expect(trafficShiftMinutes({ type: 'canary', percentage: 10, intervalMinutes: 5 })).toBe(5);
    expect(trafficShiftMinutes({ type: 'linear', percentage: 10, intervalMinutes: 1 })).toBe(10);
    expect(trafficShiftMinutes({ type: 'linear', percentage: 30, intervalMinutes: 2 })).toBe(8);
  });
});
