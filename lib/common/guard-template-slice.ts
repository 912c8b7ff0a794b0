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
 *   `Ref` or `Fn::GetAtt` in the rules as shipped): the resources those resources name, and so on. When every such
 *   lookup sits in a rule that reads of the resource it finds only that it exists and its `Type` (all 42 bundled
 *   files that look up: `query_for_resource`), nothing is read inside a found resource, so no key can come from
 *   one: the resources the named ones name directly are enough;
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

/**
 * Which resources named by observed ones a file can read: none (no key lookup), those the resources of its types
 * name (every lookup reads only existence and `Type` of what it finds), or all reachable from them.
 */
export type ReferencesFollowed = 'none' | 'direct' | 'transitive';

/** What a rule file can observe of a template: resources of these types, and the references it follows. */
export interface SliceReach {
  readonly types: ReadonlySet<string>;
  readonly references: ReferencesFollowed;
}

/** What a rule file can observe of a template, or why that cannot be told from its text. */
export type GuardRuleReach = SliceReach | { readonly unsliceable: string };

const RESOURCE_TYPE = /AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g;
const TYPE_CONSTANT = /^\s*let\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(["'])(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)\2\s*$/gm;
/** Each `Resources` token of a rule, with what follows it: the recognized shapes above. */
const TYPE_TEST = String.raw`Type\s*==\s*%[A-Za-z_][A-Za-z0-9_]*`;
const TYPE_QUERY = new RegExp(String.raw`^(?:\.\*)?\[\s*(${TYPE_TEST}(?:\s+or\s+${TYPE_TEST})*)\s*\]`);
const KEY_LOOKUP = /^\[\s*keys\s*==\s*%[A-Za-z_][A-Za-z0-9_]*\s*\]/;
const PRESENCE = /^\s+(?:exists|is_list|not\s+empty)\b/;
const SOME_ITEM = /^\[\*\]\s*==\s*"[^"\n]*"/;
const NAME = '[A-Za-z_][A-Za-z0-9_]*';
/**
 * A parameterized rule whose key lookup reads only that the found resource exists and its `Type`, whitespace
 * normalized (`query_for_resource` of the bundled files).
 */
const EXISTENCE_AND_TYPE_LOOKUP = new RegExp(
  String.raw`^rule ${NAME} ?\([^)]*\) ?\{ ?let (${NAME}) = %${NAME}\.Resources\[ ?keys == %${NAME} ?\] ?` +
    String.raw`%\1 not empty ?(?:%\1 ?\{ ?Type (?:==|in) %${NAME} ?\} ?)?\}$`,
);

/** The text of the parameterized rule around `index`, whitespace normalized, or undefined. */
function enclosingRule(text: string, index: number): string | undefined {
  const starts = [...text.slice(0, index).matchAll(/\brule\s+[A-Za-z_][A-Za-z0-9_]*\s*\([^)]*\)\s*\{/g)];
  const start = starts.at(-1);
  if (start?.index === undefined) return undefined;
  let depth = 0;
  for (let at = start.index + start[0].length - 1; at < text.length; at++) {
    if (text[at] === '{') depth++;
    if (text[at] === '}' && --depth === 0) {
      return at > index ? text.slice(start.index, at + 1).replace(/\s+/g, ' ') : undefined;
    }
  }
  return undefined;
}

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
  let references: ReferencesFollowed = 'none';
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
      const onlyExistenceAndType = EXISTENCE_AND_TYPE_LOOKUP.test(enclosingRule(text, match.index) ?? '');
      if (!onlyExistenceAndType) references = 'transitive';
      else if (references === 'none') references = 'direct';
      continue;
    }
    if (PRESENCE.test(after) && !before.endsWith('.')) continue;
    if (SOME_ITEM.test(after) && /\bsome\s+$/.test(before)) continue;
    const line = text.slice(text.lastIndexOf('\n', match.index) + 1, text.indexOf('\n', match.index)).trim();
    return { unsliceable: `a use of Resources this module does not recognize: "${line}"` };
  }
  // Types named anywhere, comments and messages included: a wider part than needed is still exact (above).
  return { types: new Set(content.match(RESOURCE_TYPE) ?? []), references };
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
 * The template with, in `Resources`, only the resources of `types` and the resources they name (directly, or
 * transitively, as `references` says); everything else as it is, in its order.
 */
export function sliceTemplate(template: TemplateDocument, reach: SliceReach): TemplateDocument {
  const resources = template.Resources ?? {};
  const logicalIds = new Set(Object.keys(resources));
  const kept = new Set(
    Object.entries(resources)
      .filter(([, resource]) => typeof resource?.Type === 'string' && reach.types.has(resource.Type))
      .map(([logicalId]) => logicalId),
  );
  if (reach.references === 'direct') {
    const named = new Set<string>();
    for (const logicalId of kept) namedLogicalIds(resources[logicalId], logicalIds, named);
    for (const logicalId of named) kept.add(logicalId);
  } else if (reach.references === 'transitive') {
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
  readonly reach?: SliceReach;
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
    const sliceable = reaches as SliceReach[];
    const followed = new Set(sliceable.map((reach) => reach.references));
    return {
      name,
      rules: members,
      reach: {
        types: new Set(sliceable.flatMap((reach) => [...reach.types])),
        references: followed.has('transitive') ? 'transitive' : followed.has('direct') ? 'direct' : 'none',
      },
    };
  });
}
