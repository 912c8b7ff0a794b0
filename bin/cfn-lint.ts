#!/usr/bin/env node
/** `npm run cfn-lint [cdk.out]`: cfn-lint over every synthesized template; exits 1 on any error. */
import { formatFinding, runCfnLint, templatesIn } from '../lib/tooling/cfn-lint';

const assemblyDir = process.argv[2] ?? 'cdk.out';
const templates = templatesIn(assemblyDir);
const findings = runCfnLint(templates);
const errors = findings.filter((f) => f.level === 'Error');
for (const finding of findings) console.log(formatFinding(finding));
console.log(`cfn-lint: ${templates.length} templates, ${errors.length} errors, ${findings.length - errors.length} warnings/informational`);
process.exit(errors.length > 0 ? 1 : 0);
