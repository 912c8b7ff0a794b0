import { CustomResource, Duration, Lazy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';
import { attributeForPort } from '../../lambdas/live-target-groups/attributes';
import { BulwarkFunction } from '../common/bulwark-function';
import { acknowledgeProviderFindings } from '../common/provider-findings';
import { DataProtection } from '../common/protection';

export interface LiveTargetGroupsProps {
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly blueTargetGroup: elbv2.IApplicationTargetGroup;
  readonly greenTargetGroup: elbv2.IApplicationTargetGroup;
  readonly protection: DataProtection;
}

/** The CloudFormation resource type of the lookup, for tests and the report. */
export const LIVE_TARGET_GROUPS_TYPE = 'Custom::LiveTargetGroups';

/**
 * Keeps CloudFormation from undoing CodeDeploy's traffic shift. A CodeDeploy ECS blue/green deployment rewrites the
 * listeners itself: each listener starts with "a single (default) rule that routes all traffic to a single target
 * group" (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/migrate-codedeploy-to-ecs-bluegreen.html), and
 * CodeDeploy moves it to the replacement target group with elasticloadbalancing:ModifyListener / ModifyRule, the
 * ELB actions its service role holds (AWSCodeDeployRoleForECS:
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForECS.html). After a deployment
 * both listeners forward to green while a template that names blue would, on the next listener update (certificate,
 * SSL policy, protocol), send production traffic to the idle, empty target group.
 *
 * This custom resource reads, by load balancer ARN (a lookup by listener ARN would be a dependency cycle), which
 * target group each listener port forwards to now, and the listeners' default actions forward to its attributes.
 * Its properties carry the listeners' whole configuration except their default actions, so CloudFormation re-runs
 * the lookup exactly when it is about to send a listener change, and the listener update writes back what is live.
 * AwsCustomResource is not enough: its output is a flattened DescribeListeners response indexed by position, it
 * fails when a listener does not exist yet, and it cannot pick the live member of a weighted forward action.
 */
export class LiveTargetGroups extends Construct {
  readonly resource: CustomResource;
  private readonly targetGroups: elbv2.IApplicationTargetGroup[];
  private readonly requestedPorts: number[] = [];
  private readonly boundListeners = new Map<number, elbv2.CfnListener>();

  constructor(scope: Construct, id: string, props: LiveTargetGroupsProps) {
    super(scope, id);
    this.targetGroups = [props.blueTargetGroup, props.greenTargetGroup];
    const lookup = new BulwarkFunction(this, 'Lookup', {
      lambdaName: 'live-target-groups',
      description: "Reads which target group each listener serves now, so listener updates keep CodeDeploy's choice",
      protection: props.protection,
      timeout: Duration.seconds(30),
    });
    // DescribeListeners supports no resource-level permissions: "*" is the only valid Resource (Service
    // Authorization Reference, Elastic Load Balancing V2, where DescribeListeners lists no resource type:
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html).
    lookup.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['elasticloadbalancing:DescribeListeners'], resources: ['*'] }),
    );
    Validations.of(lookup.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'elasticloadbalancing:DescribeListeners has no resource-level permissions (Service Authorization ' +
        'Reference); the role holds only this read-only action besides writing its own logs.',
    });
    const provider = new cr.Provider(this, 'Provider', { onEventHandler: lookup });
    acknowledgeProviderFindings(provider, [lookup]);

    const stack = Stack.of(this);
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: LIVE_TARGET_GROUPS_TYPE,
      properties: {
        LoadBalancerArn: props.loadBalancer.loadBalancerArn,
        BlueTargetGroupArn: props.blueTargetGroup.targetGroupArn,
        GreenTargetGroupArn: props.greenTargetGroup.targetGroupArn,
        Ports: Lazy.list({ produce: () => this.requestedPorts.map(String) }),
        ListenerFingerprint: Lazy.string({ produce: () => stack.toJsonString(this.fingerprint()) }),
      },
    });
    this.node.addValidation({
      validate: () =>
        this.requestedPorts
          .filter((port) => !this.boundListeners.has(port))
          .map((port) => `LiveTargetGroups: forward(${port}) is no listener's default action on port ${port}`),
    });
  }

  /**
   * The default action of the listener on `port`: forward to the target group that port serves now (blue on the
   * first deploy). Binding it to the listener adds the listener's configuration to the lookup's fingerprint.
   */
  forward(port: number): elbv2.ListenerAction {
    if (this.requestedPorts.includes(port)) {
      throw new Error(`LiveTargetGroups: port ${port} already has a forward action`);
    }
    this.requestedPorts.push(port);
    const liveArn = this.resource.getAttString(attributeForPort(port));
    const track = (listener: elbv2.CfnListener) => this.boundListeners.set(port, listener);
    return new LiveForwardAction(liveArn, port, this.targetGroups, track);
  }

  /** Every listener property CloudFormation could send except the default actions this lookup decides. */
  private fingerprint(): Record<string, unknown>[] {
    return [...this.boundListeners.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, listener]) => ({
        Port: listener.port,
        Protocol: listener.protocol,
        Certificates: listener.certificates,
        SslPolicy: listener.sslPolicy,
        AlpnPolicy: listener.alpnPolicy,
        MutualAuthentication: listener.mutualAuthentication,
        ListenerAttributes: listener.listenerAttributes,
      }));
  }
}

/**
 * A forward action to the lookup's attribute. Binding registers both target groups with the listener, as a forward
 * action to them would: either may be the one served, and CDK derives from the registration the security group rule
 * from the load balancer to the tasks and the ECS service's dependency on the listener.
 */
class LiveForwardAction extends elbv2.ListenerAction {
  constructor(
    targetGroupArn: string,
    private readonly port: number,
    private readonly targetGroups: elbv2.IApplicationTargetGroup[],
    private readonly onBind: (listener: elbv2.CfnListener) => void,
  ) {
    super({ type: 'forward', targetGroupArn });
  }

  bind(scope: Construct, listener: elbv2.IApplicationListener, associatingConstruct?: IConstruct): void {
    super.bind(scope, listener, associatingConstruct);
    const cfnListener = listener.node.defaultChild;
    if (!(cfnListener instanceof elbv2.CfnListener)) {
      throw new Error('LiveTargetGroups: the listener must be defined in this app');
    }
    if (Token.isUnresolved(cfnListener.port) || cfnListener.port !== this.port) {
      throw new Error(`LiveTargetGroups: forward(${this.port}) bound to a listener on port ${cfnListener.port}`);
    }
    for (const targetGroup of this.targetGroups) targetGroup.registerListener(listener, associatingConstruct);
    this.onBind(cfnListener);
  }
}
