/**
 * The roles `cdk bootstrap aws://<account>/<region> --trust <tooling account>` creates in every workload
 * account and region. The CDK CLI running in the pipeline's CodeBuild projects assumes them itself, exactly
 * as it does on a laptop, so the pipeline needs no deploy permissions of its own: only the right to assume these.
 */

/** The bootstrap qualifier of `cdk bootstrap` without `--qualifier` (also the synthesizer's default). */
export const DEFAULT_BOOTSTRAP_QUALIFIER = 'hnb659fds';

export type BootstrapRoleKind = 'deploy' | 'file-publishing' | 'image-publishing' | 'lookup';

export interface BootstrapRoleOptions {
  readonly partition?: string;
  /** @default DEFAULT_BOOTSTRAP_QUALIFIER */
  readonly qualifier?: string;
}

/** `arn:aws:iam::<account>:role/cdk-hnb659fds-<kind>-role-<account>-<region>` */
export function bootstrapRoleArn(
  kind: BootstrapRoleKind,
  account: string,
  region: string,
  options: BootstrapRoleOptions = {},
): string {
  const partition = options.partition ?? 'aws';
  const qualifier = options.qualifier ?? DEFAULT_BOOTSTRAP_QUALIFIER;
  return `arn:${partition}:iam::${account}:role/cdk-${qualifier}-${kind}-role-${account}-${region}`;
}

/**
 * The roles `cdk deploy` needs in one account and region: the deploy role (it drives CloudFormation through
 * the bootstrap's execution role) and the file-publishing role (Lambda bundles and templates go to the staging
 * bucket). No image-publishing role: Bulwark builds no container image (the service image comes from a
 * registry), and no lookup role: synth does no context lookups.
 */
export function deployRoleArns(account: string, region: string, options: BootstrapRoleOptions = {}): string[] {
  return [
    bootstrapRoleArn('deploy', account, region, options),
    bootstrapRoleArn('file-publishing', account, region, options),
  ];
}
