import { ArnFinding, checkArnShapes } from './arn-shapes';
import { Flow, callerName, deriveFlows } from './flows';
import { Resolver } from './intrinsics';
import { PolicyIndex } from './policies';
import { FlowResult, evaluateFlow } from './simulate';
import { StackTemplate } from './templates';

export interface ProofsResult {
  readonly flows: FlowResult[];
  readonly arnFindings: ArnFinding[];
  /** Managed policies the proofs hold no text for, per role (they grant nothing in the simulation). */
  readonly unknownManagedPolicies: string[];
}

/** Permission flows (section 1) and ARN shapes (section 2) of issue 13, over synthesized templates. */
export async function runProofs(stacks: readonly StackTemplate[]): Promise<ProofsResult> {
  const resolver = new Resolver(stacks);
  const index = new PolicyIndex(resolver);
  const flows: Flow[] = deriveFlows(resolver, index);
  const results: FlowResult[] = [];
  for (const flow of flows) results.push(await evaluateFlow(flow, index));
  const unknownManagedPolicies = [...index.roles.values()].flatMap((r) =>
    r.unknownManagedPolicies.map((m) => `${r.stack.stackId}/${r.logicalId}: ${m}`),
  );
  return { flows: results, arnFindings: await checkArnShapes(index), unknownManagedPolicies };
}

export function failed(result: ProofsResult): boolean {
  return result.flows.some((f) => f.verdict === 'DENY') || result.arnFindings.length > 0;
}

/** The flow table (ALLOW/DENY per row), then the DENY reasons and the ARN findings. */
export function formatProofs(result: ProofsResult): string {
  const lines: string[] = ['Permission flows (caller -> action -> resource [context]):'];
  for (const r of result.flows) {
    const f = r.flow;
    const context = Object.entries(f.context)
      .filter(([k]) => k !== 'aws:SecureTransport')
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`)
      .join(' ');
    lines.push(
      `${r.verdict.padEnd(5)} ${f.stack.padEnd(8)} ${callerName(f.caller)} -> ${f.action} -> ${f.resource}${context ? ` [${context}]` : ''}  (${f.source}${f.note ? `; ${f.note}` : ''})`,
    );
  }
  const denied = result.flows.filter((r) => r.verdict === 'DENY');
  lines.push('', `${result.flows.length} flows, ${result.flows.length - denied.length} ALLOW, ${denied.length} DENY`);
  for (const r of denied) lines.push(`  DENY ${r.reason}`);
  lines.push('', `ARN shapes: ${result.arnFindings.length} finding(s)`);
  for (const f of result.arnFindings) lines.push(`  ${f.stack} ${f.policy} statement ${f.statement}: ${f.message}`);
  if (result.unknownManagedPolicies.length > 0) {
    lines.push('', 'AWS managed policies without text in bin/proofs/managed-policies.ts (they grant nothing above):');
    for (const m of result.unknownManagedPolicies) lines.push(`  ${m}`);
  }
  return `${lines.join('\n')}\n`;
}
