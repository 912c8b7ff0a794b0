import { ArnFormat, Stack } from 'aws-cdk-lib';

/**
 * A hosted zone's ARN, `arn:<partition>:route53:::hostedzone/<id>`: Route 53 is global, so no Region and no account
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonroute53.html#amazonroute53-resources-for-iam-policies).
 */
export function hostedZoneArn(stack: Stack, hostedZoneId: string): string {
  return stack.formatArn({
    service: 'route53',
    region: '',
    account: '',
    resource: 'hostedzone',
    resourceName: hostedZoneId,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}
