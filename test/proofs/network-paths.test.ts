import { checkNetworkPaths, formatPathTable, PathResult } from '../../lib/proofs/network';
import { readCloudAssembly } from '../../lib/report/templates';
import { defaultConfig, synthBulwark } from '../helpers/app';

/**
 * The network path proofs on the default config's templates, synthesized once for this file: every declared flow of
 * every environment stack must pass. The expected rows are written out by hand from the templates' logical ids.
 */
describe('network paths of the default config', () => {
  const bulwark = synthBulwark(defaultConfig(), { nag: false });
  const results = checkNetworkPaths(readCloudAssembly(bulwark.assembly.directory).stacks);
  const rowsOf = (stack: string) =>
    results.filter((r) => r.stack === stack).map((r) => `${r.flow}: ${r.from} -> ${r.to}`);
  const failures = (stack: string) =>
    results
      .filter((r) => r.stack === stack && r.status !== 'PASS')
      .map((r) => `${r.flow}: ${r.status} ${r.needs.join('; ')}`);

  test.each(['Dev', 'Staging', 'Prod', 'DrRegion'])('%s: every declared flow passes', (stack) => {
    expect(failures(stack)).toEqual([]);
  });

  test('Dev and Staging: smoke check, canary, load balancer, database, rotation, AWS APIs of VPC Lambdas', () => {
    const rotation = (env: string) =>
      `DatabaseClusterSecretAttachmentRotation2DE8C19B hosted rotation Lambda (orders-${env}-db-rotation)`;
    for (const env of ['dev', 'staging']) {
      expect(rowsOf(env === 'dev' ? 'Dev' : 'Staging')).toEqual([
        'smoke check -> test listener: ServiceSmokeCheck9A8C0B51 -> ServiceLoadBalancerTestListener75EE92E3:8080',
        `canary -> production listener: CanaryFunction7B473602 (orders-${env}-canary) -> ` +
          `ServiceLoadBalancerHttpListener7A52CDDD:80`,
        'load balancer -> service tasks: ServiceLoadBalancer31A7DB79 -> Service9571FDD8:80',
        'tasks -> database: Service9571FDD8 tasks -> DatabaseCluster5B53A178:5432',
        `rotation Lambda -> database: ${rotation(env)} -> DatabaseCluster5B53A178:5432`,
        'VPC Lambda -> AWS API: ServiceSmokeCheck9A8C0B51 -> codedeploy API',
        `VPC Lambda -> AWS API: ${rotation(env)} -> secretsmanager API`,
      ]);
    }
  });

  test('Prod: HTTPS production listener, the smoke check token from Secrets Manager, two health checks', () => {
    const rotation = 'DatabaseClusterSecretAttachmentRotation2DE8C19B hosted rotation Lambda (orders-prod-db-rotation)';
    expect(rowsOf('Prod')).toEqual([
      'smoke check -> test listener: ServiceSmokeCheck9A8C0B51 -> ServiceLoadBalancerTestListener75EE92E3:8080',
      'canary -> production listener: CanaryFunction7B473602 (orders-prod-canary) -> ' +
        'ServiceLoadBalancerHttpsListener26581618:443',
      'load balancer -> service tasks: ServiceLoadBalancer31A7DB79 -> Service9571FDD8:80',
      'tasks -> database: Service9571FDD8 tasks -> DatabaseCluster5B53A178:5432',
      `rotation Lambda -> database: ${rotation} -> DatabaseCluster5B53A178:5432`,
      'VPC Lambda -> AWS API: ServiceSmokeCheck9A8C0B51 -> codedeploy API',
      'VPC Lambda -> AWS API: ServiceSmokeCheck9A8C0B51 -> secretsmanager API',
      `VPC Lambda -> AWS API: ${rotation} -> secretsmanager API`,
      'Route 53 health checkers -> load balancer: Route 53 health checkers (FailoverHealthCheck27E5A402) -> ' +
        'ServiceLoadBalancerHttpsListener26581618:443',
      'Route 53 health checkers -> load balancer: Route 53 health checkers ' +
        '(FailoverDrillFailoverHealthCheck014F0A34) -> ServiceLoadBalancerHttpsListener26581618:443',
    ]);
  });

  test('DrRegion: the standby reaches the global database secondary Prod creates in its data subnets', () => {
    expect(rowsOf('DrRegion')).toEqual([
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
  });

  test('the smoke check reaches the internet-facing load balancer through the NAT gateway of each subnet', () => {
    const smoke = (stack: string): PathResult =>
      results.find((r) => r.stack === stack && r.flow === 'smoke check -> test listener')!;
    // Prod: three private subnets, one NAT gateway each (config natGateways: 3).
    expect(smoke('Prod').via).toEqual([
      'NAT gateway NetworkVpcpublicSubnet1NATGateway939C8F7E (EIP NetworkVpcpublicSubnet1EIPC41EF705)',
      'internet gateway NetworkVpcIGW6BEA7B02',
      'NAT gateway NetworkVpcpublicSubnet2NATGatewayCA65A467 (EIP NetworkVpcpublicSubnet2EIPFC8511D4)',
      'NAT gateway NetworkVpcpublicSubnet3NATGatewayE8F8204A (EIP NetworkVpcpublicSubnet3EIPEA3072B7)',
    ]);
    // Dev: natGateways: 1, so both private subnets leave through the one NAT gateway.
    expect(smoke('Dev').via).toEqual([
      'NAT gateway NetworkVpcpublicSubnet1NATGateway939C8F7E (EIP NetworkVpcpublicSubnet1EIPC41EF705)',
      'internet gateway NetworkVpcIGW6BEA7B02',
    ]);
  });

  test('the path table prints one line per flow with its result, and the totals', () => {
    const table = formatPathTable(results);
    const lines = table.split('\n');
    expect(lines[0]).toBe('Network paths (from the synthesized templates)');
    expect(lines[1].split(/\s{2,}/)).toEqual(['stack', 'flow', 'from', 'to', 'result']);
    expect(lines.filter((l) => /^(Dev|Staging|Prod|DrRegion)\s.*\sPASS$/.test(l))).toHaveLength(results.length);
    expect(table.trimEnd().endsWith(`${results.length} paths: ${results.length} pass, 0 fail`)).toBe(true);
  });
});
