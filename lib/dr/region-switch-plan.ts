import { ArnFormat, Duration, IResolvable, Stack, Tokenization, Validations } from 'aws-cdk-lib';
import * as arcregionswitch from 'aws-cdk-lib/aws-arcregionswitch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DrConfig, EnvironmentConfig, ServiceConfig } from '../../config';
import { BulwarkFunction } from '../common/bulwark-function';
import { Naming } from '../common/naming';
import { hostedZoneArn } from '../common/route53-arns';
import { DataProtection } from '../common/protection';
import { switchParameterName } from '../killswitch/kill-switch-settings';
import { DATABASE_ENGINE } from '../data/database';
import { BlueGreenService, serviceBaseName } from '../service/blue-green-service';
import { failoverSetIdentifier } from './failover-record';

/** The CloudFormation type, for tests and the resilience report. */
export const REGION_SWITCH_PLAN_TYPE = 'AWS::ARCRegionSwitch::Plan';

/**
 * Step names: the report and the drill find steps by them, and an execution's events carry them.
 * Region switch runs a workflow's steps in order; a Parallel step runs its children together.
 */
export const PLAN_STEPS = {
  approval: 'approve-failover',
  customAction: 'freeze-and-notify',
  dataAndCompute: 'database-and-capacity',
  database: 'aurora-global-database',
  /** Aurora Serverless v2 ACU of the activated region's cluster, from the other's last 24 h. */
  databaseCapacity: 'aurora-serverless-capacity',
  /** Pilot light: the headless secondary's instance and the tasks, before the database can fail over. */
  standbyCompute: 'database-instance-and-tasks',
  databaseInstance: 'aurora-add-instance',
  capacity: 'ecs-capacity',
  dns: 'route53-failover-records',
} as const;

/**
 * Step timeouts (minutes): the bound of the automated path. A step that runs past its timeout stops the execution, and
 * the runbook's manual fallback applies (runbooks/dr-failover.md). The resilience report counts each step at this
 * bound, since AWS documents no duration for any execution block. Every block's TimeoutMinutes has a minimum of 1
 * and a default of 60 (AWS::ARCRegionSwitch::Plan, e.g.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/
 * aws-properties-arcregionswitch-plan-globalauroraconfiguration.html). Each bound below says why it is what it is;
 * none was chosen to meet a target.
 */
export const PLAN_STEP_TIMEOUT_MINUTES = {
  /**
   * A person approves within the P1 response target (config/operations.ts: P1 respondMinutes 15): the region-down
   * trigger pages P1, and whoever acknowledges it decides. Past that, the execution stops and the runbook applies.
   */
  approval: 15,
  /**
   * The function's own timeout is 1 minute and the block retries every minute (retryIntervalMinutes): one retry,
   * then the bookkeeping gives up. It runs beside the database step, so it never holds DNS back.
   */
  customAction: 2,
  /**
   * "For Aurora Global Database, RTO can be in the order of minutes" (Using switchover or failover in Amazon Aurora
   * Global Database, https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-
   * recovery.html): a typical figure, not a bound. We read "order of minutes" as under 10; a switchover or failover
   * still running after 10 minutes is not the documented behaviour, and the manual failover the runbook gives
   * (FailoverGlobalCluster, or detach and promote) is the better path from then on.
   */
  database: 10,
  /**
   * Assumption: AWS documents no duration for the Aurora Serverless Scaling block
   * (https://docs.aws.amazon.com/r53recovery/latest/dg/aurora-serverless-scaling-block.html); a capacity change of
   * a Serverless v2 cluster is an online modification. It runs beside the database step, with the same bound.
   */
  databaseCapacity: 10,
  /**
   * Assumption: AWS documents no duration for creating a db.serverless instance in a headless secondary; a bound of
   * our choosing (pilot light only).
   */
  databaseInstance: 20,
  /**
   * The ECS block waits until the activated region runs the target percentage of the source's tasks before the next
   * step (https://docs.aws.amazon.com/r53recovery/latest/dg/ecs-service-scaling-block.html). Assumption: AWS
   * documents no time for Fargate tasks to start and pass the load balancer's health check; 15 minutes covers image
   * pulls and the health check's grace period with room. It gates DNS only in a pilot light, whose tasks start from
   * zero; a warm standby's tasks already serve, so there it runs after DNS (see the workflow below).
   */
  capacity: 15,
  /**
   * The Route 53 health check block only changes the state of health checks the plan owns
   * (https://docs.aws.amazon.com/r53recovery/latest/dg/route53-health-check-block.html); no endpoint is probed.
   * Assumption: AWS documents no time for that state change to reach Route 53's name servers (for record changes the
   * API only reports PENDING until INSYNC, https://docs.aws.amazon.com/Route53/latest/APIReference/
   * API_ChangeResourceRecordSets.html). 2 minutes: a state change that takes longer is not the expected behaviour,
   * and the runbook's manual DNS fallback is then faster than waiting.
   */
  dns: 2,
} as const;

