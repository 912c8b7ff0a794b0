import {
  App,
  CfnResource,
  IAspect,
  IPolicyValidationContextBeta1,
  IPolicyValidationPluginBeta1,
  PolicyValidationPluginReportBeta1,
  Validations,
} from 'aws-cdk-lib';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { IConstruct } from 'constructs';
import {
  DEFAULT_GUARD_CACHE_DIR,
  guardEngineDigest,
  GuardResultCache,
  guardResultKey,
  reportAtTemplate,
} from './guard-result-cache';
import { GuardRuleSource, mergeGuardRules } from './guard-rule-merge';
import { guardRuleFiles, resourceTypesOf, ruleCanMatch } from './guard-rule-selection';
import { GuardRuleGroup, groupRulesForSlicing, sliceTemplate, TemplateDocument } from './guard-template-slice';
import { runGuardShards } from './parallel-guard';
import { DataProtection } from './protection';

/**
 * AWS Control Tower proactive controls (CloudFormation Guard rules shipped by @cdklabs/cdk-validator-cfnguard),
 * run as a policy validation plugin beside cdk-nag: a finding fails synth unless acknowledged with a reason, and
 * every finding (acknowledged ones with their reason) goes to cdk.out/validation-report.json.
 * Rule documentation: https://docs.aws.amazon.com/controltower/latest/controlreference/proactive-controls.html
 */
export const CONTROL_TOWER_PLUGIN_NAME = 'cdk-validator-cfnguard';

/** The Guard rule names Bulwark meets or acknowledges, with the Control Tower control id of each. */
export const ControlTowerRule = {
  /** CT.CLOUDWATCH.PR.2: log groups kept at least a year. */
  LOG_GROUP_RETENTION: 'cloudwatch_log_group_retention_period_check',
  /** CT.CLOUDWATCH.PR.3: log groups encrypted with a KMS key. */
  LOG_GROUP_KMS: 'cloudwatch_log_group_encrypted_check',
  /** CT.LAMBDA.PR.3: functions attached to a customer VPC. */
  LAMBDA_IN_VPC: 'lambda_inside_vpc_check',
  /** CT.KMS.PR.3: a key policy Deny on kms:CreateGrant unless the grant is for an AWS service. */
  KMS_GRANTS_FOR_AWS_SERVICES_ONLY: 'kms_create_grant_aws_service_check',
  /** CT.S3.PR.2: server access logging. */
  S3_ACCESS_LOGGING: 's3_bucket_logging_enabled_check',
  /** CT.S3.PR.4: event notifications. */
  S3_EVENT_NOTIFICATIONS: 's3_event_notifications_enabled_check',
  /** CT.S3.PR.9: object lock. */
  S3_OBJECT_LOCK: 's3_bucket_object_lock_enabled_check',
  /** CT.S3.PR.10: SSE-KMS default encryption. */
  S3_SSE_KMS: 's3_bucket_default_encryption_kms_check',
  /** CT.S3.PR.11: versioning. */
  S3_VERSIONING: 's3_bucket_versioning_enabled_check',
  /** CT.STEPFUNCTIONS.PR.2: X-Ray tracing. */
  STATE_MACHINE_TRACING: 'step_functions_state_machine_tracing_enabled_check',
  /** CT.ELASTICLOADBALANCING.PR.1: HTTP listeners redirect to HTTPS. */
  ALB_HTTP_TO_HTTPS: 'alb_http_to_https_redirection_check',
  /** CT.ELASTICLOADBALANCING.PR.5: load balancer deletion protection. */
  ALB_DELETION_PROTECTION: 'elbv2_deletion_protection_enabled_check',
  /** CT.RDS.PR.2: enhanced monitoring. */
  RDS_ENHANCED_MONITORING: 'rds_instance_enhanced_monitoring_enabled_check',
  /** CT.RDS.PR.3: cluster deletion protection in the template. */
  RDS_CLUSTER_DELETION_PROTECTION: 'rds_cluster_deletion_protection_enabled_check',
  /** CT.RDS.PR.27: a DB cluster parameter group that requires TLS (rds.force_ssl for PostgreSQL). */
  RDS_CLUSTER_PARAMETER_GROUP_TLS: 'rds_db_cluster_parameter_group_tls_check',
  /** CT.ECS.PR.3: containers run as a user that is not root. */
  ECS_NON_ROOT_USER: 'ecs_task_definition_nonroot_user_check',
  /** CT.ECS.PR.6: read-only root filesystem. */
  ECS_READ_ONLY_ROOT: 'ecs_containers_readonly_access_check',
  /** CT.ECS.PR.7: a container memory hard limit. */
  ECS_MEMORY_HARD_LIMIT: 'ecs_task_definition_memory_hard_limit_check',
} as const;
export type ControlTowerRuleName = (typeof ControlTowerRule)[keyof typeof ControlTowerRule];

