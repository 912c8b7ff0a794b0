import { z } from 'zod';

/**
 * How people answer each severity: the on-call severity matrix. One place owns it: the config schema takes it
 * from here, `checkSeverityMatrix` validates it, the incident tooling reads its targets (`incidentTargets`) and
 * `npm run docs` writes the tables of docs/on-call.md and docs/communications.md from it.
 */

/** The severities, most urgent first (the same four as the alarm catalog's topics). */
export const MATRIX_SEVERITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type MatrixSeverity = (typeof MATRIX_SEVERITIES)[number];

const minutes = z.number().int().positive();

const severityResponseSchema = z
  .object({
    /** What it means, in a person's words (the first column of the on-call table). */
    meaning: z.string().min(10, { message: 'say in a sentence what this severity means for users' }),
    /** Minutes from the page to a person acknowledging it (the incident's MTTA target). */
    respondMinutes: minutes,
    /** Minutes from onset to resolved (the incident's MTTR target). Absent: best effort. */
    resolveMinutes: minutes.optional(),
    /** Minutes between internal updates while the incident is open. Absent: on each change of phase. */
    updateEveryMinutes: minutes.optional(),
    /** Whether customers see it on the status page (and get the messages of docs/communications.md). */
    statusPage: z.boolean(),
  })
  .strict();

export type SeverityResponse = z.output<typeof severityResponseSchema>;

/** The defaults: the practice the seeds describe (P1 15 min / 4 h, P2 30 min / 8 h, P3 4 h / best effort). */
export const DEFAULT_SEVERITY_MATRIX: Readonly<Record<MatrixSeverity, SeverityResponse>> = {
  P1: {
    meaning: 'The service is down or losing data for all users',
    respondMinutes: 15,
    resolveMinutes: 240,
    updateEveryMinutes: 30,
    statusPage: true,
  },
  P2: {
    meaning: 'A major feature is unavailable or degraded for many users',
    respondMinutes: 30,
    resolveMinutes: 480,
    updateEveryMinutes: 60,
    statusPage: true,
  },
  P3: {
    meaning: 'A minor feature is degraded for some users, or a safety net (backup, canary, pipeline) is broken',
    respondMinutes: 240,
    statusPage: false,
  },
  P4: {
    meaning: 'No user impact: cost, hygiene, a warning to look at in working hours',
    respondMinutes: 1440,
    statusPage: false,
  },
};

export const severityMatrixSchema = z
  .object(
    Object.fromEntries(
      MATRIX_SEVERITIES.map((s) => [s, severityResponseSchema.default(DEFAULT_SEVERITY_MATRIX[s])]),
    ) as {
      [S in MatrixSeverity]: z.ZodDefault<typeof severityResponseSchema>;
    },
  )
  .strict();

/**
 * Default model of `npm run ops -- status --explain`: a small text model the Converse API supports
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-supported-models-features.html).
 * Model access and on-demand availability vary by account and region (an assumption to check in yours): set an
 * inference profile id (`us.amazon.nova-lite-v1:0`) or another model where the base id is not offered.
 */
export const DEFAULT_EXPLAIN_MODEL_ID = 'amazon.nova-lite-v1:0';

/** Prod's readiness score at or above which the report says go (the seeds' "go at 90/100"). */
export const DEFAULT_READINESS_THRESHOLD = 90;

