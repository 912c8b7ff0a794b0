import { describeDifference } from '../../parity/compare';
import { runbookProblems } from '../../monitoring/runbook-check';
import { severityTopicName } from '../../monitoring/severity-topics';
import { switchParameterName } from '../../killswitch/kill-switch-settings';
import { CfnResource, StackTemplate } from '../model';
import { dataStores, globalDatabase } from '../recovery';
import { isObject, numberValue, props, refTarget, referencedIds, resolveCrossStack, resourceTags } from '../templates';
import { resourcesOfType } from '../templates';
import { TargetKey } from '../model';
import {
  alarmsOf,
  everyItem,
  fail,
  first,
  notApplicable,
  pass,
  ReadinessCheck,
  ReadinessContext,
  ref,
  Verdict,
} from './context';

/**
 * The point-in-time recovery window each tier keeps, in days: this project's readiness standard (an assumption of
 * the practice, not an AWS rule). Tier 1 keeps the most Aurora allows: "a backup retention period from 1-35 days"
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Managing.Backups.html).
 */
export const PITR_DAYS_BY_TIER: Readonly<Record<1 | 2 | 3 | 4, number>> = { 1: 35, 2: 14, 3: 7, 4: 1 };

/** Runbooks an environment needs whatever its alarms link: restoring data and releasing. */
export const RESTORE_RUNBOOKS = ['restore-database-pitr', 'restore-backup-recovery-point', 'restore-archived-object'];
export const RELEASE_RUNBOOKS = ['deployment-failed', 'pipeline-failed'];
export const DR_RUNBOOKS = ['dr-failover', 'dr-failback'];

const SEVERITY_TOPIC_PROTOCOLS_FOR_PEOPLE = ['email', 'email-json', 'sms', 'https'];

function runbookVerdict(context: ReadinessContext, ids: readonly string[]): Verdict {
  return everyItem(
    ids.map((id) => {
      const text = context.runbook(id);
      const problems = text === undefined ? ['does not exist'] : runbookProblems(text);
      return {
        resource: `runbooks/${id}.md`,
        problem: problems.length
          ? `lacks ${problems.join(', ')}`.replace('lacks does not exist', 'does not exist')
          : undefined,
      };
    }),
    'runbooks',
  );
}

function headlineVerdict(context: ReadinessContext, key: TargetKey, label: string): Verdict {
  const env = context.resilience;
  const headline = env?.headlines.find((h) => h.targetKey === key);
  if (!env || !headline) return notApplicable(`the environment sets no ${key} target`);
  const where = [`${env.template} (resilience report: ${headline.label})`];
  if (headline.status === 'met')
    return pass(where, `${label}: worst case ${headline.value} within the target ${headline.target}`);
  return fail(
    where,
    headline.value === undefined
      ? `${label}: not assessed and not acknowledged`
      : `${label}: worst case ${headline.value} over the target ${headline.target}`,
  );
}

/** Database clusters and DynamoDB tables of a stack: the stores AWS Backup and PITR protect. */
function databases(stack: StackTemplate) {
  return [...resourcesOfType(stack, 'AWS::RDS::DBCluster'), ...resourcesOfType(stack, 'AWS::DynamoDB::Table')];
}

/** Buckets that hold data of their own (not log or replica buckets), as the resilience report decides. */
function dataBuckets(context: ReadinessContext): string[] {
  return dataStores(context.stack, context.stacks)
    .stores.filter((s) => s.type === 'AWS::S3::Bucket')
    .map((s) => s.logicalId);
}

function retains(policy: unknown): boolean {
  return policy === 'Retain' || policy === 'RetainExceptOnCreate' || policy === 'Snapshot';
}

function backupRules(stack: StackTemplate): { plan: string; rule: Record<string, unknown> }[] {
  return resourcesOfType(stack, 'AWS::Backup::BackupPlan').flatMap(([plan, r]) => {
    const body = props(r).BackupPlan;
    const rules = isObject(body) && Array.isArray(body.BackupPlanRule) ? body.BackupPlanRule : [];
    return rules.filter(isObject).map((rule) => ({ plan, rule }));
  });
}

function deploymentGroup(stack: StackTemplate) {
  return first(stack, 'AWS::CodeDeploy::DeploymentGroup');
}

function needsHttps(context: ReadinessContext): string | undefined {
  return context.env.service.certificateArn !== undefined || context.env.tier === 1
    ? undefined
    : `${context.env.name} has no service.certificateArn (tier ${context.env.tier} may serve plain HTTP)`;
}

/** Pipeline stages by name, in order. */
function stages(context: ReadinessContext): { name: string; stage: Record<string, unknown> }[] {
  const pipeline = context.pipeline && first(context.pipeline, 'AWS::CodePipeline::Pipeline');
  const list = pipeline ? props(pipeline[1]).Stages : undefined;
  return Array.isArray(list) ? list.filter(isObject).map((stage) => ({ name: String(stage.Name), stage })) : [];
}

function hasActions(alarm: CfnResource): boolean {
  const actions = props(alarm).AlarmActions;
  return Array.isArray(actions) && actions.length > 0;
}

