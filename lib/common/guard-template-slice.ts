import * as path from 'path';
import { GuardRuleSource } from './guard-rule-merge';

/**
 * The part of a template a Control Tower Guard rule file can observe, so cfn-guard reads that part only.
 *
 * Why: cfn-guard 3.1 spends about 12 ms per clause it evaluates on a 300-resource template, whatever the clause
 * checks (docs/performance.md, round 3): its cost grows with rules x template size. Every bundled Control Tower file
 * reaches resources only through queries of three shapes, so the resources it can read are known from its text:
 *
 * - `Resources.*[ Type == %T ]` (or `Resources[ ... ]`, or several `Type == %T` joined by `or`), where each `T` is a
 *   `let` bound to a literal resource type in the same file: the resources of the types the file names;
 * - `%doc.Resources[ keys == %resource_key ]`, where the key is a value read from a resource already observed (a
 *   `Ref` or `Fn::GetAtt` in the rules as shipped): the resources those resources name, and so on;
 * - `Resources exists` / `is_list` / `not empty` and `some Resources[*] == "..."`: the key's presence at the top
 *   (`is_cfn_template`) or a property of an observed resource (an EKS cluster's `EncryptionConfig`).
 *
 * So a template keeping every top-level key except `Resources` as it is, and in `Resources` (in their order) the
 * resources of the named types plus every resource any kept resource names (any string equal to a logical id,
 * `Fn::GetAtt`'s `id.attr`, `Fn::Sub`'s `${id}`), gives that file exactly the report the whole template gives: the
 * queries select the same resources in the same order, every key lookup finds the same resource, and what the
 * report names (rule, logical id, property path) is the same. A larger sub-template than that (the union of several
 * files' parts) gives the same too. A file with any other use of `Resources` is not sliced: it reads the whole
 * template. All 237 bundled files are sliceable; `test/common/guard-template-slice.test.ts` checks the reports are
 * equal on the synthesized templates.
 */

/** What a rule file can observe of a template, or why that cannot be told from its text. */
export type GuardRuleReach =
  { readonly types: ReadonlySet<string>; readonly followsReferences: boolean } | { readonly unsliceable: string };

const RESOURCE_TYPE = /AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g;
const TYPE_CONSTANT = /^\s*let\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(["'])(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)\2\s*$/gm;
/** Each `Resources` token of a rule, with what follows it: the recognized shapes above. */
const TYPE_TEST = String.raw`Type\s*==\s*%[A-Za-z_][A-Za-z0-9_]*`;
const TYPE_QUERY = new RegExp(String.raw`^(?:\.\*)?\[\s*(${TYPE_TEST}(?:\s+or\s+${TYPE_TEST})*)\s*\]`);
const KEY_LOOKUP = /^\[\s*keys\s*==\s*%[A-Za-z_][A-Za-z0-9_]*\s*\]/;
const PRESENCE = /^\s+(?:exists|is_list|not\s+empty)\b/;
const SOME_ITEM = /^\[\*\]\s*==\s*"[^"\n]*"/;

/** The rule text cfn-guard evaluates: comments and custom messages (`<< ... >>`, never evaluated) blanked. */
function evaluatedText(content: string): string {
  return content
    .split('\n')
    .map((line) => (/^\s*#/.test(line) ? '' : line))
    .join('\n')
    .replace(/<<[\s\S]*?>>/g, (message) => message.replace(/[^\n]/g, ' '));
}

/** What a Guard rule file can observe of a template (the shapes in this module's comment), from its text. */
export function guardRuleReach(content: string): GuardRuleReach {
  const text = evaluatedText(content);
  const typeConstants = new Map([...text.matchAll(TYPE_CONSTANT)].map((match) => [match[1], match[3]]));
  let followsReferences = false;
  for (const match of text.matchAll(/\bResources\b/g)) {
    const before = text.slice(0, match.index);
    const after = text.slice(match.index + match[0].length);
    const typeQuery = TYPE_QUERY.exec(after);
    if (typeQuery && !before.endsWith('.')) {
      const unbound = [...typeQuery[1].matchAll(/%([A-Za-z_][A-Za-z0-9_]*)/g)].find(
        ([, name]) => !typeConstants.has(name),
      );
      if (unbound) return { unsliceable: `Resources queried by %${unbound[1]}, which is not a literal resource type` };
      continue;
    }
    if (KEY_LOOKUP.test(after) && /%[A-Za-z_][A-Za-z0-9_]*\.$/.test(before)) {
      followsReferences = true;
      continue;
    }
    if (PRESENCE.test(after) && !before.endsWith('.')) continue;
    if (SOME_ITEM.test(after) && /\bsome\s+$/.test(before)) continue;
    const line = text.slice(text.lastIndexOf('\n', match.index) + 1, text.indexOf('\n', match.index)).trim();
    return { unsliceable: `a use of Resources this module does not recognize: "${line}"` };
  }
  // Types named anywhere, comments and messages included: a wider part than needed is still exact (above).
  return { types: new Set(content.match(RESOURCE_TYPE) ?? []), followsReferences };
}

/** A CloudFormation template as cfn-guard reads it. */
export interface TemplateDocument {
  readonly Resources?: Record<string, { readonly Type?: unknown; readonly [key: string]: unknown }>;
  readonly [key: string]: unknown;
}

const SUB_REFERENCE = /\$\{([^}!.][^}.]*)(?:\.[^}]*)?\}/g;

