import { spawnSync } from 'child_process';
import * as os from 'os';
import { PolicyValidationPluginReportBeta1 } from 'aws-cdk-lib';

/**
 * cfn-guard over several templates at once, one process per core, from a synchronous validation plugin.
 *
 * Why: cfn-guard 3.1 evaluates one template at a time on one core, and a synth waited for it longer than for
 * everything else together (docs/performance.md). A CDK validation plugin's `validate()` must return its report
 * synchronously, so the plugin cannot await child processes itself: it starts one small Node process (spawnSync)
 * that runs the shards in worker threads, each calling @cdklabs/cdk-validator-cfnguard's own `validate()` (the
 * plugin's own cfn-guard invocation and result parsing, unchanged), and prints the reports in shard order. Shards
 * with the same rules run as one cfn-guard process over all their templates (`guardBatches`). Either way each
 * template's report is what a run over it alone gives: cfn-guard evaluates the rules against each data file and
 * reports each data file on its own ("Evaluation of rules ... against data template.json",
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
  /** How many cfn-guard processes run at once. @default the cores Node may use (os.availableParallelism()) */
  readonly concurrency?: number;
  /** The module exporting `CfnGuardValidator`. Tests give a stand-in. @default @cdklabs/cdk-validator-cfnguard */
  readonly pluginModule?: string;
  /** Told how many cfn-guard runs the shards took (a batch is one run; a batch's report read again adds one). */
  readonly onRuns?: (runs: number) => void;
}

/**
 * The worker thread: runs the plugin on each batch it is sent, one call over all the batch's templates, and
 * returns each template's report. Plain CommonJS, evaluated by the runner (no TypeScript loader exists in that
 * process); the plugin's module path comes resolved from the parent.
 *
 * How a batch's report is split: the plugin turns each of cfn-guard's results (one per data file) into findings
 * that name that data file (`templatePath`), so each finding belongs to one template, kept in the order cfn-guard
 * reported it. A template with findings failed; with none, it passed when the whole batch passed. The one case the
 * batch cannot tell: the batch failed and a template has no finding (a failing rule with no check to report would do
 * it); that template is run again alone.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
const { CfnGuardValidator } = require(workerData.pluginModule);
function validate(ruleFiles, templatePaths) {
  const guard = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: ruleFiles, maxBuffer: workerData.maxBuffer });
  return guard.validate({ templatePaths });
}
parentPort.on('message', ({ index, batch }) => {
  const report = validate(batch.ruleFiles, batch.templatePaths);
  let runs = 1;
  if (batch.templatePaths.length === 1) return void parentPort.postMessage({ index, reports: [report], runs });
  const owner = (violation) => {
    const paths = new Set(violation.violatingResources.map((resource) => resource.templatePath));
    if (paths.size !== 1) throw new Error('a cfn-guard finding names ' + paths.size + ' templates: ' + [...paths].join(', '));
    return [...paths][0];
  };
  const byTemplate = new Map(batch.templatePaths.map((templatePath) => [templatePath, []]));
  for (const violation of report.violations) {
    const templatePath = owner(violation);
    const found = byTemplate.get(templatePath);
    if (!found) throw new Error('a cfn-guard finding names a template not in the run: ' + templatePath);
    found.push(violation);
  }
  const reports = batch.templatePaths.map((templatePath) => {
    const violations = byTemplate.get(templatePath);
    if (report.success || violations.length > 0) return { success: report.success, violations };
    runs++;
    return validate(batch.ruleFiles, [templatePath]);
  });
  parentPort.postMessage({ index, reports, runs });
});
`;

/**
 * The runner process: reads { batches, concurrency, workerSource, workerData } on stdin, keeps `concurrency`
 * workers busy, and prints { reports, runs }: each batch's reports in batch order, and the cfn-guard runs made.
 * Any worker error ends it with exit 1.
 */
const RUNNER_SOURCE = `
const { Worker } = require('worker_threads');
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const reports = new Array(input.batches.length);
let next = 0;
let received = 0;
let runs = 0;
function feed(worker) {
  if (next >= input.batches.length) return void worker.terminate();
  const index = next++;
  worker.postMessage({ index, batch: input.batches[index] });
}
for (let i = 0; i < Math.min(input.concurrency, input.batches.length); i++) {
  const worker = new Worker(input.workerSource, { eval: true, workerData: input.workerData });
  worker.on('message', (message) => {
    reports[message.index] = message.reports;
    runs += message.runs;
    if (++received === input.batches.length) process.stdout.write(JSON.stringify({ reports, runs }));
    feed(worker);
  });
  worker.on('error', (error) => {
    process.stderr.write(String((error && error.stack) || error) + '\\n');
    process.exit(1);
  });
  feed(worker);
}
`;

interface GuardBatch {
  readonly ruleFiles: readonly string[];
  readonly templatePaths: string[];
  /** The shards' positions in the caller's list, in the order of `templatePaths`. */
  readonly shards: number[];
}

/**
 * The shards grouped by their rule files, in order of first appearance, largest batches first (so a long batch
 * does not start last). Each cfn-guard process parses its rules once, and most of its system time goes to its
 * allocator (docs/performance.md, round 6): one process over five templates costs about 30% less CPU than five.
 */
export function guardBatches(shards: readonly GuardShard[]): GuardBatch[] {
  const batches = new Map<string, GuardBatch>();
  shards.forEach((shard, index) => {
    const key = JSON.stringify(shard.ruleFiles);
    const found = batches.get(key) ?? { ruleFiles: shard.ruleFiles, templatePaths: [], shards: [] };
    batches.set(key, found);
    // One template twice in a batch would give cfn-guard one data file twice: its reports could not be told apart.
    if (found.templatePaths.includes(shard.templatePath)) {
      batches.set(`${key}#${index}`, {
        ruleFiles: shard.ruleFiles,
        templatePaths: [shard.templatePath],
        shards: [index],
      });
      return;
    }
    found.templatePaths.push(shard.templatePath);
    found.shards.push(index);
  });
  return [...batches.values()].sort((a, b) => b.shards.length - a.shards.length);
}

/** The report of each shard, in shard order. Throws when cfn-guard or the plugin fails on any shard. */
export function runGuardShards(
  shards: readonly GuardShard[],
  options: ParallelGuardOptions,
): PolicyValidationPluginReportBeta1[] {
  if (shards.length === 0) return [];
  const batches = guardBatches(shards);
  const concurrency = Math.max(1, options.concurrency ?? os.availableParallelism());
  const input = {
    batches: batches.map(({ ruleFiles, templatePaths }) => ({ ruleFiles, templatePaths })),
    concurrency,
    workerSource: WORKER_SOURCE,
    workerData: {
      pluginModule: options.pluginModule ?? require.resolve('@cdklabs/cdk-validator-cfnguard'),
      maxBuffer: options.maxBuffer,
    },
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
  const output = JSON.parse(result.stdout) as { reports: (PolicyValidationPluginReportBeta1[] | null)[]; runs: number };
  const reports = new Array<PolicyValidationPluginReportBeta1 | undefined>(shards.length);
  batches.forEach((batch, index) => {
    const batchReports = output.reports[index];
    if (batchReports?.length !== batch.shards.length) {
      throw new Error(`cfn-guard runner returned no report for a run over ${batch.templatePaths.join(', ')}`);
    }
    batch.shards.forEach((shard, position) => (reports[shard] = batchReports[position]));
  });
  options.onRuns?.(output.runs);
  return reports as PolicyValidationPluginReportBeta1[];
}
