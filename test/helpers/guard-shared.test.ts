import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { guardReportKey, sharedGuardReport } from './guard-shared';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-guard-shared-'));
const write = (name: string, text: string): string => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
};
const BUCKET_RULE =
  "let b = Resources.*[ Type == 'AWS::S3::Bucket' ]\nrule bucket_props when %b !empty { %b.Properties.Tag exists }\n";
const bucketTemplate = (tagged: boolean): string =>
  JSON.stringify({
    Resources: { Archive: { Type: 'AWS::S3::Bucket', Properties: tagged ? { Tag: 1 } : { Other: 1 } } },
  });

describe('cfn-guard reports shared between the test files of one jest run', () => {
  test('the key changes with a rule byte, a template byte, a template path and all-rules; not otherwise', () => {
    const rule = write('bucket.guard', BUCKET_RULE);
    const template = write('Bucket.template.json', bucketTemplate(false));
    const base = guardReportKey({ files: [rule] }, [template]);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(guardReportKey({ files: [rule] }, [template])).toBe(base);
    expect(guardReportKey({ all: true }, [template])).not.toBe(base);
    const moved = write('Moved.template.json', bucketTemplate(false));
    expect(guardReportKey({ files: [rule] }, [moved])).not.toBe(base);
    fs.writeFileSync(template, bucketTemplate(true));
    expect(guardReportKey({ files: [rule] }, [template])).not.toBe(base);
    fs.writeFileSync(template, bucketTemplate(false));
    fs.writeFileSync(rule, BUCKET_RULE.replace('Tag exists', 'Tag !exists'));
    expect(guardReportKey({ files: [rule] }, [template])).not.toBe(base);
  });

  test('a template changed between two asks gets its own report, never the first one', () => {
    const rule = write('tag.guard', BUCKET_RULE);
    const template = write('Changing.template.json', bucketTemplate(false));
    const names = (tagged: boolean): string[] => {
      fs.writeFileSync(template, bucketTemplate(tagged));
      return sharedGuardReport({ files: [rule] }, [template]).violations.map((violation) => violation.ruleName);
    };
    expect(names(false)).toEqual(['bucket_props']);
    expect(names(true)).toEqual([]);
    expect(names(false)).toEqual(['bucket_props']);
  });
});
