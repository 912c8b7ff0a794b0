import * as arcregionswitch from 'aws-cdk-lib/aws-arcregionswitch';
import { Template } from 'aws-cdk-lib/assertions';
import { DrConfig, EnvironmentConfig, validateConfig } from '../../config';
import { switchoverTargets } from '../../lib/dr/drill-targets';
import { planStepBoundsSeconds } from '../../lib/dr/region-switch-plan';
import { DrRegionStack } from '../../lib/stacks/dr-region-stack';
import { defaultConfigInput, testApp } from '../helpers/app';

/**
 * The switchover drill's step targets come from the Region switch plan as built, one map per leg. Only the DrRegion
 * stack is built (no whole-app synth). Every expected map is written by hand from the step timeouts in
 * lib/dr/region-switch-plan.ts: approval 15 min, freeze 2, database 10, database ACU 10, add instance 20, ECS 15,
 * DNS 2; a Parallel step is its slowest child.
 */
function drRegionStack(standbyMode: 'warm-standby' | 'pilot-light'): { stack: DrRegionStack; template: Template } {
  const input = defaultConfigInput();
  const prodInput = input.environments.find((e) => e.name === 'Prod')!;
  // A pilot light as test/dr/dr-region-drill.test.ts builds it: tier 3 (tiers 1 and 2 refuse a pilot light's RPO).
  if (standbyMode === 'pilot-light') Object.assign(prodInput, { tier: 3, dr: { ...prodInput.dr!, standbyMode } });
  const config = validateConfig(input);
  const primary = config.environments.find((e) => e.name === 'Prod') as EnvironmentConfig & { dr: DrConfig };
  const stack = new DrRegionStack(testApp(), { service: config.service, primary, drill: 'switchover' });
  return { stack, template: Template.fromStack(stack) };
}

/** The step-target maps in the switchover drill's settings (the isComplete function's DRILL_SETTINGS). */
function settingsMaps(template: Template): { out: unknown; back: unknown } {
  const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((f) =>
    JSON.stringify(f).includes('"DRILL_STEP":"switchover-wait"'),
  );
  const text = JSON.stringify(fn).replace(/\\"/g, '"');
  const map = (leg: string) => JSON.parse(new RegExp(`"${leg}":(\\{[^{}]*\\})`).exec(text)![1]);
  return { out: map('out'), back: map('back') };
}

/** Failback is planned whatever the mode: freeze, database, ACU and tasks together (max 15 min), then DNS. */
const FAILBACK = {
  'freeze-and-notify': 120,
  'aurora-global-database': 600,
  'aurora-serverless-capacity': 600,
  'ecs-capacity': 900,
  'database-and-capacity': 900,
  'route53-failover-records': 120,
};

describe('switchover targets from the plan (default config: Prod tier 1, warm standby, automatic)', () => {
  const { stack, template } = drRegionStack('warm-standby');
  // Failover: [freeze 2, database 10, ACU 10] in parallel (10 min, not the 15 a max with ECS gave), DNS, then ECS.
  const FAILOVER = {
    'freeze-and-notify': 120,
    'aurora-global-database': 600,
    'aurora-serverless-capacity': 600,
    'database-and-capacity': 600,
    'route53-failover-records': 120,
    'ecs-capacity': 900,
  };

  test('the plan exposes each workflow as step name -> seconds, children included', () => {
    expect(stack.regionSwitch.stepBoundsSeconds).toEqual({ failover: FAILOVER, failback: FAILBACK });
  });

  test("the drill's settings carry the failover map for the out leg and the failback map for the back leg", () => {
    expect(settingsMaps(template)).toEqual({ out: FAILOVER, back: FAILBACK });
  });
});

describe('switchover targets from the plan (pilot light, tier 3: approval, instance and tasks first)', () => {
  const { stack, template } = drRegionStack('pilot-light');
  const FAILOVER = {
    'approve-failover': 900,
    'freeze-and-notify': 120,
    'aurora-add-instance': 1200,
    'ecs-capacity': 900,
    // max(freeze 2, instance 20, ECS 15) = 20 min
    'database-instance-and-tasks': 1200,
    'aurora-global-database': 600,
    'aurora-serverless-capacity': 600,
    'database-and-capacity': 600,
    'route53-failover-records': 120,
  };

  test('failover and failback maps as built', () => {
    expect(stack.regionSwitch.stepBoundsSeconds).toEqual({ failover: FAILOVER, failback: FAILBACK });
    expect(settingsMaps(template)).toEqual({ out: FAILOVER, back: FAILBACK });
  });
});

describe('planStepBoundsSeconds', () => {
  type Step = arcregionswitch.CfnPlan.StepProperty;
  const dns = (timeoutMinutes?: number): Step => ({
    name: 'dns',
    executionBlockType: 'Route53HealthCheck',
    executionBlockConfiguration: {
      route53HealthCheckConfig: { hostedZoneId: 'Z1', recordName: 'a.example.com', timeoutMinutes },
    },
  });

  test('a block with no timeoutMinutes is refused rather than given a silent default', () => {
    expect(() => planStepBoundsSeconds([dns()])).toThrow('plan step dns (Route53HealthCheck) sets no timeoutMinutes');
  });

  test('one name with two different bounds is refused: a measurement by name could not tell them apart', () => {
    const parallel: Step = {
      name: 'both',
      executionBlockType: 'Parallel',
      executionBlockConfiguration: { parallelConfig: { steps: [dns(3)] } },
    };
    expect(planStepBoundsSeconds([parallel])).toEqual({ dns: 180, both: 180 });
    expect(() => planStepBoundsSeconds([parallel, dns(4)])).toThrow(
      'plan step dns appears twice with different bounds (180 s, 240 s)',
    );
  });

  test('the switchover targets copy the bounds per leg; the RTO and wait bound are unchanged', () => {
    const targets = switchoverTargets(
      { region: 'us-east-1', targets: { rtoMinutes: 60 } as EnvironmentConfig['targets'], dr: { region: 'us-west-2' } },
      { failover: { dns: 120 }, failback: { dns: 60 } },
    );
    expect(targets).toEqual({
      primaryRegion: 'us-east-1',
      standbyRegion: 'us-west-2',
      stepTargetSeconds: { out: { dns: 120 }, back: { dns: 60 } },
      totalTargetSeconds: 3600,
      // min(3600 + 120, (55 - 5) x 60) = 3000
      waitBoundSeconds: 3000,
    });
  });
});