/** Step name -> the most that step may take, in seconds. */
export type StepBoundsSeconds = Readonly<Record<string, number>>;

/**
 * Every step of a workflow, a Parallel step's children included, with its bound. An execution event carries a
 * stepName and an executionBlockType that may be Parallel
 * (https://docs.aws.amazon.com/arc-region-switch/latest/api/API_ExecutionEvent.html); assumption (AWS does not say
 * so in as many words): a child's events carry the child's own name, so every name gets a bound. The bound: a block's
 * timeoutMinutes (past it the step stops the execution, see PLAN_STEP_TIMEOUT_MINUTES), a Parallel step's its
 * slowest child's, since Region switch runs the children together. A block with no timeoutMinutes would fall back on
 * the CloudFormation default (60, cited at PLAN_STEP_TIMEOUT_MINUTES); every block here sets one, so its absence is
 * an error rather than a silent 60. A name held twice with different bounds is an error too: a measurement by name
 * could not tell them apart.
 */
export function planStepBoundsSeconds(
  steps: ReadonlyArray<arcregionswitch.CfnPlan.StepProperty | IResolvable> | IResolvable | undefined,
): StepBoundsSeconds {
  const bounds: Record<string, number> = {};
  const record = (name: string, seconds: number) => {
    if (bounds[name] !== undefined && bounds[name] !== seconds)
      throw new Error(`plan step ${name} appears twice with different bounds (${bounds[name]} s, ${seconds} s)`);
    bounds[name] = seconds;
  };
  const walk = (step: arcregionswitch.CfnPlan.StepProperty | IResolvable): number => {
    if (Tokenization.isResolvable(step)) throw new Error('a Region switch plan step is a token: its bound is unknown');
    const configuration = step.executionBlockConfiguration;
    if (Tokenization.isResolvable(configuration)) throw new Error(`plan step ${step.name}: its block is a token`);
    let seconds: number;
    if (step.executionBlockType === 'Parallel') {
      const parallel = configuration.parallelConfig;
      if (
        !parallel ||
        Tokenization.isResolvable(parallel) ||
        Tokenization.isResolvable(parallel.steps) ||
        parallel.steps.length === 0
      )
        throw new Error(`plan step ${step.name}: a Parallel step without its children`);
      seconds = Math.max(...parallel.steps.map(walk));
    } else {
      const blocks = Object.values(configuration).filter((block) => block !== undefined) as Array<{
        timeoutMinutes?: unknown;
      }>;
      const timeoutMinutes = blocks.length === 1 ? blocks[0].timeoutMinutes : undefined;
      if (typeof timeoutMinutes !== 'number')
        throw new Error(`plan step ${step.name} (${step.executionBlockType}) sets no timeoutMinutes`);
      seconds = timeoutMinutes * 60;
    }
    record(step.name, seconds);
    return seconds;
  };
  if (Tokenization.isResolvable(steps)) throw new Error('the workflow steps are a token: their bounds are unknown');
  (steps ?? []).forEach(walk);
  return bounds;
}

const PLAN_ARN_PATTERN_REASON =
  'The plan ARN ends in a suffix Region switch generates (plan/<name>:<6 characters>); ' +
  'the pattern names this plan only.';

interface EcsServiceRef {
  readonly clusterArn: string;
  readonly serviceArn: string;
}

/** Minutes between two automatic executions by the trigger: a flapping alarm cannot start a second switch. */
export const TRIGGER_MIN_DELAY_MINUTES = 60;

/**
 * The plan's name (`orders-dr-switch`). Region switch names are 1-32 letters, digits and dashes
 * (AWS::ARCRegionSwitch::Plan Name, the CloudFormation template reference above).
 */
export function regionSwitchPlanName(drNaming: Naming): string {
  return drNaming.resource('switch');
}

/**
 * Whether a region-down trigger may run the failover with no one approving it: the config's
 * `dr.automaticFailover`, by default on for a tier 1 warm standby (the database is a live global secondary
 * and tasks already run, so a switch is minutes) and off otherwise.
 */
export function automaticFailover(
  primary: Pick<EnvironmentConfig, 'tier'> & { readonly dr: Pick<DrConfig, 'standbyMode' | 'automaticFailover'> },
): boolean {
  return primary.dr.automaticFailover ?? (primary.tier === 1 && primary.dr.standbyMode === 'warm-standby');
}

/**
 * The Aurora global database the plan switches: the identifiers are deterministic, so DrRegion names them
 * before Prod creates them.
 */
