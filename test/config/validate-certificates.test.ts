import { validateConfig } from '../../config';
import { defaultConfigInput } from '../helpers/app';
import { problemsOf, withEnv } from '../helpers/config';

const PLACEHOLDER = 'certificate/00000000-0000-0000-0000-000000000000';

describe('certificates: a tier-1 service and its standby serve HTTPS only', () => {
  test('the default config carries placeholder certificates for Prod (us-east-1) and its standby (us-west-2)', () => {
    const prod = validateConfig(defaultConfigInput()).environments.find((e) => e.name === 'Prod')!;
    expect(prod.service.certificateArn).toBe(`arn:aws:acm:us-east-1:333333333333:${PLACEHOLDER}`);
    expect(prod.dr!.certificateArn).toBe(`arn:aws:acm:us-west-2:333333333333:${PLACEHOLDER}`);
  });

  test('tier 1 without service.certificateArn is refused, naming the field and the fix', () => {
    const message = problemsOf(withEnv('Prod', (env) => delete env.service.certificateArn));
    expect(message).toContain(
      "Prod.service.certificateArn is required for tier 1: without it the service and its canary's bearer token " +
        'travel over plain HTTP; request an ACM certificate for service.domainName in us-east-1 and set its ARN',
    );
  });

  test('tiers 2 and 3 may run without a certificate (their probes then skip the authenticated journeys)', () => {
    const resolved = validateConfig(defaultConfigInput());
    expect(resolved.environments.find((e) => e.name === 'Dev')!.service.certificateArn).toBeUndefined();
    expect(resolved.environments.find((e) => e.name === 'Staging')!.service.certificateArn).toBeUndefined();
  });

  test("a certificate of another region is refused: a load balancer uses only its own region's", () => {
    const elsewhere = 'arn:aws:acm:eu-west-1:222222222222:certificate/abc';
    const message = problemsOf(withEnv('Staging', (env) => (env.service.certificateArn = elsewhere)));
    expect(message).toContain(`Staging.service.certificateArn ${elsewhere} is not in Staging.region "us-east-1"`);
  });

  test('a DR block without dr.certificateArn is refused, naming the field and the fix', () => {
    const message = problemsOf(withEnv('Prod', (env) => delete env.dr!.certificateArn));
    expect(message).toContain(
      'Prod.dr.certificateArn is required: the standby in us-west-2 serves the service domain over HTTPS when it ' +
        "takes over, and ACM certificates are regional, so Prod's cannot serve there; request an ACM certificate " +
        'for service.domainName in us-west-2 and set its ARN',
    );
  });
});
