import { validateConfig } from '../../config';
import { defaultConfigInput } from '../helpers/app';
import { problemsOf, withEnv } from '../helpers/config';

// Malformed values the schema's types let through: each must be a named config error with the fix.
describe('values that exist only in typos', () => {
  test('the default configuration passes every limit', () => {
    expect(() => validateConfig(defaultConfigInput())).not.toThrow();
  });

  test('an environment region that is not an AWS region is refused by name', () => {
    const message = problemsOf(
      withEnv('Staging', (env) => {
        env.region = 'us-fake-9';
        env.availabilityZones = ['us-fake-9a', 'us-fake-9b'];
      }),
    );
    expect(message).toContain(
      'Staging.region "us-fake-9" is not an AWS region; use the region code of the environment\'s account, such as "us-east-1"',
    );
  });

  test('a DR region that is not an AWS region is refused by name', () => {
    const message = problemsOf(
      withEnv('Prod', (env) => {
        env.dr = { ...env.dr!, region: 'us-fake-9', availabilityZones: ['us-fake-9a', 'us-fake-9b'] };
      }),
    );
    expect(message).toContain(
      'Prod.dr.region "us-fake-9" is not an AWS region; use the standby\'s region code, such as "us-west-2"',
    );
  });

  test('a health-check region that is not a Route 53 checker region is refused by name', () => {
    const message = problemsOf(
      withEnv('Prod', (env) => {
        env.dr = { ...env.dr!, healthCheck: { intervalSeconds: 10, regions: ['us-east-1', 'us-west-2', 'us-fake-9'] } };
      }),
    );
    expect(message).toContain('Prod.dr.healthCheck.regions ["us-fake-9"]: Route 53 has health checkers only in');
  });

  test('a backup retention of 1e9 days is refused with the 100-year maximum', () => {
    const message = problemsOf(
      withEnv('Dev', (env) => {
        env.backup = { ...env.backup, weeklyRetentionDays: 1e9 };
      }),
    );
    expect(message).toContain(
      'Dev.backup.weeklyRetentionDays 1000000000 is longer than AWS keeps backups (36500 days, 100 years); set 36500 or less',
    );
  });

  test('archive object lock and noncurrent-version days are bounded too', () => {
    const message = problemsOf(
      withEnv('Dev', (env) => {
        env.backup = { ...env.backup, archiveObjectLockDays: 40000, archiveNoncurrentVersionDays: 1e9 };
      }),
    );
    expect(message).toContain('Dev.backup.archiveObjectLockDays 40000 is longer than AWS keeps backups');
    expect(message).toContain('Dev.backup.archiveNoncurrentVersionDays 1000000000 is longer than AWS keeps backups');
  });

  test('flow-log retention 100000 is refused with the nearest value CloudWatch Logs accepts, not clamped', () => {
    const message = problemsOf(
      withEnv('Dev', (env) => {
        env.vpc = { ...env.vpc, flowLogRetentionDays: 100000 };
      }),
    );
    expect(message).toContain(
      'Dev.vpc.flowLogRetentionDays 100000: CloudWatch Logs accepts only 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 days; use 3653 (the nearest)',
    );
  });

  test('a service log retention between accepted values names the nearest one', () => {
    const message = problemsOf(
      withEnv('Dev', (env) => {
        env.service = { ...env.service, logRetentionDays: 100 };
      }),
    );
    expect(message).toContain('Dev.service.logRetentionDays 100: CloudWatch Logs accepts only');
    expect(message).toContain('use 90 (the nearest)');
  });

  test('a budget of 1.7e308 USD is refused', () => {
    const message = problemsOf(
      withEnv('Prod', (env) => {
        env.budget = { monthlyUsd: 1.7e308 };
      }),
    );
    expect(message).toContain(
      'Prod.budget.monthlyUsd 1.7e+308 is above 10000000 USD, so the budget would never notify; set the monthly spend you expect, such as 6000',
    );
  });

  test('an absurd daily cost baseline is refused', () => {
    const message = problemsOf(
      withEnv('Prod', (env) => {
        env.alarms = { ...env.alarms, dailyCostBaselineUsd: 5e6 };
      }),
    );
    expect(message).toContain(
      'Prod.alarms.dailyCostBaselineUsd 5000000 is above 1000000 USD, so the cost-spike alarm would never fire',
    );
  });

  test('a P2 5xx threshold at or above the P1 one is refused', () => {
    const message = problemsOf(
      withEnv('Prod', (env) => {
        env.alarms = { dailyCostBaselineUsd: 30, ...env.alarms, http5xxP1Percent: 5, http5xxP2Percent: 8 };
      }),
    );
    expect(message).toContain(
      'Prod.alarms.http5xxP2Percent 8 must be below http5xxP1Percent 5: the P2 (elevated) line warns before the P1 (critical) one pages; lower http5xxP2Percent or raise http5xxP1Percent',
    );
  });

  test('a 5xx P1 threshold above 100 % is refused', () => {
    const message = problemsOf(
      withEnv('Prod', (env) => {
        env.alarms = { dailyCostBaselineUsd: 30, ...env.alarms, http5xxP1Percent: 150 };
      }),
    );
    expect(message).toContain('Prod.alarms.http5xxP1Percent 150: a 5xx rate never exceeds 100 %');
  });

  test('a p50 latency line at or above p95 is refused', () => {
    const message = problemsOf(
      withEnv('Dev', (env) => {
        env.alarms = { dailyCostBaselineUsd: 30, ...env.alarms, p50LatencySeconds: 6, p95LatencySeconds: 5 };
      }),
    );
    expect(message).toContain('Dev.alarms.p50LatencySeconds 6 must be below p95LatencySeconds 5');
  });

  test('minCapacityAcu above maxCapacityAcu is a named error, not a stack trace', () => {
    const message = problemsOf(
      withEnv('Prod', (env) => {
        env.database = { ...env.database, minCapacityAcu: 8, maxCapacityAcu: 4 };
      }),
    );
    expect(message).toContain(
      'Prod.database.minCapacityAcu 8 is above maxCapacityAcu 4; the cluster scales between them, so raise maxCapacityAcu to 8 or more, or lower minCapacityAcu',
    );
  });

  test('a capacity off the 0.5 ACU step is refused with the nearest step', () => {
    const message = problemsOf(
      withEnv('Prod', (env) => {
        env.database = { ...env.database, minCapacityAcu: 1.2 };
      }),
    );
    expect(message).toContain(
      'Prod.database.minCapacityAcu 1.2: Aurora Serverless v2 capacity moves in steps of 0.5 ACU; use 1',
    );
  });

  test('an owner with control characters is refused as service.owner, once', () => {
    const input = defaultConfigInput();
    input.service = { ...input.service, owner: 'platform\u0007team\n' };
    const message = problemsOf(input);
    expect(message).toContain('service.owner "platform\\u0007team\\n": every resource is tagged owner=<service.owner>');
    expect(message.split('\n')).toHaveLength(2);
  });
});
