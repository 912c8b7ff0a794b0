import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { registrySchemasDir } from './cfn-lint-schema-patches';

export interface CfnLintFinding {
  readonly rule: string;
  /** The level Bulwark judges by: cfn-lint's own, except that ARN_SHAPE_RULES count as errors. */
  readonly level: 'Error' | 'Warning' | 'Informational';
  /** The level cfn-lint itself reported. */
  readonly cfnLintLevel: 'Error' | 'Warning' | 'Informational';
  readonly message: string;
  readonly file: string;
  readonly resource?: string;
}

/**
 * Rules we ignore, each with the evidence that it is a false positive of cfn-lint's schema age.
 * Empty today: add an entry only with a comment showing why the rule is wrong for our template.
 */
export const IGNORED_RULES: readonly string[] = [];

/**
 * cfn-lint hides informational rules unless asked (`--include-checks I`); Bulwark asks, prints them, and fails
 * only on those below. The rest (I3011 retention policies, I1022 Sub vs Join, size limits...) stay visible.
 */
export const INCLUDED_CHECKS: readonly string[] = ['I'];

/**
 * Rules about the shape of an ARN or id that cfn-lint reports below Error, counted as errors here: a policy whose
 * Resource matches no resource type of its action grants nothing, and the call fails at run time (AccessDenied).
 * - I3510: a statement's Resource does not match the ARN formats of its actions (Service Authorization Reference).
 * - I3042: an ARN with a pseudo parameter in the wrong place (e.g. the region where the account belongs).
 * - W3664: a Lambda permission whose SourceArn is not an ARN of the principal's resource type.
 * - W3702: an AWS-published Lambda layer ARN (awslayer) in a format that may not exist in the region.
 */
export const ARN_SHAPE_RULES: readonly string[] = ['I3510', 'I3042', 'W3664', 'W3702'];

/** Every `*.template.json` in a cloud assembly, nested assemblies included. */
export function templatesIn(assemblyDir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(assemblyDir, { withFileTypes: true })) {
    const full = path.join(assemblyDir, entry.name);
    if (entry.isDirectory() && entry.name.startsWith('assembly-')) found.push(...templatesIn(full));
    else if (entry.isFile() && entry.name.endsWith('.template.json')) found.push(full);
  }
  return found.sort();
}

/** Run the machine's cfn-lint (Python) over the templates and return its findings. */
export function runCfnLint(templates: readonly string[]): CfnLintFinding[] {
  if (templates.length === 0) throw new Error('cfn-lint: no templates to check; run `npx cdk synth` first');
  // One cfn-lint process for all templates (it loads its schemas once, about 1.5 s); `--` ends the list options.
  const schemas = registrySchemasDir();
  const args = [
    '--format',
    'json',
    '--include-checks',
    ...INCLUDED_CHECKS,
    ...(IGNORED_RULES.length ? ['--ignore-checks', ...IGNORED_RULES] : []),
    // cfn-lint's plan schema plus the properties the template reference documents (cfn-lint-schema-patches.ts).
    ...(schemas ? ['--registry-schemas', schemas] : []),
    '--',
    ...templates,
  ];
  const result = spawnSync('cfn-lint', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) {
    throw new Error(
      `cfn-lint could not run (${result.error.message}); it comes with the machine's Python: see ../shared/TOOLCHAIN.md`,
    );
  }
  // Exit status is a bit mask (2 error, 4 warning, 8 informational); 1 means cfn-lint itself failed.
  if (result.status === 1 || (result.stdout.trim() === '' && result.status !== 0)) {
    throw new Error(`cfn-lint failed to run: ${result.stderr}`);
  }
  const raw = JSON.parse(result.stdout || '[]') as Array<{
    Rule: { Id: string };
    Level: CfnLintFinding['level'];
    Message: string;
    Filename: string;
    Location?: { Path?: unknown[] };
  }>;
  return raw.map((f) => ({
    rule: f.Rule.Id,
    level: ARN_SHAPE_RULES.includes(f.Rule.Id) ? 'Error' : f.Level,
    cfnLintLevel: f.Level,
    message: f.Message,
    file: f.Filename,
    resource:
      Array.isArray(f.Location?.Path) && f.Location!.Path![0] === 'Resources'
        ? String(f.Location!.Path![1])
        : undefined,
  }));
}

export function formatFinding(f: CfnLintFinding): string {
  const promoted =
    f.level !== f.cfnLintLevel ? ` (cfn-lint: ${f.cfnLintLevel}; an ARN shape, counted as an error)` : '';
  return `${f.level} ${f.rule} ${path.basename(f.file)}${f.resource ? ` ${f.resource}` : ''}: ${f.message}${promoted}`;
}