const monitoring: ReadinessCheck[] = [
  {
    id: 'monitoring/alarm-severity',
    category: 'monitoring and alerting',
    weight: 2,
    title: 'Every alarm states its severity ([P1]..[P4])',
    evaluate: (c) =>
      everyItem(
        alarmsOf(c.stack).map((a) => ({
          resource: ref(c.stack, a.logicalId),
          problem: a.severity ? undefined : 'has no [P1]..[P4] at the start of its description',
        })),
        'alarms',
      ),
  },
  {
    id: 'monitoring/alarm-actions',
    category: 'monitoring and alerting',
    weight: 3,
    // An alarm without actions changes state and tells nobody: actions are what notify
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-actions.html).
    title: 'Every alarm notifies: actions enabled, at least one alarm action',
    evaluate: (c) =>
      everyItem(
        alarmsOf(c.stack).map((a) => {
          const p = props(a.resource);
          const actions = Array.isArray(p.AlarmActions) ? p.AlarmActions : [];
          return {
            resource: ref(c.stack, a.logicalId),
            problem:
              p.ActionsEnabled === false
                ? 'has ActionsEnabled false'
                : actions.length === 0
                  ? 'has no AlarmActions'
                  : undefined,
          };
        }),
        'alarms',
      ),
  },
  {
    id: 'monitoring/alarm-routing',
    category: 'monitoring and alerting',
    weight: 2,
    // Judges alarms that notify at all: one without actions is monitoring/alarm-actions' finding, not a second one.
    title: "Every alarm notifies its own severity's topic",
    evaluate: (c) => {
      const topics = new Map(resourcesOfType(c.stack, 'AWS::SNS::Topic').map(([id, t]) => [id, props(t).TopicName]));
      return everyItem(
        alarmsOf(c.stack)
          .filter((a) => a.severity && hasActions(a.resource))
          .map((a) => {
            const want = severityTopicName(c.naming, a.severity as 'P1');
            const actions = props(a.resource).AlarmActions;
            const names = (Array.isArray(actions) ? actions : []).map((x) => topics.get(refTarget(x) ?? ''));
            return {
              resource: ref(c.stack, a.logicalId),
              problem: names.includes(want) ? undefined : `does not notify ${want}`,
            };
          }),
        'alarms with a severity and actions',
      );
    },
  },
  {
    id: 'monitoring/p1-pages-a-person',
    category: 'monitoring and alerting',
    weight: 2,
    title: 'The P1 topic has a subscriber a person reads (email, SMS or an HTTPS pager)',
    evaluate: (c) => {
      if (c.env.tier !== 1) return notApplicable(`tier ${c.env.tier}: P1 pages are required from tier 1`);
      const p1 = severityTopicName(c.naming, 'P1');
      const topic = resourcesOfType(c.stack, 'AWS::SNS::Topic').find(([, t]) => props(t).TopicName === p1);
      if (!topic) return fail([], `no topic ${p1}`);
      const people = resourcesOfType(c.stack, 'AWS::SNS::Subscription').filter(
        ([, s]) =>
          refTarget(props(s).TopicArn) === topic[0] &&
          SEVERITY_TOPIC_PROTOCOLS_FOR_PEOPLE.includes(String(props(s).Protocol)),
      );
      return people.length
        ? pass(
            people.map(([id]) => ref(c.stack, id)),
            `${people.length} subscription(s) to ${p1}`,
          )
        : fail([ref(c.stack, topic[0])], `${p1} has no email, SMS or HTTPS subscriber: set notifications.P1`);
    },
  },
  {
    id: 'monitoring/recovery-notice',
    category: 'monitoring and alerting',
    weight: 1,
    title: 'P1 and P2 alarms also notify when they recover (OK actions)',
    evaluate: (c) =>
      everyItem(
        alarmsOf(c.stack)
          .filter((a) => a.severity === 'P1' || a.severity === 'P2')
          .map((a) => {
            const ok = props(a.resource).OKActions;
            return {
              resource: ref(c.stack, a.logicalId),
              problem: Array.isArray(ok) && ok.length ? undefined : 'has no OKActions',
            };
          }),
        'P1 and P2 alarms',
      ),
  },
  {
    id: 'monitoring/dashboard',
    category: 'monitoring and alerting',
    weight: 1,
    title: 'A CloudWatch dashboard shows the environment',
    evaluate: (c) => {
      const dashboards = resourcesOfType(c.stack, 'AWS::CloudWatch::Dashboard');
      return dashboards.length
        ? pass(
            dashboards.map(([id]) => ref(c.stack, id)),
            `${dashboards.length} dashboard(s)`,
          )
        : fail([], 'no AWS::CloudWatch::Dashboard');
    },
  },
  {
    id: 'monitoring/service-health-composite',
    category: 'monitoring and alerting',
    weight: 2,
    title: 'A P1 composite alarm says "the service is failing its users" in one place',
    evaluate: (c) => {
      const composite = alarmsOf(c.stack).filter(
        (a) => a.resource.Type === 'AWS::CloudWatch::CompositeAlarm' && a.severity === 'P1',
      );
      return composite.length
        ? pass(
            composite.map((a) => ref(c.stack, a.logicalId)),
            'P1 composite alarm present',
          )
        : fail([], 'no P1 AWS::CloudWatch::CompositeAlarm');
    },
  },
  {
    id: 'monitoring/failure-modes-covered',
    category: 'monitoring and alerting',
    weight: 3,
    title: 'Every failure mode has an alarm of its severity (resilience report)',
    evaluate: (c) => {
      const modes = c.resilience?.figures.filter((f) => f.category === 'failure-mode') ?? [];
      if (!c.resilience) return fail([], 'the resilience report has no figures for this environment');
      return everyItem(
        modes.map((f) => ({
          resource: `${c.resilience!.template} (${f.id})`,
          problem: f.status === 'missed' ? `${f.name}: ${f.reason ?? 'over its target'}` : undefined,
        })),
        'failure modes',
      );
    },
  },
  {
    id: 'monitoring/detection-target',
    category: 'monitoring and alerting',
    weight: 3,
    title: "The slowest P1 detection meets the tier's target",
    evaluate: (c) => headlineVerdict(c, 'detectionSeconds', 'detection'),
  },
  {
    id: 'monitoring/error-log-alarm',
    category: 'monitoring and alerting',
    weight: 1,
    title: "Error lines in the service's logs are counted and alarmed",
    evaluate: (c) => {
      const filters = resourcesOfType(c.stack, 'AWS::Logs::MetricFilter');
      const alarmedMetrics = new Set<unknown>(
        alarmsOf(c.stack)
          .map((a) => props(a.resource).MetricName)
          .filter((m) => typeof m === 'string'),
      );
      return everyItem(
        filters.map(([id, f]) => {
          const transforms = props(f).MetricTransformations;
          const metric = Array.isArray(transforms) && isObject(transforms[0]) ? transforms[0].MetricName : undefined;
          return {
            resource: ref(c.stack, id),
            problem: alarmedMetrics.has(metric) ? undefined : `its metric ${String(metric)} has no alarm`,
          };
        }),
        'log metric filters',
      );
    },
  },
];

const runbooks: ReadinessCheck[] = [
  {
    id: 'runbooks/alarms-link-runbooks',
    category: 'runbooks',
    weight: 2,
    title: 'Every alarm links a runbook under service.runbookBaseUrl',
    evaluate: (c) => {
      const base = c.config.service.runbookBaseUrl.replace(/\/+$/, '');
      return everyItem(
        alarmsOf(c.stack).map((a) => ({
          resource: ref(c.stack, a.logicalId),
          problem: !a.runbookId
            ? 'has no " | Runbook: <url>.md" in its description'
            : a.runbookBase !== base
              ? `links ${a.runbookBase}, not ${base}`
              : undefined,
        })),
        'alarms',
      );
    },
  },
  {
    id: 'runbooks/linked-runbooks-exist',
    category: 'runbooks',
    weight: 3,
    title: 'Every runbook an alarm links exists',
    evaluate: (c) =>
      everyItem(
        alarmsOf(c.stack)
          .filter((a) => a.runbookId)
          .map((a) => ({
            resource: ref(c.stack, a.logicalId),
            problem:
              c.runbook(a.runbookId!) === undefined
                ? `links runbooks/${a.runbookId}.md, which does not exist`
                : undefined,
          })),
        'alarms with a runbook',
      ),
  },
  {
    id: 'runbooks/linked-runbooks-complete',
    category: 'runbooks',
    weight: 3,
    title: 'Every linked runbook has every field and section (symptom to after the incident)',
    evaluate: (c) => {
      const ids = [...new Set(alarmsOf(c.stack).flatMap((a) => (a.runbookId ? [a.runbookId] : [])))].sort();
      return runbookVerdict(
        c,
        ids.filter((id) => c.runbook(id) !== undefined),
      );
    },
  },
  {
    id: 'runbooks/restore',
    category: 'runbooks',
    weight: 2,
    title: 'Restore runbooks: database point in time, backup recovery point, archived object',
    evaluate: (c) => runbookVerdict(c, RESTORE_RUNBOOKS),
  },
  {
    id: 'runbooks/release',
    category: 'runbooks',
    weight: 1,
    title: 'Release runbooks: failed deployment, failed pipeline',
    evaluate: (c) => runbookVerdict(c, RELEASE_RUNBOOKS),
  },
  {
    id: 'runbooks/disaster-recovery',
    category: 'runbooks',
    weight: 2,
    title: 'DR runbooks: failover and failback',
    evaluate: (c) => (c.env.dr ? runbookVerdict(c, DR_RUNBOOKS) : notApplicable(`${c.env.name} has no dr block`)),
  },
];

