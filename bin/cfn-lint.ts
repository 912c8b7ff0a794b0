#!/usr/bin/env node
/**
 * `npm run cfn-lint [cdk.out]`: one cfn-lint run over every synthesized template, informational rules included;
 * exits 1 on any error, where ARN-shape rules (ARN_SHAPE_RULES, I3510 among them) count as errors.
 */
import { formatFinding, runCfnLint, templatesIn } from '../lib/tooling/cfn-lint';

const assemblyDir = process.argv[2] ?? 'cdk.out';
const templates = templatesIn(assemblyDir);
const findings = runCfnLint(templates);
const errors = findings.filter((f) => f.level === 'Error');
for (const finding of findings) console.log(formatFinding(finding));
const count = (level: string): number => findings.filter((f) => f.level === level).length;
console.log(
  `cfn-lint: ${templates.length} templates, ${errors.length} errors (informational rules on; ARN-shape rules count as errors), ` +
    `${count('Warning')} warnings, ${count('Informational')} informational (printed, not failing)`,
);
process.exit(errors.length > 0 ? 1 : 0);
