import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { PolicyValidationPluginReportBeta1 } from 'aws-cdk-lib';
import { KeptEntries, projectCacheDir } from './kept-entries';

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
const ENTRY_FORMAT = 'bulwark-guard-result-2';
/** Entries kept: a few per template and variant (default, drill, test fixtures); older ones are deleted. */
const ENTRIES_KEPT = 200;

export const DEFAULT_GUARD_CACHE_DIR = projectCacheDir('bulwark-guard-results');

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
  private readonly entries: KeptEntries<PolicyValidationPluginReportBeta1>;

  constructor(readonly dir: string = DEFAULT_GUARD_CACHE_DIR) {
    this.entries = new KeptEntries(dir, ENTRY_FORMAT, ENTRIES_KEPT, (report) =>
      Array.isArray((report as PolicyValidationPluginReportBeta1 | undefined)?.violations),
    );
  }

  /** The kept report for `key`, naming `templatePath`; undefined when there is none or it cannot be read. */
  get(key: string, templatePath: string): PolicyValidationPluginReportBeta1 | undefined {
    const report = this.entries.get(key);
    return report && reportAtTemplate(report, templatePath);
  }

  /** Keep `report` under `key`. A cache that cannot be written costs the next synth a cfn-guard run, nothing more. */
  put(key: string, report: PolicyValidationPluginReportBeta1): void {
    this.entries.put(key, reportAtTemplate(report, ''));
  }
}
