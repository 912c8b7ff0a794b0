import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildBulwarkApp } from '../../lib/app';
import { StackTemplate, stacksFromAssembly } from '../../bin/proofs/templates';
import { defaultConfig, testApp } from '../helpers/app';
import { sharedAssemblyDir } from '../helpers/shared-assembly';

/**
 * One synthesis of the default config: the run's shared assembly (test/helpers/shared-assembly.ts), else its own
 * (cdk-nag off: the proofs read templates, and nag has its own tests).
 * Each call returns fresh copies, so a test may plant a defect in them.
 */
export function synthTemplates(options: { drill?: boolean } = {}): () => StackTemplate[] {
  const shared = sharedAssemblyDir(options.drill ? 'drill' : 'default');
  const assembly = shared ? new CloudAssembly(shared) : ownSynth(options);
  const artifacts = assembly.stacks.map((s) => ({
    id: s.id,
    stackName: s.stackName,
    template: s.template,
    environment: s.environment,
    dependencies: s.dependencies,
  }));
  return () => stacksFromAssembly({ stacks: artifacts });
}

function ownSynth(options: { drill?: boolean }): CloudAssembly {
  const app = testApp();
  buildBulwarkApp(app, defaultConfig(), { nag: false, drill: options.drill });
  return app.synth();
}
