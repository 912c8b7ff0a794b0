import * as path from 'path';

/**
 * Several Guard rule files as one, with what each file declares for itself renamed apart.
 *
 * Why: cfn-guard 3.1.1 pays about 12 ms per rule FILE per template beside what the rules evaluate (measured on the
 * Prod template: 93 files of one trivial rule each cost 2.3 s of CPU, the same 93 rules in one file 1.2 s;
 * docs/performance.md, round 3). The Control Tower rules ship one control per file, so each template's selected
 * rules are given to cfn-guard as one file.
 *
 * Why the renaming: every Control Tower file declares the same helpers at file level (`let INPUT_DOCUMENT`,
 * parameterized rules `is_cfn_template`, `is_cfn_hook`, `check`, ...), each with its own body. Concatenated
 * as they are, the names collide and the rules check other things (tried: 66 findings on Prod instead of 13).
 * So in each file, every variable (`let NAME`, a rule's parameters and every `%NAME`) and every parameterized
 * rule (`rule NAME(`, and each `NAME(` call) gets the file's own prefix. Every variable of a file is renamed the
 * same way, so a parameter or rule-level `let` that shadows a file-level one still shadows it. Rules without
 * parameters keep their names: cfn-guard reports them, and the report's `ruleName` is what acknowledgements match.
 * `mergeGuardRules` refuses what would make the merge unsafe (two files reporting the same rule name, a `%` it
 * cannot account for, a file already using the prefix) rather than guess; the caller then runs the files as they are.
 *
 * Guard's syntax: variables are declared with `let` at file, rule or block level and referenced with `%`, and are
 * not read in custom messages (https://docs.aws.amazon.com/cfn-guard/latest/ug/variables.html); named rules and
 * parameterized rules (https://docs.aws.amazon.com/cfn-guard/latest/ug/named-rule-block-composition.html). The
 * renaming is textual, not a parse of Guard, so what it must preserve is checked, not assumed
 * (test/common/guard-rule-merge.test.ts): the same report as the files one by one on the synthesized templates,
 * and every custom message of the 237 bundled files unchanged.
 */

const IDENTIFIER = '[A-Za-z_][A-Za-z0-9_]*';
/** `rule NAME(params)`: a parameterized rule; it runs where another rule calls it, and is not reported itself. */
const PARAMETERIZED_RULE = new RegExp(`^(\\s*rule\\s+)(${IDENTIFIER})(\\s*)\\(([^)]*)\\)`, 'gm');
/** `rule NAME when ...` or `rule NAME {`: a rule cfn-guard reports by its name. */
const REPORTED_RULE = new RegExp(`^\\s*rule\\s+(${IDENTIFIER})\\s*(?:when\\b|\\{|$)`, 'gm');
const LET = new RegExp(`^(\\s*let\\s+)(${IDENTIFIER})\\b`, 'gm');
const VARIABLE_REFERENCE = new RegExp(`%(${IDENTIFIER})\\b`, 'g');
const PREFIX_MARK = 'bulwark_merged_';

/** One rule file: its path (for messages) and its text. */
export interface GuardRuleSource {
  readonly file: string;
  readonly content: string;
}

export type GuardRuleMerge = { readonly merged: string } | { readonly unsafe: string };

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Comments as blank lines of the same count: a `#` line never reaches cfn-guard's evaluation. */
function withoutComments(content: string): string {
  return content
    .split('\n')
    .map((line) => (/^\s*#/.test(line) ? '' : line))
    .join('\n');
}

/** One file with its variables and parameterized rules prefixed, or why that cannot be done safely. */
export function renameApart(content: string, prefix: string): { readonly text: string } | { readonly unsafe: string } {
  const text = withoutComments(content);
  if (text.includes(PREFIX_MARK)) return { unsafe: `it already uses the prefix ${PREFIX_MARK}` };
  if (/<<[^>]*%/.test(text) || /"[^"\n]*%[^"\n]*"/.test(text) || /'[^'\n]*%[^'\n]*'/.test(text)) {
    // A `%` inside a message or a string is text (Guard reads no variable in a custom message: variables.html
    // above), and renaming it would change the message.
    return { unsafe: 'a % inside a message or a string' };
  }
  const parameterized = new Set([...text.matchAll(PARAMETERIZED_RULE)].map((match) => match[2]));
  let renamed = text
    .replace(PARAMETERIZED_RULE, (_all, head: string, name: string, space: string, params: string) => {
      const prefixed = params
        .split(',')
        .map((param) => param.replace(new RegExp(`^(\\s*)(${IDENTIFIER})(\\s*)$`), `$1${prefix}$2$3`))
        .join(',');
      return `${head}${prefix}${name}${space}(${prefixed})`;
    })
    .replace(LET, (_all, head: string, name: string) => `${head}${prefix}${name}`)
    .replace(VARIABLE_REFERENCE, (_all, name: string) => `%${prefix}${name}`);
  for (const name of parameterized) {
    // Calls: `name(` not preceded by an identifier character, `%` or `.` (a field or a renamed declaration).
    renamed = renamed.replace(
      new RegExp(`(^|[^A-Za-z0-9_%.])${escapeRegExp(name)}(\\s*\\()`, 'gm'),
      `$1${prefix}${name}$2`,
    );
  }
  const unprefixedParam = [...renamed.matchAll(PARAMETERIZED_RULE)].some((match) =>
    match[4].split(',').some((param) => param.trim() !== '' && !param.trim().startsWith(prefix)),
  );
  if (unprefixedParam) return { unsafe: 'a rule parameter that is not a plain name' };
  return { text: renamed };
}

/** The names of the rules a file's text reports (rules without parameters). */
export function reportedRuleNames(content: string): Set<string> {
  return new Set([...withoutComments(content).matchAll(REPORTED_RULE)].map((match) => match[1]));
}

/**
 * The rule files as one Guard file that reports what each reports, in the same order, or why not. Files that
 * report the same rule name are not merged: cfn-guard would then evaluate them as rules of one file.
 */
export function mergeGuardRules(rules: readonly GuardRuleSource[]): GuardRuleMerge {
  const owner = new Map<string, string>();
  const parts: string[] = [];
  for (const [index, rule] of rules.entries()) {
    for (const name of reportedRuleNames(rule.content)) {
      const other = owner.get(name);
      if (other !== undefined && other !== rule.file) {
        return { unsafe: `${other} and ${rule.file} both report ${name}` };
      }
      owner.set(name, rule.file);
    }
    const renamed = renameApart(rule.content, `${PREFIX_MARK}${index}_`);
    if ('unsafe' in renamed) return { unsafe: `${rule.file}: ${renamed.unsafe}` };
    parts.push(`# ---- ${path.basename(rule.file)}\n${renamed.text}\n`);
  }
  return { merged: parts.join('\n') };
}
