import { spawnSync } from 'child_process';
import * as os from 'os';
import { PolicyValidationPluginReportBeta1 } from 'aws-cdk-lib';

/**
 * cfn-guard over several templates at once, one process per core, from a synchronous validation plugin.
 *
 * Why: cfn-guard 3.1 evaluates one template at a time on one core, and a synth waited for it longer than for
 * everything else together (docs/performance.md). A CDK validation plugin's `validate()` must return its report
 * synchronously, so the plugin cannot await child processes itself: it starts one small Node process (spawnSync)
 * that runs the shards in worker threads, each calling @cdklabs/cdk-validator-cfnguard's own `validate()` on one
 * template (the plugin's own cfn-guard invocation and result parsing, unchanged), and prints the reports in shard
 * order. One template per run gives what one run over all of them gives: cfn-guard evaluates the rules against
 * each data file and reports each data file on its own ("Evaluation of rules ... against data template.json",
 * https://docs.aws.amazon.com/cfn-guard/latest/ug/validating-rules.html); that no rule reads across data files is
 * checked, not assumed: `test/common/control-tower-parallel.test.ts` compares the two on synthesized templates.
 */

/** One cfn-guard run: these rule files over one template. */
export interface GuardShard {
  readonly templatePath: string;
  readonly ruleFiles: readonly string[];
}

export interface ParallelGuardOptions {
  /** cfn-guard's JSON for a large template exceeds Node's default 1 MiB child-process buffer. */
  readonly maxBuffer: number;
  /** How many shards run at once. @default the cores Node may use (os.availableParallelism()) */
  readonly concurrency?: number;
}

/**
 * The worker thread: runs the plugin on each shard it is sent. Plain CommonJS, evaluated by the runner (no
 * TypeScript loader exists in that process); the plugin's module path comes resolved from the parent.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
const { CfnGuardValidator } = require(workerData.pluginModule);
parentPort.on('message', ({ index, shard }) => {
  const guard = new CfnGuardValidator({
    controlTowerRulesEnabled: false,
    rules: shard.ruleFiles,
    maxBuffer: workerData.maxBuffer,
  });
  parentPort.postMessage({ index, report: guard.validate({ templatePaths: [shard.templatePath] }) });
});
`;

/**
 * The runner process: reads { shards, concurrency, workerSource, workerData } on stdin, keeps `concurrency`
 * workers busy, and prints the reports as one JSON array in shard order. Any worker error ends it with exit 1.
 */
const RUNNER_SOURCE = `
const { Worker } = require('worker_threads');
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const reports = new Array(input.shards.length);
let next = 0;
let received = 0;
function feed(worker) {
  if (next >= input.shards.length) return void worker.terminate();
  const index = next++;
  worker.postMessage({ index, shard: input.shards[index] });
}
for (let i = 0; i < Math.min(input.concurrency, input.shards.length); i++) {
  const worker = new Worker(input.workerSource, { eval: true, workerData: input.workerData });
  worker.on('message', ({ index, report }) => {
    reports[index] = report;
    if (++received === input.shards.length) process.stdout.write(JSON.stringify(reports));
    feed(worker);
  });
  worker.on('error', (error) => {
    process.stderr.write(String((error && error.stack) || error) + '\\n');
    process.exit(1);
  });
  feed(worker);
}
`;

/** The report of each shard, in shard order. Throws when cfn-guard or the plugin fails on any shard. */
export function runGuardShards(
  shards: readonly GuardShard[],
  options: ParallelGuardOptions,
): PolicyValidationPluginReportBeta1[] {
  if (shards.length === 0) return [];
  const concurrency = Math.max(1, options.concurrency ?? os.availableParallelism());
  const input = {
    shards,
    concurrency,
    workerSource: WORKER_SOURCE,
    workerData: { pluginModule: require.resolve('@cdklabs/cdk-validator-cfnguard'), maxBuffer: options.maxBuffer },
  };
  const result = spawnSync(process.execPath, ['-e', RUNNER_SOURCE], {
    input: JSON.stringify(input),
    maxBuffer: options.maxBuffer,
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`cfn-guard runner failed (exit ${result.status ?? result.signal}): ${result.stderr}`);
  }
  const reports = JSON.parse(result.stdout) as (PolicyValidationPluginReportBeta1 | null)[];
  if (reports.length !== shards.length || reports.some((report) => !report)) {
    throw new Error(`cfn-guard runner returned ${reports.length} reports for ${shards.length} shards`);
  }
  return reports as PolicyValidationPluginReportBeta1[];
}
