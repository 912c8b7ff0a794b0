import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Aspects, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { RunbookCheck, runbookProblems } from '../../lib/monitoring/runbook-check';
import { testApp } from '../helpers/app';

const BASE = 'https://github.com/acme/bulwark/blob/main/runbooks';
const complete = fs.readFileSync(path.join(__dirname, '..', '..', 'runbooks', 'service-down.md'), 'utf8');

// A runbooks directory of our own: one complete runbook, one that lost its Rollback section.
const runbooksDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbooks-'));
fs.writeFileSync(path.join(runbooksDir, 'complete.md'), complete);
fs.writeFileSync(
  path.join(runbooksDir, 'no-rollback.md'),
  complete.replace(/## Rollback[\s\S]*?(?=## Prevention)/, ''),
);

const metric = new cloudwatch.Metric({ namespace: 'Test', metricName: 'Errors' });
const alarmProps = { metric, threshold: 1, evaluationPeriods: 1 };

// Every case in one app, synthesized once: validation reports every failing alarm together.
const app = testApp();
const stack = new Stack(app, 'Checked', { env: { account: '111111111111', region: 'us-east-1' } });
new cloudwatch.Alarm(stack, 'NoSeverity', {
  ...alarmProps,
  alarmDescription: `Errors are high | Runbook: ${BASE}/complete.md`,
});
new cloudwatch.Alarm(stack, 'NoRunbook', { ...alarmProps, alarmDescription: '[P2] Errors are high' });
new cloudwatch.Alarm(stack, 'MissingRunbook', {
  ...alarmProps,
  alarmDescription: `[P2] Errors are high | Runbook: ${BASE}/does-not-exist.md`,
});
new cloudwatch.Alarm(stack, 'IncompleteRunbook', {
  ...alarmProps,
  alarmDescription: `[P3] Errors are high | Runbook: ${BASE}/no-rollback.md`,
});
// "Third-party" alarms: an L2 a library made without a description, and a raw L1.
new cloudwatch.Alarm(stack, 'ThirdPartyL2', alarmProps);
new cloudwatch.CfnAlarm(stack, 'ThirdPartyCfn', {
  comparisonOperator: 'GreaterThanThreshold',
  evaluationPeriods: 1,
  threshold: 1,
  metricName: 'Errors',
  namespace: 'Test',
  period: 60,
  statistic: 'Sum',
});
new cloudwatch.CfnCompositeAlarm(stack, 'ThirdPartyComposite', {
  alarmName: 'x',
  alarmRule: 'TRUE',
  alarmDescription: '[P1] Something | Runbook: https://elsewhere.example.com/runbooks/complete.md',
});
// The well-formed one must pass.
new cloudwatch.Alarm(stack, 'WellFormed', {
  ...alarmProps,
  alarmDescription: `[P1] Errors are high | Runbook: ${BASE}/complete.md`,
});
Aspects.of(app).add(new RunbookCheck({ runbooksDir, runbookBaseUrl: BASE }));

let synthError = '';
try {
  app.synth();
} catch (error) {
  synthError = (error as Error).message;
}
/** The error lines about one alarm construct. */
const about = (id: string) =>
  synthError
    .split('\n')
    .filter((line) => line.includes(`[Checked/${id}/`) || line.includes(`[Checked/${id}]`))
    .join('\n');

describe('RunbookCheck refuses to synthesize', () => {
  test('synth fails at all', () => {
    expect(synthError).not.toBe('');
  });

  test('an alarm with no severity, naming the alarm path and the fix', () => {
    expect(about('NoSeverity')).toMatch(
      /Checked\/NoSeverity\/Resource: the description .* has no severity \("\[P1\]"\.\."\[P4\]" first\); it must read "\[P1\] <summary> \| Runbook: https:\/\/github.com\/acme\/bulwark\/blob\/main\/runbooks\/<id>\.md"/,
    );
    expect(about('NoSeverity')).not.toMatch(/no runbook link/);
  });

  test('an alarm with no runbook link', () => {
    expect(about('NoRunbook')).toMatch(/Checked\/NoRunbook\/Resource: .* has no runbook link .*AlarmFactory/);
  });

  test('an alarm linking a runbook file that does not exist, telling which file to write', () => {
    expect(about('MissingRunbook')).toMatch(
      /Checked\/MissingRunbook\/Resource: the runbook "does-not-exist" does not exist; write runbooks\/does-not-exist\.md \(copy runbooks\/TEMPLATE\.md\)/,
    );
  });

  test('an alarm whose runbook misses a required section, naming the section', () => {
    expect(about('IncompleteRunbook')).toMatch(
      /Checked\/IncompleteRunbook\/Resource: runbooks\/no-rollback\.md is incomplete: it lacks section "## Rollback"; fill them in/,
    );
  });

  test('third-party alarms too: an L2 Alarm and a raw CfnAlarm without description, a composite linking elsewhere', () => {
    expect(about('ThirdPartyL2')).toMatch(
      /Checked\/ThirdPartyL2\/Resource: the alarm has no literal description, so no severity and no runbook; create it with AlarmFactory/,
    );
    expect(about('ThirdPartyCfn')).toMatch(/Checked\/ThirdPartyCfn: the alarm has no literal description/);
    expect(about('ThirdPartyComposite')).toMatch(
      /points to https:\/\/elsewhere\.example\.com\/runbooks, not to the configured service\.runbookBaseUrl/,
    );
  });

  test('a well-formed alarm with a complete runbook passes', () => {
    expect(about('WellFormed')).toBe('');
  });
});

describe('runbookProblems', () => {
  test('a complete runbook has none', () => {
    expect(runbookProblems(complete)).toEqual([]);
  });

  test('names a missing field, a missing section and an empty section', () => {
    const broken = complete
      .replace(/^- \*\*Owner:\*\*.*$/m, '')
      .replace(/## Impact\n[\s\S]*?(?=## Diagnosis)/, '## Impact\n\n');
    expect(runbookProblems(broken)).toEqual(['field "- **Owner:** ..."', 'content under "## Impact"']);
  });

  test('the last section links the on-call guide and the post-mortem step', () => {
    const withoutLinks = complete.replace(
      /## After the incident\n[\s\S]*$/,
      '## After the incident\nTell the team in the channel and write down what happened.\n',
    );
    expect(runbookProblems(withoutLinks)).toEqual([
      'a link to the on-call guide (../docs/on-call.md) under "## After the incident"',
      'a link to the post-mortem step (../docs/on-call.md#after-the-incident-the-post-mortem) under ' +
        '"## After the incident"',
    ]);
    expect(runbookProblems(complete.replace(/## After the incident\n[\s\S]*$/, ''))).toEqual([
      'section "## After the incident"',
    ]);
  });
});
