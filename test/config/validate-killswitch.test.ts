import { ConfigError, validateConfig } from '../../config';
import { defaultConfigInput } from '../helpers/app';

function prodWith(killSwitch: Record<string, unknown>) {
  const input = defaultConfigInput();
  const prod = input.environments.find((e) => e.name === 'Prod')!;
  (prod as Record<string, unknown>).killSwitch = killSwitch;
  return input;
}

function problems(input: unknown): string[] {
  try {
    validateConfig(input);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

describe('killSwitch config', () => {
  test('defaults: features, cost and deploy-freeze; 5xx-critical -> features, any P1 -> deploy-freeze, budget -> cost', () => {
    const prod = validateConfig(defaultConfigInput()).environments.find((e) => e.name === 'Prod')!;
    expect(prod.killSwitch).toEqual({
      switches: ['features', 'cost', 'deploy-freeze'],
      nonCriticalServices: [],
      nonCriticalFunctions: [],
      alarmTriggers: { 'http-5xx-critical': ['features'] },
      onAnyP1: ['deploy-freeze'],
      onBudget: ['cost'],
      budgetForecastPercent: 80,
      budgetActualPercent: 100,
    });
    // Prod probes every 10 s (the default is 20): its P1 failure modes page within 60 s (docs/recovery-model.md).
    expect(prod.canary).toEqual({ everyMinutes: 1, probeEverySeconds: 10 });
  });

  test('a trigger naming a switch that is not in the config fails with a named error', () => {
    expect(problems(prodWith({ alarmTriggers: { 'http-5xx-critical': ['feature'] } }))).toEqual([
      'Prod.killSwitch.alarmTriggers.http-5xx-critical names the switch "feature", which is not in Prod.killSwitch.switches ("features", "cost", "deploy-freeze"); use one of those or add "feature" to the switches',
    ]);
    expect(problems(prodWith({ switches: ['features', 'deploy-freeze'] }))).toEqual([
      'Prod.killSwitch.onBudget names the switch "cost", which is not in Prod.killSwitch.switches ("features", "deploy-freeze"); use one of those or add "cost" to the switches',
    ]);
    expect(problems(prodWith({ onAnyP1: ['freeze'] }))[0]).toMatch(
      /^Prod\.killSwitch\.onAnyP1 names the switch "freeze"/,
    );
  });

  test('a switch listed twice, a malformed service reference or switch name is refused', () => {
    expect(problems(prodWith({ switches: ['cost', 'cost', 'features', 'deploy-freeze'] }))[0]).toMatch(
      /lists a switch twice/,
    );
    expect(problems(prodWith({ nonCriticalServices: ['reports'] }))[0]).toBe(
      'Prod.killSwitch.nonCriticalServices.0 "reports": must be "<cluster name>/<service name>"',
    );
    expect(problems(prodWith({ switches: ['Cost'] }))[0]).toMatch(
      /^Prod\.killSwitch\.switches\.0 "Cost": must be a switch name/,
    );
  });

  test('a tier-1 environment keeps its deploy-freeze switch: the pipeline would read a missing one as off', () => {
    expect(problems(prodWith({ switches: ['features', 'cost'], onAnyP1: [] }))).toEqual([
      'Prod.killSwitch.switches ["features","cost"] lacks "deploy-freeze": the pipeline keeps a tier-1 environment closed while that switch is on, and reads a missing switch as off; add "deploy-freeze"',
    ]);
    const dev = defaultConfigInput();
    (dev.environments.find((e) => e.name === 'Dev') as Record<string, unknown>).killSwitch = {
      switches: ['features', 'cost'],
      onAnyP1: [],
    };
    expect(problems(dev)).toEqual([]);
  });

  test('a synth with a misnamed switch fails before any stack is built', () => {
    expect(() => validateConfig(prodWith({ onBudget: ['costs'] }))).toThrow(ConfigError);
  });
});
