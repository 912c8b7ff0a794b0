import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { PolicyValidationPluginReportBeta1 } from 'aws-cdk-lib';

/**
 * The Control Tower plugin's report for one template, kept between synths while nothing that decides it changed.
 *
 * Why: cfn-guard costs about 4-6 s of CPU per environment template (docs/performance.md), and most synths change
 * one template or none: the others would be checked again only to give the same answer.
 *
 * Why a kept report cannot be stale: an entry is named by a SHA-256 over everything that decides the report of one
 * cfn-guard run over one template: the cfn-guard binary's bytes, the plugin's own code (its package.json and every
 * file of its lib/, which holds the command line and the parsing of cfn-guard's output), the name and content of
 * every rule file run, in order, and the template's bytes. The key is computed from the files as they are on
 * every synth, so any change to any of them names another entry. The template's path is not in the key (the same
 * template synthesized into another output directory is the same check); the report names the path it was
 * given, so a reused report is given the current path. `test/common/control-tower-parallel.test.ts` changes each
 * input in turn and requires a fresh run.
 */

/** Bump when the shape of an entry changes, so entries written by older code are never read. */
const ENTRY_FORMAT = 'bulwark-guard-result-1';
/** Entries kept: a few per template and variant (default, drill, test fixtures); older ones are deleted. */
const ENTRIES_KEPT = 200;

const PROJECT_ROOT = path.join(__dirname, '..', '..');
export const DEFAULT_GUARD_CACHE_DIR = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'bulwark-guard-results');

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

let engineDigestMemo: string | undefined;

/**
 * The SHA-256 of what runs a rule: the cfn-guard binary the plugin calls and the plugin's code. Computed once per
 * process: neither changes while a synth runs (npm replaces them only between processes).
 */
export function guardEngineDigest(): string {
  if (engineDigestMemo) return engineDigestMemo;
  const pluginRoot = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
  // The plugin chooses the binary for this platform and keeps its path in a private field; a release that renames
  // the field makes this throw rather than cache under a key that leaves the binary out.
  const binary = (new CfnGuardValidator() as unknown as { guard?: unknown }).guard;
  if (typeof binary !== 'string' || !fs.existsSync(binary)) {
    throw new Error('@cdklabs/cdk-validator-cfnguard: cannot find the cfn-guard binary it runs (its field "guard")');
  }
  const libDir = path.join(pluginRoot, 'lib');
  const hash = createHash('sha256').update(ENTRY_FORMAT);
  hash.update(fs.readFileSync(path.join(pluginRoot, 'package.json')));
  for (const name of fs.readdirSync(libDir).sort()) {
    hash.update(`\0${name}\0`).update(fs.readFileSync(path.join(libDir, name)));
  }
  engineDigestMemo = hash.update('\0binary\0').update(fs.readFileSync(binary)).digest('hex');
  return engineDigestMemo;
}

/** A rule file as cfn-guard reads it: the report names rules, and the file name is kept for a reader. */
export interface GuardRuleText {
  readonly file: string;
  readonly content: string;
}

/** The name of the entry for these rules, in this order, over a template with these bytes. */
export function guardResultKey(engineDigest: string, rules: readonly GuardRuleText[], template: Buffer): string {
  const hash = createHash('sha256').update(`${ENTRY_FORMAT}\0${engineDigest}\0`);
  for (const rule of rules) hash.update(`${path.basename(rule.file)}\0${sha256(rule.content)}\0`);
  return hash.update('template\0').update(template).digest('hex');
}

interface Entry {
  readonly format: string;
  readonly report: PolicyValidationPluginReportBeta1;
}

/** The report with every resource placed in `templatePath` (a shard covers exactly one template). */
export function reportAtTemplate(
  report: PolicyValidationPluginReportBeta1,
  templatePath: string,
): PolicyValidationPluginReportBeta1 {
  return {
    ...report,
    violations: report.violations.map((violation) => ({
      ...violation,
      violatingResources: violation.violatingResources.map((resource) => ({ ...resource, templatePath })),
    })),
  };
}

export class GuardResultCache {
  constructor(readonly dir: string = DEFAULT_GUARD_CACHE_DIR) {}

  /** The kept report for `key`, naming `templatePath`; undefined when there is none or it cannot be read. */
  get(key: string, templatePath: string): PolicyValidationPluginReportBeta1 | undefined {
    const file = path.join(this.dir, `${key}.json`);
    let entry: Entry;
    try {
      entry = JSON.parse(fs.readFileSync(file, 'utf8')) as Entry;
    } catch {
      return undefined; // absent, or cut short by a crash: run cfn-guard again
    }
    if (entry.format !== ENTRY_FORMAT || !Array.isArray(entry.report?.violations)) return undefined;
    try {
      const now = new Date();
      fs.utimesSync(file, now, now); // recently used entries survive pruning
    } catch {
      // a read-only cache still serves
    }
    return reportAtTemplate(entry.report, templatePath);
  }

  /** Keep `report` under `key`. A cache that cannot be written costs the next synth a cfn-guard run, nothing more. */
  put(key: string, report: PolicyValidationPluginReportBeta1): void {
    const file = path.join(this.dir, `${key}.json`);
    const entry: Entry = { format: ENTRY_FORMAT, report: reportAtTemplate(report, '') };
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      // Written whole under another name, then renamed: a reader never sees half an entry.
      const partial = `${file}.${process.pid}.partial`;
      fs.writeFileSync(partial, JSON.stringify(entry));
      fs.renameSync(partial, file);
      this.prune();
    } catch {
      // read-only or full disk: the report is still returned to the caller
    }
  }

  private prune(): void {
    const entries = fs
      .readdirSync(this.dir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => ({ name, mtime: fs.statSync(path.join(this.dir, name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const { name } of entries.slice(ENTRIES_KEPT)) fs.rmSync(path.join(this.dir, name), { force: true });
  }
}
