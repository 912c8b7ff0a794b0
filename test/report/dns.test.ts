import { dnsFailovers } from '../../lib/report/dns';
import { CfnResource } from '../../lib/report/model';
import { alarm, stackOf } from './helpers';

const healthCheck = (config: Record<string, unknown>): CfnResource => ({
  Type: 'AWS::Route53::HealthCheck',
  Properties: { HealthCheckConfig: { Type: 'HTTPS', ResourcePath: '/health', ...config } },
});
const alb: CfnResource = { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: {} };
const record = (failover: string, extra: Record<string, unknown>): CfnResource => ({
  Type: 'AWS::Route53::RecordSet',
  Properties: {
    Name: 'orders.example.com.',
    Type: 'A',
    SetIdentifier: failover,
    Failover: failover,
    HostedZoneId: 'Z1',
    ...extra,
  },
});
const aliasTo = (id: string) => ({
  AliasTarget: {
    DNSName: { 'Fn::GetAtt': [id, 'DNSName'] },
    HostedZoneId: { 'Fn::GetAtt': [id, 'CanonicalHostedZoneID'] },
    EvaluateTargetHealth: true,
  },
});
const secondary = stackOf(
  { Alb: alb, Secondary: record('SECONDARY', aliasTo('Alb')) },
  { environment: 'DrRegion', region: 'us-west-2', standbyFor: 'Prod' },
);