const deployment: ReadinessCheck[] = [
  {
    id: 'deployment/blue-green',
    category: 'deployment safety',
    weight: 2,
    title: 'Releases are blue/green with traffic control (CodeDeploy)',
    evaluate: (c) => {
      const group = deploymentGroup(c.stack);
      if (!group) return fail([], 'no AWS::CodeDeploy::DeploymentGroup');
      const style = props(group[1]).DeploymentStyle;
      const ok =
        isObject(style) && style.DeploymentType === 'BLUE_GREEN' && style.DeploymentOption === 'WITH_TRAFFIC_CONTROL';
      return ok
        ? pass([ref(c.stack, group[0])], 'BLUE_GREEN WITH_TRAFFIC_CONTROL')
        : fail([ref(c.stack, group[0])], `DeploymentStyle is ${JSON.stringify(style)}`);
    },
  },
  {
    id: 'deployment/auto-rollback',
    category: 'deployment safety',
    weight: 3,
    // Rollback events: DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM, DEPLOYMENT_STOP_ON_REQUEST (CloudFormation's
    // AutoRollbackConfiguration; automatic rollbacks in
    // https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html).
    title: 'A failed or alarmed deployment rolls back by itself',
    evaluate: (c) => {
      const group = deploymentGroup(c.stack);
      if (!group) return fail([], 'no AWS::CodeDeploy::DeploymentGroup');
      const rollback = props(group[1]).AutoRollbackConfiguration;
      const events = isObject(rollback) && Array.isArray(rollback.Events) ? rollback.Events : [];
      const missing = ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'].filter((e) => !events.includes(e));
      if (!isObject(rollback) || rollback.Enabled !== true)
        return fail([ref(c.stack, group[0])], 'AutoRollbackConfiguration is not enabled');
      return missing.length
        ? fail([ref(c.stack, group[0])], `AutoRollbackConfiguration.Events lacks ${missing.join(', ')}`)
        : pass([ref(c.stack, group[0])], `rolls back on ${events.join(', ')}`);
    },
  },
  {
    id: 'deployment/deployment-alarms',
    category: 'deployment safety',
    weight: 3,
    title: "The deployment group watches this environment's alarms",
    evaluate: (c) => {
      const group = deploymentGroup(c.stack);
      if (!group) return fail([], 'no AWS::CodeDeploy::DeploymentGroup');
      const config = props(group[1]).AlarmConfiguration;
      const alarms = isObject(config) && Array.isArray(config.Alarms) ? config.Alarms : [];
      if (!isObject(config) || config.Enabled !== true || alarms.length === 0)
        return fail([ref(c.stack, group[0])], 'AlarmConfiguration is off or lists no alarm');
      const unknown = alarms.filter((a) => {
        const id = isObject(a) ? refTarget(a.Name) : undefined;
        return !id || !c.stack.resources[id]?.Type.startsWith('AWS::CloudWatch::');
      });
      return unknown.length
        ? fail([ref(c.stack, group[0])], `${unknown.length} gating alarm(s) are not alarms of ${c.stack.file}`)
        : pass([ref(c.stack, group[0])], `${alarms.length} gating alarm(s)`);
    },
  },
  {
    id: 'deployment/gradual-traffic',
    category: 'deployment safety',
    weight: 2,
    title: 'Tier 1 and 2 shift traffic gradually (canary or linear), never all at once',
    evaluate: (c) => {
      if (c.env.tier > 2) return notApplicable(`tier ${c.env.tier} may shift all at once`);
      const group = deploymentGroup(c.stack);
      if (!group) return fail([], 'no AWS::CodeDeploy::DeploymentGroup');
      const configId = refTarget(props(group[1]).DeploymentConfigName);
      const routing = configId ? props(c.stack.resources[configId] ?? { Type: '' }).TrafficRoutingConfig : undefined;
      const type = isObject(routing) ? routing.Type : undefined;
      return type === 'TimeBasedCanary' || type === 'TimeBasedLinear'
        ? pass([ref(c.stack, configId!)], `${String(type)}`)
        : fail([ref(c.stack, group[0])], `traffic routing is ${String(type ?? props(group[1]).DeploymentConfigName)}`);
    },
  },
  {
    id: 'deployment/bake-time',
    category: 'deployment safety',
    weight: 1,
    title: 'The old task set is kept for deployment.bakeTimeMinutes after the shift (instant rollback)',
    evaluate: (c) => {
      const group = deploymentGroup(c.stack);
      if (!group) return fail([], 'no AWS::CodeDeploy::DeploymentGroup');
      const bg = props(group[1]).BlueGreenDeploymentConfiguration;
      const term = isObject(bg) ? bg.TerminateBlueInstancesOnDeploymentSuccess : undefined;
      const minutes = isObject(term) ? numberValue(term.TerminationWaitTimeInMinutes) : undefined;
      const want = c.env.deployment.bakeTimeMinutes;
      return minutes !== undefined && minutes >= want
        ? pass([ref(c.stack, group[0])], `${minutes} min kept, ${want} configured`)
        : fail([ref(c.stack, group[0])], `TerminationWaitTimeInMinutes ${String(minutes)} < bakeTimeMinutes ${want}`);
    },
  },
  {
    id: 'deployment/smoke-check',
    category: 'deployment safety',
    weight: 2,
    title: 'The new version is smoke-checked on the test listener before traffic shifts',
    evaluate: (c) => {
      const group = deploymentGroup(c.stack);
      if (!group) return fail([], 'no AWS::CodeDeploy::DeploymentGroup');
      const info = props(group[1]).LoadBalancerInfo;
      const pairs = isObject(info) && Array.isArray(info.TargetGroupPairInfoList) ? info.TargetGroupPairInfoList : [];
      const testRoute = pairs.some((p) => isObject(p) && isObject(p.TestTrafficRoute));
      const hooks = Object.entries(c.stack.resources).filter(
        ([, r]) => props(r).AfterAllowTestTrafficHook !== undefined,
      );
      if (!testRoute) return fail([ref(c.stack, group[0])], 'no TestTrafficRoute: nothing to smoke-check before shift');
      return hooks.length
        ? pass([ref(c.stack, group[0]), ...hooks.map(([id]) => ref(c.stack, id))], 'test route and hook present')
        : fail([ref(c.stack, group[0])], 'no AfterAllowTestTraffic hook runs the smoke checks');
    },
  },
  {
    id: 'deployment/alarm-stops-deployment',
    category: 'deployment safety',
    weight: 2,
    title: "A gating alarm's ALARM stops the deployment at once (EventBridge to the deployment stopper)",
    evaluate: (c) => {
      const group = deploymentGroup(c.stack);
      const config = group ? props(group[1]).AlarmConfiguration : undefined;
      const gating = new Set(
        (isObject(config) && Array.isArray(config.Alarms) ? config.Alarms : []).map((a) =>
          isObject(a) ? refTarget(a.Name) : undefined,
        ),
      );
      const rules = resourcesOfType(c.stack, 'AWS::Events::Rule').filter(([, r]) => {
        const pattern = props(r).EventPattern;
        return (
          JSON.stringify(pattern ?? '').includes('CloudWatch Alarm State Change') &&
          [...referencedIds(pattern)].some((id) => gating.has(id))
        );
      });
      return rules.length
        ? pass(
            rules.map(([id]) => ref(c.stack, id)),
            'rule on the gating alarms',
          )
        : fail(group ? [ref(c.stack, group[0])] : [], 'no EventBridge rule on the gating alarms stops deployments');
    },
  },
  {
    id: 'deployment/rollback-target',
    category: 'deployment safety',
    weight: 3,
    title: "Alarm breach to rollback start meets the tier's target",
    evaluate: (c) => headlineVerdict(c, 'rollbackSeconds', 'rollback'),
  },
];

