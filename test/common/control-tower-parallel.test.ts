import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, PolicyValidationPluginReportBeta1 } from 'aws-cdk-lib';
import { ControlTowerChecks } from '../../lib/common/control-tower';
import { guardResultKey } from '../../lib/common/guard-result-cache';
import { guardRuleFiles, rulesForTypes, templateResourceTypes } from '../../lib/common/guard-rule-selection';
import { guardBatches, runGuardShards } from '../../lib/common/parallel-guard';
import { sharedGuardReport } from '../helpers/guard-shared';
import { sharedAssemblyDir } from '../helpers/shared-assembly';

const MAX_BUFFER = 256 * 1024 * 1024;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-guard-parallel-'));
let dirs = 0;
const newDir = (): string => fs.mkdtempSync(path.join(tmp, `d${dirs++}-`));

/**
 * What the plugin gives with none of its speed-ups: per template, one plain cfn-guard run of the rules selected for
 * it (shared by content within the jest run: guard-rule-merge and guard-rule-selection ask for Prod's), in order.
 */
function plainReport(templatePaths: string[]): PolicyValidationPluginReportBeta1 {
  const reports = templatePaths.map((template) =>
    sharedGuardReport({ files: rulesForTypes(guardRuleFiles(), templateResourceTypes([template])) }, [template]),
  );
  return {
    success: reports.every((report) => report.success),
    violations: reports
      .flatMap((report) => report.violations)
      .map((violation) => ({ ...violation, severity: violation.severity ?? 'error' })),
  };
}

function check(plugin: ControlTowerChecks, templatePaths: string[]): PolicyValidationPluginReportBeta1 {
  return plugin.validate({ templatePaths, appConstruct: new App() });
}

