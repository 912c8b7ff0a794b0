import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, GetQueryResultsCommand, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetDeploymentsCommand, CodeDeployClient, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { WeeklyReportDeps, handleWeeklyReport } from '../../../lambdas/weekly-report/handle';
import { SETTINGS } from './fixtures';

/*
 * The Lambda's body with the AWS SDK mocked (aws-sdk-client-mock): the order of the writes, the done-marker that
 * makes a second run change nothing, polling of the Logs Insights query, and faults (throttling, access denied,
 * a failed query, a query that never finishes, a bad event) that moto cannot produce on demand.
 */
const cloudwatch = mockClient(CloudWatchClient);
const codedeploy = mockClient(CodeDeployClient);
const logs = mockClient(CloudWatchLogsClient);
const ce = mockClient(CostExplorerClient);
const ddb = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);
const lines: { level: string; message: string; extra?: object }[] = [];
const logger = {
  info: (message: string, extra?: object) => lines.push({ level: 'INFO', message, extra }),
  warn: (message: string, extra?: object) => lines.push({ level: 'WARN', message, extra }),
  error: (message: string, extra?: object) => lines.push({ level: 'ERROR', message, extra }),
} as unknown as WeeklyReportDeps['logger'];
const sleeps: number[] = [];
/** Writes and the notice across both clients, in the order they happened. */
const sequence: string[] = [];
const sleep = async (ms: number) => {
  sleeps.push(ms);
};
const region = { region: 'us-east-1' };
const deps: WeeklyReportDeps = {
  cloudwatch: new CloudWatchClient(region),
  codedeploy: new CodeDeployClient(region),
  logs: new CloudWatchLogsClient(region),
  costExplorer: new CostExplorerClient(region),
  incidentStore: {
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient(region)),
    cloudwatch: new CloudWatchClient(region),
    logger,
    sleep,
  },
  s3: new S3Client(region),
  sns: new SNSClient(region),
  logger,
  sleep,
};

const fault = (name: string, message: string, status = 400) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
/** The schedule's event on Monday 23 November 2026 at 06:00 UTC: it reports 2026-W47. */
const scheduled = {
  id: 'e-1',
  source: 'aws.events',
  'detail-type': 'Scheduled Event',
  time: '2026-11-23T06:00:00Z',
  detail: {},
};
const NOW = Date.parse('2026-11-23T06:00:05Z');
const MD = 'ops-reports/Prod/2026-W47.md';
const HTML = 'ops-reports/Prod/2026-W47.html';

beforeEach(() => {
  for (const m of [cloudwatch, codedeploy, logs, ce, ddb, s3, sns]) m.reset();
  lines.length = 0;
  sleeps.length = 0;
  cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
  codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
  codedeploy.on(BatchGetDeploymentsCommand).resolves({ deploymentsInfo: [] });
  ddb.on(QueryCommand).resolves({ Items: [] });
  logs.on(StartQueryCommand).resolves({ queryId: 'q-1' });
  logs.on(GetQueryResultsCommand).resolves({ status: 'Complete', results: [] });
  ce.on(GetCostAndUsageCommand).resolves({ ResultsByTime: [] });
  s3.on(ListObjectsV2Command).resolves({ KeyCount: 0 });
  sequence.length = 0;
  s3.on(PutObjectCommand).callsFake((input: { Key: string }) => {
    sequence.push(`put ${input.Key}`);
    return {};
  });
  sns.on(PublishCommand).callsFake(() => {
    sequence.push('publish');
    return { MessageId: 'm-1' };
  });
});

