import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, PolicyValidationPluginReportBeta1 } from 'aws-cdk-lib';
import { ControlTowerChecks } from '../../lib/common/control-tower';
import { guardRuleFiles, rulesForTypes, templateResourceTypes } from '../../lib/common/guard-rule-selection';
import {
  guardRuleReach,
  ReferencesFollowed,
  sliceTemplate,
  TemplateDocument,
} from '../../lib/common/guard-template-slice';
import { plainGuardReport, sharedGuardReport, temporaryFileWriter } from '../helpers/guard-shared';
import { sharedAssemblyDir } from '../helpers/shared-assembly';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-guard-slice-d-'));
const write = temporaryFileWriter('bulwark-guard-slice-');

/** A report with every finding placed in `templatePath`, as the plugin gives a slice's findings to its template. */
function at(report: PolicyValidationPluginReportBeta1, templatePath: string): PolicyValidationPluginReportBeta1 {
  return {
    ...report,
    violations: report.violations.map((violation) => ({
      ...violation,
      violatingResources: violation.violatingResources.map((resource) => ({ ...resource, templatePath })),
    })),
  };
}

function withSeverity(report: PolicyValidationPluginReportBeta1): PolicyValidationPluginReportBeta1 {
  return {
    ...report,
    violations: report.violations.map((violation) => ({ ...violation, severity: violation.severity ?? 'error' })),
  };
}

const reach = (types: string[], references: ReferencesFollowed) => ({ types: new Set(types), references });

/**
 * A rule written as the Control Tower files are, that reads through a key lookup a resource of a type it does not
 * name: the KMS key a bucket's encryption points at (GetAtt) must rotate. Whether the key is in the data decides the
 * report.
 */
const KEY_ROTATION_RULE = `let BUCKET_TYPE = "AWS::S3::Bucket"
let INPUT_DOCUMENT = this
let buckets = Resources.*[ Type == %BUCKET_TYPE ]
rule bucket_key_rotates_check when %buckets not empty {
    check(%buckets.Properties)
        <<
        [TEST]: the key a bucket is encrypted with rotates
        >>
}
rule check(bucket) {
    %bucket {
        BucketEncryption.ServerSideEncryptionConfiguration[*].ServerSideEncryptionByDefault.KMSMasterKeyID {
            'Fn::GetAtt' {
                query_for_resource(%INPUT_DOCUMENT, this[0])
            }
        }
    }
}
rule query_for_resource(doc, resource_key) {
    let referenced_resource = %doc.Resources[ keys == %resource_key ]
    %referenced_resource not empty
    %referenced_resource {
        Properties.EnableKeyRotation == true
    }
}
`;

/** The shape of the bundled lookups (ct-cloudwatch-pr-3): a log group's key must be a KMS key of this template. */
const LOG_GROUP_KEY_RULE = `
let LOG_GROUP_TYPE = "AWS::Logs::LogGroup"
let INPUT_DOCUMENT = this
let log_groups = Resources.*[ Type == %LOG_GROUP_TYPE ]
rule log_group_key_check when %log_groups not empty {
    check(%log_groups.Properties)
}
rule check(log_group) {
    %log_group {
        KmsKeyId exists
        KmsKeyId {
            'Fn::GetAtt' {
                query_for_resource(%INPUT_DOCUMENT, this[0], "AWS::KMS::Key")
            }
        }
    }
}
rule query_for_resource(doc, resource_key, referenced_resource_type) {
    let referenced_resource = %doc.Resources[ keys == %resource_key ]
    %referenced_resource not empty
    %referenced_resource {
        Type == %referenced_resource_type
    }
}`;

/** A bucket encrypted with a key that does not rotate, and a queue no rule above can reach. */
const BUCKET_WITH_KEY: TemplateDocument = {
  AWSTemplateFormatVersion: '2010-09-09',
  Resources: {
    Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
    Archive: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: { 'Fn::GetAtt': ['Key', 'Arn'] },
              },
            },
          ],
        },
      },
    },
    Key: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: false } },
  },
  Outputs: { QueueUrl: { Value: { Ref: 'Queue' } } },
};

