import { Match } from 'aws-cdk-lib/assertions';
import { failoverSetIdentifier } from '../../lib/dr/failover-record';
import { PRIMARY_UNHEALTHY_ALARM_ID, STANDBY_UNHEALTHY_ALARM_ID } from '../../lib/dr/primary-failover';
import { synthBulwark } from '../helpers/app';

/** The whole app with the default config (Prod tier 1, warm standby in us-west-2), drill off. */
const bulwark = synthBulwark();
const prod = bulwark.template('Prod');
const drRegion = bulwark.template('DrRegion');

describe('DrRegion and Prod failover (default config: warm standby)', () => {
  test('Prod holds the PRIMARY record, DrRegion the SECONDARY: CNAMEs to their own load balancers with a 15 s TTL', () => {
    // A CNAME whose TTL we set (an alias answers with a 60 s TTL), so resolvers follow a failover within 15 s.
    for (const [template, role] of [
      [prod, 'PRIMARY'],
      [drRegion, 'SECONDARY'],
    ] as const) {
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'orders.example.com.',
        HostedZoneId: 'Z0123456789ABCDEFGHIJ',
        Type: 'CNAME',
        TTL: '15',
        Failover: role,
        SetIdentifier: failoverSetIdentifier('orders', role),
        ResourceRecords: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('LoadBalancer'), 'DNSName'] }],
      });
    }
    for (const stack of ['Dev', 'Staging']) bulwark.template(stack).resourceCountIs('AWS::Route53::RecordSet', 0);
  });

  test("each side's health check probes its own load balancer over HTTPS on /health every 10 s, 2 failures", () => {
    // Tier 1 and its standby listen on HTTPS only (port 80 redirects), so the checks probe 443.
    for (const template of [prod, drRegion]) {
      template.hasResourceProperties('AWS::Route53::HealthCheck', {
        HealthCheckConfig: Match.objectLike({
          Type: 'HTTPS',
          Port: 443,
          ResourcePath: '/health',
          RequestInterval: 10,
          FailureThreshold: 2,
          FullyQualifiedDomainName: { 'Fn::GetAtt': [Match.stringLikeRegexp('LoadBalancer'), 'DNSName'] },
        }),
      });
    }
  });

  test('Prod pages P1 on its own health check and P2 on the standby health check (Route 53 metrics live in us-east-1)', () => {
    prod.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `orders-prod-${PRIMARY_UNHEALTHY_ALARM_ID}`,
      MetricName: 'HealthCheckStatus',
    });
    prod.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `orders-prod-${STANDBY_UNHEALTHY_ALARM_ID}`,
      MetricName: 'HealthCheckStatus',
    });
  });

  test('the warm standby runs the same service construct with warmStandbyTasks (1) running', () => {
    drRegion.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 1,
      DeploymentController: { Type: 'CODE_DEPLOY' },
    });
    drRegion.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
  });

  test('no drill trigger without -c drill=true', () => {
    drRegion.resourceCountIs('Custom::Trigger', 0);
  });

  test('Prod depends on DrRegion: DrRegion deploys first', () => {
    expect(bulwark.assembly.getStackArtifact('Prod').dependencies.map((d) => d.id)).toContain('DrRegion');
    expect(bulwark.assembly.getStackArtifact('DrRegion').dependencies.map((d) => d.id)).not.toContain('Prod');
  });
});
