import { ArnFormat, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IDependable } from 'constructs';
import { BulwarkFunction } from '../common/bulwark-function';
import { DataProtection } from '../common/protection';
import { acknowledgeProviderFindings } from '../common/provider-findings';

/** The CloudFormation resource type, for tests and reviewers. */
export const DELETION_PROTECTION_TYPE = 'Custom::DeletionProtection';

export interface DeletionProtectionLatchProps {
  /** `cluster`: an Aurora DB cluster in this stack's region; `global-cluster`: an Aurora global database. */
  readonly kind: 'cluster' | 'global-cluster';
  /** The cluster's identifier (a Ref of it, so the latch is created after it). */
  readonly identifier: string;
  /** Everything that must exist before protection goes on (the cluster and its instances). */
  readonly after: IDependable[];
  readonly protection: DataProtection;
}

/**
 * Deletion protection that a failed first create can roll back (Custom::DeletionProtection, handler in
 * lambdas/deletion-protection). A cluster created with DeletionProtection true cannot be deleted by the
 * rollback of its own failed stack creation, which then ends in ROLLBACK_FAILED; and its fixed identifier
 * blocks the retry. So the template creates the cluster unprotected and this resource, created right after
 * it, switches protection on. Its Delete lifts protection only while the stack is in ROLLBACK_IN_PROGRESS
 * (a failed creation); a stack delete, an update rollback or a replacement leave the cluster protected.
 * Steady state: the retained environments' clusters are deletion-protected, as before.
 */
export class DeletionProtectionLatch extends Construct {
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: DeletionProtectionLatchProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const handler = new BulwarkFunction(this, 'Handler', {
      lambdaName: 'deletion-protection',
      description: `Switches deletion protection of ${props.kind} ${props.identifier} on once it exists; lifts it only in a create rollback`,
      protection: props.protection,
      // Up to 10 attempts with backoff while the new cluster settles (see lambdas/deletion-protection).
      timeout: Duration.minutes(5),
    });
    const target =
      props.kind === 'cluster'
        ? stack.formatArn({
            service: 'rds',
            resource: 'cluster',
            resourceName: props.identifier,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          })
        : stack.formatArn({
            service: 'rds',
            region: '',
            resource: 'global-cluster',
            resourceName: props.identifier,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          });
    handler.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [props.kind === 'cluster' ? 'rds:ModifyDBCluster' : 'rds:ModifyGlobalCluster'],
        resources: [target],
      }),
    );
    // Its own stack only: the Delete handler asks whether this stack is rolling back its creation.
    handler.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [stack.stackId] }),
    );

    const provider = new cr.Provider(this, 'Provider', { onEventHandler: handler });
    acknowledgeProviderFindings(provider, [handler]);

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: DELETION_PROTECTION_TYPE,
      properties: { Kind: props.kind, Identifier: props.identifier },
    });
    for (const dependency of props.after) this.resource.node.addDependency(dependency);
  }
}