/** "rule resource" of every finding, sorted. */
function findings(report: PolicyValidationPluginReportBeta1): string[] {
  return report.violations
    .flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.ruleName} ${resource.resourceLogicalId}`),
    )
    .sort();
}

/** A one-bucket template; versioned or not decides CT.S3.PR.11 (s3_bucket_versioning_enabled_check). */
function bucketTemplate(versioned: boolean): string {
  const properties = versioned ? { VersioningConfiguration: { Status: 'Enabled' } } : {};
  return JSON.stringify({ Resources: { Archive: { Type: 'AWS::S3::Bucket', Properties: properties } } });
}

const VERSIONING = 's3_bucket_versioning_enabled_check Archive';

describe('Control Tower plugin: cfn-guard in parallel, reports kept by content', () => {
  test('on the synthesized Prod and Pipeline templates: the same report as one plain run, then from the cache', () => {
    const dir = sharedAssemblyDir('default');
    if (!dir) throw new Error('no shared assembly: run through jest, whose globalSetup provides it');
    const templates = ['Prod', 'Pipeline'].map((stack) => path.join(dir, `${stack}.template.json`));
    const plain = plainReport(templates);
    // Prod has findings (acknowledged ones among them), so the comparison is not between two empty reports.
    expect(plain.violations.length).toBeGreaterThan(5);

    const plugin = new ControlTowerChecks({ cacheDir: newDir(), concurrency: 2 });
    expect(check(plugin, templates)).toEqual(plain);
    expect(plugin.lastRun).toEqual({ templates: 2, fromCache: 0 });
    // Runs of the same rules over the two templates shared a cfn-guard process, and the report is still the plain one.
    expect(plugin.lastGuardRuns!.runs).toBeGreaterThan(plugin.lastGuardProcesses!);
    expect(plugin.lastGuardProcesses).toBeGreaterThan(0);

    expect(check(plugin, templates)).toEqual(plain);
    expect(plugin.lastRun).toEqual({ templates: 2, fromCache: 2 });

    // The same templates in another output directory: reused, and the findings name the new paths.
    const elsewhere = newDir();
    const copies = templates.map((file) => path.join(elsewhere, path.basename(file)));
    templates.forEach((file, index) => fs.copyFileSync(file, copies[index]));
    const moved = check(plugin, copies);
    expect(plugin.lastRun).toEqual({ templates: 2, fromCache: 2 });
    const paths = new Set(moved.violations.flatMap((v) => v.violatingResources.map((r) => r.templatePath)));
    expect([...paths].sort()).toEqual([...copies].sort());
    expect(findings(moved)).toEqual(findings(plain));
  });

  test('a changed template is checked again: a stale report is never returned', () => {
    const template = path.join(newDir(), 'Bucket.template.json');
    const plugin = new ControlTowerChecks({ cacheDir: newDir() });

    fs.writeFileSync(template, bucketTemplate(false));
    expect(findings(check(plugin, [template]))).toContain(VERSIONING);
    expect(plugin.lastRun).toEqual({ templates: 1, fromCache: 0 });

    fs.writeFileSync(template, bucketTemplate(true));
    expect(findings(check(plugin, [template]))).not.toContain(VERSIONING);
    expect(plugin.lastRun).toEqual({ templates: 1, fromCache: 0 });

    // Back to the first content: its kept report serves again, with the same findings as a plain run.
    fs.writeFileSync(template, bucketTemplate(false));
    const again = check(plugin, [template]);
    expect(plugin.lastRun).toEqual({ templates: 1, fromCache: 1 });
    expect(again).toEqual(plainReport([template]));
  });

  test('of several templates, only the changed one runs again', () => {
    const dir = newDir();
    const first = path.join(dir, 'First.template.json');
    const second = path.join(dir, 'Second.template.json');
    fs.writeFileSync(first, bucketTemplate(false));
    fs.writeFileSync(second, bucketTemplate(false));
    const plugin = new ControlTowerChecks({ cacheDir: newDir() });
    check(plugin, [first, second]);
    // Identical bytes: the second template's report is the first's, kept under the same key.
    expect(plugin.lastRun).toEqual({ templates: 2, fromCache: 0 });
    fs.writeFileSync(second, bucketTemplate(true));
    const report = check(plugin, [first, second]);
    expect(plugin.lastRun).toEqual({ templates: 2, fromCache: 1 });
    expect(report).toEqual(plainReport([first, second]));
  });

  test('the key changes with the engine, any rule file, the order of rules and the template; not with its path', () => {
    const rule = (content: string) => ({ file: '/rules/ct-s3-pr-11.guard', content });
    const other = { file: '/rules/ct-s3-pr-2.guard', content: 'rule b { Resources exists }' };
    const template = Buffer.from(bucketTemplate(false));
    const base = guardResultKey('engine-a', [rule('rule a { Resources exists }'), other], template);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(guardResultKey('engine-a', [rule('rule a { Resources exists }'), other], Buffer.from(template))).toBe(base);
    expect(guardResultKey('engine-b', [rule('rule a { Resources exists }'), other], template)).not.toBe(base);
    expect(guardResultKey('engine-a', [rule('rule a { Resources !empty }'), other], template)).not.toBe(base);
    expect(guardResultKey('engine-a', [other, rule('rule a { Resources exists }')], template)).not.toBe(base);
    expect(guardResultKey('engine-a', [rule('rule a { Resources exists }')], template)).not.toBe(base);
    expect(
      guardResultKey('engine-a', [rule('rule a { Resources exists }'), other], Buffer.from(bucketTemplate(true))),
    ).not.toBe(base);
  });

  test('a damaged cache entry is a miss, not a report', () => {
    const template = path.join(newDir(), 'Bucket.template.json');
    fs.writeFileSync(template, bucketTemplate(false));
    const cacheDir = newDir();
    const plugin = new ControlTowerChecks({ cacheDir });
    const first = check(plugin, [template]);
    // One entry per cfn-guard run: the bucket's rules come from several folders, each its own run.
    const entries = fs.readdirSync(cacheDir).filter((name) => name.endsWith('.json'));
    expect(entries.length).toBeGreaterThanOrEqual(1);
    for (const entry of entries) {
      fs.writeFileSync(path.join(cacheDir, entry), '{"format":"bulwark-guard-result-2","value":{"violat');
    }
    expect(check(plugin, [template])).toEqual(first);
    expect(plugin.lastRun).toEqual({ templates: 1, fromCache: 0 });
    expect(plugin.lastGuardRuns).toEqual({ runs: entries.length, fromCache: 0 });
  });

  test('a cache that cannot be written still checks every template; cacheDir false keeps nothing', () => {
    const template = path.join(newDir(), 'Bucket.template.json');
    fs.writeFileSync(template, bucketTemplate(false));
    const blocker = path.join(newDir(), 'a-file');
    fs.writeFileSync(blocker, '');
    for (const cacheDir of [path.join(blocker, 'cache'), false as const]) {
      const plugin = new ControlTowerChecks({ cacheDir });
      expect(findings(check(plugin, [template]))).toContain(VERSIONING);
      expect(findings(check(plugin, [template]))).toContain(VERSIONING);
      expect(plugin.lastRun).toEqual({ templates: 1, fromCache: 0 });
    }
  });

  test('a shard cfn-guard cannot run fails the check, naming the error', () => {
    const missing = path.join(tmp, 'no-such.template.json');
    const rules = guardRuleFiles().slice(0, 2);
    expect(() => runGuardShards([{ templatePath: missing, ruleFiles: rules }], { maxBuffer: MAX_BUFFER })).toThrow(
      /cfn-guard runner failed \(exit 1\)[\s\S]*CfnGuardValidator plugin failed/,
    );
  });
});

/**
 * A stand-in for the cfn-guard plugin: each template file is JSON saying what a run over it alone reports
 * ({ success, findings: rule names }); a run over several reports them in order, failed if any failed, the way the
 * plugin does. `calls` records each validate() call's templates.
 */
function standInPlugin(): { module: string; calls: string } {
  const dir = newDir();
  const module = path.join(dir, 'plugin.js');
  const calls = path.join(dir, 'calls.log');
  fs.writeFileSync(
    module,
    `const fs = require('fs');