/** The logical ids `value` names: any string equal to one, `Fn::GetAtt`'s `id.attr`, and `Fn::Sub`'s `${id}`. */
export function namedLogicalIds(
  value: unknown,
  logicalIds: ReadonlySet<string>,
  into = new Set<string>(),
): Set<string> {
  if (typeof value === 'string') {
    if (logicalIds.has(value)) into.add(value);
    const dot = value.indexOf('.');
    if (dot > 0 && logicalIds.has(value.slice(0, dot))) into.add(value.slice(0, dot));
    for (const match of value.matchAll(SUB_REFERENCE)) if (logicalIds.has(match[1])) into.add(match[1]);
  } else if (Array.isArray(value)) {
    for (const item of value) namedLogicalIds(item, logicalIds, into);
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (logicalIds.has(key)) into.add(key);
      namedLogicalIds(item, logicalIds, into);
    }
  }
  return into;
}

/**
 * The template with, in `Resources`, only the resources of `types` and, when `followsReferences`, every resource
 * they name, transitively; everything else as it is, in its order.
 */
export function sliceTemplate(
  template: TemplateDocument,
  reach: { readonly types: ReadonlySet<string>; readonly followsReferences: boolean },
): TemplateDocument {
  const resources = template.Resources ?? {};
  const logicalIds = new Set(Object.keys(resources));
  const kept = new Set(
    Object.entries(resources)
      .filter(([, resource]) => typeof resource?.Type === 'string' && reach.types.has(resource.Type))
      .map(([logicalId]) => logicalId),
  );
  if (reach.followsReferences) {
    const pending = [...kept];
    while (pending.length > 0) {
      for (const named of namedLogicalIds(resources[pending.pop()!], logicalIds)) {
        if (!kept.has(named)) {
          kept.add(named);
          pending.push(named);
        }
      }
    }
  }
  const sliced: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    sliced[key] =
      key === 'Resources' ? Object.fromEntries(Object.entries(resources).filter(([id]) => kept.has(id))) : value;
  }
  return sliced as TemplateDocument;
}

/** Rule files cfn-guard runs together over one slice of a template (the union of what each can observe). */
export interface GuardRuleGroup {
  readonly name: string;
  readonly rules: readonly GuardRuleSource[];
  /** Undefined: the whole template (a file of the group is not sliceable). */
  readonly reach?: { readonly types: ReadonlySet<string>; readonly followsReferences: boolean };
}

/**
 * The files grouped by folder (a Control Tower service: its files name the same few types, so one slice serves
 * them and cfn-guard runs once per group), in the order given. A group with a file that cannot be sliced reads
 * the whole template.
 */
export function groupRulesForSlicing(rules: readonly GuardRuleSource[]): GuardRuleGroup[] {
  const byFolder = new Map<string, GuardRuleSource[]>();
  for (const rule of rules) {
    const folder = path.basename(path.dirname(rule.file));
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), rule]);
  }
  return [...byFolder].map(([name, members]) => {
    const reaches = members.map((rule) => guardRuleReach(rule.content));
    if (reaches.some((reach) => 'unsliceable' in reach)) return { name, rules: members };
    const sliceable = reaches as { types: ReadonlySet<string>; followsReferences: boolean }[];
    return {
      name,
      rules: members,
      reach: {
        types: new Set(sliceable.flatMap((reach) => [...reach.types])),
        followsReferences: sliceable.some((reach) => reach.followsReferences),
      },
    };
  });
}
