import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCfnLint } from '../../lib/tooling/cfn-lint';

/**
 * cfn-lint findings kept per template by content (lib/tooling/cfn-lint.ts): served while nothing that decides them
 * changed, never when the template did.
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
