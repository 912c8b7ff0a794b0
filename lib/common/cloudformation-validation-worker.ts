import * as path from 'path';
import { IPolicyValidationContext, PolicyValidationPluginReport } from 'aws-cdk-lib';
import { BlockingWorker } from './blocking-worker';

/**
 * aws-cdk-lib's built-in CloudFormation validation run in a worker thread, while the main thread does other work
 * (cfn-guard, lib/common/control-tower.ts), and collected synchronously.
 *
 * Why: a synth whose templates have no kept report spent about 3 s of wall time in this validation AFTER cfn-guard
 * had finished (engine creation, then validating five templates: docs/performance.md, round 4). Validation plugins
 * run one after another and must return their report synchronously (`IPolicyValidationPluginBeta1.validate`), so
 * overlapping two of them needs a thread the main thread can block on.
 *
 * How: the worker loads aws-cdk-lib's own `CloudFormationValidatePlugin` module (plain JavaScript; its path is
 * resolved here, since aws-cdk-lib's package exports do not name it) and calls its own `validate()` with the
 * context as plain data: the stacks' construct paths, template paths, accounts and regions. The plugin reads
 * `context.stackTemplates` and nothing else (aws-cdk-lib 2.276, core/lib/validation/cloudformation-validate-plugin.js:
 * no `appConstruct`), so its report is the report the main thread would compute. The main thread takes the
 * answer synchronously, without the event loop a synchronous plugin never gets back (lib/common/blocking-worker.ts);
 * a run started and never collected (a synth that failed first) does not keep the process alive.
 */

/** The plain data the plugin reads from a validation context (what can cross to a thread). */
export interface PlainValidationContext {
  readonly templatePaths: readonly string[];
  readonly stackTemplates: readonly {
    readonly stackConstructPath: string;
    readonly templatePath: string;
    readonly accountId?: string;
    readonly region?: string;
  }[];
  readonly accountId?: string;
  readonly region?: string;
}

export interface CloudFormationValidationWorkerOptions {
  /**
   * The module whose `CloudFormationValidatePlugin` export the worker runs.
   * @default aws-cdk-lib's own core/lib/validation/cloudformation-validate-plugin.js
   */
  readonly pluginModule?: string;
  /**
   * How long `collect()` waits for the answer before it ends the worker and fails. A worker that dies without
   * answering (killed, out of memory) never sets the flag; this bounds the wait instead of hanging the synth.
   * @default 15 minutes (the slowest whole synth measured on a loaded 2-core machine took 85 s)
   */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15 * 60 * 1000;

/** aws-cdk-lib's plugin module, resolved through its package.json (the module itself is not in its exports). */
export function defaultCloudFormationValidatePluginModule(): string {
  const cdkRoot = path.dirname(require.resolve('aws-cdk-lib/package.json'));
  return path.join(cdkRoot, 'core', 'lib', 'validation', 'cloudformation-validate-plugin.js');
}

/**
 * The performance counters the plugin records (`CloudFormationValidate.validate`, `...diagnostics`) live in the
 * worker's own copy of aws-cdk-lib's perf module; the worker sends them back, and the main thread records them in
 * its own, which aws-cdk-lib writes for the CLI (and `npm run bench` reads). aws-cdk-lib's private module: when it
 * is not where 2.276 has it, the counters are dropped, nothing else.
 */
function recordWorkerCounters(counters: Record<string, { count: number; total: number; telemetry: boolean }>): void {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const perf = require(path.join(path.dirname(defaultCloudFormationValidatePluginModule()), '..', 'private', 'perf'));
    for (const [key, { count, total, telemetry }] of Object.entries(counters)) {
      perf.recordPerformanceEntry(key, { durationMs: total, count, telemetry });
    }
  } catch {
    // counters are for profiling only
  }
}

/** The main thread's wait for the worker's answer, in aws-cdk-lib's counters beside the plugin's own. */
export const WORKER_WAIT_COUNTER = 'BulwarkCloudFormationValidation.waitForWorker';

/**
 * The worker thread. Plain CommonJS evaluated in a fresh isolate (no TypeScript loader: `execArgv` is emptied so
 * the app's TypeScript loader, bin/load-typescript.js, is not loaded again there).
 *
 * Given `resourceTypes` (the construct tree's, before the templates exist), it first builds the plugin's engine
 * with the plugin's own `initializeEngine`, then waits for the context. The engine is a function of the rules the
 * plugin selects for the types (its bundled rules index: a rule is selected when it names no type or one of the
 * types); when the templates' types select the same rules, the engine built early IS the engine the plugin would
 * build, and the worker records the templates' types as the engine's (`engineResourceTypes`, which the plugin
 * compares to decide whether to build again). Otherwise the plugin builds its engine again, as it would anyway.
 */
