import { BulwarkConfigInput, validateConfig } from '../../config';
import { defaultConfigInput } from '../helpers/app';
import { problemsOf } from '../helpers/config';

type DrInput = NonNullable<BulwarkConfigInput['environments'][number]['dr']>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The default config with Prod's DR block changed. */
function withDr(change: (dr: Mutable<DrInput>, input: BulwarkConfigInput) => void): BulwarkConfigInput {
  const input = defaultConfigInput();
  const prod = input.environments.find((e) => e.name === 'Prod')!;
  change(prod.dr as Mutable<DrInput>, input);
  return input;
}

describe('DR configuration', () => {
  test('the default DR block is valid: warm standby in us-west-2, checks every 10 s, 2 failures, 3 checker regions', () => {
    const prod = validateConfig(defaultConfigInput()).environments.find((e) => e.name === 'Prod')!;
    expect(prod.dr).toMatchObject({
      region: 'us-west-2',
      standbyMode: 'warm-standby',
      healthCheck: { intervalSeconds: 10, failureThreshold: 2, regions: ['us-east-1', 'us-west-2', 'eu-west-1'] },
    });
  });

  test("a DR region equal to Prod's is refused: the standby would not survive the regional outage", () => {
    const message = problemsOf(
      withDr((dr) => {
        dr.region = 'us-east-1';
        dr.availabilityZones = ['us-east-1d', 'us-east-1e'];
      }),
    );
    expect(message).toContain(
      'Prod.dr.region "us-east-1" equals Prod.region; a standby in the same region does not survive a regional outage; choose another region such as "us-west-2"',
    );
  });

  test('a DR CIDR overlapping Prod, Staging or Dev is refused, naming both blocks', () => {
    expect(problemsOf(withDr((dr) => (dr.cidr = '10.30.0.0/16')))).toContain(
      'Prod.dr.cidr 10.30.0.0/16 overlaps Prod.vpc.cidr 10.30.0.0/16',
    );
    expect(problemsOf(withDr((dr) => (dr.cidr = '10.20.16.0/20')))).toContain(
      'Prod.dr.cidr 10.20.16.0/20 overlaps Staging.vpc.cidr 10.20.0.0/16; give each environment and its DR standby its own non-overlapping block',
    );
    expect(problemsOf(withDr((dr) => (dr.cidr = '10.10.0.0/16')))).toContain(
      'Prod.dr.cidr 10.10.0.0/16 overlaps Dev.vpc.cidr 10.10.0.0/16',
    );
  });

  test('a health-check interval other than 10 or 30 s is refused', () => {
    for (const interval of [5, 15, 60]) {
      expect(problemsOf(withDr((dr) => (dr.healthCheck = { intervalSeconds: interval })))).toContain(
        `Prod.dr.healthCheck.intervalSeconds ${interval}: Route 53 health checks run every 10 or 30 seconds; use 10 (fast failover) or 30`,
      );
    }
    expect(() => validateConfig(withDr((dr) => (dr.healthCheck = { intervalSeconds: 30 })))).not.toThrow();
  });

  test('checker regions must be Route 53 checker regions, at least 3 of them', () => {
    expect(
      problemsOf(
        withDr((dr) => (dr.healthCheck = { intervalSeconds: 10, regions: ['us-east-1', 'us-west-2', 'eu-central-1'] })),
      ),
    ).toContain(
      'Prod.dr.healthCheck.regions ["eu-central-1"]: Route 53 has health checkers only in us-east-1, us-west-1, us-west-2, eu-west-1, ap-southeast-1, ap-southeast-2, ap-northeast-1, sa-east-1; pick from those',
    );
    expect(
      problemsOf(withDr((dr) => (dr.healthCheck = { intervalSeconds: 10, regions: ['us-east-1', 'us-west-2'] }))),
    ).toContain(
      'Prod.dr.healthCheck.regions ["us-east-1","us-west-2"]: Route 53 needs at least 3 distinct checker regions',
    );
  });

  test('the standby needs its own certificate in the DR region (ACM certificates are regional)', () => {
    const input = withDr((dr) => delete dr.certificateArn);
    expect(problemsOf(input)).toContain(
      'Prod.dr.certificateArn is required: the standby in us-west-2 serves the service domain over HTTPS',
    );
    const withDrCert = structuredClone(input);
    withDrCert.environments.find((e) => e.name === 'Prod')!.dr!.certificateArn =
      'arn:aws:acm:us-east-1:333333333333:certificate/wrong-region';
    expect(problemsOf(withDrCert)).toContain(
      'Prod.dr.certificateArn arn:aws:acm:us-east-1:333333333333:certificate/wrong-region is not in Prod.dr.region "us-west-2"',
    );
    withDrCert.environments.find((e) => e.name === 'Prod')!.dr!.certificateArn =
      'arn:aws:acm:us-west-2:333333333333:certificate/dr';
    expect(() => validateConfig(withDrCert)).not.toThrow();
  });

  test('DR availability zones must be in the DR region, and a tier-1 standby needs two', () => {
    expect(problemsOf(withDr((dr) => (dr.availabilityZones = ['us-west-2a', 'us-east-1b'])))).toContain(
      'Prod.dr.availabilityZones "us-east-1b" is not in Prod.dr.region "us-west-2"',
    );
    expect(problemsOf(withDr((dr) => ((dr.availabilityZones = ['us-west-2a']), (dr.natGateways = 1))))).toContain(
      'a tier-1 standby needs at least 2 availability zones',
    );
  });

  test('pilot light (headless global secondary) meets a tier 1 15-minute RPO: its bound is rds.global_db_rpo', () => {
    expect(() => validateConfig(withDr((dr) => (dr.standbyMode = 'pilot-light')))).not.toThrow();
  });

  test('an RPO below the global database bound is refused, naming the bound and the fix', () => {
    // Tier 1: rds.global_db_rpo 20 s = 1/3 min; a 0.25 min RPO cannot be met in either mode.
    const tooTight = withDr((dr) => (dr.standbyMode = 'pilot-light'));
    tooTight.environments.find((e) => e.name === 'Prod')!.targets = { rpoMinutes: 0.25 };
    expect(problemsOf(tooTight)).toContain(
      'Prod.targets.rpoMinutes 0.25 cannot be met in a regional disaster by Prod.dr.standbyMode "pilot-light": its ' +
        'Aurora global database secondary is bounded at 0.3333333333333333 min (rds.global_db_rpo, 20 s); raise ' +
        'the RPO to at least that',
    );
  });

  test('an unknown standby mode names the two choices', () => {
    expect(problemsOf(withDr((dr) => ((dr as { standbyMode: string }).standbyMode = 'cold')))).toContain(
      'Prod.dr.standbyMode "cold": must be "pilot-light" or "warm-standby"',
    );
  });

  test('only one environment may have a DR block', () => {
    const input = withDr((dr, all) => {
      const staging = all.environments.find((e) => e.name === 'Staging')! as Mutable<
        BulwarkConfigInput['environments'][number]
      >;
      staging.dr = { ...dr, cidr: '10.50.0.0/16' };
    });
    expect(problemsOf(input)).toContain('Staging.dr, Prod.dr: only one environment may have a DR block');
  });
});
