import { Resolver } from './intrinsics';
import { AWS_MANAGED_POLICIES } from './managed-policies';
import { StackTemplate, asArray, isObject, resourcesOfType } from './templates';

/** A policy document as IAM reads it (after intrinsics are resolved). */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: PolicyStatement[];
}

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface NamedPolicy {
  /** Where the policy comes from, for messages: `Prod/KillSwitchesFunctionRoleDefaultPolicy55DE6617`. */
  readonly name: string;
  readonly document: PolicyDocument;
}

export interface RoleInfo {
  readonly stack: StackTemplate;
  readonly logicalId: string;
  readonly arn: string;
  readonly trustPolicy?: PolicyDocument;
  readonly identityPolicies: NamedPolicy[];
  /** Managed policies attached by ARN whose text the proofs do not hold: they grant nothing in the simulation. */
  readonly unknownManagedPolicies: string[];
}

/**
 * Every role and every resource policy of every stack, with intrinsics resolved. Identity policies are what
 * the template attaches to a role: its inline `Policies`, each `AWS::IAM::Policy` / `AWS::IAM::ManagedPolicy`
 * naming it, and the AWS managed policies in `managed-policies.ts`.
 */
export class PolicyIndex {
  readonly roles = new Map<string, RoleInfo>();
  private readonly roleByLogicalId = new Map<string, RoleInfo>();
  private readonly resourcePolicies = new Map<string, NamedPolicy>();

  constructor(readonly resolver: Resolver) {
    for (const stack of resolver.stacks) this.indexStack(stack);
  }

  role(stack: StackTemplate, logicalId: string): RoleInfo | undefined {
    return this.roleByLogicalId.get(`${stack.stackName}/${logicalId}`);
  }

  roleByArn(arn: string): RoleInfo | undefined {
    return this.roles.get(arn);
  }

  /**
   * The resource policy that governs an ARN: a topic's policy, a key's key policy, a bucket's policy (for the
   * bucket and its objects), a function's permissions (qualified or not), a secret's policy, a role's trust.
   */
  resourcePolicy(arn: string): NamedPolicy | undefined {
    const exact = this.resourcePolicies.get(arn);
    if (exact) return exact;
    const s3 = /^(arn:[^:]+:s3:::[^/]+)\//.exec(arn);
    if (s3) return this.resourcePolicies.get(s3[1]);
    const fn = /^(arn:[^:]+:lambda:[^:]+:\d+:function:[^:]+):[^:]+$/.exec(arn);
    if (fn) return this.resourcePolicies.get(fn[1]);
    return undefined;
  }

  /** Every policy document of every stack (identity, resource and trust), for the ARN-shape check. */
  allPolicies(): { stack: StackTemplate; policy: NamedPolicy; kind: 'identity' | 'resource' | 'trust' }[] {
    const out: { stack: StackTemplate; policy: NamedPolicy; kind: 'identity' | 'resource' | 'trust' }[] = [];
    const seen = new Set<NamedPolicy>();
    for (const role of this.roleByLogicalId.values()) {
      for (const policy of role.identityPolicies) {
        if (seen.has(policy) || policy.name.startsWith('aws-managed/')) continue;
        seen.add(policy);
        out.push({ stack: role.stack, policy, kind: 'identity' });
      }
      if (role.trustPolicy)
        out.push({
          stack: role.stack,
          policy: { name: `${role.stack.stackId}/${role.logicalId} trust policy`, document: role.trustPolicy },
          kind: 'trust',
        });
    }
    for (const [arn, policy] of this.resourcePolicies) {
      if (seen.has(policy) || this.roles.has(arn)) continue;
      seen.add(policy);
      const stack = this.resolver.stacks.find((s) => policy.name.startsWith(`${s.stackId}/`));
      if (stack) out.push({ stack, policy, kind: 'resource' });
    }
    return out;
  }

