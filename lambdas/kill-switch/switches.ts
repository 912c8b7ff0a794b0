import type { Logger } from '@aws-lambda-powertools/logger';
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  DeleteFunctionConcurrencyCommand,
  GetFunctionConcurrencyCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, GetParameterHistoryCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { RetryOptions, withRetry } from '../shared/retry';
import {
  COST_SWITCH,
  FEATURES_SWITCH,
  INITIAL_SWITCH_VALUE,
  RecordedFunction,
  RecordedService,
  RecordedState,
  SwitchSettings,
  SwitchState,
  SwitchValue,
  switchValueSchema,
} from './settings';

/** The clients a switch needs, injected so the Lambda, the CLI and the tests share this code. */
export interface SwitchClients {
  readonly ssm: Pick<SSMClient, 'send'>;
  readonly ecs: Pick<ECSClient, 'send'>;
  readonly autoscaling: Pick<ApplicationAutoScalingClient, 'send'>;
  readonly lambda: Pick<LambdaClient, 'send'>;
  readonly sns: Pick<SNSClient, 'send'>;
}

/** Structured logging (Powertools in the Lambda; the CLI prints the same JSON lines). */
export type AuditLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface SwitchRequest {
  readonly name: string;
  readonly state: SwitchState;
  readonly reason: string;
  /** Who or what asked: `alarm:<name>`, `budget:<name>`, `user:<arn>`. */
  readonly changedBy: string;
}

export interface SwitchOutcome {
  readonly environment: string;
  readonly switch: string;
  readonly parameter: string;
  readonly from: SwitchState;
  readonly to: SwitchState;
  /** False when the switch already was in the requested state and nothing was left to do. */
  readonly changed: boolean;
  /** Every mutating call made, in order, in words. */
  readonly actions: readonly string[];
  readonly recorded?: RecordedState;
  readonly durationMs: number;
  readonly notice: 'sent' | 'failed' | 'not-needed';
}

export interface SwitchOptions {
  readonly logger: AuditLogger;
  readonly retry?: RetryOptions;
  readonly now?: () => Date;
}

export class UnknownSwitchError extends Error {
  constructor(name: string, settings: SwitchSettings) {
    super(
      `switch "${name}" does not exist in ${settings.environment}; the switches are ${settings.switches.map((s) => `"${s}"`).join(', ')} (config: killSwitch.switches)`,
    );
    this.name = 'UnknownSwitchError';
  }
}

const ECS_DIMENSION = 'ecs:service:DesiredCount';

export function parameterName(settings: SwitchSettings, name: string): string {
  return `${settings.parameterPrefix}${name}`;
}

/** Read a switch; a parameter that does not exist yet reads as the initial (off) value. */
export async function readSwitch(
  clients: Pick<SwitchClients, 'ssm'>,
  settings: SwitchSettings,
  name: string,
  retry?: RetryOptions,
): Promise<{ value: SwitchValue; version?: number }> {
  try {
    const out = await withRetry(
      () => clients.ssm.send(new GetParameterCommand({ Name: parameterName(settings, name) })),
      retry,
    );
    const raw = out.Parameter?.Value ?? '';
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new Error(
        `switch parameter ${parameterName(settings, name)} does not hold JSON (${JSON.stringify(raw.slice(0, 80))}); write a value such as ${JSON.stringify(INITIAL_SWITCH_VALUE)}`,
      );
    }
    return { value: switchValueSchema.parse(parsed), version: out.Parameter?.Version };
  } catch (error) {
    if ((error as { name?: string }).name === 'ParameterNotFound') return { value: INITIAL_SWITCH_VALUE };
    throw error;
  }
}

/**
 * Turn a switch on or off, idempotently and reversibly:
 * - on: if the switch is off, record the current state of everything the switch will change and
 *   write it with state "on" FIRST, then act. If it is already on, keep the recorded state (it is the
 *   original) and only finish whatever is not yet done, so a retry after a fault completes the action.
 * - off: restore exactly the recorded state FIRST, then write state "off"; a fault midway leaves the
 *   switch on with its record, and a retry of off completes the restore.
 * Every change is logged as one structured line and announced on the notice (P3) topic.
 */
