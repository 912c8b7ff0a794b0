import { buildReport } from '../../lib/report/assess';
import { CfnResource } from '../../lib/report/model';
import { readCloudAssembly } from '../../lib/report/templates';
import { defaultConfig, synthBulwark } from '../helpers/app';

/** Issue 14 section 3: a deployment alarm rolls back on its state-change event, not on CodeDeploy's polling. */
describe('deployment stopper (default Prod)', () => {
  const { stacks } = readCloudAssembly(synthBulwark().assembly.directory);
  const prod = stacks.find((s) => s.stackId === 'Prod')!;
  const resources = prod.resources as Record<string, CfnResource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const [groupId, group] = ofType('AWS::CodeDeploy::DeploymentGroup')[0];
  const alarmRefs = (group.Properties!.AlarmConfiguration as { Alarms: { Name: unknown }[] }).Alarms.map((a) => a.Name);
  const [ruleId, rule] = ofType('AWS::Events::Rule').find(([, r]) =>
    JSON.stringify(r.Properties?.EventPattern ?? {}).includes('CloudWatch Alarm State Change'),
  )!;
  const targetFn = (rule.Properties!.Targets as { Arn: { 'Fn::GetAtt': string[] } }[])[0].Arn['Fn::GetAtt'][0];

  test("the rule matches ALARM of exactly the deployment group's alarms", () => {
    expect(alarmRefs.length).toBeGreaterThan(0);
    expect(rule.Properties!.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { state: { value: ['ALARM'] }, alarmName: alarmRefs },
    });
  });

  test('its target is the stopper: 20 s timeout, the group by Ref, a current Node.js runtime', () => {
    const fn = resources[targetFn].Properties!;
    expect(fn.Timeout).toBe(20);
    expect(fn.Runtime).toMatch(/^nodejs(22|24)\.x$/);
    expect((fn.Environment as { Variables: Record<string, unknown> }).Variables.DEPLOYMENT_GROUP_NAME).toEqual({
      Ref: groupId,
    });
  });

  test('only this rule may invoke it', () => {
    const permissions = ofType('AWS::Lambda::Permission').filter(([, p]) =>
      JSON.stringify(p.Properties!.FunctionName).includes(targetFn),
    );
    expect(
      permissions.map(([, p]) => ({ principal: p.Properties!.Principal, source: p.Properties!.SourceArn })),
    ).toEqual([{ principal: 'events.amazonaws.com', source: { 'Fn::GetAtt': [ruleId, 'Arn'] } }]);
  });

  test('its role may list deployments of this group only; StopDeployment (no resource type) on "*"', () => {
    // The stopper's own role only: other functions (the weekly report) may list deployments too.
    const stopperRole = JSON.stringify(
      (resources[targetFn].Properties!.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0],
    );
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties!.Roles).includes(stopperRole))
      .flatMap(
        ([, p]) => (p.Properties!.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
      )
      .filter(
        (s) =>
          JSON.stringify(s.Action).includes('codedeploy:StopDeployment') ||
          JSON.stringify(s.Action).includes('codedeploy:ListDeployments'),
      )
      .filter((s) => !JSON.stringify(s.Action).includes('codedeploy:CreateDeployment'));
    expect(statements.map((s) => s.Action)).toEqual(['codedeploy:ListDeployments', 'codedeploy:StopDeployment']);
    expect(JSON.stringify(statements[0].Resource)).toContain(':deploymentgroup:');
    expect(statements[1].Resource).toBe('*');
  });

  test('the report counts the event path: 54 s slowest alarm + 10 s event delivery + 20 s timeout = 84 s', () => {
    const report = buildReport({
      stacks,
      config: defaultConfig(),
      cdkOut: 'cdk.out',
      configPath: 'config/bulwark.config.ts',
    });
    const figure = report.environments
      .find((e) => e.name === 'Prod')!
      .figures.find((f) => f.id === `rollback/${groupId}`)!;
    // Canary alarm, Minimum over 10 s, 1 of 1: 10 s period + (10 s probe + 2 x 2 s timeout) lag + 20 s + 10 s evaluation.
    expect(figure.value).toBe(10 + (10 + 4) + 20 + 10 + 10 + 20);
    expect(figure.formula).toMatch(/alarm event delivery/);
  });
});