const backup: ReadinessCheck[] = [
  {
    id: 'backup/stores-backed-up',
    category: 'backup and restore',
    weight: 3,
    // A selection picks resources by ARN or by tag
    // (https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html).
    title: 'Every database cluster and table is in an AWS Backup selection (by ARN or tag)',
    evaluate: (c) => {
      const selections = resourcesOfType(c.stack, 'AWS::Backup::BackupSelection').map(([, s]) => {
        const body = props(s).BackupSelection;
        return isObject(body) ? body : {};
      });
      return everyItem(
        databases(c.stack).map(([id, r]) => {
          const tags = resourceTags(r);
          const selected = selections.some(
            (s) =>
              referencedIds(s.Resources).has(id) ||
              (Array.isArray(s.ListOfTags) &&
                s.ListOfTags.some(
                  (t) =>
                    isObject(t) &&
                    t.ConditionType === 'STRINGEQUALS' &&
                    tags[String(t.ConditionKey)] === t.ConditionValue,
                )),
          );
          return { resource: ref(c.stack, id), problem: selected ? undefined : 'is in no backup selection' };
        }),
        'database clusters and tables',
      );
    },
  },
  {
    id: 'backup/databases-alarmed',
    category: 'backup and restore',
    weight: 2,
    title: 'Every database cluster is watched by an alarm on its own metrics (CPU, connections, storage)',
    evaluate: (c) => {
      const alarms = alarmsOf(c.stack);
      return everyItem(
        resourcesOfType(c.stack, 'AWS::RDS::DBCluster').map(([id]) => {
          // An alarm watches the cluster when its metric dimensions (or metric-math metrics) reference it.
          const watching = alarms.filter((a) => referencedIds(props(a.resource)).has(id));
          return {
            resource: ref(c.stack, id),
            problem: watching.length ? undefined : 'has no alarm on its metrics',
          };
        }),
        'database clusters',
        'pass',
      );
    },
  },
  {
    id: 'backup/pitr-window',
    category: 'backup and restore',
    weight: 3,
    // Aurora keeps 1-35 days
    // (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Managing.Backups.html);
    // DynamoDB's PITR is on or off
    // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Point-in-time-recovery.html).
    title: "Point-in-time recovery on every store, with the tier's window for databases",
    evaluate: (c) => {
      const want = PITR_DAYS_BY_TIER[c.env.tier];
      return everyItem(
        databases(c.stack).map(([id, r]) => {
          const p = props(r);
          if (r.Type === 'AWS::DynamoDB::Table') {
            const spec = p.PointInTimeRecoverySpecification;
            return {
              resource: ref(c.stack, id),
              problem: isObject(spec) && spec.PointInTimeRecoveryEnabled === true ? undefined : 'has PITR off',
            };
          }
          const days = numberValue(p.BackupRetentionPeriod) ?? 1;
          return {
            resource: ref(c.stack, id),
            problem: days >= want ? undefined : `keeps ${days} days of PITR, tier ${c.env.tier} needs ${want}`,
          };
        }),
        'database clusters and tables',
      );
    },
  },
  {
    id: 'backup/retention-rules',
    category: 'backup and restore',
    weight: 2,
    title: 'The backup plan keeps daily, weekly and monthly recovery points as configured',
    evaluate: (c) => {
      const rules = backupRules(c.stack);
      if (rules.length === 0) return fail([], 'no AWS::Backup::BackupPlan rule');
      const wanted: [string, number][] = [
        ['Daily', c.env.backup.dailyRetentionDays],
        ['Weekly', c.env.backup.weeklyRetentionDays],
        ['Monthly', c.env.backup.monthlyRetentionDays],
      ];
      return everyItem(
        wanted.map(([name, days]) => {
          const rule = rules.find((r) => r.rule.RuleName === name);
          const lifecycle = rule && isObject(rule.rule.Lifecycle) ? rule.rule.Lifecycle : undefined;
          const kept = lifecycle ? numberValue(lifecycle.DeleteAfterDays) : undefined;
          return {
            resource: rule ? `${ref(c.stack, rule.plan)} (${name})` : `${c.stack.file} (no ${name} rule)`,
            problem: !rule
              ? 'is missing'
              : kept === undefined || kept < days
                ? `keeps ${kept} days, not ${days}`
                : undefined,
          };
        }),
        'retention rules',
      );
    },
  },
  {
    id: 'backup/vault-encrypted',
    category: 'backup and restore',
    weight: 2,
    title: 'Backup vaults are encrypted with a key of this account',
    evaluate: (c) =>
      everyItem(
        resourcesOfType(c.stack, 'AWS::Backup::BackupVault').map(([id, v]) => ({
          resource: ref(c.stack, id),
          problem: props(v).EncryptionKeyArn ? undefined : 'has no EncryptionKeyArn',
        })),
        'backup vaults',
      ),
  },
  {
    id: 'backup/vault-locked',
    category: 'backup and restore',
    weight: 2,
    // Vault Lock: recovery points cannot be deleted before their retention
    // (https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html).
    title: 'Where data is retained, vaults are locked and deny deleting recovery points',
    evaluate: (c) => {
      if (!c.env.retainStatefulResources) return notApplicable(`${c.env.name}.retainStatefulResources is false`);
      return everyItem(
        resourcesOfType(c.stack, 'AWS::Backup::BackupVault').map(([id, v]) => {
          const p = props(v);
          const denies = JSON.stringify(p.AccessPolicy ?? '').includes('backup:DeleteRecoveryPoint');
          return {
            resource: ref(c.stack, id),
            problem: !p.LockConfiguration
              ? 'has no LockConfiguration'
              : !denies
                ? 'its access policy does not deny backup:DeleteRecoveryPoint'
                : undefined,
          };
        }),
        'backup vaults',
      );
    },
  },
  {
    id: 'backup/freshness-alarmed',
    category: 'backup and restore',
    weight: 2,
    title: 'A stale backup (older than the RPO) raises an alarm',
    evaluate: (c) => {
      const stale = alarmsOf(c.stack).filter((a) => a.runbookId === 'backup-stale');
      return stale.length
        ? pass(
            stale.map((a) => ref(c.stack, a.logicalId)),
            `${stale.length} backup freshness alarm(s)`,
          )
        : fail([], 'no alarm links runbooks/backup-stale.md');
    },
  },
  {
    id: 'backup/job-failures-alarmed',
    category: 'backup and restore',
    weight: 1,
    title: 'A failed backup or copy job notifies (EventBridge on AWS Backup job state)',
    evaluate: (c) => {
      const rules = resourcesOfType(c.stack, 'AWS::Events::Rule').filter(([, r]) => {
        const pattern = JSON.stringify(props(r).EventPattern ?? '');
        return pattern.includes('aws.backup') && pattern.includes('FAILED');
      });
      return rules.length
        ? pass(
            rules.map(([id]) => ref(c.stack, id)),
            'rule on failed backup jobs',
          )
        : fail([], 'no EventBridge rule on failed AWS Backup jobs');
    },
  },
  {
    id: 'backup/archive-protected',
    category: 'backup and restore',
    weight: 2,
    title: 'Data buckets are versioned, and object-locked where data is retained',
    evaluate: (c) =>
      everyItem(
        dataBuckets(c).map((id) => {
          const p = props(c.stack.resources[id]);
          const versioned = isObject(p.VersioningConfiguration) && p.VersioningConfiguration.Status === 'Enabled';
          const locked = p.ObjectLockEnabled === true;
          return {
            resource: ref(c.stack, id),
            problem: !versioned
              ? 'is not versioned'
              : c.env.retainStatefulResources && !locked
                ? 'has no object lock'
                : undefined,
          };
        }),
        'data buckets',
        'pass',
      ),
  },
  {
    id: 'backup/retained-on-delete',
    category: 'backup and restore',
    weight: 3,
    // DeletionPolicy Retain / RetainExceptOnCreate / Snapshot keep the data when the stack or resource goes
    // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html).
    title: 'Where data is retained, stores, vaults and their keys survive a stack deletion',
    evaluate: (c) => {
      if (!c.env.retainStatefulResources) return notApplicable(`${c.env.name}.retainStatefulResources is false`);
      const ids = [
        ...databases(c.stack).map(([id]) => id),
        ...resourcesOfType(c.stack, 'AWS::RDS::GlobalCluster').map(([id]) => id),
        ...resourcesOfType(c.stack, 'AWS::Backup::BackupVault').map(([id]) => id),
        ...resourcesOfType(c.stack, 'AWS::KMS::Key').map(([id]) => id),
        ...dataBuckets(c),
      ];
      return everyItem(
        ids.map((id) => {
          const r = c.stack.resources[id] as { DeletionPolicy?: unknown };
          return {
            resource: ref(c.stack, id),
            problem: retains(r.DeletionPolicy)
              ? undefined
              : `has DeletionPolicy ${String(r.DeletionPolicy ?? 'Delete')}`,
          };
        }),
        'stateful resources',
      );
    },
  },
  {
    id: 'backup/deletion-protection',
    category: 'backup and restore',
    weight: 3,
    title: 'Where data is retained, every database cluster is deletion-protected',
    evaluate: (c) => {
      if (!c.env.retainStatefulResources) return notApplicable(`${c.env.name}.retainStatefulResources is false`);
      const protectedIds = new Set(
        resourcesOfType(c.stack, 'Custom::DeletionProtection').map(([, r]) => refTarget(props(r).Identifier)),
      );
      return everyItem(
        [
          ...resourcesOfType(c.stack, 'AWS::RDS::DBCluster'),
          ...resourcesOfType(c.stack, 'AWS::RDS::GlobalCluster'),
        ].map(([id, r]) => ({
          resource: ref(c.stack, id),
          problem:
            props(r).DeletionProtection === true || protectedIds.has(id) ? undefined : 'is not deletion-protected',
        })),
        'database clusters',
      );
    },
  },
  {
    id: 'backup/rpo-target',
    category: 'backup and restore',
    weight: 3,
    title: "The worst data store's RPO meets the tier's target",
    evaluate: (c) => headlineVerdict(c, 'rpoMinutes', 'RPO'),
  },
];

