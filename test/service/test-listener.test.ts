import { Match, Template } from 'aws-cdk-lib/assertions';
import { synthBulwark } from '../helpers/app';

/**
 * Issue 12, items 1 and 9: the smoke check must reach the test listener (its requests arrive from the NAT gateways'
 * Elastic IPs, not from the VPC CIDR), and every probe of a tier-1 service and its standby speaks HTTPS, verified
 * against the service's domain while connecting to the load balancer's DNS name.
 */
const bulwark = synthBulwark();

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const resourcesOf = (template: Template): Resources => template.toJSON().Resources as Resources;
const idsOfType = (template: Template, type: string): string[] =>
  Object.entries(resourcesOf(template))
    .filter(([, resource]) => resource.Type === type)
    .map(([id]) => id)
    .sort();

function albSecurityGroupIngress(template: Template): { CidrIp?: unknown; FromPort: number; ToPort: number }[] {
  const groups = Object.entries(resourcesOf(template)).filter(
    ([id, resource]) => resource.Type === 'AWS::EC2::SecurityGroup' && /LoadBalancerSecurityGroup/.test(id),
  );
  expect(groups).toHaveLength(1);
  return groups[0][1].Properties.SecurityGroupIngress as { CidrIp?: unknown; FromPort: number; ToPort: number }[];
}

function hookVariables(template: Template): Record<string, unknown> {
  const hooks = template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { TEST_ENDPOINT_URL: Match.anyValue() } } },
  });
  expect(Object.keys(hooks)).toHaveLength(1);
  return Object.values(hooks)[0].Properties.Environment.Variables;
}

function canaryVariables(template: Template): Record<string, unknown> {
  const canaries = template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { ENDPOINT_URL: Match.anyValue() } } },
  });
  expect(Object.keys(canaries)).toHaveLength(1);
  return Object.values(canaries)[0].Properties.Environment.Variables;
}

const albId = (template: Template): string => {
  const ids = idsOfType(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
  expect(ids).toHaveLength(1);
  return ids[0];
};

describe('item 1: the test listener admits the NAT gateways the smoke check really comes from', () => {
  // NAT gateways per stack in the default config: Dev 1, Staging 1, Prod 3 (one per AZ), DrRegion 2.
  test.each([
    ['Dev', 1],
    ['Staging', 1],
    ['Prod', 3],
    ['DrRegion', 2],
  ])('%s: port 8080 from each of its %i NAT gateway Elastic IPs as a /32, and nothing else', (stackId, natCount) => {
    const template = bulwark.template(stackId);
    const eips = idsOfType(template, 'AWS::EC2::EIP');
    expect(eips).toHaveLength(natCount);
    // Each EIP is the one a NAT gateway of this stack uses.
    const natAllocations = Object.values(template.findResources('AWS::EC2::NatGateway')).map(
      (nat) => nat.Properties.AllocationId,
    );
    const byText = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));
    expect(natAllocations.sort(byText)).toEqual(eips.map((id) => ({ 'Fn::GetAtt': [id, 'AllocationId'] })));

    const testRules = albSecurityGroupIngress(template).filter((rule) => rule.FromPort === 8080);
    expect(testRules.map((rule) => rule.ToPort)).toEqual(Array(natCount).fill(8080));
    const sources = testRules.map((rule) => rule.CidrIp);
    expect(sources).toHaveLength(natCount);
    const eipSlash32 = (id: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'PublicIp'] }, '/32']] });
    expect(sources).toEqual(expect.arrayContaining(eips.map(eipSlash32)));
  });

  test('no rule admits the VPC CIDR on any port of the load balancer (its requests never come from there)', () => {
    for (const stackId of ['Dev', 'Staging', 'Prod', 'DrRegion']) {
      const ingress = albSecurityGroupIngress(bulwark.template(stackId));
      for (const rule of ingress) expect(JSON.stringify(rule.CidrIp)).not.toMatch(/CidrBlock|10\.\d+\.0\.0/);
    }
  });
});

