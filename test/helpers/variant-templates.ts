import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';

/** The resource type of the CDK's version-reporting resource, and the condition it is created under. */
const CDK_METADATA_TYPE = 'AWS::CDK::Metadata';
const CDK_METADATA_CONDITION = 'CDKMetadataAvailable';

/**
 * The template files to lint for a variant of the app: each of the variant's own, except one that is the default
 * app's template of the same name but for the AWS::CDK::Metadata resource (the shared default variant is `cdk synth`'s
 * app, with version reporting; a test's own synth has none). For such a stack the default's file stands in, so the
 * cfn-lint findings `npm run cfn-lint` and test/app.test.ts keep for those bytes (lib/tooling/cfn-lint.ts and
 * test/helpers/cfn-lint-shared.ts key them by content) serve it instead of another cfn-lint run of about 3-6 s of CPU.
 *
 * Why the stand-in checks no less: cfn-lint 1.51 reads the metadata resource only to tell a CDK template
 * (Template.is_cdk_template), and only two rules ask, W3010 and I1022 (a warning and an informational finding, neither
 * counted as an error); the default's file adds the resource and its condition, which can add findings, never
 * hide one. It is also the file `cdk deploy` would send, version reporting being on in the CLI.
 */
export function templatesToLint(variantDir: string, defaultDir: string): string[] {
  return templateNames(variantDir).map((name) => {
    const own = path.join(variantDir, name);
    const standIn = path.join(defaultDir, name);
    if (!fs.existsSync(standIn)) return own;
    return isDeepStrictEqual(withoutCdkMetadata(readJson(own)), withoutCdkMetadata(readJson(standIn))) ? standIn : own;
  });
}

function templateNames(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.template.json'))
    .sort();
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** The template without its AWS::CDK::Metadata resources and their condition (an empty Conditions goes too). */
export function withoutCdkMetadata(template: Record<string, unknown>): Record<string, unknown> {
  const resources = Object.fromEntries(
    Object.entries((template.Resources ?? {}) as Record<string, { Type?: unknown }>).filter(
      ([, resource]) => resource?.Type !== CDK_METADATA_TYPE,
    ),
  );
  const { [CDK_METADATA_CONDITION]: _metadataCondition, ...conditions } = (template.Conditions ?? {}) as Record<
    string,
    unknown
  >;
  const { Conditions: _conditions, ...rest } = template;
  return {
    ...rest,
    Resources: resources,
    ...(Object.keys(conditions).length > 0 ? { Conditions: conditions } : {}),
  };
}