export interface ControlTowerAcknowledgement {
  readonly rule: ControlTowerRuleName;
  /** Why the finding is acceptable here; a reviewer reads it in the validation report. */
  readonly reason: string;
}

/**
 * Acknowledge Control Tower findings on `scope` and everything under it. CDK matches an acknowledgement to a
 * plugin's finding by `<plugin name>::<rule name>`; the bare rule name would be taken for an annotation id.
 */
export function acknowledgeControlTower(scope: IConstruct, ...acknowledgements: ControlTowerAcknowledgement[]): void {
  Validations.of(scope).acknowledge(
    ...acknowledgements.map(({ rule, reason }) => ({ id: `${CONTROL_TOWER_PLUGIN_NAME}::${rule}`, reason })),
  );
}

// cfn-guard's JSON for a template of about 300 resources exceeds Node's default 1 MiB child-process buffer.
const GUARD_MAX_BUFFER = 256 * 1024 * 1024;

export interface ControlTowerChecksOptions {
  /**
   * Where the report of each template is kept between synths, keyed by the content of everything that decides it
   * (lib/common/guard-result-cache.ts); false runs cfn-guard on every template every time.
   * @default node_modules/.cache/bulwark-guard-results
   */
  readonly cacheDir?: string | false;
  /** cfn-guard processes run at once. @default the cores Node may use */
  readonly concurrency?: number;
  /**
   * Give cfn-guard each template's selected rules as one file (lib/common/guard-rule-merge.ts); false gives it
   * the rule files one by one. The same report either way (test/common/guard-rule-merge.test.ts).
   * @default true
   */
  readonly mergeRules?: boolean;
  /**
   * Give cfn-guard, for each folder of rules, only the part of the template those rules can observe
   * (lib/common/guard-template-slice.ts); false gives it the whole template with all selected rules. The same report
   * either way (test/common/guard-template-slice.test.ts).
   * @default true
   */
  readonly sliceTemplates?: boolean;
  /**
   * Validations of the same templates started before cfn-guard, so they run while it does (each collects its
   * result in its own plugin's `validate()`): the built-in CloudFormation validation, which runs after this plugin.
   * @default none
   */
  readonly startAlongside?: readonly ValidationStartedAlongside[];
}

/** A validation that can begin on the templates before its own plugin's turn (CachedCloudFormationValidation). */
export interface ValidationStartedAlongside {
  /** Returns at once; must not throw (a failure to start only loses the overlap). */
  start(context: IPolicyValidationContextBeta1): void;
}

/** The name the merged rules have in a report's cache key (their content is hashed with it). */
const MERGED_RULES_FILE = 'bulwark-merged-rules.guard';

/** One cfn-guard run: a group of rule files over one template, or over the part of it they can observe. */
interface GuardRun {
  readonly templatePath: string;
  readonly rules: readonly GuardRuleSource[];
  /** The group's files as one rule file, when merging them is safe. */
  readonly merged?: string;
  /** The sub-template cfn-guard reads instead of the template (lib/common/guard-template-slice.ts). */
  readonly slice?: Buffer;
  readonly key: string;
  /** The template's bytes when the run was planned: a report is kept only if they are still the file's. */
  readonly templateBytes: Buffer;
}