export interface PlanGlobalDatabase {
  readonly globalClusterIdentifier: string;
  readonly primaryClusterIdentifier: string;
  readonly secondaryClusterIdentifier: string;
  /**
   * A headless secondary (pilot light): the failover first adds this instance, since "before you can perform a
   * switchover or failover to a headless secondary Aurora DB cluster, you must add a DB instance to it"
   * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html).
   */
  readonly headless?: { readonly instanceIdentifier: string; readonly engine: string; readonly keyArn: string };
}

export interface RegionSwitchPlanProps {
  /** DrRegion's naming (`orders-dr-...`). */
  readonly naming: Naming;
  /** The primary environment's naming (`orders-prod-...`): its service, cluster and freeze switch names. */
  readonly primaryNaming: Naming;
  readonly protection: DataProtection;
  readonly service: Pick<ServiceConfig, 'name' | 'domainName' | 'hostedZoneId'>;
  readonly primary: Pick<EnvironmentConfig, 'name' | 'region' | 'account' | 'tier' | 'targets'> & {
    readonly dr: DrConfig;
  };
  /** The standby service in this stack (DrRegion). */
  readonly standby: BlueGreenService;
  /** Absent in a pilot light without a global secondary: the plan then has no database step. */
  readonly globalDatabase?: PlanGlobalDatabase;
  /**
   * ARNs of the alarms whose ALARM state starts the failover to this region: region-down P1s, ideally
   * seen from outside the failing region. Each becomes a trigger of its own (any one fires).
   */
  readonly triggerAlarmArns: readonly string[];
  /** DrRegion's P2 topic: the custom action's notice goes out from the region that survives. */
  readonly noticeTopic: sns.ITopic;
  /** The key the notice topic is encrypted with. */
  readonly noticeTopicKey: kms.IKey;
}

/**
 * The ARC Region switch plan that moves Prod to DrRegion and back (active/passive), in DrRegion because
 * the plan must stay manageable when Prod's region is down (CloudFormation there cannot update Prod's
 * stack then), its trigger alarm belongs outside the failing region, and the drill here reads it. Prod's
 * resources are named, not referenced (DrRegion deploys first): until Prod exists, plan evaluation warns.
 *
 * Activate DrRegion (warm standby): [approval, unless automatic] -> in parallel, deploy freeze and P2 notice, the
 * Aurora global database (switchover when graceful, failover when ungraceful) and its Serverless capacity -> the
 * Route 53 health checks the plan owns, which move the live failover records -> the standby's ECS capacity to
 * Prod's (its tasks already serve). A pilot light first adds the headless secondary's instance and starts the
 * tasks (beside the freeze), then fails the database over, then moves DNS. The other
 * workflow activates Prod again (failback), planned, without approval. Execution blocks:
 * https://docs.aws.amazon.com/r53recovery/latest/dg/working-with-rs-execution-blocks.html
 */
export class RegionSwitchPlan extends Construct {
  readonly plan: arcregionswitch.CfnPlan;
  readonly executionRole: iam.Role;
  /** The role whose principals approve the manual step (only when the failover is not automatic). */
  readonly approvalRole?: iam.Role;
  readonly customAction: BulwarkFunction;
  /** Pilot light only: the step that adds the headless secondary's instance. */
  readonly databaseInstanceAction?: BulwarkFunction;
  readonly automatic: boolean;
  readonly planName: string;
  /**
   * Per workflow, each step's bound in seconds as the plan holds it (planStepBoundsSeconds): `failover` activates
   * DrRegion, `failback` activates the primary Region. The switchover drill judges each leg's steps against these.
   */
  readonly stepBoundsSeconds: { readonly failover: StepBoundsSeconds; readonly failback: StepBoundsSeconds };

