import { Match } from 'aws-cdk-lib/assertions';
import { parseDrillContext } from '../../lib/app';
import { defaultConfig, synthBulwark } from '../helpers/app';

/**
 * `cdk deploy DrRegion -c drill=switchover` (the shared `switchover` synth, cdk-nag and Control Tower on): the Region
 * switch plan's graceful switchover to DrRegion and back, as two Provider-framework custom resources, with the
 * plan's actions allowed on the plan's ARN alone. Expected values are written by hand from the default config
 * (Prod tier 1 in us-east-1: RTO 60 min; warm standby in us-west-2) and the plan's step timeouts.
 */
const bulwark = synthBulwark(defaultConfig(), { drill: 'switchover' });
const drRegion = bulwark.template('DrRegion');
const planLogicalId = Object.keys(drRegion.findResources('AWS::ARCRegionSwitch::Plan'))[0];
const planArn = { 'Fn::GetAtt': [planLogicalId, 'Arn'] };

type Resource = { Properties: Record<string, unknown>; DependsOn?: string[] };
const legs = drRegion.findResources('Custom::DrillSwitchoverLeg') as Record<string, Resource>;
const leg = (name: string) => Object.entries(legs).find(([, r]) => r.Properties.Leg === name)!;

function drillFunction(step: string): { id: string; settings: string } {
  const [id, fn] = Object.entries(drRegion.findResources('AWS::Lambda::Function')).find(
    ([, f]) => (f as Resource).Properties.Environment && JSON.stringify(f).includes(`"DRILL_STEP":"${step}"`),
  )!;
  return { id, settings: JSON.stringify((fn as Resource).Properties.Environment) };
}

function statementsOf(functionId: string): Array<{ Action: string | string[]; Resource: unknown }> {
  const roleId = (
    (drRegion.findResources('AWS::Lambda::Function')[functionId] as Resource).Properties.Role as {
      'Fn::GetAtt': string[];
    }
  )['Fn::GetAtt'][0];
  return Object.values(drRegion.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify((p as Resource).Properties.Roles).includes(roleId))
    .flatMap(
      (p) =>
        (
          p as {
            Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } };
          }
        ).Properties.PolicyDocument.Statement,
    );
}

describe('-c drill=switchover', () => {
  test('two legs, out to us-west-2 then back to us-east-1; no measuring trigger', () => {
    drRegion.resourceCountIs('Custom::DrillSwitchoverLeg', 2);
    drRegion.resourceCountIs('Custom::Trigger', 0);
    const [outId, out] = leg('out');
    const [, back] = leg('back');
    expect(out.Properties).toMatchObject({ Leg: 'out', TargetRegion: 'us-west-2', PlanArn: planArn });
    // The back leg reads the out leg's execution id: CloudFormation creates it only after "out" succeeded.
    expect(back.Properties).toMatchObject({
      Leg: 'back',
      TargetRegion: 'us-east-1',
      PlanArn: planArn,
      AfterExecutionId: { 'Fn::GetAtt': [outId, 'ExecutionId'] },
    });
    // The plan and the standby exist before the first leg runs.
    expect(out.DependsOn).toEqual(expect.arrayContaining([planLogicalId]));
  });

  test('each leg waits through the Provider framework (isComplete every 30 s), inside the hour', () => {
    const start = drillFunction('switchover-start');
    const wait = drillFunction('switchover-wait');
    drRegion.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionString: Match.objectLike({
        'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('"IntervalSeconds":30')])]),
      }),
    });
    // 55 min total: 55 x 60 / 30 = 110 attempts.
    expect(JSON.stringify(drRegion.findResources('AWS::StepFunctions::StateMachine'))).toContain('"MaxAttempts\\":110');
    expect(start.id).not.toBe(wait.id);
  });

  test('the settings carry the targets: step bounds per leg, 60 min RTO per leg, 50 min wait, 20 s lag bound', () => {
    const { settings } = drillFunction('switchover-wait');
    for (const expected of [
      '\\"primaryRegion\\":\\"us-east-1\\",\\"standbyRegion\\":\\"us-west-2\\"',
      // Per leg, the plan's step bounds (test/dr/switchover-targets.test.ts checks the maps whole): the failover's
      // Parallel step is max(freeze 2, database 10, ACU 10) = 10 min; the failback's also holds ECS 15, so 15 min.
      '\\"out\\":{',
      '\\"database-and-capacity\\":600',
      '\\"back\\":{',
      '\\"database-and-capacity\\":900',
      '\\"totalTargetSeconds\\":3600',
      // min(3600 + 120, (55 - 5) x 60) = 3000
      '\\"waitBoundSeconds\\":3000',
      '\\"replicationLag\\":{\\"clusterIdentifier\\":\\"orders-dr-db\\",\\"boundSeconds\\":20}',
    ]) {
      expect(settings).toContain(expected);
    }
  });

  test("Region switch actions on the plan's ARN only: start may start, wait may only read the execution", () => {
    const arcStatements = (id: string) =>
      statementsOf(id).filter((s) => JSON.stringify(s.Action).includes('arc-region-switch:'));
    const start = arcStatements(drillFunction('switchover-start').id);
    expect(start).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'arc-region-switch:GetPlanEvaluationStatus',
          'arc-region-switch:ListPlanExecutions',
          'arc-region-switch:StartPlanExecution',
        ],
        Resource: planArn,
      },
    ]);
    const wait = arcStatements(drillFunction('switchover-wait').id);
    expect(wait).toEqual([
      {
        Effect: 'Allow',
        Action: ['arc-region-switch:GetPlanExecution', 'arc-region-switch:ListPlanExecutionEvents'],
        Resource: planArn,
      },
    ]);
    // Neither may touch a health check: the plan, not the drill, moves the records.
    for (const id of [drillFunction('switchover-start').id, drillFunction('switchover-wait').id])
      expect(JSON.stringify(statementsOf(id))).not.toContain('route53:UpdateHealthCheck');
  });
});

describe('-c drill=true also checks the plan evaluation and the replication lag', () => {
  const measuring = synthBulwark(defaultConfig(), { drill: true }).template('DrRegion');
  const planId = Object.keys(measuring.findResources('AWS::ARCRegionSwitch::Plan'))[0];

  test("the measuring drill may read the plan's evaluation (its ARN only) and the lag metric, and starts nothing", () => {
    measuring.resourceCountIs('Custom::DrillSwitchoverLeg', 0);
    const policies = JSON.stringify(measuring.findResources('AWS::IAM::Policy'));
    expect(policies).not.toContain('arc-region-switch:StartPlanExecution');
    const statements = Object.values(measuring.findResources('AWS::IAM::Policy')).flatMap(
      (p) =>
        (
          p as {
            Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } };
          }
        ).Properties.PolicyDocument.Statement,
    );
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'arc-region-switch:GetPlanEvaluationStatus',
      Resource: { 'Fn::GetAtt': [planId, 'Arn'] },
    });
    // CDK merges the Resource "*" statements: GetMetricData takes no resource type.
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: expect.arrayContaining(['cloudwatch:GetMetricData']), Resource: '*' }),
    );
  });
});

describe('the drill context', () => {
  test('-c drill=switchover in any case selects the switchover; anything else still names the choices', () => {
    expect(parseDrillContext('switchover')).toBe('switchover');
    expect(parseDrillContext('SwitchOver')).toBe('switchover');
    expect(() => parseDrillContext('switch')).toThrow('`-c drill=switchover` runs the Region switch plan');
  });
});
