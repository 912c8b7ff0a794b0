import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, PolicyValidationPluginReportBeta1 } from 'aws-cdk-lib';
import { guardRuleFiles, rulesForTypes, templateResourceTypes } from '../../lib/common/guard-rule-selection';
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
    // Both runs are shared by content within the jest run: guard-rule-merge asks for the selected rules over Prod too.
    const all = findings(sharedGuardReport({ all: true }, [template]));
    const fromSelected = findings(sharedGuardReport({ files: selected }, [template]));
    // Prod has findings (acknowledged ones among them), so the comparison is not between two empty lists.
    expect(all.length).toBeGreaterThan(5);
    expect(fromSelected).toEqual(all);
  });
});