describe('what a Control Tower rule file can observe of a template (guardRuleReach)', () => {
  test('type queries through literal constants, alone or joined by or; key lookups follow references', () => {
    expect(
      guardRuleReach(`
let BUCKET = "AWS::S3::Bucket"
let buckets = Resources.*[ Type == %BUCKET ]
rule is_cfn_template(doc) { %doc { AWSTemplateFormatVersion exists or Resources exists } }`),
    ).toEqual(reach(['AWS::S3::Bucket'], 'none'));
    expect(
      guardRuleReach(`
let ROLE = 'AWS::IAM::Role'
let USER = "AWS::IAM::User"
let principals = Resources.*[
    Type == %ROLE or
    Type == %USER
]`),
    ).toEqual(reach(['AWS::IAM::Role', 'AWS::IAM::User'], 'none'));
    // It reads a property of the resource it finds, so keys may come from there: every reachable resource.
    expect(guardRuleReach(KEY_ROTATION_RULE)).toEqual(reach(['AWS::S3::Bucket'], 'transitive'));
    // The bundled files' lookup reads only existence and Type of what it finds: the directly named resources.
    expect(guardRuleReach(LOG_GROUP_KEY_RULE)).toEqual(reach(['AWS::Logs::LogGroup', 'AWS::KMS::Key'], 'direct'));
  });

  test('comments and custom messages are not read: a type named there only widens the part, never narrows it', () => {
    const text = `
# Resources.* anything in a comment
let QUEUE = "AWS::SQS::Queue"
let queues = Resources.*[ Type == %QUEUE ]
rule queue_check when %queues not empty {
  %queues.Properties.KmsMasterKeyId exists
  << Resources.* in a message; see AWS::KMS::Key >>
}`;
    expect(guardRuleReach(text)).toEqual(reach(['AWS::SQS::Queue', 'AWS::KMS::Key'], 'none'));
  });

  test('any other reach into Resources is refused, so such a file reads the whole template', () => {
    const refusals = [
      `let all = Resources.*`,
      `let buckets = Resources.*[ Type == 'AWS::S3::Bucket' ]`,
      `rule r(type) { Resources.*[ Type == %type ] not empty }`,
      `let x = %INPUT_DOCUMENT.Resources.*[ Type == %T ]\nlet T = "AWS::S3::Bucket"`,
      `let ids = Resources[ keys == /Bucket/ ]`,
    ];
    for (const text of refusals) expect(guardRuleReach(text)).toHaveProperty('unsliceable');
  });

  test('every bundled Control Tower rule file can be sliced (237 files)', () => {
    const refused = guardRuleFiles()
      .map((file) => ({ file, reach: guardRuleReach(fs.readFileSync(file, 'utf8')) }))
      .filter(({ reach: fileReach }) => 'unsliceable' in fileReach);
    expect(refused).toEqual([]);
    expect(guardRuleFiles()).toHaveLength(237);
  });
});

