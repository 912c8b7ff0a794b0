import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Severity } from '../../config';

/**
 * One entry of the alarm catalog: what to watch and how bad it is. The AlarmFactory decides how the
 * alarm is named, described (with its runbook link) and actioned (the severity's SNS topic).
 */
export interface AlarmSpec {
  /** Unique within an environment; becomes part of the alarm name: `<service>-<env>-<id>`. */
  readonly id: string;
  /** One line an on-call engineer understands at 3 a.m.: what is wrong, in symptom form. */
  readonly summary: string;
  readonly severity: Severity;
  /** Runbook id: `runbooks/<runbook>.md` must exist and be complete, or synth fails. */
  readonly runbook: string;
  /** A metric or metric math expression. */
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparisonOperator: cloudwatch.ComparisonOperator;
  /** N of "M out of N". */
  readonly evaluationPeriods: number;
  /** M of "M out of N". @default evaluationPeriods */
  readonly datapointsToAlarm?: number;
  /** @default TreatMissingData.MISSING */
  readonly treatMissingData?: cloudwatch.TreatMissingData;
}

/** An alarm that watches something other than a metric (an EventBridge event, a composite). */
export interface AlarmMeta {
  readonly id: string;
  readonly summary: string;
  readonly severity: Severity;
  readonly runbook: string;
}

/** The description every Bulwark alarm carries; the RunbookCheck parses it back. */
export function alarmDescription(
  meta: Pick<AlarmMeta, 'severity' | 'summary' | 'runbook'>,
  runbookBaseUrl: string,
): string {
  return `[${meta.severity}] ${meta.summary} | Runbook: ${runbookBaseUrl.replace(/\/+$/, '')}/${meta.runbook}.md`;
}

export const ALARM_DESCRIPTION_PATTERN = /^\[(P[1-4])\] (.+) \| Runbook: (\S+)\/([A-Za-z0-9._-]+)\.md$/;
