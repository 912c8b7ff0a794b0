import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, GetQueryResultsCommand, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetDeploymentsCommand, CodeDeployClient, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { Command } from 'commander';
import { registerWeeklyReport } from '../../bin/ops/weekly-report';
import { WeeklyReportClients } from '../../lambdas/weekly-report/gather';
import { quietLogger } from '../lambdas/incident-recorder/moto-table';

/*
 * `npm run ops -- weekly-report` with the SDK mocked: the week it picks, the outputs it writes, the load balancer it
 * finds in the environment's alarms, and the inputs it refuses.
 */
const cloudwatch = mockClient(CloudWatchClient);
const logs = mockClient(CloudWatchLogsClient);
const codedeploy = mockClient(CodeDeployClient);
const ce = mockClient(CostExplorerClient);
const ddb = mockClient(DynamoDBDocumentClient);
const region = { region: 'us-east-1' };
const clients: WeeklyReportClients = {
  cloudwatch: new CloudWatchClient(region),
  codedeploy: new CodeDeployClient(region),
  logs: new CloudWatchLogsClient(region),
  costExplorer: new CostExplorerClient(region),
  incidentStore: {
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient(region)),
    cloudwatch: new CloudWatchClient(region),
    logger: quietLogger,
    sleep: async () => undefined,
  },
  sleep: async () => undefined,
};
const NOW = Date.parse('2026-11-25T12:00:00Z');

async function run(args: string[]): Promise<string> {
  const out: string[] = [];
  const program = new Command('ops').exitOverride();
  registerWeeklyReport(program, { clients: () => clients, print: (t) => out.push(t), now: () => NOW });
  await program.parseAsync(['node', 'ops', 'weekly-report', ...args]);
  return out.join('\n');
}

beforeEach(() => {
  for (const m of [cloudwatch, logs, codedeploy, ce, ddb]) m.reset();
  cloudwatch.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [
      {
        AlarmName: 'orders-prod-latency-p95',
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'TargetResponseTime',
        Dimensions: [{ Name: 'LoadBalancer', Value: 'app/orders-prod/abc' }],
      },
    ],
  });
  cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
  logs.on(StartQueryCommand).resolves({ queryId: 'q' });
  logs.on(GetQueryResultsCommand).resolves({ status: 'Complete', results: [] });
  codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
  codedeploy.on(BatchGetDeploymentsCommand).resolves({ deploymentsInfo: [] });
  ce.on(GetCostAndUsageCommand).resolves({ ResultsByTime: [] });
  ddb.on(QueryCommand).resolves({ Items: [] });
});

describe('npm run ops -- weekly-report', () => {
  test('on Wednesday 25 Nov 2026 the default week is 2026-W47; Markdown by default', async () => {
    const text = await run(['Prod']);
    expect(text).toContain('# Weekly ops report: orders Prod, 2026-W47');
    expect(text).toContain('2026-11-16 to 2026-11-22 (UTC)');
  });

  test("the load balancer comes from the environment's alarms, the week's queries from the config", async () => {
    await run(['Prod', '--week', '2026-W46']);
    expect(cloudwatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, { AlarmNamePrefix: 'orders-prod-' });
    const queries = cloudwatch.commandCalls(GetMetricDataCommand)[0].args[0].input;
    // W46 starts Monday 9 November; the request starts a week earlier, for the 5xx comparison.
    expect(queries.StartTime).toEqual(new Date('2026-11-02T00:00:00Z'));
    expect(queries.EndTime).toEqual(new Date('2026-11-16T00:00:00Z'));
    const dimensions = queries.MetricDataQueries!.map((q) => [
      q.Id,
      q.MetricStat!.Metric!.MetricName,
      q.MetricStat!.Period,
      q.MetricStat!.Stat,
    ]);
    // 2 Nov is 23 days before 25 Nov: 5-minute canary periods (1-minute data is kept 15 days).
    expect(dimensions).toEqual([
      ['canary', 'Success', 300, 'Minimum'],
      ['latency_p50', 'TargetResponseTime', 604800, 'p50'],
      ['latency_p95', 'TargetResponseTime', 604800, 'p95'],
      ['latency_p99', 'TargetResponseTime', 604800, 'p99'],
      ['target5xx', 'HTTPCode_Target_5XX_Count', 86400, 'Sum'],
      ['elb5xx', 'HTTPCode_ELB_5XX_Count', 86400, 'Sum'],
    ]);
    expect(logs).toHaveReceivedCommandWith(StartQueryCommand, { logGroupName: '/ecs/orders-prod' });
  });

  test('--json prints the model; --html also writes the page with its charts', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-weekly-cli-')), 'w47.html');
    const json = JSON.parse(await run(['Prod', '--json', '--html', file]));
    expect(json).toMatchObject({ schemaVersion: 1, environment: 'Prod', week: '2026-W47' });
    const html = fs.readFileSync(file, 'utf8');
    expect(html).toContain('<title>Weekly ops report: orders Prod, 2026-W47</title>');
    expect(html).toContain('<svg id="chart-latency"');
  });

  test('refuses a malformed week, a week not started yet, both output formats, an unknown environment', async () => {
    await expect(run(['Prod', '--week', '2026-47'])).rejects.toThrow('write it as YYYY-Www');
    await expect(run(['Prod', '--week', '2026-W49'])).rejects.toThrow('week 2026-W49 has not started yet');
    await expect(run(['Prod', '--json', '--markdown'])).rejects.toThrow('choose one of --json and --markdown');
    await expect(run(['Nope'])).rejects.toThrow('no environment "Nope"');
  });
});
