import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, PolicyValidationPluginReportBeta1 } from 'aws-cdk-lib';
import { guardRuleFiles, rulesForTypes, templateResourceTypes } from '../../lib/common/guard-rule-selection';
import { guardRuleReach, sliceTemplate, TemplateDocument } from '../../lib/common/guard-template-slice';
import { sharedGuardReport } from '../helpers/guard-shared';
import { sharedAssemblyDir } from '../helpers/shared-assembly';

const MAX_BUFFER = 256 * 1024 * 1024;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-guard-'));

function writeFile(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

/** Rule name and resource of every finding, sorted: what a reviewer would see in the validation report. */
function findings(report: PolicyValidationPluginReportBeta1): string[] {
  return report.violations
    .flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.ruleName} ${resource.resourceLogicalId}`),
    )
    .sort();
}

describe('Control Tower rule selection', () => {
  test('@cdklabs/cdk-validator-cfnguard 0.0.62 ships 237 Guard rule files', () => {
    expect(guardRuleFiles()).toHaveLength(237);
  });

  test('a rule naming a type present is kept, one naming only absent types dropped, one naming none kept', () => {
    const bucketRule = writeFile(
      'bucket.guard',
      "let b = Resources.*[ Type == 'AWS::S3::Bucket' ]\nrule r when %b !empty { %b.Properties exists }\n",
    );
    const apiRule = writeFile(
      'api.guard',
      "let a = Resources.*[ Type == 'AWS::ApiGateway::Stage' ]\nrule r when %a !empty { %a.Properties exists }\n",
    );
    const anyRule = writeFile('any.guard', 'rule r { Resources exists }\n');
    expect(rulesForTypes([bucketRule, apiRule, anyRule], new Set(['AWS::S3::Bucket', 'AWS::SNS::Topic']))).toEqual([
      bucketRule,
      anyRule,
    ]);
  });

  test('the assumption: every bundled rule is silent on a template holding none of the types it names', () => {
    const template = writeFile(
      'unrelated.template.json',
      JSON.stringify({
        Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle', Properties: {} } },
      }),
    );
    // The plugin reads only the template paths; a bare App stands in for the app it would be given.
    const report = new CfnGuardValidator({ maxBuffer: MAX_BUFFER }).validate({
      templatePaths: [template],
      appConstruct: new App(),
    });
    expect(findings(report)).toEqual([]);
  });

  test('on the synthesized Prod template, the selected rules find exactly what all rules find', () => {
    const dir = sharedAssemblyDir('default');
    if (!dir) throw new Error('no shared assembly: run through jest, whose globalSetup provides it');
    const template = path.join(dir, 'Prod.template.json');
    const selected = rulesForTypes(guardRuleFiles(), templateResourceTypes([template]));
    expect(selected.length).toBeLessThan(237 / 2);
    // cfn-guard evaluates each rule file on its own: all rules find what the selected find plus what the others
    // find. Each other file observes of a template only the resources of the types it names and those they name
    // (guardRuleReach; the plugin relies on the same, and guard-template-slice.test.ts checks it against whole
    // templates): of Prod, that part has no resource, so each sees Prod without its resources, which is what
    // runs here. (All 237 files over the whole Prod template cost 10 s of CPU more for the same conclusion.)
    const prod = JSON.parse(fs.readFileSync(template, 'utf8')) as TemplateDocument;
    const others = guardRuleFiles().filter((file) => !selected.includes(file));
    expect(others.length + selected.length).toBe(237);
    const observed = others.map((file) => {
      const reach = guardRuleReach(fs.readFileSync(file, 'utf8'));
      if ('unsliceable' in reach) return `${file}: ${reach.unsliceable}`;
      return Object.keys(sliceTemplate(prod, reach).Resources ?? {}).map((id) => `${file}: ${id}`);
    });
    expect(observed.flat()).toEqual([]);
    const withoutResources = writeFile(
      'prod-without-resources.template.json',
      JSON.stringify({ ...prod, Resources: {} }),
    );
    const fromOthers = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: others, maxBuffer: MAX_BUFFER });
    expect(findings(fromOthers.validate({ templatePaths: [withoutResources], appConstruct: new App() }))).toEqual([]);
    // Shared by content within the jest run: guard-rule-merge asks for the selected rules over Prod too.
    const fromSelected = findings(sharedGuardReport({ files: selected }, [template]));
    // Prod has findings (acknowledged ones among them), so the selected rules are not silent by accident.
    expect(fromSelected.length).toBeGreaterThan(5);
  });
});
