import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KeptEntries, projectCacheDir } from '../common/kept-entries';
import { installedCfnLint } from './cfn-lint-install';
import { registrySchemasDir } from './cfn-lint-schema-patches';

export interface CfnLintFinding {
  readonly rule: string;
  /** The level Bulwark judges by: cfn-lint's own, except that ARN_SHAPE_RULES count as errors. */
  readonly level: 'Error' | 'Warning' | 'Informational';
  /** The level cfn-lint itself reported. */
  readonly cfnLintLevel: 'Error' | 'Warning' | 'Informational';
  readonly message: string;
  readonly file: string;
  readonly resource?: string;
}

/**
 * Rules we ignore, each with the evidence that it is a false positive of cfn-lint's schema age.
 * Empty today: add an entry only with a comment showing why the rule is wrong for our template.
 */
export const IGNORED_RULES: readonly string[] = [];

/**
 * cfn-lint hides informational rules unless asked (`--include-checks I`); Bulwark asks, prints them, and fails
 * only on those below. The rest (I3011 retention policies, I1022 Sub vs Join, size limits...) stay visible.
 */
export const INCLUDED_CHECKS: readonly string[] = ['I'];

/**
 * Rules about the shape of an ARN or id that cfn-lint reports below Error, counted as errors here: a policy whose
 * Resource matches no resource type of its action grants nothing, and the call fails at run time (AccessDenied).
 * - I3510: a statement's Resource does not match the ARN formats of its actions (Service Authorization Reference).
 * - I3042: an ARN with a pseudo parameter in the wrong place (e.g. the region where the account belongs).
 * - W3664: a Lambda permission whose SourceArn is not an ARN of the principal's resource type.
 * - W3702: an AWS-published Lambda layer ARN (awslayer) in a format that may not exist in the region.
 */
export const ARN_SHAPE_RULES: readonly string[] = ['I3510', 'I3042', 'W3664', 'W3702'];

/** Every `*.template.json` in a cloud assembly, nested assemblies included. */
export function templatesIn(assemblyDir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(assemblyDir, { withFileTypes: true })) {
    const full = path.join(assemblyDir, entry.name);
    if (entry.isDirectory() && entry.name.startsWith('assembly-')) found.push(...templatesIn(full));
    else if (entry.isFile() && entry.name.endsWith('.template.json')) found.push(full);
  }
  return found.sort();
}

export interface CfnLintOptions {
  /**
   * Where each template's findings are kept between runs, keyed by what decides them (cfnLintKey); false lints
   * every template every time. @default node_modules/.cache/bulwark-cfn-lint
   */
  readonly cacheDir?: string | false;
  /** Told which templates cfn-lint itself ran on (the others' findings were kept ones). */
  readonly onLinted?: (templates: readonly string[]) => void;
}

export const DEFAULT_CFN_LINT_CACHE_DIR = projectCacheDir('bulwark-cfn-lint');
const ENTRY_FORMAT = 'bulwark-cfn-lint-2';
/** Entries kept: a few per template and variant (default, drill, test fixtures); older ones are deleted. */
const ENTRIES_KEPT = 300;

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The SHA-256 of what decides a template's findings besides its bytes: the cfn-lint that runs (its version, as
 * Python reports it, and its entry script, which names the Python it runs on), the options, any .cfnlintrc it
 * reads, and the registry schemas given (cfn-lint-schema-patches.ts), file by file.
 */
export function cfnLintEngineDigest(options: readonly string[], schemasDir: string | undefined): string {
  const installed = installedCfnLint();
  const hash = createHash('sha256').update(`${ENTRY_FORMAT}\0${installed.version}\0`).update(installed.script);
  // The schemas folder's name varies with TMPDIR (bin/cfn-lint.ts gives each group its own): its files are hashed.
  const named = options.map((option) => (option === schemasDir ? '<registry-schemas>' : option));
  hash.update(`\0${JSON.stringify(named)}\0`);
  // cfn-lint also reads a configuration file from the working directory and the home directory, when there is one.
  for (const dir of [process.cwd(), os.homedir()]) {
    for (const name of ['.cfnlintrc', '.cfnlintrc.yaml', '.cfnlintrc.yml', '.cfnlintrc.json']) {
      const file = path.join(dir, name);
      if (fs.existsSync(file)) hash.update(`${file}\0`).update(fs.readFileSync(file)).update('\0');
    }
  }
  for (const name of schemasDir ? fs.readdirSync(schemasDir).sort() : []) {
    hash
      .update(`${name}\0`)
      .update(fs.readFileSync(path.join(schemasDir!, name)))
      .update('\0');
  }
  return hash.digest('hex');
}

