import * as z from 'zod/mini';
import { SwitchSettings, switchStateSchema } from './settings';
import { SwitchRequest } from './switches';
import { isTestFire } from '../shared/test-fire';

/** What an incoming event asks for: switches to change, nothing (recognised, no action), or a rejection. */
export type Interpretation =
  | { readonly kind: 'act'; readonly source: string; readonly requests: readonly SwitchRequest[] }
  | { readonly kind: 'ignore'; readonly source: string; readonly why: string }
  | { readonly kind: 'reject'; readonly why: string };

const snsEventSchema = z.object({
  Records: z
    .array(
      z.object({
        EventSource: z.literal('aws:sns'),
        Sns: z.object({ TopicArn: z.string(), Message: z.string(), Subject: z.nullish(z.string()) }),
      }),
    )
    .check(z.minLength(1)),
});

const alarmMessageSchema = z.object({
  AlarmName: z.string().check(z.minLength(1)),
  NewStateValue: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
  NewStateReason: z.optional(z.string()),
});

/** A direct invocation (`aws lambda invoke`), the same request the CLI makes. */
const directSchema = z.strictObject({
  switch: z.string().check(z.minLength(1)),
  state: switchStateSchema,
  reason: z.string().check(z.minLength(1)),
  changedBy: z._default(z.string().check(z.minLength(1)), 'direct-invocation'),
});

/**
 * Decide what an event means. Only three shapes are accepted: a CloudWatch alarm notification from
 * the P1 topic, a budget notification from the budget topic, and a direct request. Anything else is
 * rejected (the handler logs it and acts on nothing), because acting on a guess is worse than not acting.
 */
export function interpretEvent(event: unknown, settings: SwitchSettings): Interpretation[] {
  const sns = snsEventSchema.safeParse(event);
  if (sns.success)
    return sns.data.Records.map((record) => interpretSnsMessage(record.Sns.TopicArn, record.Sns.Message, settings));
  const direct = directSchema.safeParse(event);
  if (direct.success) {
    const { switch: name, state, reason, changedBy } = direct.data;
    return [{ kind: 'act', source: 'direct', requests: [{ name, state, reason, changedBy }] }];
  }
  return [
    {
      kind: 'reject',
      why: `unrecognised event (keys: ${describeKeys(event)}); expected an SNS notification from the P1 or budget topic, or {switch, state, reason}`,
    },
  ];
}

function interpretSnsMessage(topicArn: string, message: string, settings: SwitchSettings): Interpretation {
  if (topicArn === settings.p1TopicArn) return interpretAlarm(message, settings);
  if (topicArn === settings.budgetTopicArn) return interpretBudget(message, settings);
  return {
    kind: 'reject',
    why: `message from topic ${topicArn}, which is neither the P1 topic nor the budget topic of ${settings.environment}`,
  };
}

function interpretAlarm(message: string, settings: SwitchSettings): Interpretation {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return { kind: 'reject', why: 'message on the P1 topic is not a CloudWatch alarm notification (not JSON)' };
  }
  const alarm = alarmMessageSchema.safeParse(parsed);
  if (!alarm.success)
    return {
      kind: 'reject',
      why: 'message on the P1 topic is not a CloudWatch alarm notification (no AlarmName/NewStateValue)',
    };
  const { AlarmName, NewStateValue, NewStateReason } = alarm.data;
  const source = `alarm:${AlarmName}`;
  // Recovery does not turn switches off: deciding that the incident is over is a person's call.
  if (NewStateValue !== 'ALARM')
    return {
      kind: 'ignore',
      source,
      why: `alarm went to ${NewStateValue}; switches are turned off by hand (npm run ops -- switch ...)`,
    };
  if (isTestFire(NewStateReason))
    return {
      kind: 'ignore',
      source,
      why: 'test fire by ops test-alarms: routing reached the kill switch; no switch changed',
    };
  const names = unique([...settings.onAnyP1, ...(settings.alarmTriggers[AlarmName] ?? [])]);
  if (names.length === 0) return { kind: 'ignore', source, why: 'no switch is configured for this alarm' };
  const reason = `P1 alarm ${AlarmName} in ALARM${NewStateReason ? `: ${NewStateReason}` : ''}`.slice(0, 500);
  return { kind: 'act', source, requests: names.map((name) => ({ name, state: 'on', reason, changedBy: source })) };
}

const budgetJsonSchema = z.looseObject({
  budgetName: z.optional(z.string()),
  BudgetName: z.optional(z.string()),
  notificationType: z.optional(z.string()),
  NotificationType: z.optional(z.string()),
});

/**
 * Budgets notifications arrive as text ("Budget Name: ...", "Alert Type: ACTUAL") in the classic
 * format, or as JSON (budgetName, notificationType) in the newer one; both are accepted, for the
 * configured budget only.
 */
function interpretBudget(message: string, settings: SwitchSettings): Interpretation {
  let name: string | undefined;
  let type: string | undefined;
  try {
    const json = budgetJsonSchema.safeParse(JSON.parse(message));
    if (json.success) {
      name = json.data.budgetName ?? json.data.BudgetName;
      type = json.data.notificationType ?? json.data.NotificationType;
    }
  } catch {
    name = /Budget Name:\s*(\S+)/.exec(message)?.[1];
    type = /Alert Type:\s*(ACTUAL|FORECASTED)/i.exec(message)?.[1] ?? /\b(ACTUAL|FORECASTED)\b/.exec(message)?.[1];
  }
  if (!name) return { kind: 'reject', why: 'message on the budget topic names no budget' };
  if (name !== settings.budgetName)
    return {
      kind: 'reject',
      why: `budget notification for "${name}", not for this environment's budget "${settings.budgetName}"`,
    };
  const source = `budget:${name}`;
  const kind = (type ?? 'UNKNOWN').toUpperCase();
  if (settings.onBudget.length === 0) return { kind: 'ignore', source, why: 'no switch is configured for the budget' };
  const reason = `budget ${name}: ${kind} cost notification`;
  return {
    kind: 'act',
    source,
    requests: settings.onBudget.map((n) => ({ name: n, state: 'on', reason, changedBy: source })),
  };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function describeKeys(event: unknown): string {
  if (event === null || typeof event !== 'object') return typeof event;
  return Object.keys(event).slice(0, 8).join(', ') || '(none)';
}
