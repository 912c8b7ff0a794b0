import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, PolicyValidationPluginReportBeta1 } from 'aws-cdk-lib';
import { ControlTowerChecks } from '../../lib/common/control-tower';
import { mergeGuardRules, reportedRuleNames } from '../../lib/common/guard-rule-merge';
import { guardRuleFiles, rulesForTypes, templateResourceTypes } from '../../lib/common/guard-rule-selection';
import { groupRulesForSlicing, sliceTemplate, TemplateDocument } from '../../lib/common/guard-template-slice';
import { plainGuardReport, temporaryFileWriter } from '../helpers/guard-shared';
import { sharedAssemblyDir } from '../helpers/shared-assembly';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-guard-merge-d-'));
const write = temporaryFileWriter('bulwark-guard-merge-');

/** The same, with the rule files merged into one. */
function mergedReport(ruleFiles: string[], templatePaths: string[]): PolicyValidationPluginReportBeta1 {
  const merge = mergeGuardRules(ruleFiles.map((file) => ({ file, content: fs.readFileSync(file, 'utf8') })));
  if (!('merged' in merge)) throw new Error(`not merged: ${merge.unsafe}`);
  return plainGuardReport([write('merged.guard', merge.merged)], templatePaths);
}

function ruleNames(report: PolicyValidationPluginReportBeta1): string[] {
  return [...new Set(report.violations.map((violation) => violation.ruleName))].sort();
}

/** Two rule files that declare the same helpers with other meanings, as the Control Tower files do. */
const VERSIONING_RULES = `
let INPUT_DOCUMENT = this
let buckets = Resources.*[ Type == 'AWS::S3::Bucket' ]
rule versioned_check when %buckets not empty { check(%buckets.Properties) }
rule check(buckets) {
  let status = %buckets.VersioningConfiguration.Status
  %status == 'Enabled'
}`;
const LOGGING_RULES = `
let INPUT_DOCUMENT = this
let buckets = Resources.*[ Type == 'AWS::S3::Bucket' Properties.Tier == 'logs' ]
rule logged_check when %buckets not empty { check(%buckets.Properties) }
rule check(props) { %props.LoggingConfiguration exists }`;

describe('Control Tower rules merged into one file per template (cfn-guard pays per rule file)', () => {
  test('on the synthesized Prod and Pipeline templates: each folder merged, over its slice, reports as its files', () => {
    // What the plugin runs: per folder of the selected rules, the merged file over the folder's part of the template
    // (guard-template-slice.ts). The whole chain against one plain run over the whole template is
    // control-tower-parallel.test.ts's.
    const dir = sharedAssemblyDir('default');
    if (!dir) throw new Error('no shared assembly: run through jest, whose globalSetup provides it');
    for (const stack of ['Prod', 'Pipeline']) {
      const template = path.join(dir, `${stack}.template.json`);
      const document = JSON.parse(fs.readFileSync(template, 'utf8')) as TemplateDocument;
      const rules = rulesForTypes(guardRuleFiles(), templateResourceTypes([template]));
      const groups = groupRulesForSlicing(rules.map((file) => ({ file, content: fs.readFileSync(file, 'utf8') })));
      let findings = 0;
      for (const group of groups) {
        if (!group.reach) throw new Error(`${group.name} is not sliceable`);
        const slice = write(
          `${stack}-${group.name}.template.json`,
          JSON.stringify(sliceTemplate(document, group.reach)),
        );
        const files = group.rules.map((rule) => rule.file);
        const separate = plainGuardReport(files, [slice]);
        findings += separate.violations.length;
        expect(mergedReport(files, [slice])).toEqual(separate);
      }
      // Both have findings (acknowledged in the app), so empty reports cannot pass this.
      expect(findings).toBeGreaterThan(3);
    }
  });

  test('every bundled Control Tower rule file merges, and the merge reports the same rule names', () => {
    const rules = guardRuleFiles().map((file) => ({ file, content: fs.readFileSync(file, 'utf8') }));
    expect(rules.length).toBe(237);
    const merge = mergeGuardRules(rules);
    if (!('merged' in merge)) throw new Error(`not merged: ${merge.unsafe}`);
    const each = new Set(rules.flatMap((rule) => [...reportedRuleNames(rule.content)]));
    expect([...reportedRuleNames(merge.merged)].sort()).toEqual([...each].sort());
    expect(each.has('s3_bucket_versioning_enabled_check')).toBe(true);
    // The renaming is textual: no custom message (the report's description and fix) may change.
    const messages = (text: string): string[] => text.match(/<<[\s\S]*?>>/g) ?? [];
    const original = rules.flatMap((rule) => messages(rule.content.replace(/^\s*#.*$/gm, '')));
    expect(original.length).toBeGreaterThan(400);
    expect(messages(merge.merged)).toEqual(original);
  });

  test('helpers declared in two files keep their own meaning (plain concatenation would not)', () => {
    const template = write(
      'Buckets.template.json',
      JSON.stringify({
        Resources: {
          Plain: { Type: 'AWS::S3::Bucket', Properties: {} },
          Logs: {
            Type: 'AWS::S3::Bucket',
            Properties: { Tier: 'logs', VersioningConfiguration: { Status: 'Enabled' } },
          },
        },
      }),
    );
    const ruleFiles = [write('versioning.guard', VERSIONING_RULES), write('logging.guard', LOGGING_RULES)];
    const separate = plainGuardReport(ruleFiles, [template]);
    expect(ruleNames(separate)).toEqual(['logged_check', 'versioned_check']);
    expect(mergedReport(ruleFiles, [template])).toEqual(separate);
    // What the merge prevents: the second file's `buckets` and `check` replace the first's.
    const concatenated = plainGuardReport([write('concatenated.guard', VERSIONING_RULES + LOGGING_RULES)], [template]);
    expect(concatenated).not.toEqual(separate);
  });

  test('what would make a merge unsafe is refused, not guessed', () => {
    const same = mergeGuardRules([
      { file: 'a.guard', content: 'rule shared_check { Resources exists }' },
      { file: 'b.guard', content: 'rule shared_check when Resources exists { Resources !empty }' },
    ]);
    expect(same).toEqual({ unsafe: 'a.guard and b.guard both report shared_check' });
    const message = mergeGuardRules([
      { file: 'c.guard', content: 'let x = 1\nrule c_check { Resources exists <<needs %x>> }' },
    ]);
    expect(message).toEqual({ unsafe: 'c.guard: a % inside a message or a string' });
  });

  test('the plugin keeps merged and unmerged reports apart in its cache, with the same findings', () => {
    const template = write(
      'Bucket.template.json',
      JSON.stringify({ Resources: { Archive: { Type: 'AWS::S3::Bucket', Properties: {} } } }),
    );
    const cacheDir = fs.mkdtempSync(path.join(tmp, 'cache-'));
    const merged = new ControlTowerChecks({ cacheDir });
    const unmerged = new ControlTowerChecks({ cacheDir, mergeRules: false });
    const first = merged.validate({ templatePaths: [template], appConstruct: new App() });
    expect(ruleNames(first)).toContain('s3_bucket_versioning_enabled_check');
    expect(unmerged.validate({ templatePaths: [template], appConstruct: new App() })).toEqual(first);
    expect(unmerged.lastRun).toEqual({ templates: 1, fromCache: 0 });
    merged.validate({ templatePaths: [template], appConstruct: new App() });
    expect(merged.lastRun).toEqual({ templates: 1, fromCache: 1 });
  });
});
