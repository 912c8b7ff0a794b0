import * as fs from 'fs';
import * as path from 'path';
import { ResolvedConfig } from '../../config';
import { Naming } from '../common/naming';
import { alarmNamePrefix } from '../monitoring/alarm-factory';
import { compareInventories, describeDifference, ParityResult } from './compare';
import { inventory, TemplateResource } from './inventory';

interface ManifestArtifact {
  readonly type: string;
  readonly properties?: { readonly templateFile?: string };
  readonly metadata?: Record<string, readonly MetadataEntry[]>;
  readonly additionalMetadataFile?: string;
}

interface MetadataEntry {
  readonly type: string;
  readonly data?: unknown;
}

/** The Resources of each environment stack's template in a cloud assembly (cdk.out), by stack id. */
export function readEnvironmentTemplates(
  cdkOutDir: string,
  environments: readonly string[],
): Record<string, Record<string, TemplateResource>> {
  const manifestPath = path.join(cdkOutDir, 'manifest.json');
  if (!fs.existsSync(manifestPath)) {
    throw new Error(`${manifestPath} not found: run \`npx cdk synth\` first (or pass --cdk-out <dir>)`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as {
    artifacts?: Record<string, ManifestArtifact>;
  };
  const templates: Record<string, Record<string, TemplateResource>> = {};
  for (const env of environments) {
    const file = manifest.artifacts?.[env]?.properties?.templateFile;
    if (manifest.artifacts?.[env]?.type !== 'aws:cloudformation:stack' || !file) {
      throw new Error(`${cdkOutDir} has no stack ${env}: synthesize every environment (\`npx cdk synth\`)`);
    }
    const template = JSON.parse(fs.readFileSync(path.join(cdkOutDir, file), 'utf8')) as {
      Resources?: Record<string, TemplateResource>;
    };
    templates[env] = withConstructPaths(template.Resources ?? {}, logicalIdPaths(cdkOutDir, manifest.artifacts![env]));
  }
  return templates;
}

/**
 * Construct path by logical id, from the assembly's stack metadata (`aws:cdk:logicalId` entries, keyed by path).
 * The CLI also writes each path into the template (`aws:cdk:path`, its `pathMetadata` default); an app synthesized
 * without that (a test's `new App()`) still has the stack metadata.
 */
function logicalIdPaths(cdkOutDir: string, artifact: ManifestArtifact): Map<string, string> {
  const metadata: Record<string, readonly MetadataEntry[]> = { ...(artifact.metadata ?? {}) };
  if (artifact.additionalMetadataFile) {
    const file = path.join(cdkOutDir, artifact.additionalMetadataFile);
    if (fs.existsSync(file)) Object.assign(metadata, JSON.parse(fs.readFileSync(file, 'utf8')));
  }
  const paths = new Map<string, string>();
  for (const [constructPath, entries] of Object.entries(metadata)) {
    for (const entry of entries) {
      if (entry.type === 'aws:cdk:logicalId' && typeof entry.data === 'string') {
        paths.set(entry.data, constructPath.replace(/^\//, ''));
      }
    }
  }
  return paths;
}

/** Resources with `aws:cdk:path` set from the stack metadata where the template has none. */
function withConstructPaths(
  resources: Record<string, TemplateResource>,
  paths: Map<string, string>,
): Record<string, TemplateResource> {
  return Object.fromEntries(
    Object.entries(resources).map(([logicalId, resource]) => {
      const known = resource.Metadata?.['aws:cdk:path'];
      const fromMetadata = paths.get(logicalId);
      if (typeof known === 'string' || fromMetadata === undefined) return [logicalId, resource];
      return [logicalId, { ...resource, Metadata: { ...resource.Metadata, 'aws:cdk:path': fromMetadata } }];
    }),
  );
}

/** Parity of the config's environments, from their templates (as `cdk synth` wrote them), never the constructs. */
export function environmentParity(
  config: ResolvedConfig,
  templates: Readonly<Record<string, Readonly<Record<string, TemplateResource>>>>,
): ParityResult {
  const inventories = Object.fromEntries(
    config.environments.map((env) => {
      const naming = new Naming(config.service.name, env.name);
      const items = inventory({
        environment: env.name,
        resources: templates[env.name] ?? {},
        alarmPrefix: alarmNamePrefix(naming),
        switchPrefix: `${naming.parameter('switches')}/`,
      });
      return [env.name, items];
    }),
  );
  return compareInventories(config.environments, inventories);
}

/** The parity report as text: counts per capability, the explained differences, then the unexplained ones. */
export function parityText(result: ParityResult): string {
  const lines = [`Environment parity: ${result.environments.join(', ')} (from their synthesized templates)`];
  lines.push(
    `Compared: ${Object.entries(result.compared)
      .map(([capability, count]) => `${capability} ${count}`)
      .join(', ')}`,
  );
  lines.push('', `Explained by the config (${result.explained.length}):`);
  // Explained differences in short (no resource names): grouped by the setting that asks for them.
  const bySetting = new Map<string, string[]>();
  for (const d of result.explained) {
    const counts = Object.entries(d.counts)
      .map(([env, count]) => `${env} ${count}`)
      .join(', ');
    bySetting.set(d.explainedBy!, [...(bySetting.get(d.explainedBy!) ?? []), `${d.capability}: ${d.key} [${counts}]`]);
  }
  for (const [setting, entries] of bySetting) {
    lines.push(`  ${setting} (${entries.length}):`, ...entries.map((entry) => `    ${entry}`));
  }
  lines.push('', `Unexplained (${result.unexplained.length}):`);
  for (const d of result.unexplained) lines.push(`  FAIL ${describeDifference(d)}`);
  lines.push(
    '',
    result.unexplained.length === 0
      ? 'PASS: every difference between the environments is one the config asks for.'
      : 'FAIL: make the environments alike, or express the difference in config/bulwark.config.ts ' +
          '(and teach lib/parity/explanations.ts the setting).',
  );
  return `${lines.join('\n')}\n`;
}
