import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnGuardValidator, CfnGuardValidatorProps } from '@cdklabs/cdk-validator-cfnguard';
import { App, PolicyValidationPluginReportBeta1 } from 'aws-cdk-lib';
import { sharedResultDir } from './shared-assembly';

const MAX_BUFFER = 256 * 1024 * 1024;
const REPORT = 'report.json';
const validatorPackage = fs.readFileSync(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));

/** Which rules a plain CfnGuardValidator runs: all bundled Control Tower rules, or exactly these rule files. */
export type GuardRules = { readonly all: true } | { readonly files: readonly string[] };

function validatorProps(rules: GuardRules): CfnGuardValidatorProps {
  if ('all' in rules) return { maxBuffer: MAX_BUFFER };
  return { controlTowerRulesEnabled: false, rules: [...rules.files], maxBuffer: MAX_BUFFER };
}

/**
 * The key of one plain cfn-guard run: the validator package, the rules (paths and bytes, in order) and the templates
 * (paths, which the report names, and bytes). Anything that could change the report changes the key.
 */
export function guardReportKey(rules: GuardRules, templatePaths: readonly string[]): string {
  const hash = createHash('sha256').update('bulwark-guard-shared-1\0').update(validatorPackage);
  if ('all' in rules) hash.update('\0all-bundled-rules\0');
  for (const file of 'all' in rules ? [] : rules.files) hash.update(`\0rule\0${file}\0`).update(fs.readFileSync(file));
  for (const file of templatePaths) hash.update(`\0template\0${file}\0`).update(fs.readFileSync(file));
  return hash.digest('hex');
}

/**
 * CfnGuardValidator's report for these rules and templates, computed once per jest run however many test files ask
 * for it (the selected Control Tower rules over the shared Prod template, about 5 s of CPU, are asked for by
 * guard-rule-selection and guard-rule-merge). Every caller, the one that ran cfn-guard included, gets the report as
 * read back from JSON, so all callers compare the same thing. Outside a jest run with a shared directory it runs
 * the validator directly.
 */
export function sharedGuardReport(
  rules: GuardRules,
  templatePaths: readonly string[],
): PolicyValidationPluginReportBeta1 {
  const run = (): PolicyValidationPluginReportBeta1 =>
    // The plugin reads only the template paths; a bare App stands in for the app it would be given.
    new CfnGuardValidator(validatorProps(rules)).validate({
      templatePaths: [...templatePaths],
      appConstruct: new App(),
    });
  const shared = sharedResultDir(`guard-report-${guardReportKey(rules, templatePaths)}`, (dir) =>
    fs.writeFileSync(path.join(dir, REPORT), JSON.stringify(run())),
  );
  if (!shared) return JSON.parse(JSON.stringify(run())) as PolicyValidationPluginReportBeta1;
  return JSON.parse(fs.readFileSync(path.join(shared.dir, REPORT), 'utf8')) as PolicyValidationPluginReportBeta1;
}

/** CfnGuardValidator's own run and parsing of exactly these rule files over these templates, not shared. */
export function plainGuardReport(
  ruleFiles: readonly string[],
  templatePaths: readonly string[],
): PolicyValidationPluginReportBeta1 {
  const guard = new CfnGuardValidator(validatorProps({ files: ruleFiles }));
  return guard.validate({ templatePaths: [...templatePaths], appConstruct: new App() });
}

/** Writes each file it is given into one fresh temporary folder, under a name of its own; returns the path. */
export function temporaryFileWriter(prefix: string): (name: string, content: string) => string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  let written = 0;
  return (name, content) => {
    const file = path.join(dir, `${written++}-${name}`);
    fs.writeFileSync(file, content);
    return file;
  };
}
