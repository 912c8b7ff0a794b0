import { Match } from 'aws-cdk-lib/assertions';
import { validateConfig } from '../../config';
import { DRILL_PREFIX } from '../../lib/dr/dr-drill';
import { STANDBY_UNHEALTHY_ALARM_ID } from '../../lib/dr/primary-failover';
import { formatFinding, runCfnLint, templatesIn } from '../../lib/tooling/cfn-lint';
import { defaultConfigInput, synthBulwark } from '../helpers/app';

/**
 * A second config: Prod as a tier-3 service with a pilot-light standby (tier 1 and 2 RPOs cannot be
 * met by restoring copied backups), synthesized with the drill on.
 */
const input = defaultConfigInput();
const prodInput = input.environments.find((e) => e.name === 'Prod')!;
Object.assign(prodInput, { tier: 3, dr: { ...prodInput.dr!, standbyMode: 'pilot-light' } });
const bulwark = synthBulwark(validateConfig(input), { drill: true });
const drRegion = bulwark.template('DrRegion');

describe('DrRegion with a pilot light, drill on', () => {
  test('the pilot-light standby runs 0 tasks until the failover runbook scales it', () => {
    drRegion.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 0 });
  });

  test('no global database for a pilot light: it restores the copied recovery points instead', () => {
    bulwark.template('Prod').resourceCountIs('AWS::RDS::GlobalCluster', 0);
    bulwark.template('Prod').resourceCountIs('Custom::AuroraGlobalSecondary', 0);
    drRegion.resourceCountIs('AWS::RDS::DBSubnetGroup', 0);
    bulwark.template('Prod').hasResourceProperties('AWS::SecretsManager::Secret', { Name: '/orders/prod/database', ReplicaRegions: Match.absent() });
  });

  test('no standby health check alarm for a pilot light: its check fails by design', () => {
    bulwark.template('Prod').resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmName: `orders-prod-${STANDBY_UNHEALTHY_ALARM_ID}` }, 0);
  });

  test('-c drill=true adds the deploy-time trigger, after the standby, the failover record and the data sinks', () => {
    drRegion.resourceCountIs('Custom::Trigger', 1);
    const [trigger] = Object.values(drRegion.findResources('Custom::Trigger')) as Array<{ DependsOn: string[] }>;
    for (const prefix of ['Standby', 'Failover', 'DataSinks']) expect(trigger.DependsOn.some((d) => d.startsWith(prefix))).toBe(true);
  });

  test('the drill reports into the replica bucket, whose freshness checks ignore the drill prefix', () => {
    const settings = JSON.stringify(drRegion.findResources('AWS::Lambda::Function'));
    expect(settings).toContain('pilot-light');
    expect(settings).toContain(DRILL_PREFIX);
  });
});

test('the drill and pilot-light variant of every template passes cfn-lint with zero errors', () => {
  const errors = runCfnLint(templatesIn(bulwark.assembly.directory)).filter((f) => f.level === 'Error');
  expect(errors.map(formatFinding)).toEqual([]);
});