/** The key of one template's findings: the engine's digest and the template's bytes. */
export function cfnLintKey(engineDigest: string, template: Buffer): string {
  return sha256(Buffer.concat([Buffer.from(`${engineDigest}\0`), template]));
}

/**
 * Run the machine's cfn-lint (Python) over the templates and return its findings. cfn-lint lints each template on
 * its own, so a template's findings depend only on its bytes and the engine: they are kept by that key, and only
 * the templates without kept findings are linted (in one cfn-lint run).
 */
export function runCfnLint(templates: readonly string[], lintOptions: CfnLintOptions = {}): CfnLintFinding[] {
  if (templates.length === 0) throw new Error('cfn-lint: no templates to check; run `npx cdk synth` first');
  const schemas = registrySchemasDir();
  const options = [
    '--format',
    'json',
    '--include-checks',
    ...INCLUDED_CHECKS,
    ...(IGNORED_RULES.length ? ['--ignore-checks', ...IGNORED_RULES] : []),
    // cfn-lint's plan schema plus the properties the template reference documents (cfn-lint-schema-patches.ts).
    ...(schemas ? ['--registry-schemas', schemas] : []),
  ];
  const cacheDir = lintOptions.cacheDir === false ? undefined : (lintOptions.cacheDir ?? DEFAULT_CFN_LINT_CACHE_DIR);
  if (!cacheDir) {
    lintOptions.onLinted?.(templates);
    return lint(templates, options);
  }
  const engine = cfnLintEngineDigest(options, schemas);
  const bytes = new Map(templates.map((file) => [file, fs.readFileSync(file)]));
  const keys = new Map(templates.map((file) => [file, cfnLintKey(engine, bytes.get(file)!)]));
  const entries = new KeptEntries<CfnLintFinding[]>(cacheDir, ENTRY_FORMAT, ENTRIES_KEPT, Array.isArray);
  const kept = new Map(templates.map((file) => [file, entries.get(keys.get(file)!)]));
  const missing = templates.filter((file) => !kept.get(file));
  if (missing.length > 0) lintOptions.onLinted?.(missing);
  const fresh = missing.length > 0 ? lint(missing, options) : [];
  for (const file of missing) {
    const own = fresh.filter((finding) => path.resolve(finding.file) === path.resolve(file));
    kept.set(file, own);
    // A template rewritten while cfn-lint read it (another synth into the same directory) is not kept.
    if (fs.readFileSync(file).equals(bytes.get(file)!)) {
      entries.put(
        keys.get(file)!,
        own.map((finding) => ({ ...finding, file: '' })),
      );
    }
  }
  return templates.flatMap((file) => kept.get(file)!.map((finding) => ({ ...finding, file })));
}

function lint(templates: readonly string[], options: readonly string[]): CfnLintFinding[] {
  // One cfn-lint process for all templates (it loads its schemas once, about 1.5 s); `--` ends the list options.
  const args = [...options, '--', ...templates];
  const result = spawnSync('cfn-lint', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) {
    throw new Error(
      `cfn-lint could not run (${result.error.message}); it comes with the machine's Python: see ../shared/TOOLCHAIN.md`,
    );
  }
  // Exit status is a bit mask (2 error, 4 warning, 8 informational); 1 means cfn-lint itself failed.
  if (result.status === 1 || (result.stdout.trim() === '' && result.status !== 0)) {
    throw new Error(`cfn-lint failed to run: ${result.stderr}`);
  }
  const raw = JSON.parse(result.stdout || '[]') as Array<{
    Rule: { Id: string };
    Level: CfnLintFinding['level'];
    Message: string;
    Filename: string;
    Location?: { Path?: unknown[] };
  }>;
  return raw.map((f) => ({
    rule: f.Rule.Id,
    level: ARN_SHAPE_RULES.includes(f.Rule.Id) ? 'Error' : f.Level,
    cfnLintLevel: f.Level,
    message: f.Message,
    file: f.Filename,
    resource:
      Array.isArray(f.Location?.Path) && f.Location!.Path![0] === 'Resources'
        ? String(f.Location!.Path![1])
        : undefined,
  }));
}

export function formatFinding(f: CfnLintFinding): string {
  const promoted =
    f.level !== f.cfnLintLevel ? ` (cfn-lint: ${f.cfnLintLevel}; an ARN shape, counted as an error)` : '';
  return `${f.level} ${f.rule} ${path.basename(f.file)}${f.resource ? ` ${f.resource}` : ''}: ${f.message}${promoted}`;
}