  private indexStack(stack: StackTemplate): void {
    const r = this.resolver;
    const doc = (value: unknown): PolicyDocument => normalizeDocument(r.deep(stack, value));
    for (const [id, role] of resourcesOfType(stack, 'AWS::IAM::Role')) {
      const p = role.Properties ?? {};
      const identityPolicies: NamedPolicy[] = asArray(
        p.Policies as { PolicyName: unknown; PolicyDocument: unknown }[],
      ).map((inline) => ({
        name: `${stack.stackId}/${id} inline ${r.str(stack, inline.PolicyName)}`,
        document: doc(inline.PolicyDocument),
      }));
      const unknownManagedPolicies: string[] = [];
      for (const managed of asArray(p.ManagedPolicyArns as unknown[])) {
        const arn = r.str(stack, managed);
        const known = /^arn:[^:]+:iam::aws:policy\/(.+)$/.exec(arn);
        const text = known ? AWS_MANAGED_POLICIES[known[1]] : undefined;
        if (text) identityPolicies.push({ name: `aws-managed/${known![1]}`, document: text });
        else if (!/^arn:[^:]+:iam::\d{12}:policy\//.test(arn)) unknownManagedPolicies.push(arn);
      }
      const info: RoleInfo = {
        stack,
        logicalId: id,
        arn: r.arnOf(stack, id),
        trustPolicy: p.AssumeRolePolicyDocument ? doc(p.AssumeRolePolicyDocument) : undefined,
        identityPolicies,
        unknownManagedPolicies,
      };
      this.roles.set(info.arn, info);
      this.roleByLogicalId.set(`${stack.stackName}/${id}`, info);
      if (info.trustPolicy)
        this.resourcePolicies.set(info.arn, {
          name: `${stack.stackId}/${id} trust policy`,
          document: info.trustPolicy,
        });
    }
    for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
      for (const [id, policy] of resourcesOfType(stack, type)) {
        const named: NamedPolicy = { name: `${stack.stackId}/${id}`, document: doc(policy.Properties?.PolicyDocument) };
        for (const roleRef of asArray(policy.Properties?.Roles as unknown[])) {
          const roleId = isObject(roleRef) && typeof roleRef.Ref === 'string' ? roleRef.Ref : undefined;
          const role = roleId ? this.roleByLogicalId.get(`${stack.stackName}/${roleId}`) : undefined;
          if (role) role.identityPolicies.push(named);
        }
        if (type === 'AWS::IAM::ManagedPolicy') {
          for (const role of this.roleByLogicalId.values()) {
            if (role.stack !== stack) continue;
            const attached = asArray(
              stack.template.Resources?.[role.logicalId].Properties?.ManagedPolicyArns as unknown[],
            );
            if (attached.some((m) => isObject(m) && m.Ref === id)) role.identityPolicies.push(named);
          }
        }
      }
    }
    for (const [id, policy] of resourcesOfType(stack, 'AWS::SNS::TopicPolicy')) {
      const named: NamedPolicy = { name: `${stack.stackId}/${id}`, document: doc(policy.Properties?.PolicyDocument) };
      for (const topic of asArray(policy.Properties?.Topics as unknown[]))
        this.resourcePolicies.set(r.str(stack, topic), named);
    }
    for (const [id, key] of resourcesOfType(stack, 'AWS::KMS::Key')) {
      this.resourcePolicies.set(r.arnOf(stack, id), {
        name: `${stack.stackId}/${id} key policy`,
        document: doc(key.Properties?.KeyPolicy),
      });
    }
    for (const [id, policy] of resourcesOfType(stack, 'AWS::S3::BucketPolicy')) {
      this.resourcePolicies.set(`arn:${stack.partition}:s3:::${r.str(stack, policy.Properties?.Bucket)}`, {
        name: `${stack.stackId}/${id}`,
        document: doc(policy.Properties?.PolicyDocument),
      });
    }
    for (const [id, policy] of resourcesOfType(stack, 'AWS::SecretsManager::ResourcePolicy')) {
      this.resourcePolicies.set(r.str(stack, policy.Properties?.SecretId), {
        name: `${stack.stackId}/${id}`,
        document: doc(policy.Properties?.ResourcePolicy),
      });
    }
    this.indexLambdaPermissions(stack);
  }

  /**
   * AWS::Lambda::Permission becomes the statement Lambda writes into the function's resource-based policy
   * (https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html): the principal, the
   * action, and `aws:SourceArn` / `aws:SourceAccount` conditions when the permission names them.
   */
  private indexLambdaPermissions(stack: StackTemplate): void {
    const r = this.resolver;
    const byFunction = new Map<string, { ids: string[]; statements: PolicyStatement[] }>();
    for (const [id, permission] of resourcesOfType(stack, 'AWS::Lambda::Permission')) {
      const p = permission.Properties ?? {};
      const fnText = r.str(stack, p.FunctionName);
      const functionArn = fnText.startsWith('arn:')
        ? fnText
        : `arn:${stack.partition}:lambda:${stack.region}:${stack.account}:function:${fnText}`;
      const principal = r.str(stack, p.Principal);
      const condition: Record<string, Record<string, string>> = {};
      if (p.SourceArn !== undefined) condition.ArnLike = { 'aws:SourceArn': r.str(stack, p.SourceArn) };
      if (p.SourceAccount !== undefined)
        condition.StringEquals = { 'aws:SourceAccount': r.str(stack, p.SourceAccount) };
      const statement: PolicyStatement = {
        Sid: id,
        Effect: 'Allow',
        Principal: principal.endsWith('.amazonaws.com')
          ? { Service: principal }
          : { AWS: /^\d{12}$/.test(principal) ? `arn:${stack.partition}:iam::${principal}:root` : principal },
        Action: r.str(stack, p.Action),
        Resource: functionArn,
        ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
      };
      const entry = byFunction.get(functionArn) ?? { ids: [], statements: [] };
      entry.ids.push(id);
      entry.statements.push(statement);
      byFunction.set(functionArn, entry);
    }
    for (const [arn, entry] of byFunction) {
      this.resourcePolicies.set(arn, {
        name: `${stack.stackId} Lambda permissions of ${arn.split(':').pop()} (${entry.ids.join(', ')})`,
        document: { Version: '2012-10-17', Statement: entry.statements },
      });
    }
  }
}

/** A policy document with `Statement` always an array. */
export function normalizeDocument(value: unknown): PolicyDocument {
  if (!isObject(value)) return { Version: '2012-10-17', Statement: [] };
  return {
    ...(value as object),
    Statement: asArray(value.Statement as PolicyStatement | PolicyStatement[]),
  } as PolicyDocument;
}
