import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { templatesToLint, withoutCdkMetadata } from './variant-templates';

/** Two assembly directories written by hand: a default app (with version reporting) and a variant (without). */
const metadata = { CDKMetadata: { Type: 'AWS::CDK::Metadata', Properties: { Analytics: 'v2:deflate64:abc' } } };
const bucket = { Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'orders-archive' } } };

function assembly(templates: Record<string, object>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-variant-templates-'));
  for (const [name, template] of Object.entries(templates))
    fs.writeFileSync(path.join(dir, `${name}.template.json`), JSON.stringify(template, undefined, 1));
  fs.writeFileSync(path.join(dir, 'manifest.json'), '{}');
  return dir;
}

describe('templatesToLint', () => {
  const defaultDir = assembly({
    Same: { Resources: { ...bucket, ...metadata } },
    Changed: { Resources: { ...bucket, ...metadata } },
    WithCondition: {
      Conditions: { CDKMetadataAvailable: { 'Fn::Equals': ['a', 'a'] } },
      Resources: { ...bucket, CDKMetadata: { ...metadata.CDKMetadata, Condition: 'CDKMetadataAvailable' } },
    },
  });
  const variantDir = assembly({
    Same: { Resources: bucket },
    Changed: { Resources: { Bucket: { ...bucket.Bucket, Properties: { BucketName: 'orders-archive-2' } } } },
    WithCondition: { Resources: bucket },
    OnlyInVariant: { Resources: bucket },
  });

  test("a template equal to the default's but for AWS::CDK::Metadata is linted as the default's file", () => {
    expect(templatesToLint(variantDir, defaultDir)).toEqual([
      path.join(variantDir, 'Changed.template.json'),
      path.join(variantDir, 'OnlyInVariant.template.json'),
      path.join(defaultDir, 'Same.template.json'),
      path.join(defaultDir, 'WithCondition.template.json'),
    ]);
  });

  test('any other difference keeps the variant file; only metadata resources and their condition are set aside', () => {
    const other = assembly({ Same: { Resources: { ...bucket, Extra: { Type: 'AWS::SNS::Topic' } } } });
    expect(templatesToLint(other, defaultDir)).toEqual([path.join(other, 'Same.template.json')]);
    // A second metadata-typed resource in the default is removed too; a metadata-like id of another type is not.
    expect(
      withoutCdkMetadata({ Resources: { CDKMetadata: { Type: 'AWS::SNS::Topic' }, Other: metadata.CDKMetadata } }),
    ).toEqual({ Resources: { CDKMetadata: { Type: 'AWS::SNS::Topic' } } });
    // Conditions other than the metadata's stay, and take part in the comparison.
    expect(withoutCdkMetadata({ Conditions: { CDKMetadataAvailable: {}, IsProd: {} }, Resources: {} })).toEqual({
      Conditions: { IsProd: {} },
      Resources: {},
    });
  });
});
