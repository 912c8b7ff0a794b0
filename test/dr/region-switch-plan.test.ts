import { Match, Template } from 'aws-cdk-lib/assertions';
import { validateConfig } from '../../config';
import { automaticFailover } from '../../lib/dr/region-switch-plan';
import { synthBulwark } from '../helpers/app';
import { withEnv } from '../helpers/config';

/** Default config: Prod tier 1 in us-east-1, warm standby in us-west-2, automatic failover by default. */
const bulwark = synthBulwark();
const drRegion = bulwark.template('DrRegion');

function planOf(template: Template): Record<string, unknown> {
  const plans = Object.values(template.findResources('AWS::ARCRegionSwitch::Plan'));
  expect(plans).toHaveLength(1);
  return (plans[0] as { Properties: Record<string, unknown> }).Properties;
}
type Step = {
  Name: string;
  ExecutionBlockType: string;
  ExecutionBlockConfiguration: Record<string, Record<string, unknown>>;
};
type Workflow = { WorkflowTargetRegion: string; WorkflowTargetAction: string; Steps: Step[] };

describe('ARC Region switch plan (default config)', () => {
  const plan = planOf(drRegion);
  const workflows = plan.Workflows as Workflow[];
  const failover = workflows.find((w) => w.WorkflowTargetRegion === 'us-west-2')!;
  const failback = workflows.find((w) => w.WorkflowTargetRegion === 'us-east-1')!;

  test('lives in DrRegion only, active/passive between Prod and its DR region, RTO from tier 1 (60 min)', () => {
    expect(plan).toMatchObject({
      Name: 'orders-dr-switch',
      RecoveryApproach: 'activePassive',
      PrimaryRegion: 'us-east-1',
      Regions: ['us-east-1', 'us-west-2'],
      RecoveryTimeObjectiveMinutes: 60,
    });
    for (const stack of ['Dev', 'Staging', 'Prod', 'Pipeline']) {
      bulwark.template(stack).resourceCountIs('AWS::ARCRegionSwitch::Plan', 0);
    }
  });

  const childrenOf = (step: Step) => step.ExecutionBlockConfiguration.ParallelConfig.Steps as Step[];
  /** A step of a workflow by name, at the top level or inside a Parallel step. */
  const stepNamed = (workflow: Workflow, name: string): Step =>
    workflow.Steps.flatMap((s) => (s.ExecutionBlockType === 'Parallel' ? [s, ...childrenOf(s)] : [s])).find(
      (s) => s.Name === name,
    )!;
  const failoverTimeouts = {
    'aurora-global-database': ['GlobalAuroraConfig', 10],
    'aurora-serverless-capacity': ['AuroraServerlessScalingConfig', 10],
    'freeze-and-notify': ['CustomActionLambdaConfig', 2],
    'ecs-capacity': ['EcsCapacityIncreaseConfig', 15],
    'route53-failover-records': ['Route53HealthCheckConfig', 2],
  } as const;

  test('failover: freeze beside the database and its ACU, then DNS, then the tasks to Prod size; no approval', () => {
    expect(failover.WorkflowTargetAction).toBe('activate');
    expect(failover.Steps.map((s) => [s.Name, s.ExecutionBlockType])).toEqual([
      ['database-and-capacity', 'Parallel'],
      ['route53-failover-records', 'Route53HealthCheck'],
      // The warm standby's tasks already serve: scaling them to Prod's count does not hold DNS back.
      ['ecs-capacity', 'ECSServiceScaling'],
    ]);
    expect(childrenOf(failover.Steps[0]).map((s) => [s.Name, s.ExecutionBlockType])).toEqual([
      ['freeze-and-notify', 'CustomActionLambda'],
      ['aurora-global-database', 'AuroraGlobalDatabase'],
      ['aurora-serverless-capacity', 'AuroraServerlessScaling'],
    ]);
  });

  test('failback is planned: freeze, database, ACU and tasks together, then DNS', () => {
    expect(failback.Steps.map((s) => s.Name)).toEqual(['database-and-capacity', 'route53-failover-records']);
    expect(childrenOf(failback.Steps[0]).map((s) => s.Name)).toEqual([
      'freeze-and-notify',
      'aurora-global-database',
      'aurora-serverless-capacity',
      'ecs-capacity',
    ]);
  });

  test('each step carries its bound (minutes): database 10, ACU 10, freeze 2, ECS 15, DNS 2, both ways', () => {
    for (const workflow of [failover, failback]) {
      for (const [name, [block, minutes]] of Object.entries(failoverTimeouts)) {
        const config = stepNamed(workflow, name).ExecutionBlockConfiguration[block] as { TimeoutMinutes: number };
        expect([name, config.TimeoutMinutes]).toEqual([name, minutes]);
      }
    }
  });

  test('the Aurora Serverless v2 block scales the activated cluster to 100 % of the other, both ways', () => {
    for (const workflow of [failover, failback]) {
      const step = stepNamed(workflow, 'aurora-serverless-capacity');
      expect(step.ExecutionBlockConfiguration.AuroraServerlessScalingConfig).toEqual({
        GlobalClusterIdentifier: 'orders-global',
        RegionDatabaseClusterArns: {
          'us-east-1': 'arn:aws:rds:us-east-1:333333333333:cluster:orders-prod-db',
          'us-west-2': 'arn:aws:rds:us-west-2:333333333333:cluster:orders-dr-db',
        },
        TargetPercent: 100,
        TimeoutMinutes: 10,
      });
    }
  });

  test('the database step switches over when graceful and fails over only when ungraceful, on both clusters', () => {
    expect(stepNamed(failover, 'aurora-global-database').ExecutionBlockConfiguration.GlobalAuroraConfig).toEqual({
      Behavior: 'switchoverOnly',
      Ungraceful: { Ungraceful: 'failover' },
      GlobalClusterIdentifier: 'orders-global',
      DatabaseClusterArns: [
        'arn:aws:rds:us-east-1:333333333333:cluster:orders-prod-db',
        'arn:aws:rds:us-west-2:333333333333:cluster:orders-dr-db',
      ],
      TimeoutMinutes: 10,
    });
    // Failback is planned: switchover only, never a data-losing failover.
    const back = stepNamed(failback, 'aurora-global-database');
    expect(back.ExecutionBlockConfiguration.GlobalAuroraConfig).not.toHaveProperty('Ungraceful');
  });

  test("the capacity step scales the standby's ECS service to 100 % of Prod's (and back)", () => {
    expect(stepNamed(failover, 'ecs-capacity').ExecutionBlockConfiguration.EcsCapacityIncreaseConfig).toMatchObject({
      TargetPercent: 100,
      Services: [
        {
          ClusterArn: 'arn:aws:ecs:us-east-1:333333333333:cluster/orders-prod',
          ServiceArn: 'arn:aws:ecs:us-east-1:333333333333:service/orders-prod/orders-prod',
        },
        {
          ClusterArn: { 'Fn::GetAtt': [expect.stringMatching(/^StandbyCluster/), 'Arn'] },
          ServiceArn: { Ref: expect.stringMatching(/^StandbyService/) },
        },
      ],
    });
  });

  test('the DNS step owns the live pair by its set identifiers, one per region', () => {
    const dns = stepNamed(failover, 'route53-failover-records');
    expect(dns.ExecutionBlockConfiguration.Route53HealthCheckConfig).toMatchObject({
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      RecordName: 'orders.example.com',
      RecordSets: [
        { RecordSetIdentifier: 'orders-primary', Region: 'us-east-1' },
        { RecordSetIdentifier: 'orders-secondary', Region: 'us-west-2' },
      ],
    });
  });

  test('the custom action runs in DrRegion both ways, is skipped in an outage, and gets the target region', () => {
    const lambda = (w: Workflow) =>
      stepNamed(w, 'freeze-and-notify').ExecutionBlockConfiguration.CustomActionLambdaConfig as Record<string, unknown>;
    expect(lambda(failover)).toMatchObject({ RegionToRun: 'activatingRegion', Ungraceful: { Behavior: 'skip' } });
    expect(lambda(failback)).toMatchObject({ RegionToRun: 'deactivatingRegion' });
    const [invoked] = lambda(failover).Lambdas as { Payload: string }[];
    expect(JSON.parse(invoked.Payload)).toEqual({ action: 'activate', targetRegion: 'us-west-2' });
  });

  test("the trigger is DrRegion's probe of the service's domain (region down, seen from us-west-2)", () => {
    type Associated = { AlarmType: string; ResourceIdentifier: { 'Fn::GetAtt': string[] } };
    const alarms = plan.AssociatedAlarms as Record<string, Associated>;
    expect(Object.keys(alarms)).toEqual(['region-down-1']);
    expect(alarms['region-down-1'].AlarmType).toBe('trigger');
    const [alarmId, attribute] = alarms['region-down-1'].ResourceIdentifier['Fn::GetAtt'];
    expect(attribute).toBe('Arn');
    // A DrRegion resource (so in us-west-2): the primary probe's alarm, runbook dr-primary-unhealthy.
    type Alarm = { Type: string; Properties: { AlarmName: string; AlarmDescription: string } };
    const alarm = drRegion.toJSON().Resources[alarmId] as Alarm;
    expect(alarm.Type).toBe('AWS::CloudWatch::Alarm');
    expect(alarm.Properties.AlarmName).toMatch(/^orders-dr-primary-probe/);
    expect(alarm.Properties.AlarmDescription).toMatch(/dr-primary-unhealthy/);
    expect(plan.Triggers).toEqual([
      expect.objectContaining({
        Action: 'activate',
        TargetRegion: 'us-west-2',
        Conditions: [{ AssociatedAlarmName: 'region-down-1', Condition: 'red' }],
        MinDelayMinutesBetweenExecutions: 60,
      }),
    ]);
  });

  test('the execution role is assumed by Region switch only and may switch only this global database', () => {
    drRegion.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'orders-dr-switch-execution',
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({ Principal: { Service: 'arc-region-switch.amazonaws.com' }, Action: 'sts:AssumeRole' }),
        ],
      },
    });
    type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };
    type Policy = { Properties: { PolicyDocument: { Statement: Statement[] } } };
    const ofRole = { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^RegionSwitchExecutionRole') }] } };
    const policies = Object.values(drRegion.findResources('AWS::IAM::Policy', ofRole)) as Policy[];
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    const switchStatement = statements.find((s) => s.Sid === 'SwitchTheGlobalDatabase');
    expect(switchStatement?.Resource).toEqual([
      'arn:aws:rds::333333333333:global-cluster:orders-global',
      'arn:aws:rds:us-east-1:333333333333:cluster:orders-prod-db',
      'arn:aws:rds:us-west-2:333333333333:cluster:orders-dr-db',
    ]);
    // Nothing mutating on "*".
    const onStar = statements.filter((s) => s.Resource === '*').flatMap((s) => [s.Action].flat());
    expect(onStar.sort()).toEqual([
      'application-autoscaling:DescribeScalableTargets',
      'application-autoscaling:RegisterScalableTarget',
      'cloudwatch:GetMetricData',
      'cloudwatch:GetMetricStatistics',
      'ec2:DescribeInstanceTypes',
      'ecs:ListServices',
      'rds:DescribeDBClusters',
      'rds:DescribeGlobalClusters',
    ]);
    // Aurora Serverless Scaling (AWS's sample policy): the ACU change and a reboot on these clusters only.
    expect(statements.find((s) => s.Sid === 'ScaleTheServerlessCapacity')).toMatchObject({
      Action: ['rds:DescribeDBInstances', 'rds:ModifyDBCluster', 'rds:RebootDBInstance'],
      Resource: [
        'arn:aws:rds:us-east-1:333333333333:cluster:orders-prod-db',
        'arn:aws:rds:us-east-1:333333333333:db:orders-prod-db*',
        'arn:aws:rds:us-west-2:333333333333:cluster:orders-dr-db',
        'arn:aws:rds:us-west-2:333333333333:db:orders-dr-db*',
      ],
    });
    expect(statements.find((s) => s.Sid === 'ReadTheTriggerAlarms')?.Resource).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^ProbesPrimaryProbe/), 'Arn'],
    });
  });

  test("the custom action may only read and write Prod's deploy-freeze switch and publish DrRegion's P2", () => {
    const settings = { Environment: { Variables: { REGION_SWITCH_ACTION_SETTINGS: Match.anyValue() } } };
    const fn = drRegion.findResources('AWS::Lambda::Function', { Properties: settings });
    expect(Object.keys(fn)).toHaveLength(1);
    drRegion.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['ssm:GetParameter', 'ssm:PutParameter'],
            Resource: 'arn:aws:ssm:us-east-1:333333333333:parameter/orders/prod/switches/deploy-freeze',
          }),
        ]),
      },
    });
  });
});

