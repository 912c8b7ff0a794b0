import { createHash } from 'crypto';
import { CfnElement, CfnResource, Lazy, Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

export interface WeakReferenceFingerprintProps {
  /** The SSM parameter that holds the fingerprint (`/orders/prod/dr-region-references`). */
  readonly parameterName: string;
}

/**
 * Makes a change to another stack's outputs reach this stack.
 *
 * A weak cross-stack reference (`Fn::GetStackOutput`, what aws-cdk-lib writes for Prod's use of DrRegion) is
 * "resolved at stack create or update time. If the referenced stack or output is later deleted or modified,
 * the consuming stack is not automatically updated or notified"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getstackoutput.html).
 * Its template text names only the stack and the output, so when DrRegion replaces a key, a vault or a security
 * group, Prod's template is unchanged: `cdk deploy Prod` skips it, and CloudFormation would have nothing to do.
 *
 * This construct puts, in an SSM parameter of the consuming stack, a hash of every resource definition
 * (type and properties, with whatever they reference, transitively) behind the outputs the stack reads. A
 * producer change that can change one of those values changes the parameter, so the consumer's template
 * changes and its deploy (after the producer's: Prod depends on DrRegion) is a real stack update that
 * resolves the references again. A resource, not template Metadata: "you cannot update the Metadata section
 * by itself" (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/metadata-section-structure.html).
 * It over-approximates (a property change that keeps the value still updates the parameter), never under.
 */
export class WeakReferenceFingerprint extends Construct {
  readonly parameter: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: WeakReferenceFingerprintProps) {
    super(scope, id);
    const consumer = Stack.of(this);
    this.parameter = new ssm.StringParameter(this, 'Parameter', {
      parameterName: props.parameterName,
      description:
        "Hash of the other stacks' resources behind the Fn::GetStackOutput references of this stack; it changes so that this stack is updated, and re-reads them, when they change",
      // Uncached: aws-cdk-lib reads every template once before it turns cross-stack references into
      // Fn::GetStackOutput; only the final rendering sees them.
      stringValue: Lazy.uncachedString({
        produce: (context) =>
          context.preparing
            ? PREPARING
            : weakReferenceFingerprint(consumer, this.parameter.node.defaultChild as CfnResource),
      }),
    });
  }
}

/**
 * The parameter's value while aws-cdk-lib is still preparing the app: it reads every template once to find
 * cross-stack references (none of which this value holds) before it turns them into Fn::GetStackOutput, so the
 * fingerprint computed then would be thrown away; only the final rendering computes it.
 */
const PREPARING = 'preparing';

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: unknown;
}

interface StackOutputReference {
  readonly StackName: string;
  readonly OutputName: string;
}

/**
 * sha256 over, for each output `consumer` reads through Fn::GetStackOutput, the producing stack's output
 * expression and the definitions it depends on. `exclude` is the element holding the fingerprint itself.
 */
export function weakReferenceFingerprint(consumer: Stack, exclude?: CfnElement): string {
  const references = new Map<string, StackOutputReference>();
  for (const element of elementsOf(consumer)) {
    if (element === exclude) continue;
    collectStackOutputs(consumer.resolve(element._toCloudFormation()), references);
  }
  const stacks = new Map(allStacks(consumer).map((stack) => [stack.stackName, stack]));
  // Each producer's template is assembled once per fingerprint, not once per output read from it (Prod reads nine
  // of DrRegion's: nine full resolutions of DrRegion, about 0.6 s of every synth, before this).
  const templates = new Map<Stack, ReturnType<typeof templateOf>>();
  const templateOfProducer = (producer: Stack) => {
    if (!templates.has(producer)) templates.set(producer, templateOf(producer));
    return templates.get(producer)!;
  };
  const entries = [...references.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, reference]) => {
      const producer = stacks.get(reference.StackName);
      // A stack outside this app: nothing to hash but the reference itself.
      return [key, producer ? outputDefinition(templateOfProducer(producer), reference.OutputName) : null];
    });
  return createHash('sha256').update(canonicalJson(entries)).digest('hex');
}

function outputDefinition(template: ReturnType<typeof templateOf>, outputName: string): unknown {
  const outputs = (template.Outputs ?? {}) as Record<string, { Value?: unknown }>;
  const value = outputs[outputName]?.Value;
  const resources = template.Resources as Record<string, TemplateResource>;
  const seen = new Map<string, unknown>();
  const define = (logicalId: string): unknown => {
    if (seen.has(logicalId)) return seen.get(logicalId);
    seen.set(logicalId, logicalId); // CloudFormation refuses reference cycles; this only guards the walk.
    const resource = resources[logicalId];
    const definition = resource
      ? {
          type: resource.Type,
          properties: resource.Properties ?? {},
          uses: [...referencedIds(resource.Properties)].sort().map(define),
        }
      : { parameterOrPseudo: logicalId };
    seen.set(logicalId, definition);
    return definition;
  };
  return { value: value ?? null, uses: [...referencedIds(value)].sort().map(define) };
}

/** The producer's template, assembled from its elements as the synthesizer will write it. */
function templateOf(stack: Stack): { Resources?: unknown; Outputs?: unknown } {
  const template: Record<string, Record<string, unknown>> = {};
  for (const element of elementsOf(stack)) {
    const fragment = stack.resolve(element._toCloudFormation()) as Record<string, Record<string, unknown>>;
    for (const [section, entries] of Object.entries(fragment)) template[section] = { ...template[section], ...entries };
  }
  return template;
}

function elementsOf(stack: Stack): CfnElement[] {
  return stack.node.findAll().filter((c): c is CfnElement => CfnElement.isCfnElement(c) && Stack.of(c) === stack);
}

function allStacks(scope: Construct): Stack[] {
  return scope.node.root.node.findAll().filter((c): c is Stack => Stack.isStack(c));
}

function collectStackOutputs(node: unknown, into: Map<string, StackOutputReference>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectStackOutputs(item, into);
  } else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    const reference = record['Fn::GetStackOutput'] as StackOutputReference | undefined;
    if (reference && typeof reference.StackName === 'string' && typeof reference.OutputName === 'string') {
      into.set(`${reference.StackName}/${reference.OutputName}`, reference);
    }
    for (const value of Object.values(record)) collectStackOutputs(value, into);
  }
}

/** Logical ids a template fragment points at: Ref, Fn::GetAtt, and ${Id} / ${Id.Attr} inside Fn::Sub. */
function referencedIds(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) referencedIds(item, into);
  } else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (typeof record.Ref === 'string') into.add(record.Ref);
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') into.add(getAtt[0]);
    const sub = record['Fn::Sub'];
    const pattern =
      typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
    for (const match of pattern?.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}/g) ?? []) into.add(match[1]);
    for (const value of Object.values(record)) referencedIds(value, into);
  }
  return into;
}

/** JSON with object keys sorted, so the hash does not depend on insertion order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
