import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { Naming } from '../common/naming';

/**
 * Names shared by the pipeline (tooling account) and each workload environment, so the two sides meet
 * without a cross-account reference. The canary function's name is the canary capability's
 * (`Naming.resource('canary')`); the pipeline only invokes it.
 */
export function canaryFunctionName(naming: Naming): string {
  return naming.resource('canary');
}

/** The role in a workload account that the pipeline assumes to run that environment's canary once. */
export function canaryInvokerRoleName(naming: Naming): string {
  return naming.resource('pipeline-canary');
}

/** The CodeBuild role in the tooling account that runs an environment's canary; the only principal trusted. */
export function canaryRunnerRoleName(serviceName: string, environmentName: string): string {
  return `${serviceName}-pipeline-canary-runner-${environmentName}`.toLowerCase();
}

export interface PipelineCanaryAccessProps {
  readonly naming: Naming;
  /** The account the pipeline runs in. */
  readonly toolingAccount: string;
}

/**
 * Goes in a workload stack (Dev, Staging, Prod): a role the pipeline's canary runner may assume, allowed to
 * do exactly one thing, invoke this environment's canary. The bootstrap roles cannot invoke Lambda, and
 * widening them would widen every deploy; this role is the narrow alternative.
 *
 * The trust names the account and pins the caller with `aws:PrincipalArn` rather than naming the role as
 * principal: IAM refuses a trust policy whose principal role does not exist yet, and an environment may be
 * deployed by hand before the pipeline exists.
 */
export class PipelineCanaryAccess extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: PipelineCanaryAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const runnerRoleArn = `arn:${stack.partition}:iam::${props.toolingAccount}:role/${canaryRunnerRoleName(props.naming.serviceName, props.naming.environmentName)}`;
    this.role = new iam.Role(this, 'Role', {
      roleName: canaryInvokerRoleName(props.naming),
      description: `Lets the delivery pipeline in ${props.toolingAccount} run ${canaryFunctionName(props.naming)} once after a deploy`,
      assumedBy: new iam.AccountPrincipal(props.toolingAccount).withConditions({
        ArnEquals: { 'aws:PrincipalArn': runnerRoleArn },
      }),
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [
          stack.formatArn({
            service: 'lambda',
            resource: 'function',
            resourceName: canaryFunctionName(props.naming),
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
  }
}
