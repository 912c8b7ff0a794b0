import { runProofs } from '../../bin/proofs/run';
import { CfnTemplate, StackTemplate } from '../../bin/proofs/templates';
import { synthTemplates } from './synth';

/*
 * The incident recorder's SDK calls (lambdas/incident-recorder/store.ts) are rows of the permission-flow proofs,
 * and each is allowed by its role, the table key's policy and the conditions its request carries.
 */
const templates = synthTemplates();
const TABLE = 'arn:aws:dynamodb:us-east-1:333333333333:table/orders-prod-incidents';

function resources(s: StackTemplate): NonNullable<CfnTemplate['Resources']> {
  return s.template.Resources as NonNullable<CfnTemplate['Resources']>;
}

describe('incident recorder permission flows (Prod)', () => {
  test('every call the handler makes is a row, and every row is ALLOW', async () => {
    const result = await runProofs(templates());
    const ofRecorder = (f: (typeof result.flows)[number]) => f.flow.source.startsWith('incident-recorder Lambda');
    const rows = result.flows.filter((f) => f.flow.stack === 'Prod' && ofRecorder(f));
    const keyIdHidden = (resource: string) => resource.replace(/[0-9a-f-]{36}$/, '<key id>');
    expect(rows.map((f) => `${f.flow.action} ${keyIdHidden(f.flow.resource)}`).sort()).toEqual([
      'cloudwatch:PutMetricData *',
      `dynamodb:GetItem ${TABLE}`,
      `dynamodb:PutItem ${TABLE}`,
      `dynamodb:Query ${TABLE}`,
      `dynamodb:Query ${TABLE}/index/byStatus`,
      `dynamodb:UpdateItem ${TABLE}`,
      'kms:Decrypt arn:aws:kms:us-east-1:333333333333:key/<key id>',
      'kms:Encrypt arn:aws:kms:us-east-1:333333333333:key/<key id>',
      'kms:GenerateDataKey arn:aws:kms:us-east-1:333333333333:key/<key id>',
    ]);
    expect(rows.filter((f) => f.verdict !== 'ALLOW').map((f) => f.reason)).toEqual([]);
  });

  test('without its index grant, the Query on byStatus is DENY', async () => {
    const stacks = templates();
    const prod = stacks.find((s) => s.stackId === 'Prod')!;
    for (const r of Object.values(resources(prod))) {
      const roles = JSON.stringify(r.Properties?.Roles ?? []);
      if (r.Type !== 'AWS::IAM::Policy' || !roles.includes('IncidentsFunctionRole')) continue;
      const doc = r.Properties!.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] };
      for (const statement of doc.Statement) {
        // Keep the table, drop its index.
        if (![statement.Action].flat().includes('dynamodb:Query')) continue;
        statement.Resource = [(statement.Resource as unknown[])[0]];
      }
    }
    const result = await runProofs(stacks);
    const denied = result.flows.find((f) => f.flow.stack === 'Prod' && f.flow.resource === `${TABLE}/index/byStatus`);
    expect(denied?.verdict).toBe('DENY');
  });
});