function drOnly(check: (c: ReadinessContext, standby: StackTemplate) => Verdict) {
  return (c: ReadinessContext): Verdict => {
    if (!c.env.dr) return notApplicable(`${c.env.name} has no dr block`);
    if (!c.standby) return fail([], `no stack stands by for ${c.env.name} (tag standby-for=${c.env.name})`);
    return check(c, c.standby);
  };
}

const disasterRecovery: ReadinessCheck[] = [
  {
    id: 'dr/standby-stack',
    category: 'disaster recovery',
    weight: 3,
    title: 'A standby stack in the DR region',
    evaluate: drOnly((c, standby) =>
      standby.region === c.env.dr!.region
        ? pass([standby.file], `${standby.stackId} in ${standby.region}`)
        : fail([standby.file], `${standby.stackId} is in ${standby.region}, not dr.region ${c.env.dr!.region}`),
    ),
  },
  {
    id: 'dr/backups-copied',
    category: 'disaster recovery',
    weight: 3,
    // Cross-Region copy actions of a backup rule
    // (https://docs.aws.amazon.com/aws-backup/latest/devguide/cross-region-backup.html).
    title: 'Every backup rule copies its recovery points to the DR vault',
    evaluate: drOnly((c, standby) =>
      everyItem(
        backupRules(c.stack).map(({ plan, rule }) => {
          const copies = Array.isArray(rule.CopyActions) ? rule.CopyActions : [];
          const toStandby = copies.some((copy) => {
            const target = isObject(copy) ? resolveCrossStack(copy.DestinationBackupVaultArn, c.stacks) : undefined;
            return (
              target?.stack === standby && standby.resources[target.logicalId]?.Type === 'AWS::Backup::BackupVault'
            );
          });
          return {
            resource: `${ref(c.stack, plan)} (${String(rule.RuleName)})`,
            problem: toStandby ? undefined : `copies to no vault of ${standby.stackId}`,
          };
        }),
        'backup rules',
      ),
    ),
  },
  {
    id: 'dr/database-replicated',
    category: 'disaster recovery',
    weight: 3,
    title: 'Every database cluster has a secondary in another region (global database)',
    evaluate: drOnly((c) =>
      everyItem(
        resourcesOfType(c.stack, 'AWS::RDS::DBCluster').map(([id]) => {
          const secondary = globalDatabase(c.stack, id, c.stacks);
          return {
            resource: ref(c.stack, id),
            problem: secondary ? undefined : 'has no global database secondary',
          };
        }),
        'database clusters',
        'pass',
      ),
    ),
  },
  {
    id: 'dr/archive-replicated',
    category: 'disaster recovery',
    weight: 2,
    // Replication Time Control: 99.99 % of objects within 15 minutes
    // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-time-control.html).
    title: 'Data buckets replicate to the DR region (with Replication Time Control where configured)',
    evaluate: drOnly((c) =>
      everyItem(
        dataBuckets(c).map((id) => {
          const replication = props(c.stack.resources[id]).ReplicationConfiguration;
          const rules = isObject(replication) && Array.isArray(replication.Rules) ? replication.Rules : [];
          const enabled = rules.filter((r) => isObject(r) && r.Status === 'Enabled');
          const rtc = enabled.some(
            (r) =>
              isObject(r) &&
              isObject(r.Destination) &&
              isObject(r.Destination.ReplicationTime) &&
              r.Destination.ReplicationTime.Status === 'Enabled',
          );
          return {
            resource: ref(c.stack, id),
            problem:
              enabled.length === 0
                ? 'has no enabled replication rule'
                : c.env.backup.replicationTimeControl && !rtc
                  ? 'replicates without Replication Time Control'
                  : undefined,
          };
        }),
        'data buckets',
        'pass',
      ),
    ),
  },
  {
    id: 'dr/failover-records',
    category: 'disaster recovery',
    weight: 3,
    // Active-passive failover: a PRIMARY record with a health check and a SECONDARY
    // (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-types.html).
    title: 'The service name fails over: PRIMARY record with a health check here, SECONDARY in the DR stack',
    evaluate: drOnly((c, standby) => {
      const name = `${c.config.service.domainName}.`;
      const record = (stack: StackTemplate, failover: string) =>
        resourcesOfType(stack, 'AWS::Route53::RecordSet').find(
          ([, r]) => props(r).Name === name && props(r).Failover === failover,
        );
      const primary = record(c.stack, 'PRIMARY');
      const secondary = record(standby, 'SECONDARY');
      if (!primary) return fail([c.stack.file], `no PRIMARY failover record for ${name}`);
      if (!props(primary[1]).HealthCheckId)
        return fail([ref(c.stack, primary[0])], 'the PRIMARY record has no health check');
      if (!secondary) return fail([standby.file], `no SECONDARY failover record for ${name}`);
      return pass([ref(c.stack, primary[0]), ref(standby, secondary[0])], `${name} PRIMARY and SECONDARY`);
    }),
  },
  {
    id: 'dr/region-switch-plan',
    category: 'disaster recovery',
    weight: 3,
    // The plan's Triggers start its workflow on alarm conditions
    // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-arcregionswitch-plan.html).
    title: 'A DR plan (ARC Region switch) in the DR stack, with workflows and a trigger',
    evaluate: drOnly((_context, standby) => {
      const plan = first(standby, 'AWS::ARCRegionSwitch::Plan');
      if (!plan) return fail([standby.file], 'no AWS::ARCRegionSwitch::Plan');
      const p = props(plan[1]);
      const triggers = Array.isArray(p.Triggers) ? p.Triggers : [];
      const workflows = Array.isArray(p.Workflows) ? p.Workflows : [];
      if (workflows.length === 0) return fail([ref(standby, plan[0])], 'the plan has no workflow');
      return triggers.some((t) => isObject(t) && Array.isArray(t.Conditions) && t.Conditions.length > 0)
        ? pass([ref(standby, plan[0])], `${workflows.length} workflow(s), ${triggers.length} trigger(s)`)
        : fail([ref(standby, plan[0])], 'the plan has no trigger with a condition');
    }),
  },
  {
    id: 'dr/standby-alarmed',
    category: 'disaster recovery',
    weight: 2,
    title: 'The standby pages on its own P1 alarms (the DR region watches itself)',
    evaluate: drOnly((_context, standby) => {
      const p1 = alarmsOf(standby).filter((a) => {
        const actions = props(a.resource).AlarmActions;
        return a.severity === 'P1' && Array.isArray(actions) && actions.length > 0;
      });
      return p1.length
        ? pass(
            p1.map((a) => ref(standby, a.logicalId)),
            `${p1.length} P1 alarm(s) with actions`,
          )
        : fail([standby.file], 'no P1 alarm with actions in the standby');
    }),
  },
  {
    id: 'dr/rto-target',
    category: 'disaster recovery',
    weight: 3,
    title: "Regional failover meets the tier's RTO",
    evaluate: (c) =>
      c.env.dr ? headlineVerdict(c, 'rtoMinutes', 'RTO') : notApplicable(`${c.env.name} has no dr block`),
  },
  {
    id: 'dr/dns-failover-target',
    category: 'disaster recovery',
    weight: 2,
    title: 'DNS failover from a blackholed primary meets its target',
    evaluate: (c) =>
      c.env.dr
        ? headlineVerdict(c, 'dnsFailoverSeconds', 'DNS failover')
        : notApplicable(`${c.env.name} has no dr block`),
  },
];

