import { checkNetworkPaths } from '../../lib/proofs/network';
import { readCloudAssembly } from '../../lib/report/templates';
import { defaultConfig, synthBulwark } from '../helpers/app';

/** The network path proofs on the `-c drill=true` templates (DrRegion with the DR drill), synthesized once. */
describe('network paths with -c drill=true', () => {
  const bulwark = synthBulwark(defaultConfig(), { nag: false, drill: true });
  const { stacks } = readCloudAssembly(bulwark.assembly.directory);
  const results = checkNetworkPaths(stacks);

  test('the drill variant synthesizes the drill into DrRegion', () => {
    const drRegion = stacks.find((s) => s.stackId === 'DrRegion')!;
    expect(Object.keys(drRegion.resources).filter((id) => id.startsWith('DrillTrigger'))).toHaveLength(1);
  });

  test.each(['Dev', 'Staging', 'Prod', 'DrRegion'])('%s: every declared flow passes', (stack) => {
    expect(
      results
        .filter((r) => r.stack === stack && r.status !== 'PASS')
        .map((r) => `${r.flow}: ${r.status} ${r.needs.join('; ')}`),
    ).toEqual([]);
  });

  test('DrRegion keeps every flow of the standby; the drill Lambda runs outside the VPC and adds no path', () => {
    expect(results.filter((r) => r.stack === 'DrRegion').map((r) => `${r.flow}: ${r.from} -> ${r.to}`)).toEqual([
      'smoke check -> test listener: StandbySmokeCheck42B24C01 -> StandbyLoadBalancerTestListenerDDBDE700:8080',
      // The DR canary probes the standby; the primary probe probes the service domain, whose record in this
      // stack (the SECONDARY CNAME) names the standby load balancer: the path it takes after failover.
      'canary -> production listener: ProbesCanaryFunction370F9463 (orders-dr-canary) -> ' +
        'StandbyLoadBalancerHttpsListener6CF0926D:443',
      'canary -> production listener: ProbesPrimaryProbeFunction70731DD5 (orders-dr-primary-probe) -> ' +
        'StandbyLoadBalancerHttpsListener6CF0926D:443',
      'load balancer -> service tasks: StandbyLoadBalancer66209FBD -> StandbyService23712348:80',
      'standby tasks -> DR database: StandbyService23712348 tasks -> Prod/GlobalDatabaseSecondary6F44BE97:5432',
      'VPC Lambda -> AWS API: StandbySmokeCheck42B24C01 -> codedeploy API',
      'Route 53 health checkers -> load balancer: Route 53 health checkers (FailoverHealthCheck27E5A402) -> ' +
        'StandbyLoadBalancerHttpsListener6CF0926D:443',
      'Route 53 health checkers -> load balancer: Route 53 health checkers ' +
        '(FailoverDrillFailoverHealthCheck014F0A34) -> StandbyLoadBalancerHttpsListener6CF0926D:443',
    ]);
    const drill = Object.entries(stacks.find((s) => s.stackId === 'DrRegion')!.resources).find(
      ([id]) =>
        id.startsWith('DrillHandler') && !id.includes('Role') && !id.includes('Logs') && !id.includes('Version'),
    )!;
    expect({ type: drill[1].Type, vpcConfig: drill[1].Properties?.VpcConfig }).toEqual({
      type: 'AWS::Lambda::Function',
      vpcConfig: undefined,
    });
  });
});
