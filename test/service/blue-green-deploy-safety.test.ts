import { synthBulwark } from '../helpers/app';
import { LIVE_TARGET_GROUPS_TYPE } from '../../lib/service/live-target-groups';

// The whole app, with cdk-nag on: synth throws on any unacknowledged finding (the lookup's Resource "*" included).
const bulwark = synthBulwark();

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

describe.each(['Dev', 'Staging', 'Prod', 'DrRegion'])(
  '%s: listeners follow CodeDeploy (issue 12, item 8)',
  (stackId) => {
    const template = bulwark.template(stackId);
    const listeners = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::Listener')).map(
      (l) => l.Properties,
    );
    const lookups = Object.entries(template.findResources(LIVE_TARGET_GROUPS_TYPE));

    test("every forwarding listener forwards to the live-target-group lookup's attribute for its port", () => {
      expect(lookups).toHaveLength(1);
      const [[lookupId, lookup]] = lookups;
      const forwarding = listeners.filter((l) => l.DefaultActions.some((a: { Type: string }) => a.Type === 'forward'));
      expect(forwarding).toHaveLength(2); // production and test
      for (const listener of forwarding) {
        expect(listener.DefaultActions).toEqual([
          { Type: 'forward', TargetGroupArn: { 'Fn::GetAtt': [lookupId, `TargetGroupForPort${listener.Port}`] } },
        ]);
      }
      expect([...lookup.Properties.Ports].sort()).toEqual(forwarding.map((l) => String(l.Port)).sort());
    });

    test('no listener names the blue or green target group directly', () => {
      const targetGroups = Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::TargetGroup'));
      expect(targetGroups).toHaveLength(2);
      for (const id of targetGroups) expect(JSON.stringify(listeners)).not.toContain(`"Ref":"${id}"`);
    });

    test('the ECS service is still created after the listeners (its target group must belong to a load balancer)', () => {
      const forwardingIds = Object.entries(template.findResources('AWS::ElasticLoadBalancingV2::Listener'))
        .filter(([, listener]) => JSON.stringify(listener.Properties.DefaultActions).includes('"forward"'))
        .map(([id]) => id);
      expect(forwardingIds).toHaveLength(2);
      const [service] = Object.values(template.findResources('AWS::ECS::Service'));
      expect(service.DependsOn).toEqual(expect.arrayContaining(forwardingIds));
    });
  },
);

describe('deploy trigger permissions (issue 12, item 7)', () => {
  const template = bulwark.template('Prod');
  const roleStatements = (rolePrefix: string): Statement[] => {
    const role = Object.keys(template.findResources('AWS::IAM::Role')).find((id) => id.startsWith(rolePrefix))!;
    expect(role).toBeDefined();
    return Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${role}"`))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
  };

  test.each(['ServiceDeploymentTriggerStartRole', 'ServiceDeploymentTriggerWaitRole'])(
    '%s may list, read and create deployments of its own deployment group only (the waiter starts one once the group is free)',
    (rolePrefix) => {
      const statements = roleStatements(rolePrefix);
      const codedeploy = statements.find((s) => [s.Action].flat().includes('codedeploy:CreateDeployment'))!;
      expect([codedeploy.Action].flat().sort()).toEqual([
        'codedeploy:CreateDeployment',
        'codedeploy:GetDeployment',
        'codedeploy:ListDeployments',
      ]);
      expect(JSON.stringify(codedeploy.Resource)).toMatch(/:deploymentgroup:/);
      const describe = statements.find((s) => [s.Action].flat().includes('ecs:DescribeServices'))!;
      expect(describe.Resource).not.toBe('*');
      // CodeDeploy ARNs name the resource type with ':' (application:<name>, deploymentconfig:<name>), never '/'.
      const config = statements.find((s) => [s.Action].flat().includes('codedeploy:GetDeploymentConfig'))!;
      expect(JSON.stringify(config.Resource)).toMatch(/:deploymentconfig:CodeDeployDefault\.ECS|:deploymentconfig:"/);
      const revision = statements.find((s) => [s.Action].flat().includes('codedeploy:RegisterApplicationRevision'))!;
      expect(JSON.stringify(revision.Resource)).toContain(':application:');
      expect(JSON.stringify([config.Resource, revision.Resource])).not.toMatch(/deploymentconfig\/|application\//);
    },
  );
});
