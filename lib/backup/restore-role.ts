import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { Naming } from '../common/naming';
import { VAULT_KEY_ACTIONS } from './service-backup';

/** `orders-dr-restore`: a fixed name, so `npm run ops -- dr-restore` finds it without a stack lookup. */
export function restoreRoleName(naming: Naming): string {
  return naming.resource('restore');
}

const RESTORE_MANAGED_POLICY = 'service-role/AWSBackupServiceRolePolicyForRestores';

export interface RestoreRoleProps {
  readonly naming: Naming;
  /** The keys a restore reads (the vault's) and writes with (the restored database's). */
  readonly keys: readonly kms.IKey[];
}

/**
 * The role AWS Backup restores with in the DR region (pilot-light failover: the newest copied recovery
 * point becomes `orders-dr-db`). Prod's backup role has a generated name in Prod's stack; this one is
 * named, lives with the vault it restores from, and is usable while Prod's region is down.
 */
export class RestoreRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: RestoreRoleProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      roleName: restoreRoleName(props.naming),
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: `AWS Backup restores from ${props.naming.resource('backup')} (DR failover restore)`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(RESTORE_MANAGED_POLICY)],
    });
    // The keys' default policies delegate to IAM (same account): the role's policy grants their use.
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: VAULT_KEY_ACTIONS, resources: props.keys.map((key) => key.keyArn) }),
    );
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${RESTORE_MANAGED_POLICY}]`,
      reason:
        'The AWS Backup restore service-role policy is the AWS-maintained permission set for restoring the resource types AWS Backup supports (here Aurora); a hand-written copy would silently miss APIs AWS adds.',
    });
  }
}
