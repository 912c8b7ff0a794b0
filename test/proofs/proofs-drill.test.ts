import { failed, formatProofs, runProofs } from '../../bin/proofs/run';
import { synthTemplates } from './synth';

const templates = synthTemplates({ drill: true });

describe('permission flows and ARN shapes with -c drill=true', () => {
  test("every flow is ALLOW (the drill Lambda's calls included) and no ARN finding", async () => {
    const result = await runProofs(templates());
    expect(result.flows.some((f) => f.flow.source.startsWith('dr-drill Lambda'))).toBe(true);
    expect(failed(result) ? formatProofs(result) : '').toBe('');
  });
});
