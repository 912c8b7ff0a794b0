import * as fs from 'fs';
import * as path from 'path';
import { CfnResource, SourceRef, StackTemplate } from './model';

interface ManifestArtifact {
  readonly type: string;
  readonly environment?: string;
  readonly properties?: { readonly templateFile?: string; readonly tags?: Record<string, string> };
}

/**
 * Read every top-level CloudFormation stack of a cloud assembly (cdk.out). Only the templates are
 * read, never the constructs: the report judges what CloudFormation would deploy. Stacks without an
 * `environment` tag (the pipeline) are returned in `skipped`.
 */
export function readCloudAssembly(cdkOutDir: string): { stacks: StackTemplate[]; skipped: string[] } {
  const manifestPath = path.join(cdkOutDir, 'manifest.json');
  if (!fs.existsSync(manifestPath)) {
    throw new Error(`${manifestPath} not found: run \`npx cdk synth\` first (or pass --cdk-out <dir>)`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as {
    artifacts?: Record<string, ManifestArtifact>;
  };
  const stacks: StackTemplate[] = [];
  const skipped: string[] = [];
  for (const [stackId, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    const tags = artifact.properties.tags ?? {};
    if (!tags.environment) {
      skipped.push(stackId);
      continue;
    }
    const file = artifact.properties.templateFile;
    const template = JSON.parse(fs.readFileSync(path.join(cdkOutDir, file), 'utf8')) as {
      Resources?: Record<string, CfnResource>;
      Outputs?: StackTemplate['outputs'];
    };
    const env = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment ?? '');
    stacks.push({
      stackId,
      file,
      environment: tags.environment,
      tier: tags.tier ? Number(tags.tier) : undefined,
      standbyFor: tags['standby-for'],
      account: env?.[1],
      region: env?.[2],
      resources: template.Resources ?? {},
      outputs: template.Outputs ?? {},
    });
  }
  return { stacks, skipped };
}

/** Resources of one type, as [logicalId, resource] pairs. */
export function resourcesOfType(stack: StackTemplate, type: string): [string, CfnResource][] {
  return Object.entries(stack.resources).filter(([, r]) => r.Type === type);
}

export function props(resource: CfnResource): Record<string, unknown> {
  return resource.Properties ?? {};
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt }` points at, else undefined. */
export function refTarget(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/** Every logical id referenced anywhere inside a value (Ref, GetAtt, Sub's ${X} and ${X.Attr}). */
export function referencedIds(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencedIds(item, into);
  } else if (isObject(value)) {
    const direct = refTarget(value);
    if (direct && !direct.startsWith('AWS::')) into.add(direct);
    const sub = value['Fn::Sub'];
    const subText =
      typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
    if (subText)
      for (const m of subText.matchAll(/\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}/g))
        if (!m[1].startsWith('AWS')) into.add(m[1]);
    for (const v of Object.values(value)) referencedIds(v, into);
  }
  return into;
}

/**
 * A value that points into another stack (`Fn::ImportValue` of an export, or the weak reference
 * `Fn::GetStackOutput`) resolved to that stack and the logical id its output references.
 */
export function resolveCrossStack(
  value: unknown,
  stacks: readonly StackTemplate[],
): { stack: StackTemplate; logicalId: string } | undefined {
  if (!isObject(value)) return undefined;
  const importName = value['Fn::ImportValue'];
  if (typeof importName === 'string') {
    for (const stack of stacks) {
      for (const output of Object.values(stack.outputs)) {
        if (output.Export?.Name === importName) {
          const id = refTarget(output.Value);
          if (id) return { stack, logicalId: id };
        }
      }
    }
  }
  const stackOutput = value['Fn::GetStackOutput'];
  if (
    isObject(stackOutput) &&
    typeof stackOutput.StackName === 'string' &&
    typeof stackOutput.OutputName === 'string'
  ) {
    const stack = stacks.find((s) => s.stackId === stackOutput.StackName);
    const id = stack ? refTarget(stack.outputs[stackOutput.OutputName]?.Value) : undefined;
    if (stack && id) return { stack, logicalId: id };
  }
  return undefined;
}

/** A plain number, or a number written as a string (CloudFormation accepts both); intrinsics give undefined. */
export function numberValue(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function source(stack: StackTemplate, logicalId: string, properties: readonly string[]): SourceRef {
  return { template: stack.file, logicalId, type: stack.resources[logicalId]?.Type ?? 'unknown', properties };
}

/** Tags of a resource as a map (CloudFormation writes them as a list of { Key, Value }). */
export function resourceTags(resource: CfnResource): Record<string, string> {
  const tags = props(resource).Tags;
  const out: Record<string, string> = {};
  if (Array.isArray(tags))
    for (const t of tags)
      if (isObject(t) && typeof t.Key === 'string' && typeof t.Value === 'string') out[t.Key] = t.Value;
  return out;
}