/**
 * Runs `run` with each run's merged rules and slice written to a private temporary directory (removed after):
 * `inputsOf(run)` names the rule files and the data file cfn-guard reads for it.
 */
function withRunInputs<T>(
  runs: readonly GuardRun[],
  run: (inputsOf: (guardRun: GuardRun) => { ruleFiles: string[]; dataPath: string }) => T,
): T {
  if (!runs.some((guardRun) => guardRun.merged !== undefined || guardRun.slice !== undefined)) {
    return run((guardRun) => ({ ruleFiles: guardRun.rules.map((rule) => rule.file), dataPath: guardRun.templatePath }));
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-guard-'));
  try {
    const written = new Map<string, string>();
    const write = (name: string, content: string | Buffer): string => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, content);
      return file;
    };
    const inputs = new Map(
      runs.map((guardRun, index) => {
        let ruleFiles = guardRun.rules.map((rule) => rule.file);
        if (guardRun.merged !== undefined) {
          const file = written.get(guardRun.merged) ?? write(`rules-${written.size}.guard`, guardRun.merged);
          written.set(guardRun.merged, file);
          ruleFiles = [file];
        }
        const dataPath =
          guardRun.slice === undefined
            ? guardRun.templatePath
            : write(`slice-${index}-${path.basename(guardRun.templatePath)}`, guardRun.slice);
        return [guardRun, { ruleFiles, dataPath }];
      }),
    );
    return run((guardRun) => inputs.get(guardRun)!);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A group of selected rules as cfn-guard gets it: the group, and its files merged into one when that is safe. */
interface PlannedGroup {
  readonly group: GuardRuleGroup;
  readonly merged?: string;
}

/**
 * The groups and merges of a selection of rules, worked out once per selection in a `validate()`: templates of one
 * app mostly select the same rules (Dev and Staging always), and merging is the costliest part of planning a run.
 */
function groupPlanner(options: ControlTowerChecksOptions): (selected: readonly GuardRuleSource[]) => PlannedGroup[] {
  const planned = new Map<string, PlannedGroup[]>();
  return (selected) => {
    const key = JSON.stringify(selected.map((rule) => rule.file));
    const known = planned.get(key);
    if (known) return known;
    const groups: GuardRuleGroup[] =
      options.sliceTemplates === false ? [{ name: 'all', rules: selected }] : groupRulesForSlicing(selected);
    const plan = groups.map((group) => {
      // The group's files as one rule file (lib/common/guard-rule-merge.ts: cfn-guard pays per file), or the
      // files themselves where merging them would not be safe. What cfn-guard reads is in the key.
      const merge = options.mergeRules === false ? undefined : mergeGuardRules(group.rules);
      return { group, merged: merge && 'merged' in merge ? merge.merged : undefined };
    });
    planned.set(key, plan);
    return plan;
  };
}

/** The cfn-guard runs that check one template: one per group of its selected rules. */
function guardRunsOf(
  templatePath: string,
  rules: readonly GuardRuleSource[],
  engine: string,
  plan: (selected: readonly GuardRuleSource[]) => PlannedGroup[],
): GuardRun[] {
  const template = fs.readFileSync(templatePath);
  const text = template.toString('utf8');
  const types = resourceTypesOf(text);
  const selected = rules.filter((rule) => ruleCanMatch(rule.content, types));
  const document = JSON.parse(text) as TemplateDocument;
  return plan(selected).map(({ group, merged }) => {
    const keyRules =
      merged === undefined ? group.rules : [...group.rules, { file: MERGED_RULES_FILE, content: merged }];
    const slice = group.reach && Buffer.from(JSON.stringify(sliceTemplate(document, group.reach)));
    const key = guardResultKey(engine, keyRules, slice ?? template);
    return { templatePath, rules: group.rules, merged, slice, key, templateBytes: template };
  });
}

/** What the last `validate()` did: templates checked, and how many of their reports were reused. */
export interface ControlTowerRun {
  readonly templates: number;
  readonly fromCache: number;
}

/**
 * The cfn-guard plugin with every bundled Control Tower rule on, and each finding marked an error.
 * Why the marking: the plugin reports findings without a severity, and once any acknowledgement matches one of
 * its findings, CDK recomputes the report's success as "no remaining finding has severity error or fatal"
 * (aws-cdk-lib 2.276, core/lib/private/synthesis-validation.js, collectSuppressions): a single acknowledgement
 * anywhere would let every other, unacknowledged finding pass synth.
 */
export class ControlTowerChecks implements IPolicyValidationPluginBeta1 {
  readonly name = CONTROL_TOWER_PLUGIN_NAME;
  readonly version?: string;
  readonly ruleIds?: string[];
  lastRun?: ControlTowerRun;
  /** The cfn-guard runs the last `validate()` needed (one per template and folder of rules), and those reused. */
  lastGuardRuns?: { readonly runs: number; readonly fromCache: number };
  /** The cfn-guard processes the last `validate()` started: runs with the same rules share one (parallel-guard.ts). */
  lastGuardProcesses?: number;
  private readonly cache?: GuardResultCache;

  constructor(private readonly options: ControlTowerChecksOptions = {}) {
    const guard = new CfnGuardValidator();
    this.version = guard.version;
    this.ruleIds = guard.ruleIds;
    if (options.cacheDir !== false) this.cache = new GuardResultCache(options.cacheDir ?? DEFAULT_GUARD_CACHE_DIR);
  }

  validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
    // First: what runs after this plugin starts now, on the other core(s), while cfn-guard runs below.
    for (const validation of this.options.startAlongside ?? []) validation.start(context);
    // Per template: only the rules that can match one of its resources (lib/common/guard-rule-selection.ts; the
    // same findings in less than half the time); per folder of those rules, one cfn-guard run over the part of the
    // template they can observe (lib/common/guard-template-slice.ts; the same findings for a third of the CPU);
    // a kept report when nothing that decides a run changed, so an edit re-checks only the runs whose part it
    // touched; cfn-guard on the others, one process per core (lib/common/parallel-guard.ts). The report lists the
    // runs' findings in template order, then folder order. `ruleIds` above still lists every rule.
    const rules = guardRuleFiles().map((file) => ({ file, content: fs.readFileSync(file, 'utf8') }));
    const engine = guardEngineDigest();
    const plan = groupPlanner(this.options);
    const runsByTemplate = context.templatePaths.map((templatePath) => guardRunsOf(templatePath, rules, engine, plan));
    const runs = runsByTemplate.flat();
    const reports = new Map(runs.map((run) => [run, this.cache?.get(run.key, run.templatePath)]));
    const missing = runs.filter((run) => !reports.get(run));
    const ran = new Set(missing);
    this.lastGuardProcesses = 0;
    const fresh = withRunInputs(missing, (inputsOf) =>
      runGuardShards(
        missing.map((run) => ({ templatePath: inputsOf(run).dataPath, ruleFiles: inputsOf(run).ruleFiles })),
        {
          maxBuffer: GUARD_MAX_BUFFER,
          concurrency: this.options.concurrency,
          onRuns: (processes) => (this.lastGuardProcesses = processes),
        },
      ),
    );
    const unchanged = new Map<string, boolean>();
    missing.forEach((run, index) => {
      // A slice's report names the slice's file: the findings are the template's.
      const report = reportAtTemplate(fresh[index], run.templatePath);
      reports.set(run, report);
      // A template rewritten while cfn-guard read it (another synth into the same directory) is not kept.
      if (!unchanged.has(run.templatePath)) {
        unchanged.set(run.templatePath, fs.readFileSync(run.templatePath).equals(run.templateBytes));
      }
      if (unchanged.get(run.templatePath)) this.cache?.put(run.key, report);
    });
    const templates = runsByTemplate.map((templateRuns) => templateRuns.map((run) => reports.get(run)!));
    this.lastRun = {
      templates: templates.length,
      fromCache: runsByTemplate.filter((templateRuns) => templateRuns.every((run) => !ran.has(run))).length,
    };
    this.lastGuardRuns = { runs: runs.length, fromCache: runs.length - missing.length };
    const violations = templates.flat().flatMap((report) => report.violations);
    return {
      success: templates.flat().every((report) => report.success),
      violations: violations.map((violation) => ({ ...violation, severity: violation.severity ?? 'error' })),
    };
  }
}
/** The plugin Bulwark adds beside cdk-nag. */
export function controlTowerChecks(options: ControlTowerChecksOptions = {}): ControlTowerChecks {
  return new ControlTowerChecks(options);
}

