import { Template } from 'aws-cdk-lib/assertions';
import { synthBulwark } from '../helpers/app';

/**
 * The whole default app (cdk-nag on): the live failover pair follows the Region switch plan's health checks, picked
 * by Region, and no live record follows an endpoint health check any more.
 */
const bulwark = synthBulwark();
const drRegion = bulwark.template('DrRegion');
const prod = bulwark.template('Prod');

type Resource = { Type: string; Properties: Record<string, unknown> };
const resources = (template: Template) => template.toJSON().Resources as Record<string, Resource>;
const liveRecord = (template: Template): Resource => {
  const live = Object.values(
    template.findResources('AWS::Route53::RecordSet', { Properties: { Name: 'orders.example.com.' } }),
  ) as Resource[];
  expect(live).toHaveLength(1);
  return live[0];
};
const only = (template: Template, type: string): [string, Resource] => {
  const found = Object.entries(template.findResources(type)) as Array<[string, Resource]>;
  expect(found).toHaveLength(1);
  return found[0];
};

describe('the live records use the plan health checks, picked by Region', () => {
  const [planId] = only(drRegion, 'AWS::ARCRegionSwitch::Plan');
  const [pickId, pick] = only(drRegion, 'Custom::PlanHealthChecks');

  test("the pick reads the plan's PlanHealthChecks for the plan's DNS step (zone, record) and both Regions", () => {
    expect(pick.Properties).toMatchObject({
      PlanHealthChecks: { 'Fn::GetAtt': [planId, 'PlanHealthChecks'] },
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      RecordName: 'orders.example.com',
      PrimaryRegion: 'us-east-1',
      SecondaryRegion: 'us-west-2',
    });
    const plan = resources(drRegion)[planId].Properties as {
      Workflows: Array<{ Steps: Array<{ ExecutionBlockType: string; ExecutionBlockConfiguration: unknown }> }>;
    };
    const dnsSteps = plan.Workflows.flatMap((w) => w.Steps).filter(
      (s) => s.ExecutionBlockType === 'Route53HealthCheck',
    );
    expect(dnsSteps.length).toBeGreaterThan(0);
    for (const step of dnsSteps) {
      expect(step.ExecutionBlockConfiguration).toMatchObject({
        Route53HealthCheckConfig: { HostedZoneId: 'Z0123456789ABCDEFGHIJ', RecordName: 'orders.example.com' },
      });
    }
  });

  test("DrRegion's SECONDARY live record carries the pick's us-west-2 check", () => {
    expect(liveRecord(drRegion).Properties).toMatchObject({
      Failover: 'SECONDARY',
      SetIdentifier: 'orders-secondary',
      HealthCheckId: { 'Fn::GetAtt': [pickId, 'SecondaryHealthCheckId'] },
    });
  });

  test("Prod's PRIMARY live record carries the pick's us-east-1 check, read from DrRegion as a weak reference", () => {
    const record = liveRecord(prod).Properties as { Failover: string; HealthCheckId: Record<string, unknown> };
    expect(record.Failover).toBe('PRIMARY');
    const reference = record.HealthCheckId['Fn::GetStackOutput'] as { StackName: string; OutputName: string };
    expect(reference).toMatchObject({ StackName: 'DrRegion', Region: 'us-west-2' });
    const outputs = drRegion.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs[reference.OutputName].Value).toEqual({ 'Fn::GetAtt': [pickId, 'PrimaryHealthCheckId'] });
  });

  test('no live record in any stack follows an endpoint health check (only the drill pair does)', () => {
    for (const stackId of ['Dev', 'Staging', 'Prod', 'DrRegion']) {
      const template = bulwark.template(stackId);
      const all = resources(template);
      for (const record of Object.values(all).filter((r) => r.Type === 'AWS::Route53::RecordSet')) {
        const ref = (record.Properties.HealthCheckId as { Ref?: string } | undefined)?.Ref;
        if (ref === undefined || all[ref]?.Type !== 'AWS::Route53::HealthCheck') continue;
        expect(record.Properties.Name).toBe('drill.orders.example.com.');
      }
    }
  });

  const pickFunction = (): Resource =>
    Object.values(resources(drRegion)).find(
      (r) => r.Type === 'AWS::Lambda::Function' && String(r.Properties.Description).startsWith('Picks, by Region'),
    )!;
  const pickStatements = () => {
    const all = resources(drRegion);
    const roleId = (pickFunction().Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    return Object.values(all)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId))
      .flatMap(
        (p) =>
          (p.Properties.PolicyDocument as { Statement: Array<{ Action: string | string[]; Resource: unknown }> })
            .Statement,
      );
  };

  test("the pick reads the checks through ListRoute53HealthChecks on the plan's ARN, which it also re-runs on", () => {
    expect(pick.Properties.PlanArn).toEqual({ 'Fn::GetAtt': [planId, 'Arn'] });
    expect(
      (pickFunction().Properties.Environment as { Variables: Record<string, unknown> }).Variables
        .PLAN_HEALTH_CHECKS_PLAN_ARN,
    ).toEqual({ 'Fn::GetAtt': [planId, 'Arn'] });
    const arc = pickStatements().filter((s) => [s.Action].flat().some((a) => a.startsWith('arc-region-switch:')));
    expect(arc).toEqual([
      expect.objectContaining({
        Action: 'arc-region-switch:ListRoute53HealthChecks',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [planId, 'Arn'] },
      }),
    ]);
  });

  test('beyond that one read, its role allows nothing but its logs', () => {
    const actions = pickStatements().flatMap((s) => s.Action);
    expect(actions.filter((a) => !a.startsWith('logs:'))).toEqual(['arc-region-switch:ListRoute53HealthChecks']);
  });

  test('the pick has minutes, not seconds, to wait for checks the plan has not listed yet', () => {
    expect(pickFunction().Properties.Timeout).toBe(300);
  });
});
