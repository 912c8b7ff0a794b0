import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describeDifference } from '../../lib/parity/compare';
import { TemplateResource } from '../../lib/parity/inventory';
import { environmentParity, readEnvironmentTemplates } from '../../lib/parity/run';
import { defaultConfig, defaultConfigInput, synthBulwark } from '../helpers/app';
import { validateConfig } from '../../config';

type Templates = Record<string, Record<string, TemplateResource>>;

const root = path.join(__dirname, '..', '..');
const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const ENVIRONMENTS = ['Dev', 'Staging', 'Prod'];
const assemblyDir = synthBulwark().assembly.directory;
const synthesized: Templates = readEnvironmentTemplates(assemblyDir, ENVIRONMENTS);
/** A private copy of the templates to plant differences in. */
const copy = (): Templates => structuredClone(synthesized);

describe('environment parity on the default config', () => {
  const result = environmentParity(defaultConfig(), synthesized);

  test('passes: every difference between Dev, Staging and Prod is one the config asks for', () => {
    expect(result.unexplained.map(describeDifference)).toEqual([]);
  });

  test('compares every capability', () => {
    for (const capability of ['resources', 'alarms', 'backup', 'switches', 'journeys', 'network'] as const) {
      expect(result.compared[capability]).toBeGreaterThan(0);
    }
  });

  test('names the settings behind the differences it accepts', () => {
    const explained = (key: string) => result.explained.find((d) => d.key === key);
    // Dev and Staging run one NAT gateway, Prod one per zone in its three zones.
    expect(explained('NAT gateways')).toMatchObject({
      explainedBy: 'vpc.natGateways',
      counts: { Dev: 1, Staging: 1, Prod: 3 },
    });
    // Only Prod serves HTTPS (it has a certificate): an HTTPS listener, no plain HTTP one.
    const httpListener = 'Service/LoadBalancer/HttpListener/Resource AWS::ElasticLoadBalancingV2::Listener';
    expect(explained(httpListener)).toMatchObject({
      explainedBy: 'service.certificateArn',
      counts: { Dev: 1, Staging: 1, Prod: 0 },
    });
    // Only Prod has a DR region: its region-down alarm.
    expect(explained('alarm dr-primary-unhealthy')).toMatchObject({
      explainedBy: 'dr',
      counts: { Dev: 0, Staging: 0, Prod: 1 },
    });
    // Staging backs up daily only (scheduleEveryHours 24): no Frequent rule.
    expect(explained('backup rule Frequent')).toMatchObject({
      explainedBy: 'backup.scheduleEveryHours',
      counts: { Dev: 1, Staging: 0, Prod: 1 },
    });
  });
});

