import * as fs from 'fs';
import * as path from 'path';

/**
 * Which of the Control Tower Guard rule files can say anything about a set of templates.
 *
 * Why: cfn-guard evaluates every rule file against every template, and a synth spent most of its time there
 * (docs/performance.md). About 60% of the 237 bundled rules are for resource types Bulwark never creates
 * (API Gateway, DMS, Redshift, ...): each selects its resources with `Resources.*[ Type == 'AWS::...' ]` and
 * is skipped when the selection is empty, so running it can only ever yield "skip".
 *
 * The selection keeps a rule file when it names a resource type that occurs in the template, and every file that
 * names none (the Control Tower plugin selects per template: it runs cfn-guard once per template).
 * `test/common/guard-rule-selection.test.ts` runs all the rules on a template without their types and requires
 * them all silent, the assumption this rests on, and compares the findings of the selected rules with those of
 * all rules on the synthesized Prod template.
 */

const RESOURCE_TYPE = /AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g;

/** The Control Tower rules @cdklabs/cdk-validator-cfnguard ships (what its default configuration runs). */
export const CONTROL_TOWER_RULES_DIR = path.join(
  path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')),
  'rules',
  'control-tower',
  'cfn-guard',
);

/** Every `.guard` file under `dir`, sorted. */
export function guardRuleFiles(dir: string = CONTROL_TOWER_RULES_DIR): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return guardRuleFiles(full);
      return entry.name.endsWith('.guard') ? [full] : [];
    })
    .sort();
}

/** The resource types the templates declare. */
export function templateResourceTypes(templatePaths: readonly string[]): Set<string> {
  return new Set(templatePaths.flatMap((file) => [...resourceTypesOf(fs.readFileSync(file, 'utf8'))]));
}

/** The resource types one template declares, from its text. */
export function resourceTypesOf(templateText: string): Set<string> {
  const template = JSON.parse(templateText) as { Resources?: Record<string, { Type?: string }> };
  return new Set(
    Object.values(template.Resources ?? {})
      .map((resource) => resource.Type)
      .filter((type): type is string => typeof type === 'string'),
  );
}

/** Whether a rule with this text can say anything about a template declaring `types`: it names one, or none. */
export function ruleCanMatch(ruleText: string, types: ReadonlySet<string>): boolean {
  const named = ruleText.match(RESOURCE_TYPE) ?? [];
  return named.length === 0 || named.some((type) => types.has(type));
}

/** The rule files that name a type present in `types`, or no type at all. */
export function rulesForTypes(ruleFiles: readonly string[], types: ReadonlySet<string>): string[] {
  return ruleFiles.filter((file) => ruleCanMatch(fs.readFileSync(file, 'utf8'), types));
}