  constructor(scope: Construct, id: string, props: RegionSwitchPlanProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { primary, naming, primaryNaming } = props;
    const drRegion = primary.dr.region;
    this.planName = regionSwitchPlanName(naming);
    if (!/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$/.test(this.planName)) {
      throw new Error(
        `the Region switch plan name ${this.planName} (from service.name ${props.service.name}) is not 1-32 ` +
          'letters, digits and dashes; shorten service.name',
      );
    }
    this.automatic = automaticFailover(primary);

    const inPrimary = (service: string, resource: string, resourceName: string) =>
      stack.formatArn({
        service,
        region: primary.region,
        account: primary.account,
        resource,
        resourceName,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    const primaryBase = serviceBaseName(primaryNaming);
    const primaryService = {
      clusterArn: inPrimary('ecs', 'cluster', primaryBase),
      serviceArn: inPrimary('ecs', 'service', `${primaryBase}/${primaryBase}`),
    };
    const standbyService = {
      clusterArn: props.standby.cluster.clusterArn,
      serviceArn: props.standby.service.serviceArn,
    };

    // ------------------------------------------------------------------ custom action (what no block does)
    const freezeParameterName = switchParameterName(primaryNaming, 'deploy-freeze');
    this.customAction = new BulwarkFunction(this, 'CustomAction', {
      lambdaName: 'region-switch-action',
      description: `Region switch step ${PLAN_STEPS.customAction}: turns ${primary.name}'s deploy freeze on and sends a P2 notice`,
      protection: props.protection,
      timeout: Duration.minutes(1),
      environment: {
        REGION_SWITCH_ACTION_SETTINGS: stack.toJsonString({
          environment: primary.name,
          freezeParameterName,
          freezeParameterRegion: primary.region,
          noticeTopicArn: props.noticeTopic.topicArn,
        }),
      },
    });
    const freezeArn = inPrimary('ssm', 'parameter', freezeParameterName.replace(/^\//, ''));
    const allow = (actions: string[], resources: string[]) =>
      this.customAction.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
    allow(['ssm:GetParameter', 'ssm:PutParameter'], [freezeArn]);
    // Publishing to an SSE-KMS topic needs kms:GenerateDataKey and kms:Decrypt on its key
    // (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#sns-what-permissions-for-sse);
    // named actions, no wildcard.
    allow(['sns:Publish'], [props.noticeTopic.topicArn]);
    allow(['kms:GenerateDataKey', 'kms:Decrypt'], [props.noticeTopicKey.keyArn]);

    // --------------------------------------------------------------------------------------- execution role
    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      roleName: naming.resource('switch-execution'),
      description: `Assumed by ARC Region switch to run ${this.planName} (evaluation, triggers, execution blocks)`,
      // The trust policy AWS documents for a plan's execution role:
      // https://docs.aws.amazon.com/r53recovery/latest/dg/security_iam_region_switch_trust_policy.html
      assumedBy: new iam.ServicePrincipal('arc-region-switch.amazonaws.com'),
    });
    const planArnPattern = stack.formatArn({
      service: 'arc-region-switch',
      region: '',
      resource: 'plan',
      resourceName: `${this.planName}:*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.grantExecution(props, { primaryService, standbyService, planArnPattern });

    // ---------------------------------------------------------------------------------------- approval
    if (!this.automatic) {
      // Whoever may assume this role approves (or declines) the failover step. Manual approval block:
      // https://docs.aws.amazon.com/r53recovery/latest/dg/manual-approval-block.html; the action:
      // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonarcregionswitch.html
      this.approvalRole = new iam.Role(this, 'ApprovalRole', {
        roleName: naming.resource('switch-approver'),
        description: `Approves the failover step of ${this.planName} (assume it from the console or CLI, then approve)`,
        assumedBy: new iam.AccountRootPrincipal(),
        maxSessionDuration: Duration.hours(1),
      });
      this.approvalRole.addToPolicy(
        new iam.PolicyStatement({
          actions: [
            'arc-region-switch:ApprovePlanExecutionStep',
            'arc-region-switch:GetPlanExecution',
            'arc-region-switch:ListPlanExecutionEvents',
          ],
          resources: [planArnPattern],
        }),
      );
      Validations.of(this.approvalRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${planArnPattern}]`,
        reason: PLAN_ARN_PATTERN_REASON,
      });
    }

    // ------------------------------------------------------------------------------------------- steps
    type Step = arcregionswitch.CfnPlan.StepProperty;
    const lambdaStep = (regionToRun: 'activatingRegion' | 'deactivatingRegion', targetRegion: string): Step => ({
      name: PLAN_STEPS.customAction,
      description: `Deploy freeze on in ${primary.name}, P2 notice (lambdas/region-switch-action)`,
      executionBlockType: 'CustomActionLambda',
      executionBlockConfiguration: {
        customActionLambdaConfig: {
          lambdas: [
            { arn: this.customAction.functionArn, payload: JSON.stringify({ action: 'activate', targetRegion }) },
          ],
          // The function lives in DrRegion: activating DrRegion runs it there, and so does failback
          // (DrRegion is then the deactivating region).
          regionToRun,
          retryIntervalMinutes: 1,
          timeoutMinutes: PLAN_STEP_TIMEOUT_MINUTES.customAction,
          // An outage: the bookkeeping never holds the recovery back (the handler does not throw on AWS faults either).
          ungraceful: { behavior: 'skip' },
        },
      },
    });
    const rdsArn = rdsArnIn(stack, primary.account);
    const databaseStep = (ungracefulFailover: boolean): arcregionswitch.CfnPlan.StepProperty[] => {
      const db = props.globalDatabase;
      if (!db) return [];
      const clusterArn = (region: string, identifier: string) => rdsArn(region, 'cluster', identifier);
      return [
        {
          name: PLAN_STEPS.database,
          description: ungracefulFailover
            ? 'Aurora global database: switchover (no data loss) when graceful, failover when ungraceful (an outage)'
            : 'Aurora global database: switchover back to the primary region (planned, no data loss)',
          executionBlockType: 'AuroraGlobalDatabase',
          executionBlockConfiguration: {
            globalAuroraConfig: {
              // switchoverOnly: SwitchoverGlobalCluster when graceful; ungraceful failover: FailoverGlobalCluster with
              // AllowDataLoss
              // (https://docs.aws.amazon.com/arc-region-switch/latest/api/API_GlobalAuroraConfiguration.html).
              behavior: 'switchoverOnly',
              globalClusterIdentifier: db.globalClusterIdentifier,
              databaseClusterArns: [
                clusterArn(primary.region, db.primaryClusterIdentifier),
                clusterArn(drRegion, db.secondaryClusterIdentifier),
              ],
              timeoutMinutes: PLAN_STEP_TIMEOUT_MINUTES.database,
              ...(ungracefulFailover ? { ungraceful: { ungraceful: 'failover' } } : {}),
            },
          },
        },
      ];
    };
    const capacityStep: arcregionswitch.CfnPlan.StepProperty = {
      name: PLAN_STEPS.capacity,
      description: 'ECS tasks in the activated region to 100 % of what the other region ran (sampled max, last 24 h)',
      executionBlockType: 'ECSServiceScaling',
      executionBlockConfiguration: {
        ecsCapacityIncreaseConfig: {
          services: [primaryService, standbyService],
          targetPercent: 100,
          capacityMonitoringApproach: 'sampledMaxInLast24Hours',
          timeoutMinutes: PLAN_STEP_TIMEOUT_MINUTES.capacity,
        },
      },
    };
    // Aurora Serverless v2 capacity of the activated region's cluster: min/max ACU from the other cluster's peak of
    // the last 24 h (https://docs.aws.amazon.com/r53recovery/latest/dg/aurora-serverless-scaling-block.html).
    const databaseCapacityStep = (): arcregionswitch.CfnPlan.StepProperty[] => {
      const db = props.globalDatabase;
      if (!db) return [];
      return [
        {
          name: PLAN_STEPS.databaseCapacity,
          description:
            "Aurora Serverless v2 ACU of the activated region's cluster to the other's peak of the last 24 h",
          executionBlockType: 'AuroraServerlessScaling',
          executionBlockConfiguration: {
            auroraServerlessScalingConfig: {
              globalClusterIdentifier: db.globalClusterIdentifier,
              regionDatabaseClusterArns: {
                [primary.region]: rdsArn(primary.region, 'cluster', db.primaryClusterIdentifier),
                [drRegion]: rdsArn(drRegion, 'cluster', db.secondaryClusterIdentifier),
              },
              targetPercent: 100,
              timeoutMinutes: PLAN_STEP_TIMEOUT_MINUTES.databaseCapacity,
            },
          },
        },
      ];
    };
    const headless = props.globalDatabase?.headless;
    if (headless) {
      this.databaseInstanceAction = new BulwarkFunction(this, 'DatabaseInstanceAction', {
        lambdaName: 'region-switch-db-instance',
        description:
          `Region switch step ${PLAN_STEPS.databaseInstance}: adds ${headless.instanceIdentifier} to the headless ` +
          `secondary ${props.globalDatabase!.secondaryClusterIdentifier} before the failover`,
        protection: props.protection,
        timeout: Duration.minutes(1),
        environment: {
          DB_INSTANCE_STEP_SETTINGS: stack.toJsonString({
            clusterIdentifier: props.globalDatabase!.secondaryClusterIdentifier,
            instanceIdentifier: headless.instanceIdentifier,
            engine: headless.engine,
            kmsKeyArn: headless.keyArn,
            tags: { service: props.service.name, environment: 'DrRegion', 'standby-for': primary.name },
          }),
        },
      });
      this.grantDatabaseInstance(props.globalDatabase!, headless);
    }
    const databaseInstanceStep = (fn: BulwarkFunction): arcregionswitch.CfnPlan.StepProperty => ({
      name: PLAN_STEPS.databaseInstance,
      description: 'The headless secondary gets its db.serverless instance (lambdas/region-switch-db-instance)',
      executionBlockType: 'CustomActionLambda',
      executionBlockConfiguration: {
        customActionLambdaConfig: {
          lambdas: [{ arn: fn.functionArn, payload: JSON.stringify({ action: 'add-database-instance' }) }],
          regionToRun: 'activatingRegion',
          // The function fails while the instance is not yet available; Region switch runs it again after this.
          retryIntervalMinutes: 1,
          timeoutMinutes: PLAN_STEP_TIMEOUT_MINUTES.databaseInstance,
        },
      },
    });
    const parallel = (name: string, description: string, steps: arcregionswitch.CfnPlan.StepProperty[]) => ({
      name,
      description,
      executionBlockType: 'Parallel',
      executionBlockConfiguration: { parallelConfig: { steps } },
    });
    const dnsStep: arcregionswitch.CfnPlan.StepProperty = {
      name: PLAN_STEPS.dns,
      description:
        'Route 53 health checks owned by the plan: the live failover records move only here, ' +
        'after the database takes writes',
      executionBlockType: 'Route53HealthCheck',
      executionBlockConfiguration: {
        route53HealthCheckConfig: {
          hostedZoneId: props.service.hostedZoneId,
          recordName: props.service.domainName,
          recordSets: [
            { recordSetIdentifier: failoverSetIdentifier(props.service.name, 'PRIMARY'), region: primary.region },
            { recordSetIdentifier: failoverSetIdentifier(props.service.name, 'SECONDARY'), region: drRegion },
          ],
          timeoutMinutes: PLAN_STEP_TIMEOUT_MINUTES.dns,
        },
      },
    };
    // What gates DNS, and what need not. The freeze and the P2 notice never gate it: they run beside the database
    // step. A warm standby's tasks already run behind its load balancer (and its ECS block would wait for 100 % of
    // Prod's sampled task count before the next step: ecs-service-scaling-block.html above), so its capacity step
    // runs after DNS: users reach the standby as soon as the database takes writes, at the standby's running
    // capacity, while ECS scales it to Prod's. (The block's ungraceful MinimumSuccessPercentage, 0-99, would let an
    // ungraceful execution go on at a share of the target, https://docs.aws.amazon.com/AWSCloudFormation/latest/
    // TemplateReference/aws-properties-arcregionswitch-plan-ecsungraceful.html, but a graceful run still waits for
    // 100 %; after DNS, neither waits.) A pilot light's tasks start from zero, so there capacity gates DNS:
    // the instance and the tasks first, then the database (it cannot fail over to a headless cluster) with its ACU.
    // Failback is planned: everything comes up before DNS moves back.
    const warmStandby = primary.dr.standbyMode === 'warm-standby';
    const failoverSteps = (): arcregionswitch.CfnPlan.StepProperty[] => {
      const freeze = lambdaStep('activatingRegion', drRegion);
      if (this.databaseInstanceAction) {
        return [
          parallel(PLAN_STEPS.standbyCompute, 'The headless secondary gets its instance while the tasks start', [
            freeze,
            databaseInstanceStep(this.databaseInstanceAction),
            capacityStep,
          ]),
          parallel(PLAN_STEPS.dataAndCompute, 'The database fails over and scales; DNS waits for both', [
            ...databaseStep(true),
            ...databaseCapacityStep(),
          ]),
          dnsStep,
        ];
      }
      if (warmStandby) {
        return [
          parallel(PLAN_STEPS.dataAndCompute, 'The database fails over and scales beside the freeze; DNS waits', [
            freeze,
            ...databaseStep(true),
            ...databaseCapacityStep(),
          ]),
          dnsStep,
          capacityStep,
        ];
      }
      return [
        parallel(PLAN_STEPS.dataAndCompute, 'The database and the compute come up together; DNS waits for both', [
          freeze,
          ...databaseStep(true),
          ...databaseCapacityStep(),
          capacityStep,
        ]),
        dnsStep,
      ];
    };
    const failbackSteps = (): arcregionswitch.CfnPlan.StepProperty[] => [
      parallel(PLAN_STEPS.dataAndCompute, 'The database and the compute come up together; DNS waits for both', [
        lambdaStep('deactivatingRegion', primary.region),
        ...databaseStep(false),
        ...databaseCapacityStep(),
        capacityStep,
      ]),
      dnsStep,
    ];
    const approvalStep: arcregionswitch.CfnPlan.StepProperty[] = this.approvalRole
      ? [
          {
            name: PLAN_STEPS.approval,
            description:
              'dr.automaticFailover is off: a person approves before anything moves ' +
              `(role ${naming.resource('switch-approver')})`,
            executionBlockType: 'ManualApproval',
            executionBlockConfiguration: {
              executionApprovalConfig: {
                approvalRole: this.approvalRole.roleArn,
                timeoutMinutes: PLAN_STEP_TIMEOUT_MINUTES.approval,
              },
            },
          },
        ]
      : [];

    // --------------------------------------------------------------------------------------- triggers
    const associatedAlarms: Record<string, arcregionswitch.CfnPlan.AssociatedAlarmProperty> = {};
    const triggers: arcregionswitch.CfnPlan.TriggerProperty[] = [];
    props.triggerAlarmArns.forEach((alarmArn, i) => {
      const key = `region-down-${i + 1}`;
      associatedAlarms[key] = { alarmType: 'trigger', resourceIdentifier: alarmArn };
      triggers.push({
        description:
          `Fail over to ${drRegion} when ${key} is in ALARM` +
          (this.automatic ? '' : ' (the first step waits for approval)'),
        action: 'activate',
        targetRegion: drRegion,
        // "red" is ALARM (AlarmCondition red | green in the resource schema).
        conditions: [{ associatedAlarmName: key, condition: 'red' }],
        minDelayMinutesBetweenExecutions: TRIGGER_MIN_DELAY_MINUTES,
      });
    });

    this.plan = new arcregionswitch.CfnPlan(this, 'Plan', {
      name: this.planName,
      description: `${props.service.name}: fail ${primary.name} (${primary.region}) over to its standby in ${drRegion} and back`,
      executionRole: this.executionRole.roleArn,
      recoveryApproach: 'activePassive',
      primaryRegion: primary.region,
      regions: [primary.region, drRegion],
      recoveryTimeObjectiveMinutes: primary.targets.rtoMinutes,
      workflows: [
        {
          workflowTargetAction: 'activate',
          workflowTargetRegion: drRegion,
          workflowDescription: `Fail over to ${drRegion} (${primary.dr.standbyMode})`,
          steps: [...approvalStep, ...failoverSteps()],
        },
        {
          workflowTargetAction: 'activate',
          workflowTargetRegion: primary.region,
          workflowDescription: `Fail back to ${primary.region} (planned)`,
          steps: failbackSteps(),
        },
      ],
      ...(triggers.length > 0 ? { associatedAlarms, triggers } : {}),
    });
    // The role's policy must exist before Region switch evaluates the plan with it.
    this.plan.node.addDependency(this.executionRole);
    // Read back from the plan's own workflows, so the bounds cannot drift from the steps and timeouts above.
    const workflowTo = (region: string) => {
      const workflows = this.plan.workflows;
      if (Tokenization.isResolvable(workflows)) throw new Error('the Region switch plan workflows are a token');
      const found = workflows.find((w) => !Tokenization.isResolvable(w) && w.workflowTargetRegion === region);
      if (!found || Tokenization.isResolvable(found)) throw new Error(`the plan has no workflow to ${region}`);
      return found;
    };
    this.stepBoundsSeconds = {
      failover: planStepBoundsSeconds(workflowTo(drRegion).steps),
      failback: planStepBoundsSeconds(workflowTo(primary.region).steps),
    };
  }

  private grantExecution(
    props: RegionSwitchPlanProps,
    refs: { primaryService: EcsServiceRef; standbyService: EcsServiceRef; planArnPattern: string },
  ): void {
    const stack = Stack.of(this);
    const { primary } = props;
    const role = this.executionRole;
    const rdsArn = rdsArnIn(stack, primary.account);
    const add = (sid: string, actions: string[], resources: string[]) =>
      role.addToPolicy(new iam.PolicyStatement({ sid, actions, resources }));
    // Every statement follows AWS's sample policy for the block or purpose named in its sid:
    // https://docs.aws.amazon.com/r53recovery/latest/dg/security_iam_region_switch_execution_blocks.html
    // Base (security_iam_region_switch_complete_policy.html): the role checks itself, reads its plan.
    add('SimulateItself', ['iam:SimulatePrincipalPolicy'], [role.roleArn]);
    const planReads = [
      'arc-region-switch:GetPlan',
      'arc-region-switch:GetPlanExecution',
      'arc-region-switch:ListPlanExecutions',
    ];
    add('ReadThePlan', planReads, [refs.planArnPattern]);
    // ECS service scaling (security_iam_region_switch_ecs.html).
    const services = [refs.primaryService.serviceArn, refs.standbyService.serviceArn];
    add('ScaleTheServices', ['ecs:DescribeServices', 'ecs:UpdateService'], services);
    add('ReadTheClusters', ['ecs:DescribeClusters'], [refs.primaryService.clusterArn, refs.standbyService.clusterArn]);
    add(
      'FindServicesAndScaling',
      [
        'ecs:ListServices',
        'application-autoscaling:DescribeScalableTargets',
        'application-autoscaling:RegisterScalableTarget',
        'cloudwatch:GetMetricStatistics',
      ],
      ['*'],
    );
    // Route 53 health check block (security_iam_region_switch_route53.html).
    const zoneArn = hostedZoneArn(stack, props.service.hostedZoneId);
    add('ReadTheFailoverRecords', ['route53:ListResourceRecordSets'], [zoneArn]);
    // Custom action Lambda block (security_iam_region_switch_lambda.html).
    add('InvokeTheCustomAction', ['lambda:GetFunction', 'lambda:InvokeFunction'], [this.customAction.functionArn]);
    if (props.globalDatabase) {
      // Aurora Global Database block (security_iam_region_switch_aurora.html): Describe* on "*", the switch on
      // the three ARNs.
      const db = props.globalDatabase;
      add('ReadTheGlobalDatabase', ['rds:DescribeGlobalClusters', 'rds:DescribeDBClusters'], ['*']);
      add(
        'SwitchTheGlobalDatabase',
        ['rds:FailoverGlobalCluster', 'rds:SwitchoverGlobalCluster'],
        [
          rdsArn('', 'global-cluster', db.globalClusterIdentifier),
          rdsArn(primary.region, 'cluster', db.primaryClusterIdentifier),
          rdsArn(primary.dr.region, 'cluster', db.secondaryClusterIdentifier),
        ],
      );
    }
    if (props.globalDatabase) {
      // Aurora Serverless Scaling block (security_iam_region_switch_aurora_serverless_scaling.html): the change on
      // both clusters and their instances (identifiers start with the cluster's), GetMetricData and
      // DescribeInstanceTypes on "*".
      const db = props.globalDatabase;
      add(
        'ScaleTheServerlessCapacity',
        ['rds:DescribeDBInstances', 'rds:ModifyDBCluster', 'rds:RebootDBInstance'],
        [
          rdsArn(primary.region, 'cluster', db.primaryClusterIdentifier),
          rdsArn(primary.dr.region, 'cluster', db.secondaryClusterIdentifier),
          rdsArn(primary.region, 'db', `${db.primaryClusterIdentifier}*`),
          rdsArn(primary.dr.region, 'db', `${db.secondaryClusterIdentifier}*`),
        ],
      );
      add('ReadServerlessCapacity', ['cloudwatch:GetMetricData', 'ec2:DescribeInstanceTypes'], ['*']);
      for (const [region, cluster] of [
        [primary.region, db.primaryClusterIdentifier],
        [primary.dr.region, db.secondaryClusterIdentifier],
      ])
        Validations.of(role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${rdsArn(region, 'db', `${cluster}*`)}]`,
          reason:
            'The Aurora Serverless Scaling block may reboot the instances of this cluster (AWS sample policy); ' +
            "Prod's instance identifiers are generated, so the pattern names the cluster's instances only.",
        });
    }
    // Triggers: Region switch reads the trigger alarms with this role (security_iam_region_switch_trust_policy.html);
    // cloudwatch:DescribeAlarms on the alarms is what AWS's sample for alarm reads names
    // (security_iam_region_switch_reports.html). Assumption to confirm on a real account: no other action is needed.
    if (props.triggerAlarmArns.length > 0) {
      add('ReadTheTriggerAlarms', ['cloudwatch:DescribeAlarms'], [...props.triggerAlarmArns]);
    }

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'AWS\'s sample policies for the ECS scaling and Aurora blocks name "*" for ecs:ListServices, ' +
        'application-autoscaling:DescribeScalableTargets/RegisterScalableTarget, cloudwatch:GetMetricStatistics and ' +
        'rds:Describe*: these list or read (RegisterScalableTarget only on targets ECS scaling needs), and the ' +
        "mutating calls (UpdateService, Switchover/FailoverGlobalCluster) are scoped to this service's ARNs.",
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${refs.planArnPattern}]`,
      reason: PLAN_ARN_PATTERN_REASON,
    });
  }

