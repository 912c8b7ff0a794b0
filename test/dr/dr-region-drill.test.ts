import * as path from 'path';
import { Match } from 'aws-cdk-lib/assertions';
import { validateConfig } from '../../config';
import { REPLICATION_LAG_ALARM_ID } from '../../lib/data/global-database';
import { DRILL_PREFIX } from '../../lib/dr/dr-drill';
import { STANDBY_UNHEALTHY_ALARM_ID } from '../../lib/dr/primary-failover';
import { formatFinding } from '../../lib/tooling/cfn-lint';
import { defaultConfigInput, synthBulwark } from '../helpers/app';
import { runCfnLintShared } from '../helpers/cfn-lint-shared';
import { templatesToLint } from '../helpers/variant-templates';

/**
 * A second config: Prod as a tier-3 service with a pilot-light standby (a headless Aurora global database
 * secondary; copied backups are the dr-restore fallback), synthesized with the drill on.
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

  test('a pilot light keeps a headless global database secondary (no instance until the plan adds one)', () => {
    bulwark.template('Prod').resourceCountIs('AWS::RDS::GlobalCluster', 1);
    bulwark.template('Prod').hasResourceProperties('Custom::AuroraGlobalSecondary', {
      DBClusterIdentifier: 'orders-dr-db',
      Headless: true,
    });
    // Tier 3: no rds.global_db_rpo (the bound is set for tier 1 only), so no parameter group of our own.
    bulwark.template('Prod').resourceCountIs('AWS::RDS::DBClusterParameterGroup', 0);
    // The credentials reach the DR region: the promoted (or restored) cluster is served with them.
    bulwark.template('Prod').hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: '/orders/prod/database',
      ReplicaRegions: [{ Region: 'us-west-2' }],
    });
  });

  test('the restore target exists in pilot light too: subnet group, security group, key, private zone, standby admitted', () => {
    drRegion.resourceCountIs('AWS::RDS::DBSubnetGroup', 1);
    drRegion.hasResourceProperties('AWS::RDS::DBSubnetGroup', { DBSubnetGroupName: 'orders-dr-db' });
    drRegion.hasResourceProperties('AWS::EC2::SecurityGroup', { GroupName: 'orders-dr-db' });
    drRegion.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/orders-dr-db' });
    drRegion.hasResourceProperties('AWS::Route53::HostedZone', { Name: 'orders-dr.internal.' });
    drRegion.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 5432,
      ToPort: 5432,
      IpProtocol: 'tcp',
      Description: 'Standby service tasks',
    });
    drRegion.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({ Environment: Match.arrayWith([{ Name: 'DB_HOST', Value: 'db.orders-dr.internal' }]) }),
      ]),
    });
  });

  test('dr-restore finds its role and the restore target by name', () => {
    drRegion.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'orders-dr-restore',
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'backup.amazonaws.com' } })],
      }),
    });
    drRegion.hasResourceProperties('AWS::SSM::Parameter', { Name: '/orders/dr/database/restore-target' });
  });

  test('the replication-lag alarm guards the headless secondary too', () => {
    drRegion.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'AuroraGlobalDBReplicationLag' }, 1);
    drRegion.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { AlarmName: `orders-dr-${REPLICATION_LAG_ALARM_ID}` },
      1,
    );
  });

  test('no standby health check alarm for a pilot light: its check fails by design', () => {
    bulwark
      .template('Prod')
      .resourcePropertiesCountIs(
        'AWS::CloudWatch::Alarm',
        { AlarmName: `orders-prod-${STANDBY_UNHEALTHY_ALARM_ID}` },
        0,
      );
  });

  test('-c drill=true adds the deploy-time trigger, after the standby, the failover record and the data sinks', () => {
    drRegion.resourceCountIs('Custom::Trigger', 1);
    const [trigger] = Object.values(drRegion.findResources('Custom::Trigger')) as Array<{ DependsOn: string[] }>;
    for (const prefix of ['Standby', 'Failover', 'DataSinks'])
      expect(trigger.DependsOn.some((d) => d.startsWith(prefix))).toBe(true);
  });

  test('the drill reports into the replica bucket, whose freshness checks ignore the drill prefix', () => {
    const settings = JSON.stringify(drRegion.findResources('AWS::Lambda::Function'));
    expect(settings).toContain('pilot-light');
    expect(settings).toContain(DRILL_PREFIX);
  });
});

describe('the drill fails over its own record pair, never the live one (whole app, drill on)', () => {
  const prod = bulwark.template('Prod');
  const drillFunction = () => {
    const found = Object.entries(drRegion.findResources('AWS::Lambda::Function')).filter(([, f]) =>
      JSON.stringify(f).includes('DRILL_SETTINGS'),
    );
    expect(found).toHaveLength(1);
    return found[0];
  };

  test('Prod holds the live PRIMARY and the drill PRIMARY, DrRegion both SECONDARYs, each with its own health check', () => {
    for (const [template, role] of [
      [prod, 'PRIMARY'],
      [drRegion, 'SECONDARY'],
    ] as const) {
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'orders.example.com.',
        Failover: role,
        SetIdentifier: `orders-${role.toLowerCase()}`,
      });
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'drill.orders.example.com.',
        Failover: role,
        SetIdentifier: `orders-drill-${role.toLowerCase()}`,
      });
      template.resourceCountIs('AWS::Route53::HealthCheck', 2);
      template.resourcePropertiesCountIs(
        'AWS::Route53::HealthCheck',
        { HealthCheckTags: Match.arrayWith([{ Key: 'bulwark:purpose', Value: 'dr-drill' }]) },
        1,
      );
    }
    prod.hasOutput('DrillPrimaryHealthCheckId', {
      Value: { Ref: Match.stringLikeRegexp('^FailoverDrillFailoverHealthCheck') },
    });
  });

  test("the drill's role may update only the health check Prod's output names; its settings name the drill record", () => {
    const [, fn] = drillFunction();
    const roleRef = (fn as { Properties: { Role: { 'Fn::GetAtt': string[] } } }).Properties.Role['Fn::GetAtt'][0];
    const statements = Object.values(drRegion.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify((p as { Properties: { Roles: unknown } }).Properties.Roles).includes(roleRef))
      .flatMap(
        (p) =>
          (p as { Properties: { PolicyDocument: { Statement: Array<{ Action: unknown; Resource: unknown }> } } })
            .Properties.PolicyDocument.Statement,
      );
    const updates = statements.filter((s) => JSON.stringify(s.Action).includes('route53:UpdateHealthCheck'));
    expect(updates).toHaveLength(1);
    expect(updates[0].Resource).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:aws:route53:::healthcheck/',
          { 'Fn::GetStackOutput': { StackName: 'Prod', Region: 'us-east-1', OutputName: 'DrillPrimaryHealthCheckId' } },
        ],
      ],
    });
    const settings = JSON.stringify((fn as { Properties: { Environment: unknown } }).Properties.Environment);
    expect(settings).toContain('\\"recordName\\":\\"drill.orders.example.com\\"');
    expect(settings).toContain(
      '{"Fn::GetStackOutput":{"StackName":"Prod","Region":"us-east-1","OutputName":"DrillPrimaryHealthCheckId"}}',
    );
  });
});

test('the drill and pilot-light variant of every template passes cfn-lint with zero errors', () => {
  // A stack this variant leaves as the default app has it (Dev and Staging: nothing here changes them) is linted as
  // the default's file, whose findings the run keeps (test/helpers/variant-templates.ts says why that checks no less).
  const variantDir = bulwark.assembly.directory;
  const files = templatesToLint(variantDir, synthBulwark().assembly.directory);
  expect(files).toHaveLength(5);
  for (const changed of ['Prod', 'DrRegion'])
    expect(files).toContain(path.join(variantDir, `${changed}.template.json`));
  const errors = runCfnLintShared(files).filter((f) => f.level === 'Error');
  expect(errors.map(formatFinding)).toEqual([]);
});