export async function setSwitch(
  request: SwitchRequest,
  settings: SwitchSettings,
  clients: SwitchClients,
  options: SwitchOptions,
): Promise<SwitchOutcome> {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  if (!settings.switches.includes(request.name)) throw new UnknownSwitchError(request.name, settings);
  const parameter = parameterName(settings, request.name);
  const { value: current, version: readVersion } = await readSwitch(clients, settings, request.name, options.retry);
  const actions: string[] = [];
  let recorded = current.recorded;
  let changed = false;

  if (request.state === 'on') {
    if (current.state !== 'on') {
      recorded = request.name === COST_SWITCH ? await captureCostState(settings, clients, options) : undefined;
      const value: SwitchValue = {
        state: 'on',
        reason: request.reason,
        changedAt: now().toISOString(),
        changedBy: request.changedBy,
        ...(request.name === FEATURES_SWITCH ? { features: settings.features } : {}),
        ...(recorded ? { recorded } : {}),
      };
      const writtenVersion = await writeSwitch(clients, parameter, value, options.retry);
      actions.push(`recorded and set ${parameter} on`);
      changed = true;
      const winner = await firstOnSince(clients, parameter, readVersion ?? 0, writtenVersion, options.retry);
      if (winner && winner.version !== writtenVersion) {
        // Lost a race: another invocation turned the switch on after we read it off. Its record was taken
        // before anyone acted (every invocation writes before it acts), ours perhaps after it had scaled
        // things down: keep its record as the switch's, and finish the action from it.
        recorded = winner.value.recorded;
        if (JSON.stringify(winner.value) !== JSON.stringify(value)) {
          await writeSwitch(clients, parameter, winner.value, options.retry);
          actions.push(`restored the record of ${parameter} version ${winner.version} (a concurrent "on" was first)`);
        }
        options.logger.warn('kill switch turned on concurrently; the first record is kept', {
          switch: request.name,
          readVersion: readVersion ?? 0,
          ourVersion: writtenVersion,
          firstVersion: winner.version,
        });
      }
    }
    if (request.name === COST_SWITCH && recorded) actions.push(...(await applyCostSwitch(recorded, clients, options)));
  } else if (current.state === 'on') {
    if (request.name === COST_SWITCH && current.recorded)
      actions.push(...(await restoreCostSwitch(current.recorded, clients, options)));
    await writeSwitch(
      clients,
      parameter,
      { state: 'off', reason: request.reason, changedAt: now().toISOString(), changedBy: request.changedBy },
      options.retry,
    );
    actions.push(`set ${parameter} off`);
    changed = true;
  }
  changed = changed || actions.length > 0;

  const outcome = {
    environment: settings.environment,
    switch: request.name,
    parameter,
    from: current.state,
    to: request.state,
    changed,
    actions,
    ...(recorded && request.state === 'on' ? { recorded } : {}),
  };
  const audit = { ...outcome, reason: request.reason, changedBy: request.changedBy };
  if (!changed) {
    options.logger.info('kill switch already in the requested state; nothing to do', {
      audit: { ...audit, durationMs: Math.round(performance.now() - started) },
    });
    return { ...outcome, durationMs: Math.round(performance.now() - started), notice: 'not-needed' };
  }
  const durationMs = Math.round(performance.now() - started);
  options.logger.info('kill switch changed', { audit: { ...audit, durationMs } });
  const notice = await announce(settings, { ...audit, durationMs }, clients, options);
  return { ...outcome, durationMs, notice };
}

/** Write a switch; returns the version Parameter Store gave the write. */
async function writeSwitch(
  clients: SwitchClients,
  parameter: string,
  value: SwitchValue,
  retry?: RetryOptions,
): Promise<number | undefined> {
  const out = await withRetry(
    () =>
      clients.ssm.send(
        new PutParameterCommand({ Name: parameter, Value: JSON.stringify(value), Type: 'String', Overwrite: true }),
      ),
    retry,
  );
  return out.Version;
}

/**
 * Compare-and-set without a conditional write (PutParameter has none). Parameter Store numbers every write
 * of a parameter, one more than the last ("When you change the value of the parameter, Parameter Store
 * automatically increments the version number by one":
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-versions.html). A write
 * numbered `read + 1` had no writer between our read and our write: nothing to resolve. Otherwise the
 * history says which "on" came first after the "off" we read; that one's record is the original state.
 * Returns undefined when there was no race (or the history cannot tell, e.g. it kept fewer versions).
 */
