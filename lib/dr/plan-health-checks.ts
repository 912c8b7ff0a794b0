import { CustomResource, Duration, Token } from 'aws-cdk-lib';
import * as arcregionswitch from 'aws-cdk-lib/aws-arcregionswitch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { BulwarkFunction } from '../common/bulwark-function';
import { acknowledgeProviderFindings } from '../common/provider-findings';
import { DataProtection } from '../common/protection';

/** The CloudFormation resource type of the pick, for tests and the resilience report (lib/report/dns.ts). */
export const PLAN_HEALTH_CHECKS_TYPE = 'Custom::PlanHealthChecks';

/** The attribute of the pick that names the plan's health check for the primary (or secondary) Region. */
export const PLAN_HEALTH_CHECK_ATTRIBUTE = {
  PRIMARY: 'PrimaryHealthCheckId',
  SECONDARY: 'SecondaryHealthCheckId',
} as const;

export interface PlanHealthChecksProps {
  readonly plan: arcregionswitch.CfnPlan;
  /** The hosted zone and record name of the plan's Route53HealthCheck step (the live failover pair). */
  readonly hostedZoneId: string;
  readonly recordName: string;
  /** Prod's Region (the PRIMARY record) and DrRegion's (the SECONDARY record). */
  readonly primaryRegion: string;
  readonly secondaryRegion: string;
  readonly protection: DataProtection;
}

/**
 * The Route 53 health checks the Region switch plan owns, one per Region, for the live failover records.
 *
 * The plan's Route 53 health check execution block "creates Amazon Route 53 health checks, which you then attach
 * to Route 53 DNS records in your account. When you execute your Region switch plan, the Route 53 health check
 * state is updated, and traffic is redirected based on your DNS configuration"
 * (https://docs.aws.amazon.com/r53recovery/latest/dg/route53-health-check-block.html). A record carrying one of
 * them therefore moves only when the plan runs that step, after the database step: DNS never sends users to a
 * standby whose database cannot take writes.
 *
 * The ids are read through the documented ListRoute53HealthChecks API (hosted zone and record name of the live
 * pair; https://docs.aws.amazon.com/arc-region-switch/latest/api/API_ListRoute53HealthChecks.html), a
 * control-plane call answered in us-east-1 (lambdas/shared/arc-region-switch.ts). That adds no new dependency to a
 * deploy: the pick runs only when the plan or its checks change, which is itself a control-plane change of the
 * plan. A template cannot pick a list element by its content (Conditions cannot reference resources), so this
 * small custom resource picks each Region's check by Region and fails the deploy when that is not exactly one id
 * (lambdas/plan-health-checks/pick.ts), waiting for checks not listed yet within its function's timeout. The
 * plan's `PlanHealthChecks` attribute stays a property, so a change of the plan's checks re-runs the pick, and a
 * cross-check when its entries have the shape a public deployment saw (AWS documents neither shape nor order).
 *
 * IAM: arc-region-switch:ListRoute53HealthChecks requires the `plan` resource type and lists no condition keys
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_arc-region-switch.html), so the role
 * may call it on this plan's ARN only.
 */
export class PlanHealthChecks extends Construct {
  readonly resource: CustomResource;
  /** The plan's health check for the primary Region: the PRIMARY live record's HealthCheckId. */
  readonly primaryHealthCheckId: string;
  /** The plan's health check for the DR Region: the SECONDARY live record's HealthCheckId. */
  readonly secondaryHealthCheckId: string;

  constructor(scope: Construct, id: string, props: PlanHealthChecksProps) {
    super(scope, id);
    const pick = new BulwarkFunction(this, 'Pick', {
      lambdaName: 'plan-health-checks',
      description: "Picks, by Region, the Region switch plan's Route 53 health check for each live failover record",
      protection: props.protection,
      // Room to wait for checks the plan has not listed yet (pick.ts reads every 10 s, answering 15 s before this).
      timeout: Duration.minutes(5),
      environment: { PLAN_HEALTH_CHECKS_PLAN_ARN: props.plan.attrArn },
    });
    pick.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['arc-region-switch:ListRoute53HealthChecks'],
        resources: [props.plan.attrArn],
      }),
    );
    const provider = new cr.Provider(this, 'Provider', { onEventHandler: pick });
    acknowledgeProviderFindings(provider, [pick]);
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: PLAN_HEALTH_CHECKS_TYPE,
      properties: {
        PlanArn: props.plan.attrArn,
        PlanHealthChecks: Token.asList(props.plan.getAtt('PlanHealthChecks')),
        HostedZoneId: props.hostedZoneId,
        RecordName: props.recordName,
        PrimaryRegion: props.primaryRegion,
        SecondaryRegion: props.secondaryRegion,
      },
    });
    this.primaryHealthCheckId = this.resource.getAttString(PLAN_HEALTH_CHECK_ATTRIBUTE.PRIMARY);
    this.secondaryHealthCheckId = this.resource.getAttString(PLAN_HEALTH_CHECK_ATTRIBUTE.SECONDARY);
  }
}
