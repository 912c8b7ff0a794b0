import { Stack, StackProps, Tags } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export interface BulwarkStackProps extends StackProps {
  /** AZs from config. Returned by `availabilityZones` so synth never asks AWS (no context lookup). */
  readonly availabilityZones: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Types aws-cdk-lib 2.276 treats as taggable but cfn-lint 1.51's CloudFormation schemas reject `Tags`
 * on (E3002). Tags there add nothing we use, and leaving them off means no deploy can fail over a
 * property a region's CloudFormation may not accept yet.
 */
export const UNTAGGED_RESOURCE_TYPES = [
  'AWS::CloudWatch::Dashboard',
  'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::ApplicationAutoScaling::ScalableTarget',
] as const;

/**
 * Base for every Bulwark stack: explicit AZs (synth works offline, with no credentials) and the
 * service/environment/tier tags on every taggable resource.
 */
export class BulwarkStack extends Stack {
  private readonly configuredAvailabilityZones: string[];

  constructor(scope: Construct, id: string, props: BulwarkStackProps) {
    super(scope, id, props);
    this.configuredAvailabilityZones = [...props.availabilityZones];
    for (const [key, value] of Object.entries(props.tags))
      Tags.of(this).add(key, value, { excludeResourceTypes: [...UNTAGGED_RESOURCE_TYPES] });
  }

  override get availabilityZones(): string[] {
    return this.configuredAvailabilityZones;
  }
}
