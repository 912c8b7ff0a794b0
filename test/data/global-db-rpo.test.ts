import { Match } from 'aws-cdk-lib/assertions';
import { validateConfig } from '../../config';
import { globalDbRpoSeconds } from '../../lib/data/global-database';
import { synthBulwark } from '../helpers/app';
import { withEnv } from '../helpers/config';

/** Default config: Prod tier 1, warm standby (an Aurora PostgreSQL global database). */
const bulwark = synthBulwark();

describe('bounded regional RPO: rds.global_db_rpo', () => {
  test("Prod's cluster gets a cluster parameter group with rds.global_db_rpo at AWS's floor, 20 s", () => {
    const prod = bulwark.template('Prod');
    prod.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', {
      Family: 'aurora-postgresql17',
      Parameters: { 'rds.global_db_rpo': '20' },
    });
    const groupId = Object.keys(prod.findResources('AWS::RDS::DBClusterParameterGroup'))[0];
    prod.hasResourceProperties('AWS::RDS::DBCluster', { DBClusterParameterGroupName: { Ref: groupId } });
  });

  test('environments without a global secondary keep the default group (no bound to hold them to)', () => {
    for (const stack of ['Dev', 'Staging']) {
      bulwark.template(stack).resourceCountIs('AWS::RDS::DBClusterParameterGroup', 0);
    }
  });

  test("DrRegion alarms (P2) when the secondary's RPO lag passes half the bound: 10,000 ms, 2 of 2 minutes", () => {
    bulwark.template('DrRegion').hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-dr-db-rpo-lag',
      MetricName: 'AuroraGlobalDBRPOLag',
      Namespace: 'AWS/RDS',
      Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'orders-dr-db' }],
      Statistic: 'Maximum',
      Threshold: 10000,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      AlarmDescription: Match.stringLikeRegexp('dr-replication-lag'),
    });
  });

  test('a tier 1 primary with a standby of either mode is bounded (the pilot light keeps a headless secondary)', () => {
    expect(globalDbRpoSeconds({ tier: 1, dr: { standbyMode: 'warm-standby' } })).toBe(20);
    expect(globalDbRpoSeconds({ tier: 1, dr: { standbyMode: 'pilot-light' } })).toBe(20);
    expect(globalDbRpoSeconds({ tier: 2, dr: { standbyMode: 'warm-standby' } })).toBeUndefined();
    expect(globalDbRpoSeconds({ tier: 1 })).toBeUndefined();
  });

  test('a tier 2 Prod with a warm standby sets no bound and no RPO-lag alarm', () => {
    const tier2 = synthBulwark(
      validateConfig(
        withEnv('Prod', (env) => {
          env.tier = 2;
        }),
      ),
    );
    tier2.template('Prod').resourceCountIs('AWS::RDS::DBClusterParameterGroup', 0);
    const rpoLag = { Properties: { MetricName: 'AuroraGlobalDBRPOLag' } };
    const alarms = tier2.template('DrRegion').findResources('AWS::CloudWatch::Alarm', rpoLag);
    expect(Object.keys(alarms)).toHaveLength(0);
  });
});
