import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { SwitchValue, switchValueSchema } from '../kill-switch/settings';
import { RetryOptions, withRetry } from '../shared/retry';

/** zod/mini loads no locale; English, as classic zod has, keeps the parse errors' wording. */
z.config(en());

/**
 * The Region switch plan's custom action (lib/dr/region-switch-plan.ts): what the plan has no block for.
 * It turns Prod's deploy freeze on (the kill switch's SSM parameter the pipeline's Prod gate reads) and
 * sends a P2 notice from the region being activated. Bookkeeping must never hold a recovery back, so
 * no AWS fault makes it throw: a freeze it cannot write (Prod's region is the one failing) is reported
 * in the notice and the result; only an event or settings it cannot understand (a bug) throws.
 */
export const actionSettingsSchema = z.object({
  environment: z.string().check(z.minLength(1)),
  /** `/orders/prod/switches/deploy-freeze`, in `freezeParameterRegion` (Prod's region). */
  freezeParameterName: z.string().check(z.startsWith('/')),
  freezeParameterRegion: z.string().check(z.regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/)),
  /** The activating region's P2 topic (DrRegion's: it survives an outage of Prod's region). */
  noticeTopicArn: z.string().check(z.startsWith('arn:')),
});
export type ActionSettings = z.output<typeof actionSettingsSchema>;

/**
 * What Region switch sends: our payload (`action`, `targetRegion`) with its execution metadata merged
 * into the top level (`InvokedBy`, `PlanArn`, `ExecutionId`, `StepName`), per the Lambdas `payload` field
 * of https://docs.aws.amazon.com/arc-region-switch/latest/api/API_Lambdas.html.
 */
export const actionEventSchema = z.looseObject({
  action: z.enum(['activate', 'deactivate']),
  targetRegion: z.string().check(z.regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/)),
  PlanArn: z.optional(z.string()),
  ExecutionId: z.optional(z.string()),
  StepName: z.optional(z.string()),
  InvokedBy: z.optional(z.string()),
});
export type ActionEvent = z.output<typeof actionEventSchema>;

export interface ActionClients {
  /** An SSM client in `freezeParameterRegion`. */
  readonly ssm: Pick<SSMClient, 'send'>;
  readonly sns: Pick<SNSClient, 'send'>;
}

export interface ActionOptions {
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  readonly retry?: RetryOptions;
  readonly now?: () => Date;
}

export interface ActionResult {
  readonly executionId: string;
  /** set: this call turned it on; already-on: it was (a retry, or someone froze first); failed: see freezeError. */
  readonly freeze: 'set' | 'already-on' | 'failed';
  readonly freezeError?: string;
  readonly notice: 'sent' | 'failed';
  readonly noticeError?: string;
}

export async function runRegionSwitchAction(
  rawEvent: unknown,
  settings: ActionSettings,
  clients: ActionClients,
  options: ActionOptions,
): Promise<ActionResult> {
  const parsed = actionEventSchema.safeParse(rawEvent);
  if (!parsed.success) {
    throw new Error(
      `not a Region switch custom action event (${z.prettifyError(parsed.error)}); ` +
        'the plan\'s payload must hold "action" and "targetRegion"',
    );
  }
  const event = parsed.data;
  const now = options.now ?? (() => new Date());
  const executionId = event.ExecutionId ?? 'unknown-execution';
  const changedBy = `region-switch:${executionId}`;
  const log = options.logger;

  let freeze: ActionResult['freeze'];
  let freezeError: string | undefined;
  try {
    const current = await readFreeze(clients.ssm, settings.freezeParameterName, options.retry);
    if (current?.state === 'on') {
      freeze = 'already-on';
    } else {
      const value: SwitchValue = {
        state: 'on',
        reason:
          `Region switch ${event.action} of ${event.targetRegion} (execution ${executionId}): ` +
          'no deploys until the switch settles',
        changedAt: now().toISOString(),
        changedBy,
      };
      const put = new PutParameterCommand({
        Name: settings.freezeParameterName,
        Value: JSON.stringify(value),
        Type: 'String',
        Overwrite: true,
      });
      await withRetry(() => clients.ssm.send(put), options.retry);
      freeze = 'set';
    }
  } catch (error) {
    // Expected when Prod's region is the one failing: the recovery goes on, the notice says so.
    freeze = 'failed';
    freezeError = messageOf(error);
    log.error('could not turn the deploy freeze on', {
      parameter: settings.freezeParameterName,
      region: settings.freezeParameterRegion,
      error: freezeError,
    });
  }

  const freezeLine =
    freeze === 'failed'
      ? `The deploy freeze ${settings.freezeParameterName} (${settings.freezeParameterRegion}) ` +
        `could NOT be turned on: ${freezeError}. ` +
        'Turn it on by hand once that region answers (npm run ops -- switch Prod deploy-freeze on).'
      : `The deploy freeze ${settings.freezeParameterName} is on (${freeze}).`;
  const message = [
    `${settings.environment}: ARC Region switch is running ${event.action} of ${event.targetRegion}.`,
    `Plan ${event.PlanArn ?? 'unknown'}, execution ${executionId}, step ${event.StepName ?? 'unknown'}, ` +
      `started by ${event.InvokedBy ?? 'unknown'}.`,
    freezeLine,
    'Watch the execution in the ARC console (Region switch) or with aws arc-region-switch get-plan-execution; ' +
      'runbooks/dr-failover.md.',
  ].join('\n');
  let notice: ActionResult['notice'];
  let noticeError: string | undefined;
  try {
    const subject = `P2 ${settings.environment}: Region switch ${event.action} ${event.targetRegion}`.slice(0, 100);
    const publish = new PublishCommand({ TopicArn: settings.noticeTopicArn, Subject: subject, Message: message });
    await withRetry(() => clients.sns.send(publish), options.retry);
    notice = 'sent';
  } catch (error) {
    notice = 'failed';
    noticeError = messageOf(error);
    log.error('could not send the P2 notice', { topic: settings.noticeTopicArn, error: noticeError });
  }

  const result: ActionResult = {
    executionId,
    freeze,
    ...(freezeError ? { freezeError } : {}),
    notice,
    ...(noticeError ? { noticeError } : {}),
  };
  const audit = { ...result, action: event.action, targetRegion: event.targetRegion, changedBy };
  log.info('region switch custom action done', { audit });
  return result;
}

/** The switch's current value; a parameter that does not exist yet reads as off (as the kill switch reads it). */
async function readFreeze(
  ssm: Pick<SSMClient, 'send'>,
  name: string,
  retry?: RetryOptions,
): Promise<SwitchValue | undefined> {
  try {
    const out = await withRetry(() => ssm.send(new GetParameterCommand({ Name: name })), retry);
    const parsed = switchValueSchema.safeParse(safeJson(out.Parameter?.Value));
    // A value the kill switch cannot read is overwritten with a valid "on": freezing is the safe side.
    return parsed.success ? parsed.data : undefined;
  } catch (error) {
    if ((error as { name?: string }).name === 'ParameterNotFound') return undefined;
    throw error;
  }
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
