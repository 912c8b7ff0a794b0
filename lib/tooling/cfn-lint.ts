import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface CfnLintFinding {
  readonly rule: string;
  readonly level: 'Error' | 'Warning' | 'Informational';
  readonly message: string;
  readonly file: string;
  readonly resource?: string;
}

/**
 * Rules we ignore, each with the evidence that it is a false positive of cfn-lint's schema age.
 * Empty today: add an entry only with a comment showing why the rule is wrong for our template.
 */
export const IGNORED_RULES: readonly string[] = [];

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
  const args = ['--format', 'json', ...(IGNORED_RULES.length ? ['--ignore-checks', ...IGNORED_RULES] : []), '--', ...templates];
  const result = spawnSync('cfn-lint', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) {
    throw new Error(`cfn-lint could not run (${result.error.message}); it comes with the machine's Python: see ../shared/TOOLCHAIN.md`);
  }
  // Exit status is a bit mask (2 error, 4 warning, 8 informational); 1 means cfn-lint itself failed.
  if (result.status === 1 || (result.stdout.trim() === '' && result.status !== 0)) {
    throw new Error(`cfn-lint failed to run: ${result.stderr}`);
  }
  const raw = JSON.parse(result.stdout || '[]') as Array<{ Rule: { Id: string }; Level: CfnLintFinding['level']; Message: string; Filename: string; Location?: { Path?: unknown[] } }>;
  return raw.map((f) => ({
    rule: f.Rule.Id,
    level: f.Level,
    message: f.Message,
    file: f.Filename,
    resource: Array.isArray(f.Location?.Path) && f.Location!.Path![0] === 'Resources' ? String(f.Location!.Path![1]) : undefined,
  }));
}

export function formatFinding(f: CfnLintFinding): string {
  return `${f.level} ${f.rule} ${path.basename(f.file)}${f.resource ? ` ${f.resource}` : ''}: ${f.message}`;
}
