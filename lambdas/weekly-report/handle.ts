import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { StoreLogger } from '../incident-recorder/store';
import { withRetry } from '../shared/retry';
import { GatherOptions, WeeklyReportClients, gatherWeekly } from './gather';
import { renderWeeklyHtml } from './html';
import { renderNotice, renderWeeklyMarkdown } from './markdown';
import { buildWeeklyReport } from './model';
import { WeeklyReportSettings } from './settings';
import { IsoWeek, lastCompleteWeek, parseIsoWeek } from './week';

export interface WeeklyReportDeps extends WeeklyReportClients {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly logger: StoreLogger;
}

export type WeeklyReportResult =
  | { readonly outcome: 'written'; readonly week: string; readonly keys: readonly string[] }
  | { readonly outcome: 'exists'; readonly week: string; readonly key: string }
  | { readonly outcome: 'rejected'; readonly why: string };

/**
 * Which week an invocation reports: the schedule's event reports the last complete week before the event's
 * own time (so a retried delivery reports the same week, whenever it runs); `{"week": "YYYY-Www"}` invoked by
 * hand reports that week (a backfill).
 */
export function weekOfEvent(event: unknown): IsoWeek | { readonly why: string } {
  const e = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  if (typeof e.week === 'string') {
    try {
      return parseIsoWeek(e.week);
    } catch (error) {
      return { why: (error as Error).message };
    }
  }
  if (e.source === 'aws.events' && e['detail-type'] === 'Scheduled Event' && typeof e.time === 'string') {
    const time = Date.parse(e.time);
    if (!Number.isNaN(time)) return lastCompleteWeek(time);
  }
  return { why: 'expected a Scheduled Event with a time, or {"week": "YYYY-Www"}' };
}

/**
 * The Lambda's body: report one week once. The Markdown object is written last and marks the week done, so a
 * second invocation for the same week (an EventBridge retry, a second schedule firing) finds it and changes
 * nothing. The order is HTML, notice, Markdown: a failure before the notice leaves no Markdown and the retry
 * does all of it again; a failure between the notice and the Markdown makes the retry send the notice twice,
 * the one duplicate this order allows (SNS standard topics do not deduplicate).
 */
export async function handleWeeklyReport(
  event: unknown,
  settings: WeeklyReportSettings,
  deps: WeeklyReportDeps,
  now: number = Date.now(),
  options: GatherOptions = {},
): Promise<WeeklyReportResult> {
  const week = weekOfEvent(event);
  if ('why' in week) {
    deps.logger.error('weekly report event rejected; nothing written', { why: week.why });
    return { outcome: 'rejected', why: week.why };
  }
  const { archive, noticeTopicArn } = settings;
  if (!archive || !noticeTopicArn) {
    throw new Error('WEEKLY_REPORT_SETTINGS has no archive or noticeTopicArn: the stack must set both');
  }
  const retry = <T>(what: string, op: () => Promise<T>) =>
    withRetry(op, {
      sleep: deps.sleep,
      onRetry: (error, attempt, delayMs) =>
        deps.logger.warn('retrying after a throttle or transient fault', {
          what,
          attempt,
          delayMs,
          error: (error as Error).name,
        }),
    });
  const markdownKey = `${archive.prefix}${week.label}.md`;
  const htmlKey = `${archive.prefix}${week.label}.html`;
  const listing = await retry('find the report', () =>
    deps.s3.send(new ListObjectsV2Command({ Bucket: archive.bucket, Prefix: markdownKey, MaxKeys: 1 })),
  );
  if ((listing.Contents ?? []).some((o) => o.Key === markdownKey)) {
    deps.logger.info('weekly report exists already; nothing written', { week: week.label, key: markdownKey });
    return { outcome: 'exists', week: week.label, key: markdownKey };
  }

  const report = buildWeeklyReport(await gatherWeekly(settings, deps, week, now, options));
  const unknown = Object.entries(report)
    .filter(([, v]) => typeof v === 'object' && v !== null && 'unknown' in v)
    .map(([k]) => k);
  // The archive has Object Lock, and S3 wants a checksum on every upload to such a bucket
  // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html, Content-MD5 / x-amz-sdk-checksum-algorithm).
  const put = (key: string, body: string, contentType: string) =>
    retry(`write ${key}`, () =>
      deps.s3.send(
        new PutObjectCommand({
          Bucket: archive.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ChecksumAlgorithm: 'SHA256',
        }),
      ),
    );
  await put(htmlKey, renderWeeklyHtml(report), 'text/html; charset=utf-8');
  const links = [`s3://${archive.bucket}/${markdownKey}`, `s3://${archive.bucket}/${htmlKey}`];
  await retry('publish the notice', () =>
    deps.sns.send(
      new PublishCommand({
        TopicArn: noticeTopicArn,
        // SNS subjects are at most 100 characters (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
        Subject: `[P3] Weekly ops report ${settings.service} ${settings.environment} ${week.label}`.slice(0, 100),
        Message: renderNotice(report, links),
      }),
    ),
  );
  await put(markdownKey, renderWeeklyMarkdown(report), 'text/markdown; charset=utf-8');
  deps.logger.info('weekly report written', { week: week.label, keys: [htmlKey, markdownKey], unknown });
  return { outcome: 'written', week: week.label, keys: [htmlKey, markdownKey] };
}
