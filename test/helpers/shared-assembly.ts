import * as fs from 'fs';
import * as path from 'path';
import { App, Validations } from 'aws-cdk-lib';
import { config as userConfig } from '../../config/bulwark.config';
import { validateConfig } from '../../config';
import { buildBulwarkApp } from '../../lib/app';
import { CachedCloudFormationValidation } from '../../lib/common/cloudformation-validation-cache';
import { pollSync } from './poll';
import { synthInServer } from './synth-server';

/**
 * The default config's app, synthesized once per jest run (into the directory test/helpers/global-setup.ts makes, by
 * the claiming worker's synth process, test/helpers/synth-server.ts) and read by every test file that asks for it,
 * instead of once per file: a whole-app synth is seconds of CPU, and some twenty files want exactly the same
 * templates. Three variants: as `cdk synth` makes it, with `-c drill=true`, and with `-c drill=switchover`.
 * cdk-nag and AWS Control Tower's proactive controls are on in all three, so the shared synth itself fails the run
 * on an unacknowledged finding (the controls' cfn-guard runs here once per variant).
 */
export const SHARED_VARIANTS = {
  default: { drill: false },
  drill: { drill: true },
  // `-c drill=switchover`: synthesized only by a run that reads it (test/dr/drill-switchover.test.ts).
  switchover: { drill: 'switchover' },
} as const;
export type SharedVariant = keyof typeof SHARED_VARIANTS;

/** Set by globalSetup to the directory holding one cloud assembly per variant. */
export const SHARED_ASSEMBLIES_ENV = 'BULWARK_SHARED_ASSEMBLIES';

const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

/**
 * What the CDK CLI adds to an app's context by default (aws-cdk's `pathMetadata` and `assetMetadata`): each
 * resource's construct path and each asset's path in its Metadata. With it, a test's templates differ from those
 * `cdk synth` writes only in the CDKMetadata resource (the CLI's app also reports the CloudFormation validation
 * plugin there), which no Control Tower rule observes: the content-keyed Control Tower reports of a `cdk synth`
 * serve the tests' synths of the same config (lib/common/guard-template-slice.ts), and the reverse.
 */
export const CLI_CONTEXT = { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true };

/** Synthesize one variant into `outdir`, exactly as a test file's own synth would (cdk.json context, nag on). */
export function synthSharedVariant(variant: SharedVariant, outdir: string): void {
  // The default variant is the app `cdk synth` runs (bin/app.ts), with the CLI's version reporting (the CDKMetadata
  // resource) and the built-in CloudFormation validation (named there): its templates are then the CLI's byte for
  // byte, so the validation's, Control Tower's and cfn-lint's kept results of an earlier `cdk synth` (npm test's
  // first step) serve it.
  const asTheCli = variant === 'default';
  const app = new App({
    outdir,
    context: { ...CLI_CONTEXT, ...(asTheCli ? { 'aws:cdk:version-reporting': true } : {}), ...cdkJson.context },
    builtinCloudFormationValidation: false,
  });
  const cloudFormationValidation = asTheCli ? new CachedCloudFormationValidation() : undefined;
  buildBulwarkApp(app, validateConfig(structuredClone(userConfig)), {
    nag: true,
    controlTower: true,
    ...SHARED_VARIANTS[variant],
  });
  if (cloudFormationValidation) Validations.of(app).addPlugins(cloudFormationValidation);
  app.synth();
}

/** Written next to a variant's assembly when its synth ended: `DONE`, or `FAILED` holding the error. */
export const DONE_MARKER = 'DONE';
export const FAILED_MARKER = 'FAILED';
const WAIT_LIMIT_MS = 15 * 60_000;

/**
 * The shared assembly directory of a variant, or undefined outside a jest run that set one up. The first file of
 * the run that needs a variant has its worker's synth process (synth-server.ts: plain node, faster than jest's
 * module loader, and aws-cdk-lib loaded once per worker) synthesize it; a file that needs it meanwhile, in the other
 * worker, waits for its marker. A run of unit tests alone never pays.
 */
export function sharedAssemblyDir(variant: SharedVariant): string | undefined {
  return sharedResultDir(variant, (dir) => synthInServer({ variant }, dir, `the shared synth of the ${variant} app`))
    ?.dir;
}

/**
 * The same sharing for any other result a run computes more than once (an app of another config, say): the first
 * caller of the run to ask for `name` runs `make(dir)` in its own process and leaves the marker; a caller in the
 * other worker waits for it and gets the directory. `make`'s own return value goes to its caller only; a `make`
 * that throws leaves FAILED, so every later caller fails with its error too, and the claimant's error is rethrown.
 * Undefined outside a jest run that set up the shared directory.
 */
export function sharedResultDir<T>(
  name: string,
  make: (dir: string) => T,
): { dir: string; made: T | undefined } | undefined {
  const root = process.env[SHARED_ASSEMBLIES_ENV];
  if (!root) return undefined;
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`a shared result's name is [a-z0-9-]+: ${name}`);
  const dir = path.join(root, name);
  if (claim(root, name)) {
    fs.mkdirSync(dir, { recursive: true });
    try {
      const made = make(dir);
      fs.writeFileSync(path.join(dir, DONE_MARKER), '');
      return { dir, made };
    } catch (error) {
      fs.writeFileSync(
        path.join(dir, FAILED_MARKER),
        error instanceof Error ? (error.stack ?? error.message) : String(error),
      );
      throw error;
    }
  }
  return { dir: waitForMarker(dir, `the shared ${name}`), made: undefined };
}

/** The directory once its DONE marker is there; throws with the FAILED marker's text, or after WAIT_LIMIT_MS. */
export function waitForMarker(dir: string, what: string): string {
  const done = pollSync(
    () => {
      if (fs.existsSync(path.join(dir, DONE_MARKER))) return dir;
      const failed = path.join(dir, FAILED_MARKER);
      if (fs.existsSync(failed)) throw new Error(`${what} failed:\n${fs.readFileSync(failed, 'utf8')}`);
      return undefined;
    },
    WAIT_LIMIT_MS,
    200,
  );
  if (done === undefined) throw new Error(`${what} did not end in ${WAIT_LIMIT_MS / 60_000} min`);
  return done;
}

/** True for exactly one caller per run and name: mkdir is atomic, so two workers cannot both claim it. */
export function claim(root: string, name: string): boolean {
  try {
    fs.mkdirSync(path.join(root, `${name}.claimed`));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}