describe('DNS failover', () => {
  test('alias to an ALB: threshold x (interval + timeouts) + 60 s', () => {
    const primary = stackOf({
      Alb: alb,
      Check: healthCheck({ RequestInterval: 10, FailureThreshold: 3 }),
      Primary: record('PRIMARY', { ...aliasTo('Alb'), HealthCheckId: { Ref: 'Check' } }),
    });
    const [d] = dnsFailovers([primary, secondary]);
    // Each blackholed check ends at the 4 s connect + 2 s first-byte timeouts, then waits the interval.
    expect(d.seconds).toBe(3 * (10 + 4 + 2) + 60);
    expect(d.primaryEnvironment).toBe('Prod');
    expect(d.secondaryEnvironment).toBe('DrRegion');
    expect(d.sources.map((s) => s.logicalId)).toEqual(['Primary', 'Check', 'Secondary']);
  });

  test("CDK's dualstack alias (Fn::Join around the ALB DNS name) counts as an ALB alias", () => {
    const dualstack = {
      AliasTarget: {
        DNSName: { 'Fn::Join': ['', ['dualstack.', { 'Fn::GetAtt': ['Alb', 'DNSName'] }]] },
        EvaluateTargetHealth: true,
      },
    };
    const primary = stackOf({
      Alb: alb,
      Check: healthCheck({ RequestInterval: 10, FailureThreshold: 3 }),
      Primary: record('PRIMARY', { ...dualstack, HealthCheckId: { Ref: 'Check' } }),
    });
    expect(dnsFailovers([primary, secondary])[0].seconds).toBe(3 * (10 + 4 + 2) + 60);
  });

  test('a record with a TTL counts its TTL', () => {
    const primary = stackOf({
      Check: healthCheck({ RequestInterval: 30, FailureThreshold: 2 }),
      Primary: record('PRIMARY', { TTL: '300', ResourceRecords: ['192.0.2.1'], HealthCheckId: { Ref: 'Check' } }),
    });
    expect(dnsFailovers([primary, secondary])[0].seconds).toBe(2 * (30 + 4 + 2) + 300);
  });

  test("a CNAME to the ALB's DNS name (the live pair) counts the TTL the template sets, not the alias 60 s", () => {
    const cname = { Type: 'CNAME', TTL: '15', ResourceRecords: [{ 'Fn::GetAtt': ['Alb', 'DNSName'] }] };
    const primary = stackOf({
      Alb: alb,
      Check: healthCheck({ RequestInterval: 10, FailureThreshold: 2 }),
      Primary: record('PRIMARY', { ...cname, HealthCheckId: { Ref: 'Check' } }),
    });
    const [d] = dnsFailovers([primary, secondary]);
    expect(d.seconds).toBe(2 * (10 + 4 + 2) + 15);
    expect(d.sources[0].properties).toEqual(['TTL', 'HealthCheckId']);
  });

  test('Route 53 defaults (30 s, 3 failures) when the check leaves them out', () => {
    const primary = stackOf({
      Alb: alb,
      Check: healthCheck({}),
      Primary: record('PRIMARY', { ...aliasTo('Alb'), HealthCheckId: { Ref: 'Check' } }),
    });
    expect(dnsFailovers([primary, secondary])[0].seconds).toBe(3 * (30 + 4 + 2) + 60);
  });

  test('a health check in another stack, through Fn::GetStackOutput', () => {
    const other = stackOf(
      { Check: healthCheck({ RequestInterval: 10, FailureThreshold: 5 }) },
      { environment: 'Dns', stackId: 'Dns', outputs: { CheckId: { Value: { Ref: 'Check' } } } },
    );
    const primary = stackOf({
      Alb: alb,
      Primary: record('PRIMARY', {
        ...aliasTo('Alb'),
        HealthCheckId: { 'Fn::GetStackOutput': { StackName: 'Dns', OutputName: 'CheckId' } },
      }),
    });
    expect(dnsFailovers([primary, secondary, other])[0].seconds).toBe(5 * (10 + 4 + 2) + 60);
  });

  test('no health check: not assessed', () => {
    const primary = stackOf({ Alb: alb, Primary: record('PRIMARY', aliasTo('Alb')) });
    const [d] = dnsFailovers([primary, secondary]);
    expect(d.seconds).toBeUndefined();
    expect(d.reason).toMatch(/no health check/);
  });

  test('an alias to something other than a load balancer is not guessed', () => {
    const primary = stackOf({
      Check: healthCheck({}),
      Dist: { Type: 'AWS::CloudFront::Distribution' },
      Primary: record('PRIMARY', { ...aliasTo('Dist'), HealthCheckId: { Ref: 'Check' } }),
    });
    expect(dnsFailovers([primary, secondary])[0].reason).toMatch(/not a load balancer/);
  });

  test('no secondary record: not assessed', () => {
    const primary = stackOf({
      Alb: alb,
      Check: healthCheck({}),
      Primary: record('PRIMARY', { ...aliasTo('Alb'), HealthCheckId: { Ref: 'Check' } }),
    });
    expect(dnsFailovers([primary])[0].reason).toMatch(/no SECONDARY/);
  });
});