describe('weekly report handler', () => {
  test('the schedule reports the last complete week: HTML, then the P3 notice, then the Markdown', async () => {
    const result = await handleWeeklyReport(scheduled, SETTINGS, deps, NOW);
    expect(result).toEqual({ outcome: 'written', week: '2026-W47', keys: [HTML, MD] });
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => [p.Bucket, p.Key, p.ContentType, p.ChecksumAlgorithm])).toEqual([
      ['orders-prod-archive-333333333333-us-east-1', HTML, 'text/html; charset=utf-8', 'SHA256'],
      ['orders-prod-archive-333333333333-us-east-1', MD, 'text/markdown; charset=utf-8', 'SHA256'],
    ]);
    expect(String(puts[1].Body)).toContain('# Weekly ops report: orders Prod, 2026-W47');
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: SETTINGS.noticeTopicArn,
      Subject: '[P3] Weekly ops report orders Prod 2026-W47',
    });
    const message = sns.commandCalls(PublishCommand)[0].args[0].input.Message!;
    expect(message).toContain(`Report: s3://orders-prod-archive-333333333333-us-east-1/${MD}`);
    // The notice goes out after the HTML is stored and before the Markdown (the done marker).
    expect(sequence).toEqual([`put ${HTML}`, 'publish', `put ${MD}`]);
    expect(s3.commandCalls(ListObjectsV2Command)[0].args[0].input).toEqual({
      Bucket: 'orders-prod-archive-333333333333-us-east-1',
      Prefix: MD,
      MaxKeys: 1,
    });
    // The query covers the week in epoch seconds, both ends inclusive.
    expect(logs).toHaveReceivedCommandWith(StartQueryCommand, {
      logGroupName: '/ecs/orders-prod',
      startTime: Date.parse('2026-11-16T00:00:00Z') / 1000,
      endTime: Date.parse('2026-11-23T00:00:00Z') / 1000 - 1,
      queryString:
        'filter @message like /ERROR|Error|FATAL|Exception/ | pattern @message | sort @sampleCount desc | limit 5',
    });
    // Cost Explorer: the week before and this week, End exclusive.
    expect(ce).toHaveReceivedCommandWith(GetCostAndUsageCommand, {
      TimePeriod: { Start: '2026-11-09', End: '2026-11-23' },
      Granularity: 'DAILY',
    });
  });

  test('a second run for the same week finds the Markdown and writes, sends and reads nothing', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: MD }], KeyCount: 1 });
    const result = await handleWeeklyReport(scheduled, SETTINGS, deps, NOW);
    expect(result).toEqual({ outcome: 'exists', week: '2026-W47', key: MD });
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
    expect(cloudwatch).not.toHaveReceivedCommand(GetMetricDataCommand);
  });

  test('{"week": "2026-W40"} by hand backfills that week', async () => {
    const result = await handleWeeklyReport({ week: '2026-W40' }, SETTINGS, deps, NOW);
    expect(result).toMatchObject({ outcome: 'written', week: '2026-W40' });
  });

  test('a bad event is rejected and logged, with nothing read or written', async () => {
    const result = await handleWeeklyReport({ hello: 'world' }, SETTINGS, deps, NOW);
    expect(result).toEqual({
      outcome: 'rejected',
      why: 'expected a Scheduled Event with a time, or {"week": "YYYY-Www"}',
    });
    expect(await handleWeeklyReport({ week: '2026-W99' }, SETTINGS, deps, NOW)).toEqual({
      outcome: 'rejected',
      why: 'week "2026-W99" does not exist: 2026 has weeks 01 to 53',
    });
    expect(lines.filter((l) => l.level === 'ERROR')).toHaveLength(2);
    expect(s3).not.toHaveReceivedCommand(ListObjectsV2Command);
  });

  test('throttled writes are retried with backoff and logged', async () => {
    s3.on(PutObjectCommand)
      .rejectsOnce(fault('SlowDown', 'Please reduce your request rate.', 503))
      .resolves({});
    const result = await handleWeeklyReport(scheduled, SETTINGS, deps, NOW);
    expect(result.outcome).toBe('written');
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 3);
    expect(lines.some((l) => l.level === 'WARN' && l.message.startsWith('retrying'))).toBe(true);
  });

  test('a notice that cannot be sent fails the run before the Markdown, so the retry does it all again', async () => {
    sns.on(PublishCommand).rejects(fault('AuthorizationErrorException', 'not authorized to perform SNS:Publish', 403));
    await expect(handleWeeklyReport(scheduled, SETTINGS, deps, NOW)).rejects.toThrow('SNS:Publish');
    const keys = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(keys).toEqual([HTML]);
  });

  test('an unreadable source becomes a section that says why; the report is still written', async () => {
    ce.on(GetCostAndUsageCommand).rejects(
      fault('AccessDeniedException', 'User is not authorized to ce:GetCostAndUsage'),
    );
    codedeploy.on(ListDeploymentsCommand).rejects(fault('ThrottlingException', 'Rate exceeded'));
    logs.on(GetQueryResultsCommand).resolves({ status: 'Failed' });
    await handleWeeklyReport(scheduled, SETTINGS, deps, NOW);
    const markdown = String(s3.commandCalls(PutObjectCommand)[1].args[0].input.Body);
    expect(markdown).toContain('## Cost\nNot available: AccessDeniedException: User is not authorized');
    // Throttling was retried (3 attempts) before the section gave up.
    expect(codedeploy).toHaveReceivedCommandTimes(ListDeploymentsCommand, 3);
    expect(markdown).toContain('## Deployments\nNot available: ThrottlingException: Rate exceeded');
    expect(markdown).toContain(
      '- Top error messages: not available: Logs Insights query q-1 on /ecs/orders-prod ended Failed',
    );
  });

  test('the Logs Insights query is polled with backoff until Complete, and its patterns read', async () => {
    logs
      .on(GetQueryResultsCommand)
      .resolvesOnce({ status: 'Scheduled' })
      .resolvesOnce({ status: 'Running' })
      .resolves({
        status: 'Complete',
        results: [
          [
            { field: '@pattern', value: 'TimeoutError calling <*> after <*> ms' },
            { field: '@sampleCount', value: '68' },
          ],
        ],
      });
    await handleWeeklyReport(scheduled, SETTINGS, deps, NOW);
    expect(logs).toHaveReceivedCommandTimes(GetQueryResultsCommand, 3);
    expect(sleeps).toEqual([1000, 2000]);
    const markdown = String(s3.commandCalls(PutObjectCommand)[1].args[0].input.Body);
    expect(markdown).toContain('| 68 | `TimeoutError calling <*> after <*> ms` |');
  });

  test('a query still running at the deadline gives up on the top errors only', async () => {
    logs.on(GetQueryResultsCommand).resolves({ status: 'Running' });
    await handleWeeklyReport(scheduled, SETTINGS, deps, NOW, { queryWaitMs: 10_000 });
    // 1 + 2 + 4 + 5 = 12 s of waits: the fifth poll, at 12 s >= 10 s, gives up.
    expect(sleeps).toEqual([1000, 2000, 4000, 5000]);
    const markdown = String(s3.commandCalls(PutObjectCommand)[1].args[0].input.Body);
    expect(markdown).toContain(
      'not available: Logs Insights query q-1 on /ecs/orders-prod still Running after 10000 ms',
    );
  });

  test('settings without the archive or the topic fail loudly (the stack must set both)', async () => {
    const { archive: _archive, ...noArchive } = SETTINGS;
    await expect(handleWeeklyReport(scheduled, noArchive, deps, NOW)).rejects.toThrow(
      'WEEKLY_REPORT_SETTINGS has no archive or noticeTopicArn',
    );
  });
});
