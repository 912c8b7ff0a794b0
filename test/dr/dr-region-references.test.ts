import { validateConfig } from '../../config';
import { synthBulwark } from '../helpers/app';
import { withEnv } from '../helpers/config';

/** The fingerprint Prod holds of the DrRegion resources behind its Fn::GetStackOutput references. */
function prodFingerprint(change: Parameters<typeof withEnv>[1] = () => undefined): string {
  const bulwark = synthBulwark(validateConfig(withEnv('Prod', change)), { nag: false });
  const parameters = bulwark
    .template('Prod')
    .findResources('AWS::SSM::Parameter', { Properties: { Name: '/orders/prod/dr-region-references' } });
  const values = Object.values(parameters).map((p) => (p as { Properties: { Value: string } }).Properties.Value);
  expect(values).toHaveLength(1);
  return values[0];
}

// Three whole-app syntheses (cdk-nag off: this is about template text, and nag runs in the other DR tests).
describe('a DrRegion value Prod reads changes Prod', () => {
  let base: string;
  beforeAll(() => {
    base = prodFingerprint();
  }, 180_000);

  test('Prod holds the fingerprint in /orders/prod/dr-region-references', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a new DR VPC block (which replaces the DR database security group Prod uses) changes Prod', () => {
    expect(prodFingerprint((env) => (env.dr = { ...env.dr!, cidr: '10.41.0.0/16' }))).not.toBe(base);
  }, 180_000);

  // Not the standby task count any more: Prod's live record reads the plan's health check, and the plan names the
  // standby service, whose definition carries the count (the fingerprint over-approximates by design).
  test("the DR region's NAT gateway count, which nothing Prod reads depends on, leaves Prod alone", () => {
    expect(prodFingerprint((env) => (env.dr = { ...env.dr!, natGateways: 2 }))).toBe(base);
  }, 180_000);
});