exports.CfnGuardValidator = class {
  validate({ templatePaths }) {
    fs.appendFileSync(${JSON.stringify(calls)}, templatePaths.map((p) => require('path').basename(p)).join(',') + '\\n');
    const parts = templatePaths.map((templatePath) => ({ templatePath, ...JSON.parse(fs.readFileSync(templatePath, 'utf8')) }));
    return {
      success: parts.every((part) => part.success),
      violations: parts.flatMap((part) => part.findings.map((ruleName) => ({
        ruleName, description: ruleName, fix: 'N/A',
        violatingResources: [].concat(part.across || part.templatePath).map((templatePath) => ({ resourceLogicalId: 'R', locations: ['/Resources/R'], templatePath })),
      }))),
    };
  }
};
`,
  );
  return { module, calls };
}

describe('runs with the same rules share one cfn-guard process', () => {
  test('shards are grouped by their rule files, largest group first; a template twice gets a run of its own', () => {
    const shards = [
      { templatePath: '/a.json', ruleFiles: ['/r1', '/r2'] },
      { templatePath: '/b.json', ruleFiles: ['/r3'] },
      { templatePath: '/b.json', ruleFiles: ['/r1', '/r2'] },
      { templatePath: '/c.json', ruleFiles: ['/r2', '/r1'] },
      { templatePath: '/a.json', ruleFiles: ['/r1', '/r2'] },
    ];
    expect(guardBatches(shards)).toEqual([
      { ruleFiles: ['/r1', '/r2'], templatePaths: ['/a.json', '/b.json'], shards: [0, 2] },
      { ruleFiles: ['/r3'], templatePaths: ['/b.json'], shards: [1] },
      { ruleFiles: ['/r2', '/r1'], templatePaths: ['/c.json'], shards: [3] },
      { ruleFiles: ['/r1', '/r2'], templatePaths: ['/a.json'], shards: [4] },
    ]);
  });

  test("each template gets its own findings in shard order; one the batch's result cannot tell runs alone", () => {
    const plugin = standInPlugin();
    const dir = newDir();
    const template = (name: string, content: object) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, JSON.stringify(content));
      return file;
    };
    const failing = template('failing.json', { success: false, findings: ['rule_a', 'rule_b'] });
    const passing = template('passing.json', { success: true, findings: [] });
    // Failed with no finding to show for it: inside a failed batch, only a run of its own can say it failed.
    const silent = template('silent.json', { success: false, findings: [] });
    const other = template('other.json', { success: false, findings: ['rule_c'] });
    let runs = 0;
    const reports = runGuardShards(
      [failing, passing, other, silent].map((templatePath) => ({ templatePath, ruleFiles: ['/rules.guard'] })),
      { maxBuffer: MAX_BUFFER, concurrency: 1, pluginModule: plugin.module, onRuns: (count) => (runs = count) },
    );
    const finding = (ruleName: string, templatePath: string) => ({
      ruleName,
      description: ruleName,
      fix: 'N/A',
      violatingResources: [{ resourceLogicalId: 'R', locations: ['/Resources/R'], templatePath }],
    });
    expect(reports).toEqual([
      { success: false, violations: [finding('rule_a', failing), finding('rule_b', failing)] },
      { success: true, violations: [] },
      { success: false, violations: [finding('rule_c', other)] },
      { success: false, violations: [] },
    ]);
    expect(fs.readFileSync(plugin.calls, 'utf8').split('\n').filter(Boolean)).toEqual([
      'failing.json,passing.json,other.json,silent.json',
      'passing.json',
      'silent.json',
    ]);
    expect(runs).toBe(3);

    // A batch that passed reports every template passed, in one run.
    const calm = template('calm.json', { success: true, findings: [] });
    const both = runGuardShards(
      [passing, calm].map((templatePath) => ({ templatePath, ruleFiles: ['/rules.guard'] })),
      { maxBuffer: MAX_BUFFER, pluginModule: plugin.module, onRuns: (count) => (runs = count) },
    );
    expect(both).toEqual([
      { success: true, violations: [] },
      { success: true, violations: [] },
    ]);
    expect(runs).toBe(1);
  });

  test('a finding that names no template of the batch, or two, fails the check instead of being misfiled', () => {
    const plugin = standInPlugin();
    const dir = newDir();
    const stray = path.join(dir, 'stray.json');
    fs.writeFileSync(stray, JSON.stringify({ success: false, findings: ['rule_a'], across: '/elsewhere.json' }));
    const clean = path.join(dir, 'clean.json');
    fs.writeFileSync(clean, JSON.stringify({ success: true, findings: [] }));
    expect(() =>
      runGuardShards(
        [stray, clean].map((templatePath) => ({ templatePath, ruleFiles: ['/rules.guard'] })),
        { maxBuffer: MAX_BUFFER, pluginModule: plugin.module },
      ),
    ).toThrow(/a cfn-guard finding names a template not in the run: \/elsewhere\.json/);

    fs.writeFileSync(stray, JSON.stringify({ success: false, findings: ['rule_a'], across: [stray, clean] }));
    expect(() =>
      runGuardShards(
        [stray, clean].map((templatePath) => ({ templatePath, ruleFiles: ['/rules.guard'] })),
        { maxBuffer: MAX_BUFFER, pluginModule: plugin.module },
      ),
    ).toThrow(/a cfn-guard finding names 2 templates/);
  });
});