describe('sliceTemplate', () => {
  test('keeps the named types and, when asked, what they name, transitively; the rest of the template as it is', () => {
    const template: TemplateDocument = {
      AWSTemplateFormatVersion: '2010-09-09',
      Parameters: { Stage: { Type: 'String' } },
      Resources: {
        Role: { Type: 'AWS::IAM::Role' },
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: { Role: { 'Fn::GetAtt': 'Role.Arn' }, Environment: { Variables: { T: { Ref: 'Table' } } } },
        },
        Table: { Type: 'AWS::DynamoDB::Table', Properties: { SSESpecification: { KMSMasterKeyId: { Ref: 'Key' } } } },
        Key: { Type: 'AWS::KMS::Key' },
        Topic: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: { 'Fn::Sub': '${Queue.Arn}-${!Literal}' } } },
        Queue: { Type: 'AWS::SQS::Queue' },
        Alone: { Type: 'AWS::S3::Bucket' },
      },
      Outputs: { Out: { Value: { Ref: 'Alone' } } },
    };
    const withoutReferences = sliceTemplate(template, reach(['AWS::Lambda::Function', 'AWS::SNS::Topic'], 'none'));
    expect(withoutReferences).toEqual({
      ...template,
      Resources: { Fn: template.Resources!.Fn, Topic: template.Resources!.Topic },
    });

    const direct = sliceTemplate(template, reach(['AWS::Lambda::Function', 'AWS::SNS::Topic'], 'direct'));
    // The table's key is named by the table, not by a resource of the named types: left out.
    expect(Object.keys(direct.Resources!)).toEqual(['Role', 'Fn', 'Table', 'Topic', 'Queue']);

    const followed = sliceTemplate(template, reach(['AWS::Lambda::Function', 'AWS::SNS::Topic'], 'transitive'));
    expect(Object.keys(followed.Resources!)).toEqual(['Role', 'Fn', 'Table', 'Key', 'Topic', 'Queue']);
    expect(followed.Parameters).toBe(template.Parameters);
    expect(followed.Outputs).toBe(template.Outputs);
    expect(Object.keys(followed)).toEqual(['AWSTemplateFormatVersion', 'Parameters', 'Resources', 'Outputs']);
  });

  test('a rule reading a resource by key gets the report of the whole template, and would not without references', () => {
    const rule = write('key-rotation.guard', KEY_ROTATION_RULE);
    const whole = write('whole.template.json', JSON.stringify(BUCKET_WITH_KEY));
    const expected = plainGuardReport([rule], [whole]);
    expect(expected.violations.map((violation) => violation.ruleName)).toEqual(['bucket_key_rotates_check']);

    const reachOfRule = guardRuleReach(KEY_ROTATION_RULE);
    if ('unsliceable' in reachOfRule) throw new Error(reachOfRule.unsliceable);
    const slice = write('slice.template.json', JSON.stringify(sliceTemplate(BUCKET_WITH_KEY, reachOfRule)));
    expect(Object.keys(JSON.parse(fs.readFileSync(slice, 'utf8')).Resources)).toEqual(['Archive', 'Key']);
    expect(at(plainGuardReport([rule], [slice]), whole)).toEqual(expected);

    // The key left out: the lookup finds nothing and the report changes. The references are what keeps it equal.
    const narrow = write(
      'narrow.template.json',
      JSON.stringify(sliceTemplate(BUCKET_WITH_KEY, { ...reachOfRule, references: 'none' })),
    );
    const narrowOutcome = (() => {
      try {
        return at(plainGuardReport([rule], [narrow]), whole);
      } catch (error) {
        return String(error); // the plugin cannot even parse what cfn-guard says of the empty lookup
      }
    })();
    expect(narrowOutcome).not.toEqual(expected);
  });
});

describe('the Control Tower plugin gives cfn-guard slices', () => {
  test('on the synthesized DrRegion template: the same report as one plain run of the selected rules', () => {
    // Prod and Pipeline are compared the same way in control-tower-parallel.test.ts.
    const dir = sharedAssemblyDir('default');
    if (!dir) throw new Error('no shared assembly: run through jest, whose globalSetup provides it');
    const template = path.join(dir, 'DrRegion.template.json');
    const rules = rulesForTypes(guardRuleFiles(), templateResourceTypes([template]));
    const plain = withSeverity(sharedGuardReport({ files: rules }, [template]));
    expect(plain.violations.length).toBeGreaterThan(3);

    const plugin = new ControlTowerChecks({ cacheDir: false });
    expect(plugin.validate({ templatePaths: [template], appConstruct: new App() })).toEqual(plain);
    // One run per folder of rules: far more than one run, each over a part of the template.
    expect(plugin.lastGuardRuns!.runs).toBeGreaterThan(10);
  });

  test('an edit re-checks only the runs whose part of the template it touched', () => {
    const template = write('Edited.template.json', JSON.stringify(BUCKET_WITH_KEY));
    const cacheDir = fs.mkdtempSync(path.join(tmp, 'cache-'));
    const plugin = new ControlTowerChecks({ cacheDir });
    const check = () => plugin.validate({ templatePaths: [template], appConstruct: new App() });
    check();
    const { runs } = plugin.lastGuardRuns!;
    expect(plugin.lastGuardRuns).toEqual({ runs, fromCache: 0 });

    // The queue gains encryption: only the runs whose part holds the queue run again; the bucket's and the key's
    // reports come from the cache, and the whole report is what the unsliced plugin gives.
    const edited = JSON.parse(JSON.stringify(BUCKET_WITH_KEY)) as TemplateDocument;
    (edited.Resources!.Queue as { Properties: Record<string, unknown> }).Properties.SqsManagedSseEnabled = true;
    fs.writeFileSync(template, JSON.stringify(edited));
    const report = check();
    expect(plugin.lastGuardRuns!.runs).toBe(runs);
    expect(plugin.lastGuardRuns!.fromCache).toBeGreaterThan(0);
    expect(plugin.lastGuardRuns!.fromCache).toBeLessThan(runs);
    const whole = new ControlTowerChecks({ cacheDir: false, sliceTemplates: false });
    expect(report).toEqual(whole.validate({ templatePaths: [template], appConstruct: new App() }));
  });
});