  /** The add-instance step: the plan invokes it; it describes and creates the one instance, with the DR key. */
  private grantDatabaseInstance(db: PlanGlobalDatabase, headless: NonNullable<PlanGlobalDatabase['headless']>): void {
    const fn = this.databaseInstanceAction!;
    const stack = Stack.of(this);
    const region = stack.region;
    const rdsArn = rdsArnIn(stack, stack.account);
    // Custom action Lambda block (security_iam_region_switch_lambda.html).
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeTheDatabaseInstanceStep',
        actions: ['lambda:GetFunction', 'lambda:InvokeFunction'],
        resources: [fn.functionArn],
      }),
    );
    const family = DATABASE_ENGINE.parameterGroupFamily ?? 'aurora-postgresql17';
    const majorVersion = DATABASE_ENGINE.engineVersion?.majorVersion ?? '17';
    const instanceArn = rdsArn(region, 'db', headless.instanceIdentifier);
    const clusterArn = rdsArn(region, 'cluster', db.secondaryClusterIdentifier);
    // CreateDBInstance names the instance, its cluster and the default parameter and option groups RDS attaches;
    // AddTagsToResource tags it at creation (Service Authorization Reference, list_amazonrds.html).
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['rds:CreateDBInstance', 'rds:AddTagsToResource'],
        resources: [
          instanceArn,
          clusterArn,
          rdsArn(region, 'pg', `default.${family}`),
          rdsArn(region, 'og', `default:aurora-postgresql-${majorVersion}`),
        ],
      }),
    );
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['rds:DescribeDBInstances'], resources: [instanceArn] }));
    // Performance Insights is encrypted with the DR key on the caller's behalf, as for the secondary itself.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [headless.keyArn],
      }),
    );
  }
}

/** `arn:<partition>:rds:<region>:<account>:<resource>:<name>` (RDS ARNs use ':' before the name). */
function rdsArnIn(stack: Stack, account: string): (region: string, resource: string, name: string) => string {
  return (region, resource, resourceName) =>
    stack.formatArn({
      service: 'rds',
      region,
      account,
      resource,
      resourceName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
}
