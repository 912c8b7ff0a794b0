import { KillSwitchConfig } from '../../config';
import type { SwitchSettings } from '../../lambdas/kill-switch/settings';
import { Naming } from '../common/naming';

/** The slice of the environment config the kill switches read. */
export interface KillSwitchEnvironment {
  readonly name: string;
  readonly killSwitch: KillSwitchConfig;
}

export interface KillSwitchTopicArns {
  readonly p1TopicArn: string;
  readonly budgetTopicArn: string;
  readonly noticeTopicArn: string;
}

/** `orders-prod-monthly-cost`: the budget whose notifications turn the cost switch on. */
export function budgetName(naming: Naming): string {
  return naming.resource('monthly-cost');
}

/** `orders-prod-budget`: the topic the budget notifies and the kill-switch function listens to. */
export function budgetTopicName(naming: Naming): string {
  return naming.resource('budget');
}

/** `/orders/prod/switches/<name>` */
export function switchParameterName(naming: Naming, name: string): string {
  return naming.parameter(`switches/${name}`);
}

/**
 * The settings the kill-switch function and the `ops switch` command share, from the config. No CDK
 * here: the CLI builds the same object from the same config, so both act identically.
 */
export function killSwitchSettings(
  naming: Naming,
  environment: KillSwitchEnvironment,
  nonCriticalFeatures: readonly string[],
  topics: KillSwitchTopicArns,
): SwitchSettings {
  const ks = environment.killSwitch;
  return {
    environment: environment.name,
    parameterPrefix: switchParameterName(naming, ''),
    switches: [...ks.switches],
    features: [...nonCriticalFeatures],
    nonCriticalServices: [...ks.nonCriticalServices],
    nonCriticalFunctions: [...ks.nonCriticalFunctions],
    alarmTriggers: Object.fromEntries(
      Object.entries(ks.alarmTriggers).map(([alarmId, names]) => [naming.resource(alarmId), [...names]]),
    ),
    onAnyP1: [...ks.onAnyP1],
    onBudget: [...ks.onBudget],
    budgetName: budgetName(naming),
    ...topics,
  };
}
