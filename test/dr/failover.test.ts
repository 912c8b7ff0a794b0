import * as fs from 'fs';
import * as path from 'path';
import { App, Aspects, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { S3_REPLICATION_LAG_MINUTES, S3_RTC_REPLICATION_LAG_MINUTES } from '../../config/recovery-model';
import { DEFAULT_RUNBOOKS_DIR } from '../../lib/app';
import { Naming } from '../../lib/common/naming';
import { DrDrill, DRILL_LOCK_STALE_SECONDS } from '../../lib/dr/dr-drill';
import { drillTargets } from '../../lib/dr/drill-targets';
import {
  ALIAS_TTL_SECONDS,
  FailoverRecord,
  failoverSetIdentifier,
  worstCaseDnsFailoverSeconds,
} from '../../lib/dr/failover-record';
import { PRIMARY_UNHEALTHY_ALARM_ID, PrimaryFailover, STANDBY_UNHEALTHY_ALARM_ID } from '../../lib/dr/primary-failover';
import { SecondaryFailover } from '../../lib/dr/secondary-failover';
import { AlarmFactory } from '../../lib/monitoring/alarm-factory';
import { RunbookCheck } from '../../lib/monitoring/runbook-check';
import { SeverityTopics } from '../../lib/monitoring/severity-topics';
import { defaultConfig, testApp } from '../helpers/app';

const config = defaultConfig();
const found = config.environments.find((e) => e.name === 'Prod')!;
const dr = found.dr!;
const prodConfig = { ...found, dr };
const service = config.service;

function importedAlb(stack: Stack, id: string, dnsName: string, zoneId: string): elbv2.IApplicationLoadBalancer {
  return elbv2.ApplicationLoadBalancer.fromApplicationLoadBalancerAttributes(stack, id, {
    loadBalancerArn: `arn:aws:elasticloadbalancing:${stack.region}:333333333333:loadbalancer/app/${id}/0123456789abcdef`,
    securityGroupId: 'sg-0123456789abcdef0',
    loadBalancerDnsName: dnsName,
    loadBalancerCanonicalHostedZoneId: zoneId,
  });
}

/** Stand-ins for the Region switch plan's health checks, one per Region (DrRegion's PlanHealthChecks). */
const PLAN_CHECK_US_EAST_1 = 'aaaaaaaa-1111-4111-8111-000000000001';
const PLAN_CHECK_US_WEST_2 = 'bbbbbbbb-2222-4222-8222-000000000002';

interface Built {
  app: App;
  primary: Stack;
  standby: Stack;
}

/** A Prod-like and a DrRegion-like stack holding only the DR constructs, with cdk-nag and the runbook check on. */
function build(
  options: { primaryRegion?: string; https?: boolean; standbyMode?: 'warm-standby' | 'pilot-light' } = {},
): Built {
  const app = testApp();
  const standbyMode = options.standbyMode ?? 'warm-standby';
  const standby = new Stack(app, 'Standby', { env: { account: '333333333333', region: dr.region } });
  const standbyAlb = importedAlb(standby, 'StandbyAlb', 'standby-123.us-west-2.elb.amazonaws.com', 'Z1H1FL5HABSF5');
  const secondary = new SecondaryFailover(standby, 'SecondaryFailover', {
    service,
    dr,
    loadBalancer: standbyAlb,
    https: options.https ?? false,
    planHealthCheckId: PLAN_CHECK_US_WEST_2,
  });
  const reports = new s3.Bucket(standby, 'Reports', { enforceSSL: true });
  Validations.of(reports).acknowledge({ id: 'AwsSolutions-S1', reason: 'test bucket' });
  const replica = new s3.Bucket(standby, 'Replica', { enforceSSL: true });
  Validations.of(replica).acknowledge({ id: 'AwsSolutions-S1', reason: 'test bucket' });
  const vault = new backup.BackupVault(standby, 'Vault', { backupVaultName: 'orders-dr-vault' });
  new DrDrill(standby, 'Drill', {
    naming: new Naming(service.name, 'dr'),
    protection: { retain: true },
    service,
    dr: { standbyMode },
    targets: drillTargets({ ...prodConfig, dr: { ...dr, standbyMode } }),
    primaryStack: { stackName: 'Primary', region: options.primaryRegion ?? 'us-east-1' },
    reportBucket: reports,
    replicaBucket: replica,
    vault,
    executeAfter: [secondary],
  });

  const primary = new Stack(app, 'Primary', {
    env: { account: '333333333333', region: options.primaryRegion ?? 'us-east-1' },
  });
  const naming = new Naming(service.name, 'Prod');
  const alarms = new AlarmFactory({
    naming,
    runbookBaseUrl: service.runbookBaseUrl,
    topics: new SeverityTopics(primary, 'Topics', { naming, subscriptions: {} }),
  });
  new PrimaryFailover(primary, 'PrimaryFailover', {
    service,
    dr: { ...dr, standbyMode },
    loadBalancer: importedAlb(primary, 'PrimaryAlb', 'primary-123.us-east-1.elb.amazonaws.com', 'Z35SXDOTRQ7X7K'),
    https: options.https ?? false,
    planHealthCheckId: PLAN_CHECK_US_EAST_1,
    alarms,
    standbyHealthCheck: secondary.failover.healthCheck,
  });
  primary.addStackDependency(standby);

  Aspects.of(app).add(new RunbookCheck({ runbooksDir: DEFAULT_RUNBOOKS_DIR, runbookBaseUrl: service.runbookBaseUrl }));
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  return { app, primary, standby };
}

describe('Route 53 failover pair', () => {
  const built = build();
  const primary = Template.fromStack(built.primary);
  const standby = Template.fromStack(built.standby);

  test('PRIMARY CNAME in Prod and SECONDARY in DrRegion, same name, zone from config, to the ALB, TTL 15 s', () => {
    for (const [template, role, host] of [
      [primary, 'PRIMARY', 'primary-123.us-east-1.elb.amazonaws.com'],
      [standby, 'SECONDARY', 'standby-123.us-west-2.elb.amazonaws.com'],
    ] as const) {
      // Two records per side: the live pair and the drill pair.
      template.resourceCountIs('AWS::Route53::RecordSet', 2);
      template.resourcePropertiesCountIs('AWS::Route53::RecordSet', { Name: 'orders.example.com.' }, 1);
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'orders.example.com.',
        Type: 'CNAME',
        TTL: '15',
        ResourceRecords: [host],
        HostedZoneId: 'Z0123456789ABCDEFGHIJ',
        Failover: role,
        SetIdentifier: failoverSetIdentifier('orders', role),
        HealthCheckId: Match.anyValue(),
        AliasTarget: Match.absent(),
      });
    }
  });

  test("health checks probe each load balancer on the health path every 10 s, 2 failures (Prod's config), from the configured regions", () => {
    for (const [template, host] of [
      [primary, 'primary-123.us-east-1.elb.amazonaws.com'],
      [standby, 'standby-123.us-west-2.elb.amazonaws.com'],
    ] as const) {
      template.hasResourceProperties('AWS::Route53::HealthCheck', {
        HealthCheckConfig: {
          Type: 'HTTP',
          FullyQualifiedDomainName: host,
          Port: 80,
          ResourcePath: '/health',
          RequestInterval: 10,
          FailureThreshold: 2,
          Regions: ['us-east-1', 'us-west-2', 'eu-west-1'],
        },
      });
    }
  });

  test("each live record uses the Region switch plan's health check for its Region, never an endpoint check", () => {
    for (const [template, planCheck] of [
      [primary, PLAN_CHECK_US_EAST_1],
      [standby, PLAN_CHECK_US_WEST_2],
    ] as const) {
      const [live] = Object.values(
        template.findResources('AWS::Route53::RecordSet', { Properties: { Name: 'orders.example.com.' } }),
      ) as Array<{ Properties: { HealthCheckId: unknown } }>;
      expect(live.Properties.HealthCheckId).toBe(planCheck);
    }
  });

  test('the endpoint health check stays for the alarms but carries no drill tag and no live record', () => {
    const drillChecks = new Set(
      Object.values(primary.findResources('AWS::Route53::RecordSet'))
        .map((r) => (r as { Properties: { HealthCheckId: unknown } }).Properties.HealthCheckId)
        .map((id) => (id as { Ref?: string }).Ref),
    );
    const endpointChecks = Object.entries(primary.findResources('AWS::Route53::HealthCheck')).filter(
      ([logicalId]) => !drillChecks.has(logicalId),
    );
    expect(endpointChecks).toHaveLength(1);
    const [logicalId, check] = endpointChecks[0] as [string, { Properties: { HealthCheckTags?: unknown } }];
    expect(JSON.stringify(check.Properties.HealthCheckTags ?? [])).not.toContain('dr-drill');
    expect(JSON.stringify(primary.findResources('AWS::CloudWatch::Alarm'))).toContain(logicalId);
  });

  test('a live record without the plan health check, or a drill record with one, is refused', () => {
    const stack = new Stack(testApp(), 'Refused', { env: { account: '333333333333', region: 'us-east-1' } });
    const alb = importedAlb(stack, 'Alb', 'alb-1.us-east-1.elb.amazonaws.com', 'Z35SXDOTRQ7X7K');
    const base = { role: 'PRIMARY' as const, service, healthCheck: dr.healthCheck, loadBalancer: alb, https: true };
    expect(() => new FailoverRecord(stack, 'Live', base)).toThrow(/needs planHealthCheckId/);
    expect(
      () => new FailoverRecord(stack, 'Drill', { ...base, pair: 'drill', planHealthCheckId: PLAN_CHECK_US_EAST_1 }),
    ).toThrow(/drill pair keeps its own endpoint health checks/);
  });

  test('a drill pair drill.orders.example.com with its own health checks, tagged as drill checks, on the same load balancers', () => {
    for (const [template, role, host] of [
      [primary, 'PRIMARY', 'primary-123.us-east-1.elb.amazonaws.com'],
      [standby, 'SECONDARY', 'standby-123.us-west-2.elb.amazonaws.com'],
    ] as const) {
      const setIdentifier = role === 'PRIMARY' ? 'orders-drill-primary' : 'orders-drill-secondary';
      const records = template.findResources('AWS::Route53::RecordSet', {
        Properties: { Name: 'drill.orders.example.com.' },
      });
      expect(Object.values(records)).toHaveLength(1);
      const record = Object.values(records)[0] as {
        Properties: Record<string, unknown> & { HealthCheckId: { Ref: string } };
      };
      expect(record.Properties).toMatchObject({
        Type: 'A',
        HostedZoneId: 'Z0123456789ABCDEFGHIJ',
        Failover: role,
        SetIdentifier: setIdentifier,
      });
      expect(record.Properties.AliasTarget).toMatchObject({ EvaluateTargetHealth: true });
      const check = template.toJSON().Resources[record.Properties.HealthCheckId.Ref] as {
        Type: string;
        Properties: { HealthCheckConfig: unknown; HealthCheckTags: unknown };
      };
      expect(check.Type).toBe('AWS::Route53::HealthCheck');
      // Same settings as the live check, so the drill measures the failover users would get.
      expect(check.Properties.HealthCheckConfig).toEqual({
        Inverted: false,
        MeasureLatency: false,
        Type: 'HTTP',
        FullyQualifiedDomainName: host,
        Port: 80,
        ResourcePath: '/health',
        RequestInterval: 10,
        FailureThreshold: 2,
        Regions: ['us-east-1', 'us-west-2', 'eu-west-1'],
      });
      expect(check.Properties.HealthCheckTags).toEqual(
        expect.arrayContaining([
          { Key: 'bulwark:purpose', Value: 'dr-drill' },
          { Key: 'Name', Value: setIdentifier },
        ]),
      );
    }
    // Four health checks in all: live and drill on each side.
    primary.resourceCountIs('AWS::Route53::HealthCheck', 2);
    standby.resourceCountIs('AWS::Route53::HealthCheck', 2);
  });

  test('Prod outputs the drill primary health check id under the fixed name DrRegion reads', () => {
    const [drill] = Object.values(
      primary.findResources('AWS::Route53::RecordSet', { Properties: { Name: 'drill.orders.example.com.' } }),
    ) as Array<{ Properties: { HealthCheckId: { Ref: string } } }>;
    primary.hasOutput('DrillPrimaryHealthCheckId', { Value: { Ref: drill.Properties.HealthCheckId.Ref } });
  });

  test('no alarm on the drill health checks (drills fail them on purpose)', () => {
    const [drill] = Object.values(
      primary.findResources('AWS::Route53::RecordSet', { Properties: { Name: 'drill.orders.example.com.' } }),
    ) as Array<{ Properties: { HealthCheckId: { Ref: string } } }>;
    expect(JSON.stringify(primary.findResources('AWS::CloudWatch::Alarm'))).not.toContain(
      drill.Properties.HealthCheckId.Ref,
    );
  });

  test('probes over HTTPS on 443 when a certificate is configured', () => {
    const https = Template.fromStack(build({ https: true }).primary);
    https.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({ Type: 'HTTPS', Port: 443, EnableSNI: true }),
    });
  });

  test('a P1 alarm on the primary health check status, in us-east-1, linking its runbook', () => {
    primary.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `orders-prod-${PRIMARY_UNHEALTHY_ALARM_ID}`,
      Namespace: 'AWS/Route53',
      MetricName: 'HealthCheckStatus',
      Statistic: 'Minimum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'breaching',
      AlarmDescription: Match.stringLikeRegexp('^\\[P1\\] .*Runbook: .*/dr-primary-unhealthy\\.md$'),
    });
    expect(fs.existsSync(path.join(DEFAULT_RUNBOOKS_DIR, 'dr-primary-unhealthy.md'))).toBe(true);
  });

  test('a P2 alarm on the warm standby health check lives in Prod (the metrics exist in us-east-1 only)', () => {
    primary.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `orders-prod-${STANDBY_UNHEALTHY_ALARM_ID}`,
      AlarmDescription: Match.stringLikeRegexp('^\\[P2\\] .*dr-standby-unhealthy\\.md$'),
    });
  });

  test('no standby alarm for a pilot light (it runs no tasks until failover, so its check fails by design)', () => {
    const pilot = Template.fromStack(build({ standbyMode: 'pilot-light' }).primary);
    pilot.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { AlarmName: `orders-prod-${STANDBY_UNHEALTHY_ALARM_ID}` },
      0,
    );
    pilot.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { AlarmName: `orders-prod-${PRIMARY_UNHEALTHY_ALARM_ID}` },
      1,
    );
  });

  test('outside us-east-1 the alarm is not created (it could never fire) and synth warns', () => {
    const elsewhere = build({ primaryRegion: 'eu-west-1' }).primary;
    Template.fromStack(elsewhere).resourceCountIs('AWS::CloudWatch::Alarm', 0);
    Annotations.fromStack(elsewhere).hasWarning(
      '/Primary/PrimaryFailover',
      Match.stringLikeRegexp('Route 53 health check metrics exist only in us-east-1'),
    );
  });

  test('worst-case DNS failover (refused connections) is interval x threshold + live TTL: 10 x 2 + 15 = 35 s', () => {
    expect(ALIAS_TTL_SECONDS).toBe(60);
    expect(worstCaseDnsFailoverSeconds({ ...dr.healthCheck, intervalSeconds: 10, failureThreshold: 2 })).toBe(35);
    expect(worstCaseDnsFailoverSeconds({ ...dr.healthCheck, intervalSeconds: 30, failureThreshold: 2 })).toBe(75);
  });
});