describe('DNS failover: the DR drill pair', () => {
  // The drill pair as the app synthesizes it: drill.<domain>, its own health checks tagged as drill checks.
  const withTags = (check: CfnResource, tags: Array<{ Key: string; Value: string }>): CfnResource => ({
    ...check,
    Properties: { ...check.Properties, HealthCheckTags: tags },
  });
  const drillCheck = (config: Record<string, unknown>): CfnResource =>
    withTags(healthCheck(config), [
      { Key: 'Name', Value: 'orders-drill-primary' },
      { Key: 'bulwark:purpose', Value: 'dr-drill' },
    ]);
  const drillRecord = (failover: string, extra: Record<string, unknown>): CfnResource => ({
    Type: 'AWS::Route53::RecordSet',
    Properties: {
      Name: 'drill.orders.example.com.',
      Type: 'A',
      SetIdentifier: `drill-${failover}`,
      Failover: failover,
      HostedZoneId: 'Z1',
      ...extra,
    },
  });

  test("is left out: the only figure is the live record's, even when the drill pair comes first and is faster", () => {
    const primary = stackOf({
      Alb: alb,
      // Listed first, and with a 10 s x 1 check: were it counted, it would be found first and give 70 s.
      DrillCheck: drillCheck({ RequestInterval: 10, FailureThreshold: 1 }),
      DrillPrimary: drillRecord('PRIMARY', { ...aliasTo('Alb'), HealthCheckId: { Ref: 'DrillCheck' } }),
      Check: healthCheck({ RequestInterval: 30, FailureThreshold: 3 }),
      Primary: record('PRIMARY', { ...aliasTo('Alb'), HealthCheckId: { Ref: 'Check' } }),
    });
    const standby = stackOf(
      {
        Alb: alb,
        Secondary: record('SECONDARY', aliasTo('Alb')),
        DrillSecondary: drillRecord('SECONDARY', aliasTo('Alb')),
      },
      { environment: 'DrRegion', region: 'us-west-2', standbyFor: 'Prod' },
    );
    const found = dnsFailovers([primary, standby]);
    expect(found.map((d) => d.recordName)).toEqual(['orders.example.com']);
    expect(found[0].seconds).toBe(3 * (30 + 4 + 2) + 60);
  });

  test('a health check with another purpose tag still counts (only the drill tag marks a drill pair)', () => {
    const tagged = withTags(healthCheck({ RequestInterval: 10, FailureThreshold: 3 }), [
      { Key: 'bulwark:purpose', Value: 'live' },
    ]);
    const primary = stackOf({
      Alb: alb,
      Check: tagged,
      Primary: record('PRIMARY', { ...aliasTo('Alb'), HealthCheckId: { Ref: 'Check' } }),
    });
    expect(dnsFailovers([primary, secondary]).map((d) => d.seconds)).toEqual([3 * (10 + 4 + 2) + 60]);
  });
});

describe('DNS failover: a TCP check', () => {
  test('fails at the 10 s TCP connect timeout', () => {
    const check: CfnResource = {
      Type: 'AWS::Route53::HealthCheck',
      Properties: { HealthCheckConfig: { Type: 'TCP', Port: 443, RequestInterval: 10, FailureThreshold: 2 } },
    };
    const primary = stackOf({
      Alb: alb,
      Check: check,
      Primary: record('PRIMARY', { ...aliasTo('Alb'), HealthCheckId: { Ref: 'Check' } }),
    });
    expect(dnsFailovers([primary, secondary])[0].seconds).toBe(2 * (10 + 10) + 60);
  });
});

/**
 * The live pair since issue 15: both records carry the Region switch plan's health checks (Custom::PlanHealthChecks),
 * so DNS moves only when the plan's failover workflow reaches its Route53HealthCheck step.
 */