describe('dr.automaticFailover', () => {
  test('defaults: on for a tier 1 warm standby, off for a pilot light or a lower tier', () => {
    expect(automaticFailover({ tier: 1, dr: { standbyMode: 'warm-standby' } })).toBe(true);
    expect(automaticFailover({ tier: 1, dr: { standbyMode: 'pilot-light' } })).toBe(false);
    expect(automaticFailover({ tier: 2, dr: { standbyMode: 'warm-standby' } })).toBe(false);
    expect(automaticFailover({ tier: 1, dr: { standbyMode: 'warm-standby', automaticFailover: false } })).toBe(false);
  });

  test('off: the failover workflow starts with a manual approval by the approver role; failback has none', () => {
    const manual = synthBulwark(
      validateConfig(
        withEnv('Prod', (env) => {
          env.dr!.automaticFailover = false;
        }),
      ),
    );
    const template = manual.template('DrRegion');
    const workflows = planOf(template).Workflows as Workflow[];
    const failover = workflows.find((w) => w.WorkflowTargetRegion === 'us-west-2')!;
    expect(failover.Steps.map((s) => s.Name)).toEqual([
      'approve-failover',
      'database-and-capacity',
      'route53-failover-records',
      'ecs-capacity',
    ]);
    type Approval = { ApprovalRole: { 'Fn::GetAtt': string[] }; TimeoutMinutes: number };
    const approval = failover.Steps[0].ExecutionBlockConfiguration.ExecutionApprovalConfig as Approval;
    // The P1 response target (config/operations.ts): whoever acknowledges the region-down P1 decides.
    expect(approval.TimeoutMinutes).toBe(15);
    expect(approval.ApprovalRole['Fn::GetAtt'][0]).toMatch(/^RegionSwitchApprovalRole/);
    const failback = workflows.find((w) => w.WorkflowTargetRegion === 'us-east-1')!;
    expect(failback.Steps.map((s) => s.Name)).not.toContain('approve-failover');
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'orders-dr-switch-approver' });
  });
});