/**
 * ALB security policies that allow TLS 1.2 and above only
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html).
 */
const TLS12_POLICY = /^ELBSecurityPolicy-(TLS13-|TLS-1-2-|FS-1-2-)/;

const security: ReadinessCheck[] = [
  {
    id: 'security/https-listeners',
    category: 'security',
    weight: 3,
    // An HTTP listener may only redirect to HTTPS
    // (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html).
    title: 'Every listener serves HTTPS, or only redirects HTTP to HTTPS',
    evaluate: (c) => {
      const reason = needsHttps(c);
      if (reason) return notApplicable(reason);
      return everyItem(
        resourcesOfType(c.stack, 'AWS::ElasticLoadBalancingV2::Listener').map(([id, l]) => {
          const p = props(l);
          const actions = Array.isArray(p.DefaultActions) ? p.DefaultActions : [];
          const redirectsOnly =
            actions.length > 0 &&
            actions.every(
              (a) =>
                isObject(a) &&
                a.Type === 'redirect' &&
                isObject(a.RedirectConfig) &&
                a.RedirectConfig.Protocol === 'HTTPS',
            );
          return {
            resource: ref(c.stack, id),
            problem:
              p.Protocol === 'HTTPS' || redirectsOnly
                ? undefined
                : `serves ${String(p.Protocol)} on port ${String(p.Port)}`,
          };
        }),
        'listeners',
      );
    },
  },
  {
    id: 'security/tls-policy',
    category: 'security',
    weight: 2,
    title: 'HTTPS listeners accept TLS 1.2 or later only',
    evaluate: (c) => {
      const reason = needsHttps(c);
      if (reason) return notApplicable(reason);
      return everyItem(
        resourcesOfType(c.stack, 'AWS::ElasticLoadBalancingV2::Listener')
          .filter(([, l]) => props(l).Protocol === 'HTTPS')
          .map(([id, l]) => ({
            resource: ref(c.stack, id),
            problem: TLS12_POLICY.test(String(props(l).SslPolicy)) ? undefined : `uses ${String(props(l).SslPolicy)}`,
          })),
        'HTTPS listeners',
      );
    },
  },
  {
    id: 'security/data-encrypted',
    category: 'security',
    weight: 3,
    title: 'Databases, tables and buckets are encrypted at rest',
    evaluate: (c) =>
      everyItem(
        [
          ...resourcesOfType(c.stack, 'AWS::RDS::DBCluster').map(([id, r]) => ({
            resource: ref(c.stack, id),
            problem: props(r).StorageEncrypted === true ? undefined : 'has StorageEncrypted off',
          })),
          ...resourcesOfType(c.stack, 'AWS::DynamoDB::Table').map(([id, r]) => {
            const sse = props(r).SSESpecification;
            return {
              resource: ref(c.stack, id),
              problem: isObject(sse) && sse.SSEEnabled === true ? undefined : 'has no customer-managed SSE',
            };
          }),
          ...resourcesOfType(c.stack, 'AWS::S3::Bucket').map(([id, r]) => ({
            resource: ref(c.stack, id),
            problem: props(r).BucketEncryption ? undefined : 'has no BucketEncryption',
          })),
        ],
        'data resources',
      ),
  },
  {
    id: 'security/buckets-private',
    category: 'security',
    weight: 2,
    // All four Block Public Access settings
    // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html).
    title: 'Every bucket blocks public access (all four settings)',
    evaluate: (c) =>
      everyItem(
        resourcesOfType(c.stack, 'AWS::S3::Bucket').map(([id, r]) => {
          const block = props(r).PublicAccessBlockConfiguration;
          const all =
            isObject(block) &&
            ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'].every(
              (k) => block[k] === true,
            );
          return { resource: ref(c.stack, id), problem: all ? undefined : 'does not block all public access' };
        }),
        'buckets',
      ),
  },
  {
    id: 'security/topics-encrypted',
    category: 'security',
    weight: 1,
    // SNS server-side encryption with a KMS key
    // (https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html).
    title: 'Every SNS topic is encrypted with a KMS key',
    evaluate: (c) =>
      everyItem(
        resourcesOfType(c.stack, 'AWS::SNS::Topic').map(([id, r]) => ({
          resource: ref(c.stack, id),
          problem: props(r).KmsMasterKeyId ? undefined : 'has no KmsMasterKeyId',
        })),
        'topics',
      ),
  },
  {
    id: 'security/key-rotation',
    category: 'security',
    weight: 1,
    // Automatic rotation exists for symmetric encryption keys only
    // (https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html).
    title: 'Every symmetric KMS key rotates automatically',
    evaluate: (c) =>
      everyItem(
        resourcesOfType(c.stack, 'AWS::KMS::Key')
          .filter(([, r]) => (props(r).KeySpec ?? 'SYMMETRIC_DEFAULT') === 'SYMMETRIC_DEFAULT')
          .map(([id, r]) => ({
            resource: ref(c.stack, id),
            problem: props(r).EnableKeyRotation === true ? undefined : 'does not rotate',
          })),
        'symmetric keys',
        'pass',
      ),
  },
  {
    id: 'security/flow-logs',
    category: 'security',
    weight: 2,
    // Flow logs capture the IP traffic of a VPC (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html).
    title: 'Every VPC logs all its traffic (flow logs, TrafficType ALL)',
    evaluate: (c) => {
      const logs = resourcesOfType(c.stack, 'AWS::EC2::FlowLog');
      return everyItem(
        resourcesOfType(c.stack, 'AWS::EC2::VPC').map(([id]) => ({
          resource: ref(c.stack, id),
          problem: logs.some(([, f]) => refTarget(props(f).ResourceId) === id && props(f).TrafficType === 'ALL')
            ? undefined
            : 'has no flow log of ALL traffic',
        })),
        'VPCs',
      );
    },
  },
  {
    id: 'security/default-security-group-closed',
    category: 'security',
    weight: 1,
    title: "Every VPC's default security group admits nothing",
    evaluate: (c) => {
      const closers = resourcesOfType(c.stack, 'Custom::VpcRestrictDefaultSG');
      return everyItem(
        resourcesOfType(c.stack, 'AWS::EC2::VPC').map(([id]) => ({
          resource: ref(c.stack, id),
          problem: closers.some(([, r]) => referencedIds(props(r)).has(id)) ? undefined : 'keeps its default rules',
        })),
        'VPCs',
      );
    },
  },
  {
    id: 'security/database-secret-rotated',
    category: 'security',
    weight: 2,
    // Rotation schedules (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets.html).
    title: "The database's credentials rotate on a schedule",
    evaluate: (c) => {
      const schedules = resourcesOfType(c.stack, 'AWS::SecretsManager::RotationSchedule').map(([, r]) =>
        refTarget(props(r).SecretId),
      );
      return everyItem(
        resourcesOfType(c.stack, 'AWS::SecretsManager::SecretTargetAttachment').map(([id, r]) => ({
          resource: ref(c.stack, id),
          problem:
            schedules.includes(id) || schedules.includes(refTarget(props(r).SecretId)) ? undefined : 'never rotates',
        })),
        'database secrets',
        'pass',
      );
    },
  },
  {
    id: 'security/container-hardened',
    category: 'security',
    weight: 2,
    title: 'Containers run as a non-root user on a read-only root filesystem',
    evaluate: (c) =>
      everyItem(
        resourcesOfType(c.stack, 'AWS::ECS::TaskDefinition').flatMap(([id, r]) => {
          const containers = props(r).ContainerDefinitions;
          return (Array.isArray(containers) ? containers : []).filter(isObject).map((container) => ({
            resource: `${ref(c.stack, id)} (${String(container.Name)})`,
            problem:
              container.User === undefined || /^(0|root)(:|$)/.test(String(container.User))
                ? 'runs as root'
                : container.ReadonlyRootFilesystem !== true
                  ? 'has a writable root filesystem'
                  : undefined,
          }));
        }),
        'containers',
      ),
  },
];

