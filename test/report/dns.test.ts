import { dnsFailovers } from '../../lib/report/dns';
import { CfnResource } from '../../lib/report/model';
import { stackOf } from './helpers';

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