async function firstOnSince(
  clients: SwitchClients,
  parameter: string,
  readVersion: number,
  writtenVersion: number | undefined,
  retry?: RetryOptions,
): Promise<{ version: number; value: SwitchValue } | undefined> {
  if (writtenVersion === undefined || writtenVersion === readVersion + 1) return undefined;
  let first: { version: number; value: SwitchValue } | undefined;
  let token: string | undefined;
  do {
    const page = await withRetry(
      () => clients.ssm.send(new GetParameterHistoryCommand({ Name: parameter, NextToken: token, MaxResults: 50 })),
      retry,
    );
    for (const entry of page.Parameters ?? []) {
      const version = entry.Version ?? 0;
      if (version <= readVersion || version > writtenVersion || (first && first.version < version)) continue;
      const parsed = switchValueSchema.safeParse(safeJson(entry.Value));
      if (parsed.success && parsed.data.state === 'on') first = { version, value: parsed.data };
    }
    token = page.NextToken;
  } while (token);
  return first;
}

function safeJson(raw: string | undefined): unknown {
  try {
    return JSON.parse(raw ?? '');
  } catch {
    return undefined;
  }
}

/** Read what the cost switch will change: desired counts, auto-scaling limits, reserved concurrency. */
export async function captureCostState(
  settings: SwitchSettings,
  clients: SwitchClients,
  options: SwitchOptions,
): Promise<RecordedState> {
  const services: RecordedService[] = [];
  for (const ref of settings.nonCriticalServices) {
    const [cluster, service] = ref.split('/');
    const state = await describeService(clients, cluster, service, options.retry);
    if (state === undefined) {
      options.logger.warn('non-critical service not found; the cost switch leaves it alone', { cluster, service });
      services.push({ cluster, service });
      continue;
    }
    const scaling = await describeScaling(clients, cluster, service, options.retry);
    services.push({ cluster, service, desiredCount: state, ...(scaling ? { scaling } : {}) });
  }
  const functions: RecordedFunction[] = [];
  for (const name of settings.nonCriticalFunctions) {
    try {
      functions.push({ name, reservedConcurrency: await reservedConcurrency(clients, name, options.retry) });
    } catch (error) {
      if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
      options.logger.warn('non-critical function not found; the cost switch leaves it alone', { function: name });
      functions.push({ name, reservedConcurrency: null, missing: true });
    }
  }
  return { services, functions };
}

/** Scale to zero; each step is skipped when already done, so applying twice equals applying once. */
async function applyCostSwitch(
  recorded: RecordedState,
  clients: SwitchClients,
  options: SwitchOptions,
): Promise<string[]> {
  const actions: string[] = [];
  for (const svc of recorded.services) {
    if (svc.desiredCount === undefined) continue;
    // Auto scaling first: with its minimum above zero it would start the tasks again.
    if (svc.scaling) {
      const scaling = await describeScaling(clients, svc.cluster, svc.service, options.retry);
      if (!scaling || scaling.min !== 0 || scaling.max !== 0) {
        await registerScaling(clients, svc.cluster, svc.service, 0, 0, options.retry);
        actions.push(`set auto scaling of ${svc.cluster}/${svc.service} to min 0 max 0`);
      }
    }
    if ((await describeService(clients, svc.cluster, svc.service, options.retry)) !== 0) {
      await updateDesiredCount(clients, svc.cluster, svc.service, 0, options.retry);
      actions.push(`scaled ${svc.cluster}/${svc.service} to 0 tasks`);
    }
  }
  for (const fn of recorded.functions) {
    if (fn.missing) continue;
    if ((await reservedConcurrency(clients, fn.name, options.retry)) !== 0) {
      await withRetry(
        () =>
          clients.lambda.send(
            new PutFunctionConcurrencyCommand({ FunctionName: fn.name, ReservedConcurrentExecutions: 0 }),
          ),
        options.retry,
      );
      actions.push(`set reserved concurrency of ${fn.name} to 0`);
    }
  }
  return actions;
}

