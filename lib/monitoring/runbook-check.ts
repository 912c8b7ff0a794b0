import * as fs from 'fs';
import * as path from 'path';
import { IAspect, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { IConstruct } from 'constructs';
import { ALARM_DESCRIPTION_PATTERN } from './alarm-spec';

/** Header fields every runbook states, as `- **Field:** value` lines. */
export const RUNBOOK_FIELDS = ['Severity', 'Last updated', 'Owner', 'Alarm'] as const;
/** Sections every runbook has, as `## Section` headings with content, in symptom form. */
export const RUNBOOK_SECTIONS = [
  'Symptom',
  'Impact',
  'Diagnosis',
  'Resolution',
  'Rollback',
  'Prevention',
  'After the incident',
] as const;
/**
 * Links the last section holds, relative to runbooks/: the on-call guide (escalation, hand-over) and its post-mortem
 * step, so whoever finishes a runbook knows who to tell and what comes next (docs/on-call.md).
 */
export const RUNBOOK_LINKS = {
  'the on-call guide': '../docs/on-call.md',
  'the post-mortem step': '../docs/on-call.md#after-the-incident-the-post-mortem',
} as const;

export interface RunbookCheckProps {
  readonly runbooksDir: string;
  readonly runbookBaseUrl: string;
}

/** What is missing from a runbook's text; empty when it is complete. */
export function runbookProblems(markdown: string): string[] {
  const problems: string[] = [];
  for (const field of RUNBOOK_FIELDS) {
    const match = new RegExp(`^- \\*\\*${field}:\\*\\* *(.*)$`, 'm').exec(markdown);
    if (!match || match[1].trim() === '') problems.push(`field "- **${field}:** ..."`);
  }
  const sections = markdown.split(/^## +/m).slice(1);
  for (const section of RUNBOOK_SECTIONS) {
    const body = sections.find((s) => s.split('\n')[0].trim() === section);
    if (body === undefined) problems.push(`section "## ${section}"`);
    else if (body.split('\n').slice(1).join('\n').trim().length < 20) problems.push(`content under "## ${section}"`);
  }
  const after = sections.find((s) => s.split('\n')[0].trim() === 'After the incident');
  for (const [what, target] of Object.entries(RUNBOOK_LINKS)) {
    if (after !== undefined && !after.includes(`](${target})`)) {
      problems.push(`a link to ${what} (${target}) under "## After the incident"`);
    }
  }
  return problems;
}

/**
 * Refuses, at synth, any CloudWatch alarm or composite alarm (ours or a third-party construct's)
 * whose description lacks a severity and a runbook link, links outside the runbook base URL, or
 * names a runbook that does not exist or misses a required section.
 */
export class RunbookCheck implements IAspect {
  private readonly cache = new Map<string, string[] | undefined>();

  constructor(private readonly props: RunbookCheckProps) {}

  visit(node: IConstruct): void {
    if (!(node instanceof cloudwatch.CfnAlarm) && !(node instanceof cloudwatch.CfnCompositeAlarm)) return;
    const description = node.alarmDescription;
    node.node.addValidation({ validate: () => this.problems(node.node.path, description) });
  }

  private problems(alarmPath: string, description: string | undefined): string[] {
    const form = `"[P1] <summary> | Runbook: ${this.props.runbookBaseUrl}/<id>.md"`;
    if (description === undefined || Token.isUnresolved(description)) {
      return [
        `${alarmPath}: the alarm has no literal description, so no severity and no runbook; create it with AlarmFactory (lib/monitoring/alarm-factory.ts) or set its description to ${form}`,
      ];
    }
    const match = ALARM_DESCRIPTION_PATTERN.exec(description);
    if (!match) {
      // Name the missing part: a reviewer fixing a third-party alarm needs to know which half to add.
      const missing = [
        !/^\[P[1-4]\] /.test(description) ? 'no severity ("[P1]".."[P4]" first)' : undefined,
        !/ \| Runbook: \S+\.md$/.test(description) ? 'no runbook link (" | Runbook: <url>.md" last)' : undefined,
      ]
        .filter(Boolean)
        .join(' and ');
      return [
        `${alarmPath}: the description "${description}" has ${missing || 'an unreadable form'}; it must read ${form} (create the alarm with AlarmFactory, or set its description)`,
      ];
    }
    const [, , , base, runbookId] = match;
    if (base !== this.props.runbookBaseUrl.replace(/\/+$/, '')) {
      return [
        `${alarmPath}: the runbook link points to ${base}, not to the configured service.runbookBaseUrl ${this.props.runbookBaseUrl}; link ${this.props.runbookBaseUrl}/${runbookId}.md`,
      ];
    }
    const missing = this.runbook(runbookId);
    if (missing === undefined) {
      return [
        `${alarmPath}: the runbook "${runbookId}" does not exist; write runbooks/${runbookId}.md (copy runbooks/TEMPLATE.md) or link an existing runbook`,
      ];
    }
    if (missing.length > 0) {
      return [
        `${alarmPath}: runbooks/${runbookId}.md is incomplete: it lacks ${missing.join(', ')}; fill them in (see runbooks/TEMPLATE.md)`,
      ];
    }
    return [];
  }

  private runbook(id: string): string[] | undefined {
    if (!this.cache.has(id)) {
      const file = path.join(this.props.runbooksDir, `${id}.md`);
      this.cache.set(id, fs.existsSync(file) ? runbookProblems(fs.readFileSync(file, 'utf8')) : undefined);
    }
    return this.cache.get(id);
  }
}