describe('DR drill construct', () => {
  const built = build();
  const standby = Template.fromStack(built.standby);

  test('a deploy-time trigger invokes the drill synchronously once the standby exists', () => {
    standby.resourceCountIs('Custom::Trigger', 1);
    standby.hasResourceProperties('Custom::Trigger', {
      InvocationType: 'RequestResponse',
      Timeout: String(15 * 60 * 1000),
    });
    const trigger = Object.values(standby.findResources('Custom::Trigger'))[0] as { DependsOn?: string[] };
    expect((trigger.DependsOn ?? []).some((d) => d.startsWith('SecondaryFailover'))).toBe(true);
  });

  test('the drill function gets its settings: zone, set identifiers, buckets, vault, targets, lock staleness', () => {
    const fn = Object.values(
      standby.findResources('AWS::Lambda::Function', {
        Properties: { Description: Match.stringLikeRegexp('^DR drill') },
      }),
    )[0] as {
      Properties: { Environment: { Variables: { DRILL_SETTINGS: unknown } }; Timeout: number; Runtime: string };
    };
    expect(fn.Properties.Timeout).toBe(900);
    expect(fn.Properties.Runtime).toBe('nodejs24.x');
    const settings = JSON.stringify(fn.Properties.Environment.Variables.DRILL_SETTINGS);
    for (const expected of [
      'Z0123456789ABCDEFGHIJ',
      'warm-standby',
      'Vault23237E5B',
      `${DRILL_LOCK_STALE_SECONDS}`,
      '"failoverSeconds\\":60',
    ]) {
      expect(settings).toContain(expected);
    }
    // The drill pair, never the live one: its name, its set identifiers, its health check (Prod's output), its tag.
    for (const expected of [
      '\\"recordName\\":\\"drill.orders.example.com\\"',
      '\\"primarySetIdentifier\\":\\"orders-drill-primary\\"',
      '\\"secondarySetIdentifier\\":\\"orders-drill-secondary\\"',
    ]) {
      expect(settings).toContain(expected);
    }
    expect(settings).not.toContain('\\"recordName\\":\\"orders.example.com\\"');
    expect(settings).toContain(
      '{"Fn::GetStackOutput":{"StackName":"Primary","Region":"us-east-1","OutputName":"DrillPrimaryHealthCheckId"}}',
    );
    expect(settings).toContain(
      '\\"drillHealthCheckTag\\":{\\"key\\":\\"bulwark:purpose\\",\\"value\\":\\"dr-drill\\"}',
    );
  });

  test("may update only the drill health check (Prod's output), never the live one or health checks in general", () => {
    const statements = Object.values(standby.findResources('AWS::IAM::Policy')).flatMap(
      (p) =>
        (
          p as {
            Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } };
          }
        ).Properties.PolicyDocument.Statement,
    );
    const healthCheckStatements = statements.filter(
      (s) =>
        JSON.stringify(s.Action).includes('HealthCheck') || JSON.stringify(s.Action).includes('ListTagsForResource'),
    );
    expect(healthCheckStatements).toHaveLength(1);
    expect(healthCheckStatements[0].Action).toEqual([
      'route53:GetHealthCheck',
      'route53:GetHealthCheckStatus',
      'route53:ListTagsForResource',
      'route53:UpdateHealthCheck',
    ]);
    expect(healthCheckStatements[0].Resource).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:aws:route53:::healthcheck/',
          {
            'Fn::GetStackOutput': {
              StackName: 'Primary',
              Region: 'us-east-1',
              OutputName: 'DrillPrimaryHealthCheckId',
            },
          },
        ],
      ],
    });
    const policies = JSON.stringify(statements);
    expect(policies).not.toContain('healthcheck/*');
    const liveCheck = Object.keys(Template.fromStack(built.standby).findResources('AWS::Route53::HealthCheck'))[0];
    expect(policies).not.toContain(liveCheck);
  });

  test('may read the zone, and write only under drills/ in the report bucket', () => {
    const policies = JSON.stringify(standby.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('hostedzone/Z0123456789ABCDEFGHIJ');
    expect(policies).toContain('/drills/*');
    expect(policies).toContain('backup:ListRecoveryPointsByBackupVault');
    expect(policies).toContain('cloudwatch:namespace');
  });
});