describe('DNS failover driven by the Region switch plan', () => {
  const cname = (extra: Record<string, unknown>): CfnResource =>
    record('PRIMARY', {
      Type: 'CNAME',
      TTL: '15',
      ResourceRecords: ['prod-alb.us-east-1.elb.amazonaws.com'],
      ...extra,
    });
  const probe = alarm({ AlarmName: 'orders-dr-primary-probe-journey-failed' });
  const step = (name: string, type: string, block: string, config: Record<string, unknown>) => ({
    Name: name,
    ExecutionBlockType: type,
    ExecutionBlockConfiguration: { [block]: config },
  });
  const freeze = step('freeze-and-notify', 'CustomActionLambda', 'CustomActionLambdaConfig', { TimeoutMinutes: 5 });
  const dataAndCompute = {
    Name: 'database-and-capacity',
    ExecutionBlockType: 'Parallel',
    ExecutionBlockConfiguration: {
      ParallelConfig: {
        Steps: [
          step('aurora-global-database', 'AuroraGlobalDatabase', 'GlobalAuroraConfig', { TimeoutMinutes: 30 }),
          step('ecs-capacity', 'ECSServiceScaling', 'EcsCapacityIncreaseConfig', { TimeoutMinutes: 15 }),
        ],
      },
    },
  };
  const dns = step('route53-failover-records', 'Route53HealthCheck', 'Route53HealthCheckConfig', {
    HostedZoneId: 'Z1',
    RecordName: 'orders.example.com',
    TimeoutMinutes: 5,
  });
  const approval = step('approve-failover', 'ManualApproval', 'ExecutionApprovalConfig', { TimeoutMinutes: 60 });
  const plan = (failoverSteps: unknown[], triggers = true): CfnResource => ({
    Type: 'AWS::ARCRegionSwitch::Plan',
    Properties: {
      Workflows: [
        { WorkflowTargetAction: 'activate', WorkflowTargetRegion: 'us-east-1', Steps: [dns] },
        { WorkflowTargetAction: 'activate', WorkflowTargetRegion: 'us-west-2', Steps: failoverSteps },
      ],
      ...(triggers
        ? {
            AssociatedAlarms: {
              'region-down-1': { AlarmType: 'trigger', ResourceIdentifier: { 'Fn::GetAtt': ['Probe', 'Arn'] } },
            },
            Triggers: [
              {
                Action: 'activate',
                TargetRegion: 'us-west-2',
                Conditions: [{ AssociatedAlarmName: 'region-down-1', Condition: 'red' }],
                MinDelayMinutesBetweenExecutions: 60,
              },
            ],
          }
        : {}),
    },
  });
  const pick: CfnResource = {
    Type: 'Custom::PlanHealthChecks',
    Properties: {
      PlanHealthChecks: { 'Fn::GetAtt': ['Plan', 'PlanHealthChecks'] },
      HostedZoneId: 'Z1',
      RecordName: 'orders.example.com',
      PrimaryRegion: 'us-east-1',
      SecondaryRegion: 'us-west-2',
    },
  };
  const drRegion = (planResource: CfnResource) =>
    stackOf(
      {
        Probe: probe,
        Plan: planResource,
        Pick: pick,
        Secondary: record('SECONDARY', {
          Type: 'CNAME',
          TTL: '15',
          ResourceRecords: ['dr-alb.us-west-2.elb.amazonaws.com'],
          HealthCheckId: { 'Fn::GetAtt': ['Pick', 'SecondaryHealthCheckId'] },
        }),
      },
      {
        environment: 'DrRegion',
        region: 'us-west-2',
        standbyFor: 'Prod',
        outputs: { PickPrimaryId: { Value: { 'Fn::GetAtt': ['Pick', 'PrimaryHealthCheckId'] } } },
      },
    );
  const fromDrRegion = {
    'Fn::GetStackOutput': { StackName: 'DrRegion', Region: 'us-west-2', OutputName: 'PickPrimaryId' },
  };
  const prod = (healthCheckId: unknown = fromDrRegion) => stackOf({ Primary: cname({ HealthCheckId: healthCheckId }) });

  test("the DNS figure is the plan's DNS step at its timeout + TTL, from that step starting", () => {
    const [d] = dnsFailovers([prod(), drRegion(plan([freeze, dataAndCompute, dns]))]);
    // 5 min DNS step = 300 s + 15 s TTL = 315 s. It was the whole chain below (2715 s), a copy of the RTO.
    expect(d.seconds).toBe(315);
    expect(d.formula).toMatch(/^from the plan's Route 53 step starting: 5 min route53-failover-records \+ 15 s TTL/);
    expect(d.primaryEnvironment).toBe('Prod');
    expect(d.secondaryEnvironment).toBe('DrRegion');
    expect(d.sources.map((s) => s.logicalId)).toEqual(['Primary', 'Pick', 'Plan', 'Probe', 'Secondary']);
  });

  test("the chain from the failure (the RTO's): trigger alarm + start + steps before DNS + DNS step + TTL", () => {
    const [d] = dnsFailovers([prod(), drRegion(plan([freeze, dataAndCompute, dns]))]);
    // Probe alarm (Sum of an AWS/ metric, 1 of 1 x 60 s): 60 partial + 60 + 60 vended delay + 60 evaluation = 240 s.
    // Then 60 s trigger start, 5 min freeze + max(30, 15) min database/capacity = 35 min = 2100 s before DNS,
    // 5 min = 300 s DNS step, 15 s TTL: 240 + 60 + 2100 + 300 + 15 = 2715 s.
    expect(d.plan).toMatchObject({
      detectionSeconds: 240,
      triggerSeconds: 60,
      beforeDnsSeconds: 2100,
      dnsStepSeconds: 315,
      ttlSeconds: 15,
      chainSeconds: 2715,
    });
    expect(d.plan!.chainFormula).toContain(
      '5 min freeze-and-notify + 30 min database-and-capacity (slowest: aurora-global-database)',
    );
    expect(d.plan!.chainFormula).toMatch(/5 min route53-failover-records \+ 15 s TTL .* = 2715 s$/);
  });

  test('steps after the DNS step count in neither figure', () => {
    const scaleOut = step('ecs-capacity', 'ECSServiceScaling', 'EcsCapacityIncreaseConfig', { TimeoutMinutes: 15 });
    const [d] = dnsFailovers([prod(), drRegion(plan([freeze, dataAndCompute, dns, scaleOut]))]);
    expect(d.seconds).toBe(315);
    expect(d.plan!.chainSeconds).toBe(2715);
  });

  test('a person approves first: the approval counts in the chain at its timeout (60 min more), not in DNS', () => {
    const [d] = dnsFailovers([prod(), drRegion(plan([approval, freeze, dataAndCompute, dns]))]);
    expect(d.plan!.chainSeconds).toBe(2715 + 3600);
    expect(d.seconds).toBe(315);
  });

  test('a step without TimeoutMinutes counts the 60-minute default', () => {
    const open = step('freeze-and-notify', 'CustomActionLambda', 'CustomActionLambdaConfig', {});
    const [d] = dnsFailovers([prod(), drRegion(plan([open, dataAndCompute, dns]))]);
    // 240 + 60 + (60 + 30) x 60 + 300 + 15
    expect(d.plan!.chainSeconds).toBe(240 + 60 + 5400 + 300 + 15);
    const openDns = step('route53-failover-records', 'Route53HealthCheck', 'Route53HealthCheckConfig', {
      HostedZoneId: 'Z1',
      RecordName: 'orders.example.com',
    });
    // A DNS step without a timeout: 60 min + 15 s TTL.
    expect(dnsFailovers([prod(), drRegion(plan([freeze, dataAndCompute, openDns]))])[0].seconds).toBe(3615);
  });

  test('no trigger: not assessed, a person must notice the outage and start the plan', () => {
    const [d] = dnsFailovers([prod(), drRegion(plan([freeze, dataAndCompute, dns], false))]);
    expect(d.seconds).toBeUndefined();
    expect(d.reason).toMatch(/no trigger starts the failover to us-west-2/);
  });

  test('a workflow without the DNS step for this record: not assessed (the records would never move)', () => {
    const [d] = dnsFailovers([prod(), drRegion(plan([freeze, dataAndCompute]))]);
    expect(d.seconds).toBeUndefined();
    expect(d.reason).toMatch(/no Route53HealthCheck step for orders\.example\.com/);
  });

  test("the PRIMARY record on the plan's secondary check: not assessed, DNS would move the wrong way", () => {
    const wrong = { 'Fn::GetAtt': ['Pick', 'SecondaryHealthCheckId'] };
    const drStack = drRegion(plan([freeze, dataAndCompute, dns]));
    const [d] = dnsFailovers([
      prod({ 'Fn::GetStackOutput': { StackName: 'DrRegion', Region: 'us-west-2', OutputName: 'Wrong' } }),
      { ...drStack, outputs: { ...drStack.outputs, Wrong: { Value: wrong } } },
    ]);
    expect(d.seconds).toBeUndefined();
    expect(d.reason).toMatch(/PRIMARY record Primary does not carry the plan's PrimaryHealthCheckId/);
  });
});