const WORKER_SOURCE = `
const fs = require('fs');
const path = require('path');
const { workerData } = require('worker_threads');
const { port, pluginModule, resourceTypes } = workerData;
const COUNTERS = Symbol.for('@aws-cdk/core:performanceProfilingState');
let plugin;
let earlyRules;
function selectedRules(types) {
  const index = path.join(path.dirname(pluginModule), 'rules', 'index.generated.json');
  const rules = JSON.parse(fs.readFileSync(index, 'utf8')).rules;
  return JSON.stringify(rules.filter((r) => r.types === null || r.types.some((t) => types.has(t))).map((r) => r.file).sort());
}
function templateTypes(context) {
  const types = new Set();
  for (const stack of context.stackTemplates) {
    const resources = JSON.parse(fs.readFileSync(stack.templatePath, 'utf8')).Resources || {};
    for (const resource of Object.values(resources)) if (resource && typeof resource.Type === 'string') types.add(resource.Type);
  }
  return types;
}
try {
  const { CloudFormationValidatePlugin } = require(pluginModule);
  plugin = new CloudFormationValidatePlugin();
  if (resourceTypes) {
    plugin.initializeEngine(new Set(resourceTypes));
    earlyRules = selectedRules(new Set(resourceTypes));
  }
} catch {
  plugin = undefined; // validate() below loads and builds again, and reports its own error
}
port.on('message', ({ context }) => {
  let answer;
  try {
    if (!plugin) plugin = new (require(pluginModule).CloudFormationValidatePlugin)();
    if (earlyRules !== undefined) {
      let types;
      try { types = templateTypes(context); } catch { types = undefined; }
      if (types && selectedRules(types) === earlyRules && plugin.engineResourceTypes instanceof Set) {
        plugin.engineResourceTypes = new Set([...plugin.engineResourceTypes, ...types]);
      }
    }
    const report = plugin.validate(context);
    const state = globalThis[COUNTERS];
    const counters = {};
    for (const [key, value] of Object.entries((state && state.allCounters) || {})) {
      if (!key.startsWith('CloudFormationValidate.')) continue;
      const telemetry = Boolean(state.telemetryCounters && state.telemetryCounters[key]);
      counters[key] = { count: value.count, total: value.total, telemetry };
    }
    answer = { report, counters };
  } catch (error) {
    answer = { error: { message: String((error && error.message) || error), stack: error && error.stack } };
  }
  answerWith(answer);
});
`;

type WorkerAnswer =
  | {
      report: PolicyValidationPluginReport;
      counters: Record<string, { count: number; total: number; telemetry: boolean }>;
    }
  | { error: { message: string; stack?: string } };

/** Plain data only: the validation context also holds the App, which cannot (and need not) cross threads. */
export function plainValidationContext(context: IPolicyValidationContext): PlainValidationContext {
  return {
    templatePaths: [...context.templatePaths],
    stackTemplates: context.stackTemplates.map(({ stackConstructPath, templatePath, accountId, region }) => ({
      stackConstructPath,
      templatePath,
      accountId,
      region,
    })),
    accountId: context.accountId,
    region: context.region,
  };
}

/**
 * A worker thread running aws-cdk-lib's CloudFormation validation: created early with the resource types it will
 * see (it builds the engine at once), or late without them; `begin()` gives it the templates and returns at once,
 * `collect()` blocks until its report.
 */
export class CloudFormationValidationWorker {
  private readonly worker: BlockingWorker<WorkerAnswer>;
  private state: 'created' | 'begun' | 'finished' = 'created';

  constructor(
    private readonly options: CloudFormationValidationWorkerOptions = {},
    /** The resource types of the templates to come: the engine is built from them before `begin()`. */
    resourceTypes?: ReadonlySet<string>,
  ) {
    this.worker = new BlockingWorker<WorkerAnswer>(
      WORKER_SOURCE,
      {
        pluginModule: options.pluginModule ?? defaultCloudFormationValidatePluginModule(),
        resourceTypes: resourceTypes ? [...resourceTypes].sort() : undefined,
      },
      [],
    );
  }

  /** Gives the worker the templates to validate; returns at once. Once per worker. */
  begin(context: PlainValidationContext): void {
    if (this.state !== 'created') throw new Error('This CloudFormation validation worker was already given templates');
    this.state = 'begun';
    this.worker.post({ context });
  }

  /** Blocks until the worker answers: its report, or its error thrown here. Call once, after `begin()`. */
  collect(): PolicyValidationPluginReport {
    if (this.state !== 'begun') throw new Error(`This CloudFormation validation worker is ${this.state}, not begun`);
    this.state = 'finished';
    const started = performance.now();
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const { answer, timedOut } = this.worker.takeAnswer(timeoutMs);
    recordWorkerCounters({
      [WORKER_WAIT_COUNTER]: { count: 1, total: performance.now() - started, telemetry: true },
      ...(answer && 'counters' in answer ? answer.counters : {}),
    });
    if (!answer) {
      const why = timedOut ? `within ${timeoutMs} ms` : 'and ended';
      throw new Error(`The CloudFormation validation worker thread gave no answer ${why}`);
    }
    if ('error' in answer) {
      const error = new Error(`CloudFormation validation failed in its worker thread: ${answer.error.message}`);
      if (answer.error.stack) error.stack = `${error.message}\n(worker) ${answer.error.stack}`;
      throw error;
    }
    return answer.report;
  }

  /** Ends the worker without waiting for an answer (templates that are not the ones validated, a kept report). */
  cancel(): void {
    if (this.state === 'finished') return;
    this.state = 'finished';
    this.worker.end();
  }
}
