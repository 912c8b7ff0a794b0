import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnLintFinding, formatFinding, runCfnLint } from '../../lib/tooling/cfn-lint';

/**
 * Planted templates, written by hand, linted by ONE cfn-lint run (as `npm run cfn-lint` lints all of cdk.out at
 * once): an I3510 ARN-shape defect must count as an error, an ordinary informational finding must stay visible
 * but not fail, and the same statement with the right ARN shape must pass.
 */
const role = (resource: unknown) => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    },
    Policies: [
      {
        PolicyName: 'StartDeployments',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'codedeploy:CreateDeployment', Resource: resource }],
        },
      },
    ],
  },
});

const planted: Record<string, object> = {
  // CreateDeployment takes a deployment group; an application ARN (the defect class the review found) grants nothing.
  // Literal ARNs, as CDK writes them for a stack with an explicit account and region (partition literals on).
  // cfn-lint 1.51's I3510 checks literal strings only, not Fn::Sub or Fn::Join: the proofs' ARN-shape check
  // (npm run proofs) covers those.
  'ArnMismatch.template.json': {
    Resources: { Starter: role('arn:aws:codedeploy:us-east-1:111111111111:application:orders') },
  },
  'ArnMatches.template.json': {
    Resources: { Starter: role('arn:aws:codedeploy:us-east-1:111111111111:deploymentgroup:orders/blue-green') },
  },
  // A stateful resource without DeletionPolicy/UpdateReplacePolicy: I3011, informational, not an ARN shape.
  'Informational.template.json': {
    Resources: {
      Table: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        },
      },
    },
  },
};

let findings: CfnLintFinding[];
const inFile = (name: string) => findings.filter((f) => path.basename(f.file) === name);

beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-cfn-lint-'));
  const files = Object.entries(planted).map(([name, template]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(template, undefined, 1));
    return file;
  });
  findings = runCfnLint(files);
});

describe('cfn-lint with informational rules on', () => {
  test('an action whose Resource matches none of its ARN formats (I3510) is an error', () => {
    const mismatch = inFile('ArnMismatch.template.json');
    expect(mismatch.map((f) => [f.rule, f.level, f.cfnLintLevel, f.resource])).toEqual([
      ['I3510', 'Error', 'Informational', 'Starter'],
    ]);
    expect(formatFinding(mismatch[0])).toMatch(/deploymentgroup.*counted as an error/);
  });

  test('the same statement naming a deployment group passes', () => {
    expect(inFile('ArnMatches.template.json').map(formatFinding)).toEqual([]);
  });

  test('other informational findings are reported but do not fail', () => {
    const informational = inFile('Informational.template.json');
    expect(informational.map((f) => f.rule)).toContain('I3011');
    expect(informational.filter((f) => f.level === 'Error')).toEqual([]);
  });
});

/**
 * cfn-lint findings kept per template by content: served while nothing that decides them changed, never when the
 * template did. (In this file, not a file of its own: each jest file that lints pays a Python process reading
 * cfn-lint's plan schema and jest's own start, about 2.5 s of CPU, for nothing the tests need twice.)
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-cfn-lint-cache-'));
let dirs = 0;
const newDir = (): string => fs.mkdtempSync(path.join(tmp, `d${dirs++}-`));

/** A table without DeletionPolicy and UpdateReplacePolicy: I3011 (informational); with both, no finding. */
function tableTemplate(retained: boolean): string {
  return JSON.stringify({
    Resources: {
      Table: {
        Type: 'AWS::DynamoDB::Table',
        ...(retained ? { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' } : {}),
        Properties: {
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        },
      },
    },
  });
}

function lintWithCache(templates: string[], cacheDir: string | false) {
  const linted: string[] = [];
  const findings = runCfnLint(templates, { cacheDir, onLinted: (files) => linted.push(...files) });
  return { findings, linted };
}

const rules = (findings: { rule: string; file: string }[]) => findings.map((f) => `${path.basename(f.file)} ${f.rule}`);

describe('cfn-lint findings kept by content', () => {
  test('kept findings serve an unchanged template under any path; a changed or damaged one is linted again', () => {
    const cacheDir = newDir();
    const dir = newDir();
    const table = path.join(dir, 'Table.template.json');
    const retained = path.join(dir, 'Retained.template.json');
    fs.writeFileSync(table, tableTemplate(false));
    fs.writeFileSync(retained, tableTemplate(true));

    const first = lintWithCache([table, retained], cacheDir);
    expect(first.linted).toEqual([table, retained]);
    // I3011 once for the missing DeletionPolicy, once for the missing UpdateReplacePolicy.
    expect(rules(first.findings)).toEqual(['Table.template.json I3011', 'Table.template.json I3011']);

    const second = lintWithCache([table, retained], cacheDir);
    expect(second.linted).toEqual([]);
    expect(second.findings).toEqual(first.findings);

    // The same bytes elsewhere: served, and the findings name the new path.
    const moved = path.join(newDir(), 'Moved.template.json');
    fs.copyFileSync(table, moved);
    const third = lintWithCache([moved], cacheDir);
    expect(third.linted).toEqual([]);
    expect(third.findings.map((f) => f.file)).toEqual([moved, moved]);

    // The table gains its policies (and another key, so its bytes are not the retained template's, which are
    // kept), and the retained template's entry is damaged: both are linted again, in one cfn-lint run.
    fs.writeFileSync(table, tableTemplate(true).replaceAll('"id"', '"pk"'));
    for (const entry of fs.readdirSync(cacheDir)) fs.writeFileSync(path.join(cacheDir, entry), '{"format":"bulw');
    const fourth = lintWithCache([table, retained], cacheDir);
    expect(fourth.linted).toEqual([table, retained]);
    expect(fourth.findings).toEqual([]);

    // No cache: linted every time, with the same findings as a kept run.
    fs.writeFileSync(table, tableTemplate(false));
    const uncached = lintWithCache([table], false);
    expect(uncached.linted).toEqual([table]);
    expect(uncached.findings).toEqual(first.findings.map((finding) => ({ ...finding, file: table })));
  });
});