export const operationsSchema = z
  .object({
    /** Respond and resolve times, update cadence and status-page use per severity. */
    severityMatrix: severityMatrixSchema.prefault({}),
    /** Bedrock model (id, inference profile id or ARN) that writes `ops status --explain`'s narrative. */
    explainModelId: z
      .string()
      .regex(/^(arn:aws[a-z-]*:bedrock:\S+|[a-z0-9-]+(\.[a-z0-9-]+)+(:[a-z0-9.-]+)*)$/, {
        message:
          'must be a Bedrock model id (amazon.nova-lite-v1:0), an inference profile id (us.amazon.nova-lite-v1:0) or an ARN',
      })
      .default(DEFAULT_EXPLAIN_MODEL_ID),
    /**
     * The resilience report's go/no-go line: Prod's readiness score (out of 100, weighted over the checks of
     * lib/report/readiness/) must reach it, or `npm run report` exits 1. The seeds' practice: go at 90.
     */
    readinessThreshold: z
      .number({ message: 'must be a number from 0 to 100 (the readiness score Prod must reach; default 90)' })
      .min(0, { message: 'must be from 0 to 100: the readiness score is out of 100 (default 90)' })
      .max(100, { message: 'must be from 0 to 100: the readiness score is out of 100 (default 90)' })
      .default(DEFAULT_READINESS_THRESHOLD),
  })
  .strict();

export type SeverityMatrix = z.output<typeof severityMatrixSchema>;
export type OperationsConfig = z.output<typeof operationsSchema>;

const FIELD = 'operations.severityMatrix';

/**
 * Rules that relate the severities to one another; every problem names the field, the value and the fix.
 * A more urgent severity is never answered, resolved or updated more slowly than a less urgent one.
 */
export function checkSeverityMatrix(matrix: SeverityMatrix): string[] {
  const problems: string[] = [];
  for (const s of MATRIX_SEVERITIES) {
    const { respondMinutes, resolveMinutes } = matrix[s];
    if (resolveMinutes !== undefined && respondMinutes >= resolveMinutes) {
      problems.push(
        `${FIELD}.${s}.respondMinutes ${respondMinutes} is not less than ${FIELD}.${s}.resolveMinutes ` +
          `${resolveMinutes}; a person must respond before the incident is due to be resolved: lower respondMinutes ` +
          'or raise resolveMinutes',
      );
    }
  }
  if (matrix.P1.resolveMinutes === undefined) {
    problems.push(`${FIELD}.P1.resolveMinutes (missing): a P1 needs a resolve target; set it (e.g. 240)`);
  }
  if (matrix.P1.updateEveryMinutes === undefined) {
    problems.push(`${FIELD}.P1.updateEveryMinutes (missing): a P1 needs a fixed update cadence; set it (e.g. 30)`);
  }
  if (!matrix.P1.statusPage) {
    problems.push(`${FIELD}.P1.statusPage false: a P1 is an outage users see; tell them on the status page (true)`);
  }
  for (let i = 1; i < MATRIX_SEVERITIES.length; i++) {
    const urgent = MATRIX_SEVERITIES[i - 1];
    const lesser = MATRIX_SEVERITIES[i];
    for (const key of ['respondMinutes', 'resolveMinutes', 'updateEveryMinutes'] as const) {
      // An absent resolve or update target means "best effort" / "on change": slower than any number.
      const a = matrix[urgent][key] ?? Infinity;
      const b = matrix[lesser][key] ?? Infinity;
      if (a > b) {
        problems.push(
          `${FIELD}.${urgent}.${key} ${shown(matrix[urgent][key])} is slower than ${FIELD}.${lesser}.${key} ` +
            `${shown(matrix[lesser][key])}; ${urgent} is more urgent than ${lesser}: ` +
            `make ${urgent}'s at most ${lesser}'s`,
        );
      }
    }
  }
  return problems;
}

function shown(value: number | undefined): string {
  return value === undefined ? '(absent: best effort)' : String(value);
}

/**
 * The targets an incident of `severity` is measured against, in seconds: MTTA against `acknowledgeSeconds`,
 * MTTR against `resolveSeconds` (undefined: best effort, not judged). For the incident tooling and post-mortems.
 */
export function incidentTargets(
  matrix: SeverityMatrix,
  severity: MatrixSeverity,
): { readonly acknowledgeSeconds: number; readonly resolveSeconds?: number } {
  const row = matrix[severity];
  return {
    acknowledgeSeconds: row.respondMinutes * 60,
    ...(row.resolveMinutes === undefined ? {} : { resolveSeconds: row.resolveMinutes * 60 }),
  };
}
