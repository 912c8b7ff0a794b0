import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { CfnLintFinding, runCfnLint } from '../../lib/tooling/cfn-lint';
import { DONE_MARKER, FAILED_MARKER, SHARED_ASSEMBLIES_ENV, claim, waitForMarker } from './shared-assembly';

const FINDINGS = 'findings.json';

/**
 * runCfnLint, with each template linted once per jest run however many files lint the same bytes, and never by
 * both workers at once: cfn-lint takes 2-3 s per whole-app template, and variants share the templates of the
 * stacks they leave alone. cfn-lint lints each template on its own, so the findings of identical bytes are the
 * same; only the file name differs, and it is put back. The templates this caller is first to ask for go to one
 * runCfnLint call (which serves what an earlier run kept, lib/tooling/cfn-lint.ts: the shared default variant's
 * templates are `cdk synth`'s, so `npm run cfn-lint` has usually linted them); those another file claimed are read
 * once it has finished. The directory is the run's own (global-setup.ts).
 */
export function runCfnLintShared(templates: readonly string[]): CfnLintFinding[] {
  const root = process.env[SHARED_ASSEMBLIES_ENV];
  if (!root) return runCfnLint(templates);
  const nameOf = new Map(
    templates.map((file) => [file, `cfn-lint-${createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`]),
  );
  const claimed = new Map<string, string>();
  for (const [file, name] of nameOf) if (!claimed.has(name) && claim(root, name)) claimed.set(name, file);
  if (claimed.size > 0) lintClaimed(root, claimed);
  return templates.flatMap((file) => {
    const dir = waitForMarker(path.join(root, nameOf.get(file)!), `cfn-lint of ${path.basename(file)}`);
    const findings = JSON.parse(fs.readFileSync(path.join(dir, FINDINGS), 'utf8')) as CfnLintFinding[];
    return findings.map((finding) => ({ ...finding, file }));
  });
}

/** Lint the claimed templates in one cfn-lint run and leave each one's findings (or the error) under its name. */
function lintClaimed(root: string, claimed: Map<string, string>): void {
  const dirs = [...claimed.keys()].map((name) => path.join(root, name));
  for (const dir of dirs) fs.mkdirSync(dir, { recursive: true });
  let findings: CfnLintFinding[];
  try {
    findings = runCfnLint([...claimed.values()]);
  } catch (error) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    for (const dir of dirs) fs.writeFileSync(path.join(dir, FAILED_MARKER), text);
    throw error;
  }
  const linted = new Set([...claimed.values()].map((file) => path.resolve(file)));
  const unplaced = findings.filter((finding) => !linted.has(path.resolve(finding.file)));
  if (unplaced.length > 0) {
    const error = new Error(`cfn-lint findings of no template asked for: ${unplaced.map((f) => f.file).join(', ')}`);
    for (const dir of dirs) fs.writeFileSync(path.join(dir, FAILED_MARKER), error.message);
    throw error;
  }
  for (const [name, file] of claimed) {
    const own = findings.filter((finding) => path.resolve(finding.file) === path.resolve(file));
    fs.writeFileSync(path.join(root, name, FINDINGS), JSON.stringify(own));
    fs.writeFileSync(path.join(root, name, DONE_MARKER), '');
  }
}