describe('a planted difference', () => {
  test('an alarm deleted from Staging fails, naming the alarm and its resource', () => {
    const templates = copy();
    delete templates.Staging.AlarmsHttp5xxCriticalAlarm4BDA7536;
    const result = environmentParity(defaultConfig(), templates);
    const lines = result.unexplained.map(describeDifference);
    expect(lines).toEqual([
      'resources: Alarms/Http5xxCriticalAlarm/Resource AWS::CloudWatch::Alarm [Dev 1, Staging 0, Prod 1] ' +
        '(Dev: AlarmsHttp5xxCriticalAlarm4BDA7536; Prod: AlarmsHttp5xxCriticalAlarm4BDA7536)',
      'alarms: alarm http-5xx-critical [Dev 1, Staging 0, Prod 1] ' +
        '(Dev: orders-dev-http-5xx-critical; Prod: orders-prod-http-5xx-critical)',
    ]);
  });

  test('a resource added to Dev fails, naming its logical id', () => {
    const templates = copy();
    templates.Dev.StrayQueue1A2B3C4D = {
      Type: 'AWS::SQS::Queue',
      Properties: {},
      Metadata: { 'aws:cdk:path': 'Dev/Stray/Queue/Resource' },
    };
    const result = environmentParity(defaultConfig(), templates);
    expect(result.unexplained.map(describeDifference)).toEqual([
      'resources: Stray/Queue/Resource AWS::SQS::Queue [Dev 1, Staging 0, Prod 0] (Dev: StrayQueue1A2B3C4D)',
    ]);
  });

  test('a second NAT gateway in Staging passes when Staging.vpc.natGateways is 2, and fails when it is not', () => {
    const templates = copy();
    // Prod's second NAT gateway and its Elastic IP, as Staging would have them.
    for (const id of ['NetworkVpcpublicSubnet2EIPFC8511D4', 'NetworkVpcpublicSubnet2NATGatewayCA65A467']) {
      const resource = structuredClone(synthesized.Prod[id]);
      const cdkPath = String(resource.Metadata!['aws:cdk:path']).replace(/^Prod\//, 'Staging/');
      templates.Staging[id] = { ...resource, Metadata: { 'aws:cdk:path': cdkPath } };
    }

    const input = defaultConfigInput();
    input.environments.find((e) => e.name === 'Staging')!.vpc.natGateways = 2;
    const explained = environmentParity(validateConfig(input), templates);
    expect(explained.unexplained.map(describeDifference)).toEqual([]);
    expect(explained.explained.find((d) => d.key === 'NAT gateways')).toMatchObject({
      explainedBy: 'vpc.natGateways',
      counts: { Dev: 1, Staging: 2, Prod: 3 },
    });

    const unexplained = environmentParity(defaultConfig(), templates);
    expect(unexplained.unexplained.map(describeDifference)).toEqual([
      'resources: Network/Vpc/publicSubnet2/EIP AWS::EC2::EIP [Dev 0, Staging 1, Prod 1] ' +
        '(Staging: NetworkVpcpublicSubnet2EIPFC8511D4; Prod: NetworkVpcpublicSubnet2EIPFC8511D4); ' +
        'the config expects Dev absent, Staging absent, Prod present',
      'resources: Network/Vpc/publicSubnet2/NATGateway AWS::EC2::NatGateway [Dev 0, Staging 1, Prod 1] ' +
        '(Staging: NetworkVpcpublicSubnet2NATGatewayCA65A467; Prod: NetworkVpcpublicSubnet2NATGatewayCA65A467); ' +
        'the config expects Dev absent, Staging absent, Prod present',
      'network: NAT gateways [Dev 1, Staging 2, Prod 3] ' +
        '(Dev: NetworkVpcpublicSubnet1NATGateway939C8F7E; ' +
        'Staging: NetworkVpcpublicSubnet1NATGateway939C8F7E, NetworkVpcpublicSubnet2NATGatewayCA65A467; ' +
        'Prod: NetworkVpcpublicSubnet1NATGateway939C8F7E, NetworkVpcpublicSubnet2NATGatewayCA65A467, ' +
        'NetworkVpcpublicSubnet3NATGatewayE8F8204A); the config expects Dev 1, Staging 1, Prod 3',
    ]);
  });
});

describe('npm run parity', () => {
  /** A cdk.out holding the manifest and the environment templates, Staging's without one alarm. */
  function plantedAssembly(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-parity-'));
    fs.copyFileSync(path.join(assemblyDir, 'manifest.json'), path.join(dir, 'manifest.json'));
    for (const env of ENVIRONMENTS) {
      // The stack metadata holds the construct paths when the template does not (a test app's synth).
      const metadata = path.join(assemblyDir, `${env}.metadata.json`);
      if (fs.existsSync(metadata)) fs.copyFileSync(metadata, path.join(dir, `${env}.metadata.json`));
      const template = JSON.parse(fs.readFileSync(path.join(assemblyDir, `${env}.template.json`), 'utf8'));
      if (env === 'Staging') delete template.Resources.AlarmsHttp5xxCriticalAlarm4BDA7536;
      fs.writeFileSync(path.join(dir, `${env}.template.json`), JSON.stringify(template));
    }
    return dir;
  }

  const run = (cdkOut: string) =>
    spawnSync(process.execPath, [tsx, 'bin/parity.ts', '--cdk-out', cdkOut], {
      cwd: root,
      encoding: 'utf8',
    });

  test('exits 0 on the default templates and 1 on a planted difference, naming it', () => {
    const passing = run(assemblyDir);
    expect(passing.stdout).toContain('PASS: every difference between the environments is one the config asks for.');
    expect(passing.status).toBe(0);

    const failing = run(plantedAssembly());
    expect(failing.stderr).toContain('Unexplained (2):');
    expect(failing.stderr).toContain('FAIL alarms: alarm http-5xx-critical [Dev 1, Staging 0, Prod 1]');
    expect(failing.stderr).toContain('AlarmsHttp5xxCriticalAlarm4BDA7536');
    expect(failing.status).toBe(1);
  }, 60_000);
});
