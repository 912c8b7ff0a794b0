import { DescribeListenersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { mockClient } from 'aws-sdk-client-mock';
import { lookupEventSchema, lookUpLiveTargetGroups } from '../../lambdas/live-target-groups/lookup';
import { LIVE_TARGET_GROUPS_TYPE, LiveTargetGroups } from '../../lib/service/live-target-groups';
import { testApp } from '../helpers/app';

const CERTIFICATE = 'arn:aws:acm:us-east-1:333333333333:certificate/11111111-2222-3333-4444-555555555555';

interface ListenerSetup {
  readonly certificate?: string;
  readonly sslPolicy?: elbv2.SslPolicy;
}

/** A load balancer with a production and a test listener wired as BlueGreenService wires them. */
function synth(setup: ListenerSetup = {}): Template {
  const stack = new Stack(testApp(), 'Listeners', { env: { account: '333333333333', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'LoadBalancer', { vpc, internetFacing: true });
  const targetGroup = (id: string) =>
    new elbv2.ApplicationTargetGroup(stack, id, { vpc, port: 80, targetType: elbv2.TargetType.IP });
  const [blueTargetGroup, greenTargetGroup] = [targetGroup('Blue'), targetGroup('Green')];
  const live = new LiveTargetGroups(stack, 'LiveTargetGroups', {
    loadBalancer,
    blueTargetGroup,
    greenTargetGroup,
    protection: { retain: false },
  });
  const tls = setup.certificate
    ? {
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [elbv2.ListenerCertificate.fromArn(setup.certificate)],
        sslPolicy: setup.sslPolicy ?? elbv2.SslPolicy.RECOMMENDED_TLS,
      }
    : { protocol: elbv2.ApplicationProtocol.HTTP };
  const productionPort = setup.certificate ? 443 : 80;
  loadBalancer.addListener('Production', { port: productionPort, ...tls, defaultAction: live.forward(productionPort) });
  loadBalancer.addListener('Test', { port: 8080, ...tls, open: false, defaultAction: live.forward(8080) });
  return Template.fromStack(stack);
}

function lookupResource(template: Template): { id: string; props: Record<string, unknown> } {
  const found = Object.entries(template.findResources(LIVE_TARGET_GROUPS_TYPE));
  expect(found).toHaveLength(1);
  return { id: found[0][0], props: found[0][1].Properties };
}

const listenerOnPort = (template: Template, port: number) =>
  Object.values(template.findResources('AWS::ElasticLoadBalancingV2::Listener')).find(
    (l) => l.Properties.Port === port,
  )!.Properties;

const plain = synth();
const https = synth({ certificate: CERTIFICATE });

describe('listeners forward to the live target group', () => {
  test("each listener's default action forwards to the lookup's attribute for its port, not to a fixed target group", () => {
    const { id } = lookupResource(plain);
    expect(listenerOnPort(plain, 80).DefaultActions).toEqual([
      { Type: 'forward', TargetGroupArn: { 'Fn::GetAtt': [id, 'TargetGroupForPort80'] } },
    ]);
    expect(listenerOnPort(plain, 8080).DefaultActions).toEqual([
      { Type: 'forward', TargetGroupArn: { 'Fn::GetAtt': [id, 'TargetGroupForPort8080'] } },
    ]);
  });

  test('the lookup is given the load balancer (not the listeners: a cycle), both target groups and the ports', () => {
    const { props } = lookupResource(plain);
    const ids = Object.keys(plain.findResources('AWS::ElasticLoadBalancingV2::TargetGroup'));
    expect(props).toMatchObject({
      LoadBalancerArn: { Ref: expect.stringMatching(/^LoadBalancer/) },
      BlueTargetGroupArn: { Ref: ids.find((id) => id.startsWith('Blue')) },
      GreenTargetGroupArn: { Ref: ids.find((id) => id.startsWith('Green')) },
      Ports: ['80', '8080'],
    });
    expect(JSON.stringify(props)).not.toMatch(/Listener[A-Z0-9]*"\}/); // no Ref to a listener
  });

  test("the fingerprint holds the listeners' configuration (port, protocol, certificate, TLS policy)", () => {
    expect(JSON.parse(lookupResource(plain).props.ListenerFingerprint as string)).toEqual([
      { Port: 80, Protocol: 'HTTP' },
      { Port: 8080, Protocol: 'HTTP' },
    ]);
    expect(JSON.parse(lookupResource(https).props.ListenerFingerprint as string)).toEqual([
      // The L1 listener's own property values (camelCase keys inside): a fingerprint, compared, never deployed.
      {
        Port: 443,
        Protocol: 'HTTPS',
        Certificates: [{ certificateArn: CERTIFICATE }],
        SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      },
      {
        Port: 8080,
        Protocol: 'HTTPS',
        Certificates: [{ certificateArn: CERTIFICATE }],
        SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      },
    ]);
  });

  test('any listener change CloudFormation would send changes the fingerprint, so the lookup re-runs first', () => {
    const fingerprint = (template: Template) => lookupResource(template).props.ListenerFingerprint;
    const otherCertificate = 'arn:aws:acm:us-east-1:333333333333:certificate/99999999-8888-7777-6666-555555555555';
    expect(fingerprint(synth())).toEqual(fingerprint(plain)); // unchanged listeners: no re-run
    expect(fingerprint(https)).not.toEqual(fingerprint(plain)); // HTTP -> HTTPS with a certificate
    expect(fingerprint(synth({ certificate: CERTIFICATE, sslPolicy: elbv2.SslPolicy.TLS13_13 }))).not.toEqual(
      fingerprint(https),
    ); // SSL policy
    expect(fingerprint(synth({ certificate: otherCertificate }))).not.toEqual(fingerprint(https)); // certificate renewal
  });

  test('a listener change after a simulated swap keeps production traffic on the live (green) target group', async () => {
    // The stack was deployed and CodeDeploy swapped both listeners to green; the template still names no target group.
    // Now the certificate is added: CloudFormation re-runs the lookup (its fingerprint changed) and then updates the
    // listener with the lookup's attribute. Resolve that attribute with the handler against the swapped listeners.
    const { id, props } = lookupResource(https);
    const blue = 'arn:aws:elasticloadbalancing:us-east-1:333333333333:targetgroup/blue/1111111111111111';
    const green = 'arn:aws:elasticloadbalancing:us-east-1:333333333333:targetgroup/green/2222222222222222';
    const elb = mockClient(ElasticLoadBalancingV2Client);
    elb.on(DescribeListenersCommand).resolves({
      Listeners: [
        { Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: green }] }, // the old HTTP listener, swapped
        { Port: 8080, DefaultActions: [{ Type: 'forward', TargetGroupArn: green }] },
      ],
    });
    const event = lookupEventSchema.parse({
      RequestType: 'Update',
      RequestId: 'r',
      PhysicalResourceId: 'p',
      ResourceProperties: {
        ...props,
        LoadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/app/orders/3333333333333333',
        BlueTargetGroupArn: blue,
        GreenTargetGroupArn: green,
      },
    });
    const { Data } = await lookUpLiveTargetGroups(event, {
      elb: new ElasticLoadBalancingV2Client({}),
      logger: { info: () => undefined, warn: () => undefined },
    });
    const [{ TargetGroupArn }] = listenerOnPort(https, 443).DefaultActions;
    expect(TargetGroupArn).toEqual({ 'Fn::GetAtt': [id, 'TargetGroupForPort443'] });
    expect(Data!.TargetGroupForPort443).toBe(green);
    expect(Data!.TargetGroupForPort8080).toBe(green);
    elb.restore();
  });

  test('its role may only describe listeners, which has no resource-level permission (Resource "*")', () => {
    const { id } = lookupResource(plain);
    const lookupRole = Object.keys(plain.findResources('AWS::IAM::Role')).find((r) =>
      r.startsWith('LiveTargetGroupsLookupRole'),
    )!;
    const statements = Object.values(plain.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(lookupRole))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    expect(statements.filter((s) => [s.Action].flat().some((a) => !a.startsWith('logs:')))).toEqual([
      expect.objectContaining({ Action: 'elasticloadbalancing:DescribeListeners', Effect: 'Allow', Resource: '*' }),
    ]);
    expect(id).toMatch(/^LiveTargetGroups/);
  });

  test("the lookup runs on the project's Lambda runtime", () => {
    const functions = plain.findResources('AWS::Lambda::Function');
    const lookup = Object.keys(functions).filter((id) => id.startsWith('LiveTargetGroups'));
    expect(lookup).toHaveLength(2); // the handler and the Provider framework's onEvent
    for (const id of lookup) expect(functions[id].Properties.Runtime).toBe('nodejs24.x');
  });
});

describe('misuse fails at synth', () => {
  test('a forward action for a port no listener uses', () => {
    const stack = new Stack(testApp(), 'Unused', { env: { account: '333333333333', region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'LoadBalancer', { vpc });
    const tg = (id: string) =>
      new elbv2.ApplicationTargetGroup(stack, id, { vpc, port: 80, targetType: elbv2.TargetType.IP });
    const live = new LiveTargetGroups(stack, 'Live', {
      loadBalancer,
      blueTargetGroup: tg('B'),
      greenTargetGroup: tg('G'),
      protection: { retain: false },
    });
    live.forward(443);
    expect(() => Template.fromStack(stack)).toThrow(/forward\(443\) is no listener's default action on port 443/);
  });

  test('a forward action bound to a listener on another port, or a port asked for twice', () => {
    const stack = new Stack(testApp(), 'Wrong', { env: { account: '333333333333', region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'LoadBalancer', { vpc });
    const tg = (id: string) =>
      new elbv2.ApplicationTargetGroup(stack, id, { vpc, port: 80, targetType: elbv2.TargetType.IP });
    const live = new LiveTargetGroups(stack, 'Live', {
      loadBalancer,
      blueTargetGroup: tg('B'),
      greenTargetGroup: tg('G'),
      protection: { retain: false },
    });
    expect(() => loadBalancer.addListener('L', { port: 80, defaultAction: live.forward(8080) })).toThrow(
      /forward\(8080\) bound to a listener on port 80/,
    );
    expect(() => live.forward(8080)).toThrow(/port 8080 already has a forward action/);
  });
});