/** Put back exactly what was recorded; each step is skipped when already restored. */
async function restoreCostSwitch(
  recorded: RecordedState,
  clients: SwitchClients,
  options: SwitchOptions,
): Promise<string[]> {
  const actions: string[] = [];
  for (const svc of recorded.services) {
    if (svc.desiredCount === undefined) continue;
    if (svc.scaling) {
      const scaling = await describeScaling(clients, svc.cluster, svc.service, options.retry);
      if (!scaling || scaling.min !== svc.scaling.min || scaling.max !== svc.scaling.max) {
        await registerScaling(clients, svc.cluster, svc.service, svc.scaling.min, svc.scaling.max, options.retry);
        actions.push(
          `restored auto scaling of ${svc.cluster}/${svc.service} to min ${svc.scaling.min} max ${svc.scaling.max}`,
        );
      }
    }
    if ((await describeService(clients, svc.cluster, svc.service, options.retry)) !== svc.desiredCount) {
      await updateDesiredCount(clients, svc.cluster, svc.service, svc.desiredCount, options.retry);
      actions.push(`restored ${svc.cluster}/${svc.service} to ${svc.desiredCount} tasks`);
    }
  }
  for (const fn of recorded.functions) {
    if (fn.missing) continue;
    const current = await reservedConcurrency(clients, fn.name, options.retry);
    if (current === fn.reservedConcurrency) continue;
    if (fn.reservedConcurrency === null) {
      await withRetry(
        () => clients.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: fn.name })),
        options.retry,
      );
      actions.push(`removed the reserved concurrency of ${fn.name}`);
    } else {
      const value = fn.reservedConcurrency;
      await withRetry(
        () =>
          clients.lambda.send(
            new PutFunctionConcurrencyCommand({ FunctionName: fn.name, ReservedConcurrentExecutions: value }),
          ),
        options.retry,
      );
      actions.push(`restored reserved concurrency of ${fn.name} to ${value}`);
    }
  }
  return actions;
}

async function describeService(
  clients: SwitchClients,
  cluster: string,
  service: string,
  retry?: RetryOptions,
): Promise<number | undefined> {
  const out = await withRetry(
    () => clients.ecs.send(new DescribeServicesCommand({ cluster, services: [service] })),
    retry,
  );
  const found = out.services?.find((s) => s.serviceName === service && s.status !== 'INACTIVE');
  return found?.desiredCount;
}

async function updateDesiredCount(
  clients: SwitchClients,
  cluster: string,
  service: string,
  desiredCount: number,
  retry?: RetryOptions,
): Promise<void> {
  await withRetry(() => clients.ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount })), retry);
}

async function describeScaling(
  clients: SwitchClients,
  cluster: string,
  service: string,
  retry?: RetryOptions,
): Promise<{ min: number; max: number } | undefined> {
  const out = await withRetry(
    () =>
      clients.autoscaling.send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: 'ecs',
          ResourceIds: [`service/${cluster}/${service}`],
          ScalableDimension: ECS_DIMENSION,
        }),
      ),
    retry,
  );
  const target = out.ScalableTargets?.[0];
  return target && target.MinCapacity !== undefined && target.MaxCapacity !== undefined
    ? { min: target.MinCapacity, max: target.MaxCapacity }
    : undefined;
}

async function registerScaling(
  clients: SwitchClients,
  cluster: string,
  service: string,
  min: number,
  max: number,
  retry?: RetryOptions,
): Promise<void> {
  await withRetry(
    () =>
      clients.autoscaling.send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: 'ecs',
          ResourceId: `service/${cluster}/${service}`,
          ScalableDimension: ECS_DIMENSION,
          MinCapacity: min,
          MaxCapacity: max,
        }),
      ),
    retry,
  );
}

async function reservedConcurrency(clients: SwitchClients, name: string, retry?: RetryOptions): Promise<number | null> {
  const out = await withRetry(
    () => clients.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name })),
    retry,
  );
  return out.ReservedConcurrentExecutions ?? null;
}

/** The P3 notice. A failed notice does not undo the action: the log line is the durable audit record. */
async function announce(
  settings: SwitchSettings,
  audit: Record<string, unknown> & { switch: string; to: string },
  clients: SwitchClients,
  options: SwitchOptions,
): Promise<'sent' | 'failed'> {
  try {
    await withRetry(
      () =>
        clients.sns.send(
          new PublishCommand({
            TopicArn: settings.noticeTopicArn,
            Subject: `[P3] ${settings.environment} kill switch ${audit.switch} ${audit.to}`.slice(0, 100),
            Message: JSON.stringify(audit, null, 2),
          }),
        ),
      options.retry,
    );
    return 'sent';
  } catch (error) {
    options.logger.error('kill switch notice could not be published; the change stands', {
      error: (error as Error).message,
      switch: audit.switch,
    });
    return 'failed';
  }
}