describe('pilot light: the headless secondary gets its instance before the database fails over', () => {
  const pilot = synthBulwark(
    validateConfig(
      withEnv('Prod', (env) => {
        env.dr!.standbyMode = 'pilot-light';
      }),
    ),
  );
  const template = pilot.template('DrRegion');
  const workflows = planOf(template).Workflows as Workflow[];
  const failover = workflows.find((w) => w.WorkflowTargetRegion === 'us-west-2')!;
  const failback = workflows.find((w) => w.WorkflowTargetRegion === 'us-east-1')!;
  const children = (step: Step) =>
    (step.ExecutionBlockConfiguration.ParallelConfig.Steps as Step[]).map((s) => [s.Name, s.ExecutionBlockType]);

  test('approval, [freeze + instance + tasks], [database + ACU], DNS: no failover to a headless cluster', () => {
    expect(failover.Steps.map((s) => s.Name)).toEqual([
      'approve-failover',
      'database-instance-and-tasks',
      'database-and-capacity',
      'route53-failover-records',
    ]);
    // The tasks start from zero, so capacity gates DNS here; the freeze runs beside them.
    expect(children(failover.Steps[1])).toEqual([
      ['freeze-and-notify', 'CustomActionLambda'],
      ['aurora-add-instance', 'CustomActionLambda'],
      ['ecs-capacity', 'ECSServiceScaling'],
    ]);
    expect(children(failover.Steps[2])).toEqual([
      ['aurora-global-database', 'AuroraGlobalDatabase'],
      ['aurora-serverless-capacity', 'AuroraServerlessScaling'],
    ]);
    // Failback goes to Prod's cluster, which has its instances: no add-instance step.
    expect(failback.Steps.map((s) => s.Name)).toEqual(['database-and-capacity', 'route53-failover-records']);
  });

  test('the add-instance step retries every minute for at most 20 min, in the activating region', () => {
    const step = (failover.Steps[1].ExecutionBlockConfiguration.ParallelConfig.Steps as Step[])[1];
    const config = step.ExecutionBlockConfiguration.CustomActionLambdaConfig as Record<string, unknown>;
    expect(config).toMatchObject({ RegionToRun: 'activatingRegion', RetryIntervalMinutes: 1, TimeoutMinutes: 20 });
    const [invoked] = config.Lambdas as { Payload: string }[];
    expect(JSON.parse(invoked.Payload)).toEqual({ action: 'add-database-instance' });
  });

  test('the step function may create only orders-dr-db-1 in orders-dr-db, with the DR key', () => {
    const settings = { Environment: { Variables: { DB_INSTANCE_STEP_SETTINGS: Match.anyValue() } } };
    expect(Object.keys(template.findResources('AWS::Lambda::Function', { Properties: settings }))).toHaveLength(1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['rds:AddTagsToResource', 'rds:CreateDBInstance'],
            Resource: [
              'arn:aws:rds:us-west-2:333333333333:cluster:orders-dr-db',
              'arn:aws:rds:us-west-2:333333333333:db:orders-dr-db-1',
              'arn:aws:rds:us-west-2:333333333333:og:default:aurora-postgresql-17',
              'arn:aws:rds:us-west-2:333333333333:pg:default.aurora-postgresql17',
            ],
          }),
          Match.objectLike({
            Action: 'rds:DescribeDBInstances',
            Resource: 'arn:aws:rds:us-west-2:333333333333:db:orders-dr-db-1',
          }),
        ]),
      },
    });
  });

  test('Prod creates the secondary headless, and bounds the RPO with rds.global_db_rpo (tier 1)', () => {
    const prod = pilot.template('Prod');
    prod.hasResourceProperties('Custom::AuroraGlobalSecondary', {
      Headless: true,
      DBClusterIdentifier: 'orders-dr-db',
    });
    prod.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', { Parameters: { 'rds.global_db_rpo': '20' } });
  });
});