const cost: ReadinessCheck[] = [
  {
    id: 'cost/budget',
    category: 'cost controls',
    weight: 3,
    // Forecasted and actual notifications
    // (https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-managing-costs.html).
    title: 'A monthly budget of budget.monthlyUsd with forecast and actual notifications',
    evaluate: (c) => {
      const budget = first(c.stack, 'AWS::Budgets::Budget');
      if (!budget) return fail([], 'no AWS::Budgets::Budget');
      const p = props(budget[1]);
      const limit =
        isObject(p.Budget) && isObject(p.Budget.BudgetLimit) ? numberValue(p.Budget.BudgetLimit.Amount) : undefined;
      const kinds = (Array.isArray(p.NotificationsWithSubscribers) ? p.NotificationsWithSubscribers : []).map((n) =>
        isObject(n) && isObject(n.Notification) ? n.Notification.NotificationType : undefined,
      );
      const missing = ['FORECASTED', 'ACTUAL'].filter((k) => !kinds.includes(k));
      if (limit !== c.env.budget.monthlyUsd)
        return fail(
          [ref(c.stack, budget[0])],
          `limit ${String(limit)} USD, budget.monthlyUsd ${c.env.budget.monthlyUsd}`,
        );
      return missing.length
        ? fail([ref(c.stack, budget[0])], `no ${missing.join(' or ')} notification`)
        : pass([ref(c.stack, budget[0])], `${limit} USD a month, forecast and actual notifications`);
    },
  },
  {
    id: 'cost/budget-acts',
    category: 'cost controls',
    weight: 2,
    title: "The budget's notifications reach the kill switch (a function subscribed to its topic)",
    evaluate: (c) => {
      const budget = first(c.stack, 'AWS::Budgets::Budget');
      if (!budget) return fail([], 'no AWS::Budgets::Budget');
      const topics = new Set(referencedIds(props(budget[1]).NotificationsWithSubscribers));
      const acting = resourcesOfType(c.stack, 'AWS::SNS::Subscription').filter(
        ([, s]) => props(s).Protocol === 'lambda' && topics.has(refTarget(props(s).TopicArn) ?? ''),
      );
      return acting.length
        ? pass(
            acting.map(([id]) => ref(c.stack, id)),
            'a function acts on budget notifications',
          )
        : fail([ref(c.stack, budget[0])], 'no function is subscribed to the budget topic');
    },
  },
  {
    id: 'cost/spike-alarm',
    category: 'cost controls',
    weight: 1,
    title: 'A cost spike (against the daily baseline) raises an alarm',
    evaluate: (c) => {
      const spikes = alarmsOf(c.stack).filter((a) => a.runbookId === 'cost-spike');
      return spikes.length
        ? pass(
            spikes.map((a) => ref(c.stack, a.logicalId)),
            'cost spike alarm present',
          )
        : fail([], 'no alarm links runbooks/cost-spike.md');
    },
  },
  {
    id: 'cost/scaling-bounded',
    category: 'cost controls',
    weight: 2,
    title: 'Auto scaling stops at service.maxCount',
    evaluate: (c) =>
      everyItem(
        resourcesOfType(c.stack, 'AWS::ApplicationAutoScaling::ScalableTarget').map(([id, r]) => {
          const max = numberValue(props(r).MaxCapacity);
          return {
            resource: ref(c.stack, id),
            problem:
              max !== undefined && max <= c.env.service.maxCount
                ? undefined
                : `MaxCapacity ${String(max)} above service.maxCount ${c.env.service.maxCount}`,
          };
        }),
        'scalable targets',
      ),
  },
  {
    id: 'cost/log-retention',
    category: 'cost controls',
    weight: 2,
    // Without a retention, CloudWatch Logs keeps log events forever
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html).
    title: 'Every log group expires its events (RetentionInDays set)',
    evaluate: (c) =>
      everyItem(
        resourcesOfType(c.stack, 'AWS::Logs::LogGroup').map(([id, r]) => ({
          resource: ref(c.stack, id),
          problem: numberValue(props(r).RetentionInDays) === undefined ? 'keeps logs forever' : undefined,
        })),
        'log groups',
      ),
  },
  {
    id: 'cost/cost-switch',
    category: 'cost controls',
    weight: 1,
    title: 'The budget turns a cost switch on (killSwitch.onBudget)',
    evaluate: (c) => {
      const names = c.env.killSwitch.onBudget;
      if (names.length === 0) return fail([], `${c.env.name}.killSwitch.onBudget is empty`);
      const params = new Map(resourcesOfType(c.stack, 'AWS::SSM::Parameter').map(([id, r]) => [props(r).Name, id]));
      return everyItem(
        names.map((name) => {
          const want = switchParameterName(c.naming, name);
          const id = params.get(want);
          return { resource: id ? ref(c.stack, id) : want, problem: id ? undefined : 'has no parameter' };
        }),
        'budget switches',
      );
    },
  },
];