describe('item 9: HTTPS probes of the service hostname, never a token over HTTP', () => {
  const PROD_CERTIFICATE = 'arn:aws:acm:us-east-1:333333333333:certificate/00000000-0000-0000-0000-000000000000';
  const DR_CERTIFICATE = 'arn:aws:acm:us-west-2:333333333333:certificate/00000000-0000-0000-0000-000000000000';

  test.each([
    ['Prod', PROD_CERTIFICATE],
    ['DrRegion', DR_CERTIFICATE],
  ])('%s: the test listener is HTTPS with the production certificate and TLS policy', (stackId, certificate) => {
    const template = bulwark.template(stackId);
    const listeners = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::Listener')).map(
      (l) => l.Properties,
    );
    const production = listeners.find((l) => l.Port === 443)!;
    const test = listeners.find((l) => l.Port === 8080)!;
    const tls = { Protocol: 'HTTPS', Certificates: [{ CertificateArn: certificate }] };
    expect(production).toMatchObject(tls);
    expect(test).toMatchObject({ ...tls, SslPolicy: production.SslPolicy });
    expect(production.SslPolicy).toEqual(expect.stringMatching(/^ELBSecurityPolicy-TLS13/));
  });

  test.each(['Prod', 'DrRegion'])(
    '%s: the smoke check connects to its own load balancer over HTTPS and sends the service hostname',
    (stackId) => {
      const template = bulwark.template(stackId);
      const variables = hookVariables(template);
      const dnsName = { 'Fn::GetAtt': [albId(template), 'DNSName'] };
      expect(variables.TEST_ENDPOINT_URL).toEqual({ 'Fn::Join': ['', ['https://', dnsName, ':8080']] });
      expect(variables.SERVICE_HOSTNAME).toBe('orders.example.com');
    },
  );

  test('Prod: the canary probes its load balancer over HTTPS with the service hostname, all journeys', () => {
    const prod = bulwark.template('Prod');
    const variables = canaryVariables(prod);
    const dnsName = { 'Fn::GetAtt': [albId(prod), 'DNSName'] };
    expect(variables.ENDPOINT_URL).toEqual({ 'Fn::Join': ['', ['https://', dnsName]] });
    expect(variables.SERVICE_HOSTNAME).toBe('orders.example.com');
    const journeys = JSON.parse(variables.JOURNEYS as string) as { name: string }[];
    expect(journeys.map((j) => j.name)).toEqual(['health', 'home', 'list-orders', 'my-account']);
    const hookJourneys = JSON.parse(hookVariables(prod).JOURNEYS as string) as { name: string }[];
    expect(hookJourneys.map((j) => j.name)).toEqual(['health', 'home', 'list-orders', 'my-account']);
    expect(hookVariables(prod).AUTH_SECRET_ARN).toEqual({ Ref: expect.stringMatching(/^CanaryCredentials/) });
  });

  test.each(['Dev', 'Staging'])(
    '%s (no certificate): plain HTTP, so no probe gets the authenticated journey or a token; synth warns',
    (stackId) => {
      const template = bulwark.template(stackId);
      const hook = hookVariables(template);
      const canary = canaryVariables(template);
      const dnsName = { 'Fn::GetAtt': [albId(template), 'DNSName'] };
      expect(hook.TEST_ENDPOINT_URL).toEqual({ 'Fn::Join': ['', ['http://', dnsName, ':8080']] });
      expect(hook.SERVICE_HOSTNAME).toBeUndefined();
      expect(canary.SERVICE_HOSTNAME).toBeUndefined();
      expect(hook.AUTH_SECRET_ARN).toBeUndefined();
      for (const variables of [hook, canary]) {
        const names = (JSON.parse(variables.JOURNEYS as string) as { name: string }[]).map((j) => j.name);
        expect(names).toEqual(['health', 'home', 'list-orders']);
      }
      // The warnings as synth recorded them (reading them back through Annotations.fromStack would synthesize again).
      const warnings = bulwark.assembly
        .getStackArtifact(stackId)
        .messages.filter((message) => message.level === 'warning')
        .map((message) => String(message.entry.data));
      expect(warnings).toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`^The ${stackId} canary does not walk my-account: the endpoint is plain`)),
          expect.stringMatching(new RegExp(`^The ${stackId} smoke check does not walk my-account.*Set ${stackId}\\.`)),
        ]),
      );
    },
  );
});