/**
 * Decisions that hold for every resource of a type, made once here rather than at each of the dozens of places
 * CDK and Bulwark create one (CDK's own provider functions among them). A finding of any other rule, or of these
 * rules on another type, still fails synth.
 */
export class ControlTowerDesignDecisions implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof CfnResource)) return;
    switch (node.cfnResourceType) {
      case 'AWS::Logs::LogGroup':
        acknowledgeControlTower(node, {
          rule: ControlTowerRule.LOG_GROUP_KMS,
          reason:
            'CloudWatch Logs encrypts every log group at rest with a service key ' +
            '(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html); the logs hold no ' +
            'customer data, and a key of our own would add a key policy per log group for no reader we exclude. ' +
            'The VPC flow logs, which carry client addresses, use their own KMS key.',
        });
        return;
      case 'AWS::Lambda::Function':
        acknowledgeControlTower(node, {
          rule: ControlTowerRule.LAMBDA_IN_VPC,
          reason:
            'Functions that must reach endpoints inside the VPC (the smoke check on the test listener) are attached ' +
            "to it, as the network path proofs check. The others only call AWS APIs over TLS with their role, which Lambda's " +
            'own network serves (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html); in the ' +
            'VPC they would depend on NAT or an endpoint per service and gain no control.',
        });
        return;
      default:
    }
  }
}

