import * as fs from 'fs';
import * as path from 'path';

/**
 * The synthesized templates the proofs read: never the constructs, so the proofs judge what CloudFormation
 * would deploy. A stack knows its account and region (from the cloud assembly's manifest) so that
 * intrinsics resolve to the ARNs AWS would produce.
 */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { readonly Value: unknown; readonly Export?: { readonly Name: unknown } }>;
}

export interface StackTemplate {
  /** The stack id users type (Dev, Prod, DrRegion, Pipeline). */
  readonly stackId: string;
  /** CloudFormation stack name (equal to the id in this app). */
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  readonly template: CfnTemplate;
  /** Stacks `cdk deploy <this>` deploys first (the cloud assembly's stack dependencies). */
  readonly dependsOn: readonly string[];
}

interface ManifestArtifact {
  readonly type: string;
  readonly environment?: string;
  readonly displayName?: string;
  readonly properties?: { readonly templateFile?: string; readonly stackName?: string };
  readonly dependencies?: readonly string[];
}

/** Read every CloudFormation stack of a cloud assembly directory (`cdk.out` after `npx cdk synth`). */
export function readStacksFromCdkOut(cdkOutDir: string): StackTemplate[] {
  const manifestPath = path.join(cdkOutDir, 'manifest.json');
  if (!fs.existsSync(manifestPath))
    throw new Error(`${manifestPath} not found: run \`npx cdk synth --quiet\` first (or pass --cdk-out <dir>)`);
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as {
    artifacts?: Record<string, ManifestArtifact>;
  };
  const stacks: StackTemplate[] = [];
  const artifacts = manifest.artifacts ?? {};
  const isStack = (id: string): boolean => artifacts[id]?.type === 'aws:cloudformation:stack';
  for (const [stackId, artifact] of Object.entries(artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    const env = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment ?? '');
    if (!env || env[1] === 'unknown-account')
      throw new Error(`${stackId} has no concrete account/region (${artifact.environment}); the proofs need both`);
    const template = JSON.parse(
      fs.readFileSync(path.join(cdkOutDir, artifact.properties.templateFile), 'utf8'),
    ) as CfnTemplate;
    stacks.push({
      stackId,
      stackName: artifact.properties.stackName ?? stackId,
      account: env[1],
      region: env[2],
      partition: partitionOf(env[2]),
      template,
      dependsOn: (artifact.dependencies ?? []).filter(isStack),
    });
  }
  return stacks;
}

/** The stacks of an in-memory synthesis (jest), in the same shape as `readStacksFromCdkOut`. */
export function stacksFromAssembly(assembly: {
  readonly stacks: readonly {
    readonly stackName: string;
    readonly id: string;
    readonly template: unknown;
    readonly environment: { readonly account: string; readonly region: string };
    readonly dependencies: readonly { readonly id: string }[];
  }[];
}): StackTemplate[] {
  const ids = new Set(assembly.stacks.map((s) => s.id));
  return assembly.stacks.map((s) => ({
    stackId: s.id,
    stackName: s.stackName,
    account: s.environment.account,
    region: s.environment.region,
    partition: partitionOf(s.environment.region),
    // A deep copy: planted-defect tests mutate templates and must not leak into other tests.
    template: structuredClone(s.template) as CfnTemplate,
    dependsOn: s.dependencies.map((d) => d.id).filter((id) => ids.has(id)),
  }));
}

/** Partition by region prefix (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export function resourcesOfType(stack: StackTemplate, type: string): [string, CfnResource][] {
  return Object.entries(stack.template.Resources ?? {}).filter(([, r]) => r.Type === type);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asArray<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as T[])] : [value as T];
}
