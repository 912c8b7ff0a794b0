import { Stack, StackProps, Tags } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export interface BulwarkStackProps extends StackProps {
  /** AZs from config. Returned by `availabilityZones` so synth never asks AWS (no context lookup). */
  readonly availabilityZones: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Base for every Bulwark stack: explicit AZs (synth works offline, with no credentials) and the
 * service/environment/tier tags on every taggable resource.
 */
export class BulwarkStack extends Stack {
  private readonly configuredAvailabilityZones: string[];

  constructor(scope: Construct, id: string, props: BulwarkStackProps) {
    super(scope, id, props);
    this.configuredAvailabilityZones = [...props.availabilityZones];
    for (const [key, value] of Object.entries(props.tags)) Tags.of(this).add(key, value);
  }

  override get availabilityZones(): string[] {
    return this.configuredAvailabilityZones;
  }
}