describe('drill targets', () => {
  test("tier 1 warm standby: failover within Prod's 60 s P1 detection target; copies held to the backup schedule + copy (the global database carries the RPO)", () => {
    // TestDNSAnswer reads Route 53's own answer, so the drill measures detection and propagation, never a TTL:
    // 2 checks x (10 s + 4 s connect + 2 s first byte) = 32 s worst case fits the 60 s target.
    expect(drillTargets(prodConfig)).toEqual({
      failoverSeconds: 60,
      // Hourly backups: 60 min between runs + 60 min start window + 60 min backup and copy = 180 min.
      recoveryPointMaxAgeSeconds: 180 * 60,
      replicaObjectMaxAgeSeconds: (15 + S3_RTC_REPLICATION_LAG_MINUTES) * 60,
      waitBoundSeconds: 60 + 120,
    });
  });

  test('replicated objects: the RPO plus the replication lag (60 min without RTC)', () => {
    expect(
      drillTargets({ ...prodConfig, backup: { ...prodConfig.backup, replicationTimeControl: false } })
        .replicaObjectMaxAgeSeconds,
    ).toBe((15 + S3_REPLICATION_LAG_MINUTES) * 60);
  });

  test('pilot light: the headless secondary carries the RPO; copies, the fallback, get the looser bound', () => {
    const targets = drillTargets({
      ...prodConfig,
      targets: { ...prodConfig.targets, rpoMinutes: 24 * 60 },
      dr: { standbyMode: 'pilot-light' },
    });
    expect(targets.recoveryPointMaxAgeSeconds).toBe(24 * 3600);
  });
});
