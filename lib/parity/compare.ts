import { EnvironmentConfig } from '../../config';
import { explanationFor } from './explanations';
import { Capability, CAPABILITIES, InventoryItem } from './inventory';

/** One key whose count is not the same in every environment. */
export interface ParityDifference {
  readonly capability: Capability;
  readonly key: string;
  /** Count per environment name (0 where it is missing). */
  readonly counts: Readonly<Record<string, number>>;
  /** The resources (logical ids, alarm names, parameter names) behind the key, per environment that has it. */
  readonly names: Readonly<Record<string, readonly string[]>>;
  /** The config setting that asks for this difference; absent when nothing explains it. */
  readonly explainedBy?: string;
  /** For an unexplained difference that a setting covers: what that setting expected instead. */
  readonly expected?: Readonly<Record<string, boolean | number>>;
}

export interface ParityResult {
  readonly environments: readonly string[];
  /** Items compared per capability (keys present in any environment). */
  readonly compared: Readonly<Record<Capability, number>>;
  readonly explained: readonly ParityDifference[];
  readonly unexplained: readonly ParityDifference[];
}

/**
 * Compare environments item by item. A key with the same count everywhere is parity. A difference is explained
 * when a config setting predicts, for every environment, exactly what it has (present or absent, or the count);
 * otherwise it is unexplained.
 */
export function compareInventories(
  environments: readonly EnvironmentConfig[],
  inventories: Readonly<Record<string, readonly InventoryItem[]>>,
): ParityResult {
  const names = environments.map((e) => e.name);
  type Entry = { item: InventoryItem; counts: Record<string, number>; names: Record<string, string[]> };
  const all = new Map<string, Entry>();
  for (const env of names) {
    for (const item of inventories[env] ?? []) {
      const id = `${item.capability}\u0000${item.key}`;
      const entry = all.get(id) ?? { item, counts: Object.fromEntries(names.map((n) => [n, 0])), names: {} };
      entry.counts[env] += item.count;
      entry.names[env] = [...(entry.names[env] ?? []), ...item.names];
      all.set(id, entry);
    }
  }
  const compared = Object.fromEntries(CAPABILITIES.map((c) => [c, 0])) as Record<Capability, number>;
  const explained: ParityDifference[] = [];
  const unexplained: ParityDifference[] = [];
  for (const { item, counts, names: byEnv } of all.values()) {
    compared[item.capability] += 1;
    const values = Object.values(counts);
    if (values.every((v) => v === values[0])) continue;
    const difference = { capability: item.capability, key: item.key, counts, names: byEnv };
    const explanation = explanationFor(item);
    if (!explanation) {
      unexplained.push(difference);
      continue;
    }
    const expected = Object.fromEntries(environments.map((env) => [env.name, explanation.expect(env)]));
    const present = environments.filter((env) => counts[env.name] > 0).map((env) => counts[env.name]);
    const matches = environments.every((env) => {
      const want = expected[env.name];
      return typeof want === 'number' ? counts[env.name] === want : want === counts[env.name] > 0;
    });
    // Presence rules say nothing about how many: where present, every environment has the same number.
    const sameWherePresent = present.every((count) => count === present[0]);
    const byNumber = Object.values(expected).some((want) => typeof want === 'number');
    if (matches && (byNumber || sameWherePresent)) explained.push({ ...difference, explainedBy: explanation.setting });
    else unexplained.push({ ...difference, expected });
  }
  const order = (a: ParityDifference, b: ParityDifference) =>
    CAPABILITIES.indexOf(a.capability) - CAPABILITIES.indexOf(b.capability) || a.key.localeCompare(b.key);
  return { environments: names, compared, explained: explained.sort(order), unexplained: unexplained.sort(order) };
}

/** One line per unexplained difference, naming the resource and what each environment has. */
export function describeDifference(difference: ParityDifference): string {
  const counts = Object.entries(difference.counts)
    .map(([env, count]) => `${env} ${count}`)
    .join(', ');
  const resources = Object.entries(difference.names)
    .map(([env, names]) => `${env}: ${names.join(', ')}`)
    .join('; ');
  const expected = difference.expected
    ? `; the config expects ${Object.entries(difference.expected)
        .map(([env, want]) => `${env} ${typeof want === 'number' ? want : want ? 'present' : 'absent'}`)
        .join(', ')}`
    : '';
  const why = difference.explainedBy ? ` (explained by ${difference.explainedBy})` : '';
  return `${difference.capability}: ${difference.key} [${counts}]${why} (${resources})${expected}`;
}
