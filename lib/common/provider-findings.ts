import { Stack, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';
import { ControlTowerRule, acknowledgeControlTower } from './control-tower';

/**
 * The cdk-nag findings on aws-cdk-lib's Provider framework (its own functions, their roles and the
 * waiter state machine), acknowledged on the provider with the reasons. Every Provider-framework custom
 * resource of Bulwark (the blue/green deployment trigger, the Aurora global secondary) uses this, so the
 * reasons stay the same and an upgrade that changes the framework is reviewed once.
 * `handlers` are our onEvent/isComplete functions, which the framework invokes.
 */
export function acknowledgeProviderFindings(provider: cr.Provider, handlers: lambda.Function[]): void {
  // The framework's functions invoke our handlers and each other by ARN, and the CDK grant adds `<arn>:*` for versions.
  // A provider without isComplete has neither the waiter functions nor the state machine.
  const frameworkFunctions = ['framework-isComplete', 'framework-onTimeout']
    .map((id) => provider.node.tryFindChild(id))
    .filter((fn): fn is lambda.Function => fn instanceof lambda.Function);
  const invokeWildcards = [...handlers, ...frameworkFunctions].map((fn) => ({
    id: `AwsSolutions-IAM5[Resource::<${Stack.of(fn).getLogicalId(fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
    reason:
      'CDK Provider framework grant: lambda:InvokeFunction on the named function and its versions (`:*`), nothing else.',
  }));
  const waiter = provider.node.tryFindChild('waiter-state-machine');
  if (waiter) {
    Validations.of(waiter).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Step Functions log delivery (logs:CreateLogDelivery, PutResourcePolicy, DescribeLogGroups, ...) does not support resource-level permissions; AWS documents Resource "*" for it.',
    });
    acknowledgeControlTower(waiter, {
      rule: ControlTowerRule.STATE_MACHINE_TRACING,
      reason:
        'CDK Provider framework waiter: it only loops isComplete, its execution history and logs trace each step, and its props offer no X-Ray option (as AwsSolutions-SF2).',
    });
  }
  Validations.of(provider).acknowledge(
    ...invokeWildcards,
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'CDK Provider framework functions (not ours) write their own logs with the basic execution role.',
    },
    {
      id: 'AwsSolutions-L1',
      reason:
        'The Provider framework functions are CDK-owned; their runtime follows aws-cdk-lib releases (checked by a test: nodejs22.x or newer).',
    },
    {
      id: 'AwsSolutions-SF2',
      reason:
        'The Provider framework waiter state machine only loops isComplete; its execution history and ALL-level logs trace it, and its props offer no X-Ray option.',
    },
  );
}
