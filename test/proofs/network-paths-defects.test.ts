import { checkNetworkPaths, formatPathTable, PathResult } from '../../lib/proofs/network';
import { CfnResource, StackTemplate } from '../../lib/report/model';
import { readCloudAssembly } from '../../lib/report/templates';
import { defaultConfig, synthBulwark } from '../helpers/app';

type Resources = Record<string, CfnResource & { Properties: Record<string, unknown> }>;

/**
 * Each test plants one defect in a copy of the default config's synthesized templates (synthesized once for this
 * file) and expects the flow it breaks to fail, naming what to add. Expected messages are written by hand.
 */
describe('network path proofs find planted defects', () => {
  const bulwark = synthBulwark(defaultConfig(), { nag: false });
  const pristine = readCloudAssembly(bulwark.assembly.directory).stacks;

  /** The results after `plant` edits a deep copy of one stack's resources. */
  function withDefect(stackId: string, plant: (resources: Resources) => void): PathResult[] {
    const stacks: StackTemplate[] = pristine.map((s) => (s.stackId === stackId ? structuredClone(s) : s));
    plant(stacks.find((s) => s.stackId === stackId)!.resources as Resources);
    return checkNetworkPaths(stacks);
  }
  const row = (results: PathResult[], stack: string, flow: string, to?: string): PathResult => {
    const found = results.filter((r) => r.stack === stack && r.flow === flow && (to === undefined || r.to === to));
    if (found.length !== 1) throw new Error(`expected one ${stack} "${flow}" row to ${to}, found ${found.length}`);
    return found[0];
  };
  const outcome = (r: PathResult) => ({ status: r.status, needs: r.needs });
  const ingressRules = (resources: Resources, group: string) =>
    resources[group].Properties.SecurityGroupIngress as Record<string, unknown>[];
  const baseline = checkNetworkPaths(pristine);

  test('the unplanted templates pass every flow these tests break', () => {
    expect(
      baseline.filter((r) => r.status !== 'PASS').map((r) => `${r.stack} ${r.flow}: ${r.needs.join('; ')}`),
    ).toEqual([]);
  });

  test('test-port ingress removed: the smoke check fails, naming the group, the port and every NAT EIP', () => {
    const results = withDefect('Prod', (resources) => {
      const rules = ingressRules(resources, 'ServiceLoadBalancerSecurityGroup2552BF12');
      resources.ServiceLoadBalancerSecurityGroup2552BF12.Properties.SecurityGroupIngress = rules.filter(
        (r) => r.FromPort !== 8080,
      );
    });
    expect(outcome(row(results, 'Prod', 'smoke check -> test listener'))).toEqual({
      status: 'FAIL',
      needs: [
        "ServiceLoadBalancerSecurityGroup2552BF12 needs ingress tcp 8080 from the NAT gateways' EIPs " +
          'NetworkVpcpublicSubnet1EIPC41EF705, NetworkVpcpublicSubnet2EIPFC8511D4, ' +
          'NetworkVpcpublicSubnet3EIPEA3072B7',
      ],
    });
    expect(row(results, 'Prod', 'canary -> production listener').status).toBe('PASS');
    const table = formatPathTable(results);
    expect(table).toContain(
      "\n    needs: ServiceLoadBalancerSecurityGroup2552BF12 needs ingress tcp 8080 from the NAT gateways' EIPs ",
    );
    expect(table.trimEnd().split('\n').pop()).toMatch(/^\d+ paths: \d+ pass, 1 fail$/);
  });

  test('test port open to the VPC CIDR only (issue 12 item 1): the NAT source address does not match', () => {
    const results = withDefect('Dev', (resources) => {
      const rules = ingressRules(resources, 'ServiceLoadBalancerSecurityGroup2552BF12').filter(
        (r) => r.FromPort !== 8080,
      );
      rules.push({
        CidrIp: { 'Fn::GetAtt': ['NetworkVpc7FB7348F', 'CidrBlock'] },
        FromPort: 8080,
        ToPort: 8080,
        IpProtocol: 'tcp',
      });
      resources.ServiceLoadBalancerSecurityGroup2552BF12.Properties.SecurityGroupIngress = rules;
    });
    expect(outcome(row(results, 'Dev', 'smoke check -> test listener'))).toEqual({
      status: 'FAIL',
      needs: [
        "ServiceLoadBalancerSecurityGroup2552BF12 needs ingress tcp 8080 from the NAT gateways' EIPs " +
          'NetworkVpcpublicSubnet1EIPC41EF705',
      ],
    });
  });

  test("database security group without the tasks' group: tasks -> database fails, rotation still passes", () => {
    const results = withDefect('Staging', (resources) => {
      for (const [id, r] of Object.entries(resources)) {
        if (
          r.Type === 'AWS::EC2::SecurityGroupIngress' &&
          JSON.stringify(r.Properties.SourceSecurityGroupId).includes('ServiceServiceSecurityGroup2EC49266')
        ) {
          if (JSON.stringify(r.Properties.GroupId).includes('DatabaseClusterSecurityGroupFEF1426A'))
            delete resources[id];
        }
      }
    });
    expect(outcome(row(results, 'Staging', 'tasks -> database'))).toEqual({
      status: 'FAIL',
      needs: [
        'DatabaseClusterSecurityGroupFEF1426A needs ingress tcp 5432 from security group ' +
          'ServiceServiceSecurityGroup2EC49266',
      ],
    });
    expect(row(results, 'Staging', 'rotation Lambda -> database').status).toBe('PASS');
  });

  test('database subnet group in a subnet of another VPC: no local route between them', () => {
    const results = withDefect('Dev', (resources) => {
      resources.PlantedOtherVpc = { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.99.0.0/16' } };
      resources.PlantedOtherSubnet = {
        Type: 'AWS::EC2::Subnet',
        Properties: { CidrBlock: '10.99.0.0/24', VpcId: { Ref: 'PlantedOtherVpc' } },
      };
      const group = Object.entries(resources).find(([, r]) => r.Type === 'AWS::RDS::DBSubnetGroup')![1];
      group.Properties.SubnetIds = [{ Ref: 'PlantedOtherSubnet' }];
    });
    const tasks = row(results, 'Dev', 'tasks -> database');
    expect(tasks.status).toBe('FAIL');
    // Dev's tasks run in its two private subnets; each is told apart.
    expect(tasks.needs).toEqual([
      'database DatabaseCluster5B53A178 (subnet PlantedOtherSubnet) is in another VPC than Service9571FDD8 tasks ' +
        '(subnet NetworkVpcprivateSubnet1Subnet9EC58498); no peering is modelled',
      'database DatabaseCluster5B53A178 (subnet PlantedOtherSubnet) is in another VPC than Service9571FDD8 tasks ' +
        '(subnet NetworkVpcprivateSubnet2Subnet6E5E8804); no peering is modelled',
    ]);
  });

  test('network ACL on the data subnets denying PostgreSQL from the VPC: denied before the allow-all entry', () => {
    const results = withDefect('Staging', (resources) => {
      resources.PlantedDataAcl = { Type: 'AWS::EC2::NetworkAcl', Properties: { VpcId: { Ref: 'NetworkVpc7FB7348F' } } };
      const entry = (ruleNumber: number, egress: boolean, action: string, extra: Record<string, unknown>) => ({
        Type: 'AWS::EC2::NetworkAclEntry',
        Properties: {
          NetworkAclId: { Ref: 'PlantedDataAcl' },
          RuleNumber: ruleNumber,
          Egress: egress,
          RuleAction: action,
          CidrBlock: '0.0.0.0/0',
          Protocol: -1,
          ...extra,
        },
      });
      resources.PlantedDenyPostgres = entry(100, false, 'deny', {
        Protocol: 6,
        CidrBlock: '10.20.0.0/16',
        PortRange: { From: 5432, To: 5432 },
      });
      resources.PlantedAllowIn = entry(200, false, 'allow', {});
      resources.PlantedAllowOut = entry(100, true, 'allow', {});
      for (const subnet of ['NetworkVpcdataSubnet1SubnetE7C988E9', 'NetworkVpcdataSubnet2Subnet7A99E9BE']) {
        resources[`PlantedAssociation${subnet}`] = {
          Type: 'AWS::EC2::SubnetNetworkAclAssociation',
          Properties: { SubnetId: { Ref: subnet }, NetworkAclId: { Ref: 'PlantedDataAcl' } },
        };
      }
    });
    const tasks = row(results, 'Staging', 'tasks -> database');
    expect(tasks.status).toBe('FAIL');
    // 2 data subnets x 2 private subnets (10.20.16.0/20 and 10.20.32.0/20), one line each.
    expect(tasks.needs).toEqual([
      'network ACL PlantedDataAcl (subnet NetworkVpcdataSubnet1SubnetE7C988E9) needs an allow entry inbound tcp ' +
        '5432 from 10.20.16.0/20: entry PlantedDenyPostgres (rule 100) denies it first',
      'network ACL PlantedDataAcl (subnet NetworkVpcdataSubnet2Subnet7A99E9BE) needs an allow entry inbound tcp ' +
        '5432 from 10.20.16.0/20: entry PlantedDenyPostgres (rule 100) denies it first',
      'network ACL PlantedDataAcl (subnet NetworkVpcdataSubnet1SubnetE7C988E9) needs an allow entry inbound tcp ' +
        '5432 from 10.20.32.0/20: entry PlantedDenyPostgres (rule 100) denies it first',
      'network ACL PlantedDataAcl (subnet NetworkVpcdataSubnet2Subnet7A99E9BE) needs an allow entry inbound tcp ' +
        '5432 from 10.20.32.0/20: entry PlantedDenyPostgres (rule 100) denies it first',
    ]);
    expect(row(results, 'Staging', 'rotation Lambda -> database').status).toBe('FAIL');
  });

  test('network ACL allowing PostgreSQL in but no ephemeral ports out: the reply is dropped', () => {
    const results = withDefect('Staging', (resources) => {
      resources.PlantedDataAcl = {
        Type: 'AWS::EC2::NetworkAcl',
        Properties: { VpcId: { Ref: 'NetworkVpc7FB7348F' } },
      };
      const entry = (egress: boolean) => ({
        Type: 'AWS::EC2::NetworkAclEntry',
        Properties: {
          NetworkAclId: { Ref: 'PlantedDataAcl' },
          RuleNumber: 100,
          Egress: egress,
          RuleAction: 'allow',
          CidrBlock: '10.20.0.0/16',
          Protocol: 6,
          PortRange: { From: 5432, To: 5432 },
        },
      });
      resources.PlantedAllowPostgresIn = entry(false);
      resources.PlantedAllowPostgresOut = entry(true);
      resources.PlantedAssociation = {
        Type: 'AWS::EC2::SubnetNetworkAclAssociation',
        Properties: {
          SubnetId: { Ref: 'NetworkVpcdataSubnet1SubnetE7C988E9' },
          NetworkAclId: { Ref: 'PlantedDataAcl' },
        },
      };
    });
    expect(outcome(row(results, 'Staging', 'tasks -> database'))).toEqual({
      status: 'FAIL',
      needs: [
        'network ACL PlantedDataAcl (subnet NetworkVpcdataSubnet1SubnetE7C988E9) needs an allow entry outbound tcp ' +
          '1024-65535 to 10.20.16.0/20',
        'network ACL PlantedDataAcl (subnet NetworkVpcdataSubnet1SubnetE7C988E9) needs an allow entry outbound tcp ' +
          '1024-65535 to 10.20.32.0/20',
      ],
    });
  });

  test(
    'private subnets without their NAT route (isolated): the smoke check reaches neither the load balancer nor ' +
      'CodeDeploy',
    () => {
      const results = withDefect('Dev', (resources) => {
        for (const [id, r] of Object.entries(resources))
          if (r.Type === 'AWS::EC2::Route' && r.Properties.NatGatewayId) delete resources[id];
      });
      const needs = (subnet: string, table: string, what: string) =>
        `route table ${table} (subnet ${subnet}) needs a 0.0.0.0/0 route to a NAT gateway for ` +
        `ServiceSmokeCheck9A8C0B51 to reach ${what}`;
      expect(outcome(row(results, 'Dev', 'smoke check -> test listener'))).toEqual({
        status: 'FAIL',
        needs: [
          needs(
            'NetworkVpcprivateSubnet1Subnet9EC58498',
            'NetworkVpcprivateSubnet1RouteTableABBAAF01',
            'load balancer ServiceLoadBalancer31A7DB79',
          ),
          needs(
            'NetworkVpcprivateSubnet2Subnet6E5E8804',
            'NetworkVpcprivateSubnet2RouteTable53A5479A',
            'load balancer ServiceLoadBalancer31A7DB79',
          ),
        ],
      });
      const codedeploy = 'the codedeploy API (no interface endpoint for codedeploy in this VPC)';
      expect(outcome(row(results, 'Dev', 'VPC Lambda -> AWS API', 'codedeploy API'))).toEqual({
        status: 'FAIL',
        needs: [
          needs('NetworkVpcprivateSubnet1Subnet9EC58498', 'NetworkVpcprivateSubnet1RouteTableABBAAF01', codedeploy),
          needs('NetworkVpcprivateSubnet2Subnet6E5E8804', 'NetworkVpcprivateSubnet2RouteTable53A5479A', codedeploy),
        ],
      });
      // Secrets Manager has an interface endpoint: the rotation Lambda does not need the NAT route.
      expect(row(results, 'Dev', 'VPC Lambda -> AWS API', 'secretsmanager API').status).toBe('PASS');
    },
  );

  test('smoke check in a public subnet: a Lambda has no public IP, the internet gateway is no way out', () => {
    const results = withDefect('Dev', (resources) => {
      const vpcConfig = resources.ServiceSmokeCheck9A8C0B51.Properties.VpcConfig as Record<string, unknown>;
      vpcConfig.SubnetIds = [{ Ref: 'NetworkVpcpublicSubnet1Subnet00617657' }];
    });
    expect(outcome(row(results, 'Dev', 'VPC Lambda -> AWS API', 'codedeploy API'))).toEqual({
      status: 'FAIL',
      needs: [
        'ServiceSmokeCheck9A8C0B51 has no public IP, so the internet gateway route of subnet ' +
          'NetworkVpcpublicSubnet1Subnet00617657 ' +
          'gives it no way to the codedeploy API (no interface endpoint for codedeploy in this VPC); route ' +
          '0.0.0.0/0 to a NAT gateway',
      ],
    });
  });

  test('interface endpoint security group without HTTPS: Lambdas cannot reach Secrets Manager through it', () => {
    const results = withDefect('Prod', (resources) => {
      resources.NetworkEndpointSecurityGroup6DEF6240.Properties.SecurityGroupIngress = [];
    });
    const secrets = results.filter((r) => r.stack === 'Prod' && r.to === 'secretsmanager API');
    expect(secrets.map(outcome)).toEqual([
      {
        status: 'FAIL',
        needs: [
          'NetworkEndpointSecurityGroup6DEF6240 needs ingress tcp 443 from security group ' +
            'ServiceSmokeCheckSecurityGroup31D17034',
        ],
      },
      {
        status: 'FAIL',
        needs: [
          'NetworkEndpointSecurityGroup6DEF6240 needs ingress tcp 443 from security group ' +
            'DatabaseRotationSecurityGroup8E1B7C66',
        ],
      },
    ]);
  });

  test('production listener closed to the internet: the canary and the Route 53 health checkers fail', () => {
    const results = withDefect('Prod', (resources) => {
      const rules = ingressRules(resources, 'ServiceLoadBalancerSecurityGroup2552BF12');
      for (const rule of rules)
        if (rule.FromPort === 443) rule.CidrIp = { 'Fn::GetAtt': ['NetworkVpc7FB7348F', 'CidrBlock'] };
    });
    expect(outcome(row(results, 'Prod', 'canary -> production listener'))).toEqual({
      status: 'FAIL',
      needs: [
        'ServiceLoadBalancerSecurityGroup2552BF12 needs ingress tcp 443 from 0.0.0.0/0 (CanaryFunction7B473602 ' +
          '(orders-prod-canary) (outside any VPC))',
      ],
    });
    expect(
      results.filter((r) => r.stack === 'Prod' && r.flow === 'Route 53 health checkers -> load balancer').map(outcome),
    ).toEqual([
      {
        status: 'FAIL',
        needs: [
          'ServiceLoadBalancerSecurityGroup2552BF12 needs ingress tcp 443 from 0.0.0.0/0 (Route 53 health checkers ' +
            '(ip-ranges.json ROUTE53_HEALTHCHECKS))',
        ],
      },
      {
        status: 'FAIL',
        needs: [
          'ServiceLoadBalancerSecurityGroup2552BF12 needs ingress tcp 443 from 0.0.0.0/0 (Route 53 health checkers ' +
            '(ip-ranges.json ROUTE53_HEALTHCHECKS))',
        ],
      },
    ]);
  });

  test(
    'internal load balancer: the canary outside the VPC cannot reach it, and the smoke check arrives from its ' +
      'own group',
    () => {
      const results = withDefect('Dev', (resources) => {
        resources.ServiceLoadBalancer31A7DB79.Properties.Scheme = 'internal';
      });
      expect(outcome(row(results, 'Dev', 'canary -> production listener'))).toEqual({
        status: 'FAIL',
        needs: [
          'load balancer ServiceLoadBalancer31A7DB79 is internal: its DNS name resolves to private addresses, ' +
            'unreachable from outside the VPC',
        ],
      });
      expect(outcome(row(results, 'Dev', 'smoke check -> test listener'))).toEqual({
        status: 'FAIL',
        needs: [
          'ServiceLoadBalancerSecurityGroup2552BF12 needs ingress tcp 8080 from security group ' +
            'ServiceSmokeCheckSecurityGroup31D17034',
        ],
      });
    },
  );

  test('rotation Lambda security group with no egress: rotation -> database fails', () => {
    const results = withDefect('Staging', (resources) => {
      resources.DatabaseRotationSecurityGroup8E1B7C66.Properties.SecurityGroupEgress = [
        {
          CidrIp: '255.255.255.255/32',
          Description: 'Disallow all traffic',
          FromPort: 252,
          IpProtocol: 'icmp',
          ToPort: 86,
        },
      ];
    });
    expect(outcome(row(results, 'Staging', 'rotation Lambda -> database'))).toEqual({
      status: 'FAIL',
      needs: [
        'DatabaseRotationSecurityGroup8E1B7C66 needs egress tcp 5432 to security group ' +
          'DatabaseClusterSecurityGroupFEF1426A',
      ],
    });
  });

  test("DR database site's security group without the standby tasks: standby tasks -> DR database fails", () => {
    const results = withDefect('DrRegion', (resources) => {
      for (const [id, r] of Object.entries(resources)) {
        if (
          r.Type === 'AWS::EC2::SecurityGroupIngress' &&
          JSON.stringify(r.Properties.GroupId).includes('DatabaseSiteSecurityGroup8488D4D6')
        )
          delete resources[id];
      }
    });
    expect(outcome(row(results, 'DrRegion', 'standby tasks -> DR database'))).toEqual({
      status: 'FAIL',
      needs: [
        'DatabaseSiteSecurityGroup8488D4D6 needs ingress tcp 5432 from security group ' +
          'StandbyServiceSecurityGroup0B30431E',
      ],
    });
  });

  test('without the global database secondary (pilot light), standby -> DR database does not apply', () => {
    const results = withDefect('Prod', (resources) => {
      for (const [id, r] of Object.entries(resources))
        if (r.Type === 'Custom::AuroraGlobalSecondary') delete resources[id];
    });
    expect(outcome(row(results, 'DrRegion', 'standby tasks -> DR database'))).toEqual({
      status: 'N/A',
      needs: [
        'no DR database is declared in the templates (pilot light: npm run ops -- dr-restore creates it at failover)',
      ],
    });
    const table = formatPathTable(results).split('\n');
    const line = table.findIndex((l) => /^DrRegion\s+standby tasks -> DR database\s.*\sN\/A$/.test(l));
    expect(table[line + 1]).toBe(
      '    n/a: no DR database is declared in the templates ' +
        '(pilot light: npm run ops -- dr-restore creates it at failover)',
    );
  });

  test('smoke check pointed at the production port: it is not the deployment group test listener', () => {
    const results = withDefect('Dev', (resources) => {
      const variables = (
        resources.ServiceSmokeCheck9A8C0B51.Properties.Environment as { Variables: Record<string, unknown> }
      ).Variables;
      variables.TEST_ENDPOINT_URL = JSON.parse(JSON.stringify(variables.TEST_ENDPOINT_URL).replace(':8080', ''));
    });
    expect(row(results, 'Dev', 'smoke check -> test listener').needs).toEqual([
      'ServiceSmokeCheck9A8C0B51 calls listener ServiceLoadBalancerHttpListener7A52CDDD on port 80, not the test ' +
        'listener (ServiceLoadBalancerTestListener75EE92E3)',
    ]);
  });

  test('a declared flow that disappears fails: no canary calls the environment', () => {
    const results = withDefect('Dev', (resources) => {
      delete (resources.CanaryFunction7B473602.Properties.Environment as { Variables: Record<string, unknown> })
        .Variables.ENDPOINT_URL;
    });
    expect(outcome(row(results, 'Dev', 'canary -> production listener'))).toEqual({
      status: 'FAIL',
      needs: ['declared flow not found: no canary Lambda calls a listener of this environment'],
    });
  });
});