/**
 * CT.KMS.PR.3 is acknowledged for the whole app: the plugin reports part of each key-policy finding without a
 * resource (an empty construct path), which only an acknowledgement at the root can match.
 */
export function acknowledgeKeyGrantControl(app: App): void {
  acknowledgeControlTower(app, {
    rule: ControlTowerRule.KMS_GRANTS_FOR_AWS_SERVICES_ONLY,
    reason:
      'Each key policy allows kms:CreateGrant only to the account (delegating to IAM, the default key policy: ' +
      'https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html) or to a service through ' +
      'kms:ViaService; the roles granted kms:CreateGrant (AWS Backup, the Aurora secondary) use it through RDS and ' +
      'AWS Backup, which create grants for AWS resources. Adding the Deny unless kms:GrantIsForAWSResource needs ' +
      'the permission proofs to model that context key first (follow-up).',
  });
}

/**
 * Where the environment does not retain its data (Dev, Staging), its logs expire as configured, under a year.
 * Call on each log group whose retention comes from `logRetentionDays`.
 */
export function acknowledgeShortLogRetention(logGroup: IConstruct, protection: DataProtection): void {
  if (protection.retain) return;
  acknowledgeControlTower(logGroup, {
    rule: ControlTowerRule.LOG_GROUP_RETENTION,
    reason:
      'An environment that does not retain its data (torn down with its stack) keeps its logs for the configured ' +
      'days to bound cost; every environment that retains its data keeps them at least a year (logRetentionDays).',
  });
}
