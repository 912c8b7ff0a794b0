import { TIER_CEILINGS, validateConfig } from '../../config';
import { defaultConfigInput } from '../helpers/app';
import { problemsOf, withEnv } from '../helpers/config';

describe('config validation', () => {
  test('the default config is valid and resolves each environment to its tier ceilings', () => {
    const config = validateConfig(defaultConfigInput());
    expect(config.environments.map((e) => e.name)).toEqual(['Dev', 'Staging', 'Prod']);
    const prod = config.environments.find((e) => e.name === 'Prod')!;
    expect(prod.tier).toBe(1);
    // Tighter than the ceilings where the default design meets them under the report's worst case.
    expect(prod.targets).toEqual({
      ...TIER_CEILINGS[1],
      detectionSeconds: 60,
      rollbackSeconds: 90,
      dnsFailoverSeconds: 180,
    });
    expect(TIER_CEILINGS[1]).toEqual({ rtoMinutes: 60, rpoMinutes: 15, detectionSeconds: 180, rollbackSeconds: 300 });
  });

  test('an environment may tighten a target below its ceiling', () => {
    const config = validateConfig(withEnv('Prod', (env) => (env.targets = { rtoMinutes: 30 })));
    expect(config.environments.find((e) => e.name === 'Prod')!.targets.rtoMinutes).toBe(30);
  });

  test('invalid CIDR names the field, the value and the expected form', () => {
    const message = problemsOf(withEnv('Staging', (env) => (env.vpc.cidr = '10.20.0.300/16')));
    expect(message).toContain('Staging.vpc.cidr "10.20.0.300/16": must be an IPv4 CIDR block such as "10.10.0.0/16"');
  });

  test('a CIDR with host bits set is refused', () => {
    expect(problemsOf(withEnv('Dev', (env) => (env.vpc.cidr = '10.10.1.0/16')))).toContain(
      'Dev.vpc.cidr "10.10.1.0/16"',
    );
  });

  test('overlapping CIDRs across two environments are refused, naming both', () => {
    const message = problemsOf(withEnv('Staging', (env) => (env.vpc.cidr = '10.10.0.0/20')));
    expect(message).toContain(
      'Staging.vpc.cidr 10.10.0.0/20 overlaps Dev.vpc.cidr 10.10.0.0/16; give each environment and its DR standby its own non-overlapping block',
    );
  });

  test('a DR CIDR overlapping any environment is refused', () => {
    const message = problemsOf(withEnv('Prod', (env) => (env.dr!.cidr = '10.20.0.0/16')));
    expect(message).toContain('Prod.dr.cidr 10.20.0.0/16 overlaps Staging.vpc.cidr 10.20.0.0/16');
  });

  test('a DR region equal to the primary is refused with the fix', () => {
    const message = problemsOf(
      withEnv('Prod', (env) => {
        env.dr!.region = 'us-east-1';
        env.dr!.availabilityZones = ['us-east-1d', 'us-east-1e'];
      }),
    );
    expect(message).toContain(
      'Prod.dr.region "us-east-1" equals Prod.region; a standby in the same region does not survive a regional outage; choose another region such as "us-west-2"',
    );
  });

  test('fewer than 2 AZs in a tier-1 environment is refused', () => {
    const message = problemsOf(
      withEnv('Prod', (env) => {
        env.availabilityZones = ['us-east-1a'];
        env.vpc.natGateways = 1;
      }),
    );
    expect(message).toContain(
      'Prod.availabilityZones ["us-east-1a"]: a tier-1 environment needs at least 2 availability zones',
    );
  });

  test('a single AZ is allowed below tier 1', () => {
    expect(() => validateConfig(withEnv('Dev', (env) => (env.availabilityZones = ['us-east-1a'])))).not.toThrow();
  });

  test('an AZ outside the environment region is refused', () => {
    expect(problemsOf(withEnv('Dev', (env) => (env.availabilityZones = ['us-east-1a', 'us-west-2b'])))).toContain(
      'Dev.availabilityZones "us-west-2b" is not in Dev.region "us-east-1"',
    );
  });

  test('an account id that is not 12 digits is refused', () => {
    const message = problemsOf(withEnv('Dev', (env) => (env.account = '12345')));
    expect(message).toContain('Dev.account "12345": must be a 12-digit AWS account id');
  });

  test('an unknown tier is refused', () => {
    const message = problemsOf(withEnv('Dev', (env) => ((env as { tier: number }).tier = 7)));
    expect(message).toContain('Dev.tier 7: must be a tier of 1, 2, 3 or 4');
  });

  test('a target looser than its tier ceiling is refused, with the ceiling', () => {
    const message = problemsOf(withEnv('Prod', (env) => (env.targets = { rtoMinutes: 120 })));
    expect(message).toContain(
      'Prod.targets.rtoMinutes 120 is looser than the tier-1 ceiling 60; set it to 60 or less, or change Prod.tier',
    );
  });

  test('duplicate environment names are refused', () => {
    const input = defaultConfigInput();
    const copy = structuredClone(input.environments[0]);
    copy.vpc.cidr = '10.50.0.0/16';
    input.environments.push(copy);
    expect(problemsOf(input)).toContain(
      'environments: the name "Dev" appears twice; each environment needs a unique name',
    );
  });

  test('reserved stack ids cannot be environment names', () => {
    expect(problemsOf(withEnv('Dev', (env) => (env.name = 'Pipeline')))).toContain(
      'Pipeline.name "Pipeline" is reserved',
    );
  });

  test('a tier-1 environment must retain its data', () => {
    expect(problemsOf(withEnv('Prod', (env) => (env.retainStatefulResources = false)))).toContain(
      'Prod.retainStatefulResources false: a tier-1 environment must retain and deletion-protect its data',
    );
  });

  test('a tier-1 environment needs one NAT gateway per AZ', () => {
    expect(problemsOf(withEnv('Prod', (env) => (env.vpc.natGateways = 1)))).toContain(
      'Prod.vpc.natGateways 1: a tier-1 environment needs one NAT gateway per availability zone (3)',
    );
  });

  test('more NAT gateways than AZs is refused', () => {
    expect(problemsOf(withEnv('Dev', (env) => (env.vpc.natGateways = 3)))).toContain(
      'Dev.vpc.natGateways 3 exceeds the 2 availability zones',
    );
  });

  test('every problem is reported at once, not only the first', () => {
    const message = problemsOf(
      withEnv('Dev', (env) => {
        env.account = 'abc';
        env.vpc.cidr = 'nope';
      }),
    );
    expect(message).toContain('Dev.account "abc"');
    expect(message).toContain('Dev.vpc.cidr "nope"');
  });

  test('an unknown field is refused rather than silently ignored', () => {
    expect(problemsOf(withEnv('Dev', (env) => ((env as Record<string, unknown>).regoin = 'us-east-1')))).toMatch(
      /Dev .*regoin/,
    );
  });
});
