import { buildBulwarkApp } from '../../lib/app';
import { StackTemplate, stacksFromAssembly } from '../../bin/proofs/templates';
import { defaultConfig, testApp } from '../helpers/app';

/**
 * One synthesis of the default config (cdk-nag off: the proofs read templates, and nag has its own tests).
 * Each call returns fresh copies, so a test may plant a defect in them.
 */
export function synthTemplates(options: { drill?: boolean } = {}): () => StackTemplate[] {
  const app = testApp();
  buildBulwarkApp(app, defaultConfig(), { nag: false, drill: options.drill });
  const assembly = app.synth();
  const artifacts = assembly.stacks.map((s) => ({ id: s.id, stackName: s.stackName, template: s.template, environment: s.environment, dependencies: s.dependencies }));
  return () => stacksFromAssembly({ stacks: artifacts });
}