const operations: ReadinessCheck[] = [
  {
    id: 'operations/kill-switches',
    category: 'operations',
    weight: 2,
    title: 'Every configured kill switch exists (an SSM parameter each)',
    evaluate: (c) => {
      const params = new Map(resourcesOfType(c.stack, 'AWS::SSM::Parameter').map(([id, r]) => [props(r).Name, id]));
      return everyItem(
        c.env.killSwitch.switches.map((name) => {
          const want = switchParameterName(c.naming, name);
          const id = params.get(want);
          return { resource: id ? ref(c.stack, id) : want, problem: id ? undefined : 'has no parameter' };
        }),
        'switches',
      );
    },
  },
  {
    id: 'operations/switches-on-p1',
    category: 'operations',
    weight: 2,
    title: 'A P1 flips the killSwitch.onAnyP1 switches (the kill switch listens to the P1 topic)',
    evaluate: (c) => {
      if (c.env.killSwitch.onAnyP1.length === 0) return notApplicable(`${c.env.name}.killSwitch.onAnyP1 is empty`);
      const p1 = severityTopicName(c.naming, 'P1');
      const topic = resourcesOfType(c.stack, 'AWS::SNS::Topic').find(([, t]) => props(t).TopicName === p1);
      const subscribed = resourcesOfType(c.stack, 'AWS::SNS::Subscription').filter(
        ([, s]) => props(s).Protocol === 'lambda' && topic !== undefined && refTarget(props(s).TopicArn) === topic[0],
      );
      return subscribed.length
        ? pass(
            subscribed.map(([id]) => ref(c.stack, id)),
            `a function listens to ${p1}`,
          )
        : fail(topic ? [ref(c.stack, topic[0])] : [], `no function is subscribed to ${p1}`);
    },
  },
  {
    id: 'operations/canary-covers-journeys',
    category: 'operations',
    weight: 3,
    title: 'A scheduled canary walks every journey (token journeys where HTTPS allows them)',
    evaluate: (c) => {
      const scheduled = new Set(
        resourcesOfType(c.stack, 'AWS::Events::Rule')
          .filter(([, r]) => typeof props(r).ScheduleExpression === 'string')
          .flatMap(([, r]) => [...referencedIds(props(r).Targets)]),
      );
      const canaries = resourcesOfType(c.stack, 'AWS::Lambda::Function').filter(([id, f]) => {
        const vars = props(f).Environment;
        return (
          scheduled.has(id) && isObject(vars) && isObject(vars.Variables) && typeof vars.Variables.JOURNEYS === 'string'
        );
      });
      if (canaries.length === 0) return fail([], 'no scheduled function walks the journeys');
      // A bearer token never crosses plain HTTP (lib/canary): without a certificate, token journeys are not walked.
      const https = c.env.service.certificateArn !== undefined;
      const wanted = c.config.service.journeys.filter((j) => https || !j.authenticated).map((j) => j.name);
      const walked = new Set(
        canaries.flatMap(([, f]) => {
          const vars = (props(f).Environment as { Variables: { JOURNEYS: string } }).Variables;
          return (JSON.parse(vars.JOURNEYS) as { name: string }[]).map((j) => j.name);
        }),
      );
      const missing = wanted.filter((name) => !walked.has(name));
      return missing.length
        ? fail(
            canaries.map(([id]) => ref(c.stack, id)),
            `journeys not walked: ${missing.join(', ')}`,
          )
        : pass(
            canaries.map(([id]) => ref(c.stack, id)),
            `${wanted.length} journeys walked${https ? '' : ' (token journeys skipped: no HTTPS)'}`,
          );
    },
  },
  {
    id: 'operations/canary-alarmed',
    category: 'operations',
    weight: 2,
    title: 'A failing canary journey is a P1',
    evaluate: (c) => {
      const alarms = alarmsOf(c.stack).filter((a) => a.runbookId === 'canary-journey-failed' && a.severity === 'P1');
      return alarms.length
        ? pass(
            alarms.map((a) => ref(c.stack, a.logicalId)),
            'P1 canary alarm present',
          )
        : fail([], 'no P1 alarm links runbooks/canary-journey-failed.md');
    },
  },
  {
    id: 'operations/incident-record',
    category: 'operations',
    weight: 2,
    title: 'Alarm state changes become incident records (a table and a rule that feeds it)',
    evaluate: (c) => {
      const tables = resourcesOfType(c.stack, 'AWS::DynamoDB::Table');
      const rules = resourcesOfType(c.stack, 'AWS::Events::Rule').filter(([, r]) => {
        const pattern = JSON.stringify(props(r).EventPattern ?? '');
        const functions = [...referencedIds(props(r).Targets)].filter(
          (id) => c.stack.resources[id]?.Type === 'AWS::Lambda::Function',
        );
        // The function names the table by reference or by its (fixed) name inside its settings.
        const writesTable = (id: string) => {
          const environment = props(c.stack.resources[id]).Environment;
          const text = JSON.stringify(environment ?? '');
          const refs = referencedIds(environment);
          return tables.some(([tableId, t]) => {
            const name = props(t).TableName;
            return refs.has(tableId) || (typeof name === 'string' && text.includes(name));
          });
        };
        return pattern.includes('CloudWatch Alarm State Change') && functions.some(writesTable);
      });
      if (tables.length === 0) return fail([], 'no incident table (AWS::DynamoDB::Table)');
      return rules.length
        ? pass(
            [...tables.map(([id]) => ref(c.stack, id)), ...rules.map(([id]) => ref(c.stack, id))],
            'alarm changes recorded',
          )
        : fail(
            tables.map(([id]) => ref(c.stack, id)),
            'no alarm state change rule feeds a function that writes the table',
          );
    },
  },
  {
    id: 'operations/spare-capacity',
    category: 'operations',
    weight: 2,
    title: 'Tier 1 and 2 keep at least two tasks, so one failing task or zone is not an outage',
    evaluate: (c) => {
      if (c.env.tier > 2) return notApplicable(`tier ${c.env.tier} may run one task`);
      return everyItem(
        resourcesOfType(c.stack, 'AWS::ApplicationAutoScaling::ScalableTarget').map(([id, r]) => {
          const min = numberValue(props(r).MinCapacity);
          return {
            resource: ref(c.stack, id),
            problem: min !== undefined && min >= 2 ? undefined : `MinCapacity ${String(min)}`,
          };
        }),
        'scalable targets',
      );
    },
  },
  {
    id: 'operations/pipeline-gates',
    category: 'operations',
    weight: 3,
    title: 'The pipeline validates first, and a person approves (with the report) before this stage',
    evaluate: (c) => {
      const list = stages(c);
      if (list.length === 0) return fail([], 'no pipeline template (stack Pipeline) in the assembly');
      const at = list.findIndex((s) => s.name === c.env.name);
      const validate = list.findIndex((s) => s.name === 'Validate');
      const where = c.pipeline ? [`${c.pipeline.file} (stage ${c.env.name})`] : [];
      if (at < 0) return fail(where, `no stage ${c.env.name}`);
      if (validate < 0 || validate > at) return fail(where, `no Validate stage before ${c.env.name}`);
      if (c.index === 0) return pass(where, `Validate runs before ${c.env.name}`);
      const before = list[at - 1];
      const actions = Array.isArray(before.stage.Actions) ? before.stage.Actions.filter(isObject) : [];
      const approval = actions.find(
        (a) =>
          isObject(a.ActionTypeId) && a.ActionTypeId.Category === 'Approval' && a.ActionTypeId.Provider === 'Manual',
      );
      if (!approval) return fail(where, `stage ${before.name} before ${c.env.name} is not a manual approval`);
      const link = isObject(approval.Configuration) ? approval.Configuration.ExternalEntityLink : undefined;
      return link
        ? pass([`${c.pipeline!.file} (stage ${before.name})`], `${before.name} approves, linking the report`)
        : fail([`${c.pipeline!.file} (stage ${before.name})`], 'the approval links no report');
    },
  },
  {
    id: 'operations/pipeline-entry-condition',
    category: 'operations',
    weight: 2,
    // Stage conditions keep a stage closed
    // (https://docs.aws.amazon.com/codepipeline/latest/userguide/stage-conditions.html).
    title: "Tier 1's stage stays closed during a deploy freeze or a P1 (entry condition)",
    evaluate: (c) => {
      if (c.env.tier !== 1) return notApplicable(`tier ${c.env.tier}: entry conditions guard tier 1`);
      const stage = stages(c).find((s) => s.name === c.env.name);
      if (!stage) return fail([], `no pipeline stage ${c.env.name}`);
      const entry = stage.stage.BeforeEntry;
      const conditions = isObject(entry) && Array.isArray(entry.Conditions) ? entry.Conditions : [];
      return conditions.length
        ? pass([`${c.pipeline!.file} (stage ${c.env.name})`], `${conditions.length} entry condition(s)`)
        : fail([`${c.pipeline!.file} (stage ${c.env.name})`], 'no BeforeEntry condition');
    },
  },
  {
    id: 'operations/pipeline-failure-notified',
    category: 'operations',
    weight: 1,
    title: 'A failed pipeline execution notifies',
    evaluate: (c) => {
      const rules = c.pipeline
        ? resourcesOfType(c.pipeline, 'AWS::CodeStarNotifications::NotificationRule').filter(([, r]) =>
            JSON.stringify(props(r).EventTypeIds ?? '').includes('pipeline-execution-failed'),
          )
        : [];
      return rules.length
        ? pass(
            rules.map(([id]) => ref(c.pipeline!, id)),
            'failure notification rule present',
          )
        : fail([], 'no notification rule on failed pipeline executions');
    },
  },
  {
    id: 'operations/environment-parity',
    category: 'operations',
    weight: 2,
    title: 'The environments before it differ from it only as the config asks (npm run parity)',
    evaluate: (c) => {
      if (!c.gates) return notApplicable('judged on the production environment, which the others lead to');
      if ('error' in c.parity) return fail([], `parity could not be computed: ${c.parity.error}`);
      const { unexplained, environments } = c.parity.result;
      return unexplained.length === 0
        ? pass([...environments], 'no unexplained difference')
        : fail(
            unexplained.flatMap((d) => Object.values(d.names).flat()),
            `${unexplained.length} unexplained: ${unexplained.map(describeDifference).join('; ')}`,
          );
    },
  },
  {
    id: 'operations/owner-tags',
    category: 'operations',
    weight: 1,
    title: 'Stateful resources carry the owner tag (who to call)',
    evaluate: (c) =>
      everyItem(
        [...databases(c.stack), ...dataBuckets(c).map((id) => [id, c.stack.resources[id]] as const)].map(([id, r]) => ({
          resource: ref(c.stack, id),
          problem:
            resourceTags(r).owner === c.config.service.owner ? undefined : `has no owner tag ${c.config.service.owner}`,
        })),
        'stateful resources',
      ),
  },
];

/** The catalogue, category by category. */
export const READINESS_CHECKS: readonly ReadinessCheck[] = [
  ...monitoring,
  ...runbooks,
  ...deployment,
  ...backup,
  ...disasterRecovery,
  ...security,
  ...cost,
  ...operations,
];
