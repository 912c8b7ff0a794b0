import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { realSleep } from './retry';

/**
 * A small client for ARC Region switch's data-plane API, which the drill calls and which has no
 * `@aws-sdk/client-*` package in the registry these machines reach.
 *
 * The wire protocol, from AWS's API reference and SDK models:
 * - JSON 1.0 (`Content-Type: application/x-amz-json-1.0`), POST to `/`, the operation in
 *   `X-Amz-Target: ArcRegionSwitch.<Operation>`, Signature Version 4 with the signing name `arc-region-switch`
 *   (https://docs.aws.amazon.com/arc-region-switch/latest/api/API_StartPlanExecution.html; the AWS SDKs' service
 *   model, `sigV4ServiceName: "arc-region-switch"`, `ArcRegionSwitch.StartPlanExecution`).
 * - Endpoint `https://arc-region-switch.<region>.api.aws` (Regional endpoints,
 *   https://docs.aws.amazon.com/r53recovery/latest/dg/aws-regions-rs.html). The drill's calls are data-plane ones,
 *   answered in every Region of the plan; plan management (CreatePlan, GetPlan, ListPlans, ...) and
 *   ListRoute53HealthChecks go to the `arc-region-switch-control-plane.us-east-1.api.aws` endpoint (the SDK models'
 *   `UseControlPlaneEndpoint`; its Regional data-plane twin is ListRoute53HealthChecksInRegion).
 * - Timestamps in responses are epoch seconds (the JSON protocols' default timestamp format).
 * - Errors carry `__type` in the body (or `x-amzn-ErrorType`): AccessDeniedException, ConflictException,
 *   IllegalArgumentException, IllegalStateException, ResourceNotFoundException, InternalServerException,
 *   ThrottlingException.
 */
export const ARC_REGION_SWITCH_SIGNING_NAME = 'arc-region-switch';
export const ARC_REGION_SWITCH_TARGET_PREFIX = 'ArcRegionSwitch';

export function arcRegionSwitchEndpoint(region: string): string {
  return `https://arc-region-switch.${region}.api.aws`;
}

/**
 * Plan management (and ListRoute53HealthChecks) is answered by one control-plane endpoint in the partition's
 * leader Region: `arc-region-switch-control-plane.us-east-1.api.aws` for the aws partition (the Regional endpoint
 * table lists it only under us-east-1: https://docs.aws.amazon.com/r53recovery/latest/dg/aws-regions-rs.html; the
 * SDK models route the operations marked `UseControlPlaneEndpoint` there). Requests to it are signed for us-east-1.
 * Other partitions are not handled here (an assumption: Bulwark deploys only to the aws partition).
 */
export const ARC_REGION_SWITCH_CONTROL_PLANE_REGION = 'us-east-1';

export function arcRegionSwitchControlPlaneEndpoint(): string {
  return `https://arc-region-switch-control-plane.${ARC_REGION_SWITCH_CONTROL_PLANE_REGION}.api.aws`;
}

/**
 * One Route 53 health check that a plan's Route 53 health check block created
 * (https://docs.aws.amazon.com/arc-region-switch/latest/api/API_Route53HealthCheck.html): hostedZoneId,
 * recordName and region are required, healthCheckId and status are optional.
 */
export interface Route53HealthCheck {
  readonly hostedZoneId: string;
  readonly recordName: string;
  readonly region: string;
  readonly healthCheckId?: string;
  /** `healthy`, `unhealthy` or `unknown`. */
  readonly status?: string;
}

export interface ListRoute53HealthChecksInput {
  /** The plan's ARN. */
  readonly arn: string;
  readonly hostedZoneId?: string;
  readonly recordName?: string;
}

/** ListRoute53HealthChecks, every page (what the plan-health-checks custom resource needs). */
export interface Route53HealthCheckLister {
  listRoute53HealthChecks(input: ListRoute53HealthChecksInput): Promise<Route53HealthCheck[]>;
}

export type ExecutionAction = 'activate' | 'deactivate' | 'postRecovery';
export type ExecutionMode = 'graceful' | 'ungraceful';
/** GetPlanExecution's executionState values (API_GetPlanExecution.html). */
export type ExecutionState =
  | 'inProgress'
  | 'pausedByFailedStep'
  | 'pausedByOperator'
  | 'completed'
  | 'completedWithExceptions'
  | 'canceled'
  | 'planExecutionTimedOut'
  | 'pendingManualApproval'
  | 'failed'
  | 'pending'
  | 'completedMonitoringApplicationHealth';

export interface StartPlanExecutionInput {
  readonly planArn: string;
  readonly targetRegion: string;
  readonly action: ExecutionAction;
  readonly mode?: ExecutionMode;
  readonly comment?: string;
  /** Idempotency: the same token returns the original execution instead of starting a second one. */
  readonly clientToken?: string;
}

export interface StartPlanExecutionOutput {
  readonly executionId?: string;
  readonly plan?: string;
  readonly planVersion?: string;
  readonly activateRegion?: string;
  readonly deactivateRegion?: string;
}

export interface StepState {
  readonly name?: string;
  readonly status?: string;
  readonly startTime?: Date;
  readonly endTime?: Date;
  readonly stepMode?: string;
}

export interface AbbreviatedExecution {
  readonly planArn: string;
  readonly executionId: string;
  readonly comment?: string;
  readonly startTime?: Date;
  readonly endTime?: Date;
  readonly mode?: string;
  readonly executionState: ExecutionState | string;
  readonly executionAction?: string;
  readonly executionRegion?: string;
}

/** GetPlanExecution's answer: the listing's fields plus each step's state. */
export interface PlanExecution extends AbbreviatedExecution {
  readonly stepStates: StepState[];
  readonly actualRecoveryTime?: string;
}

export interface ExecutionEvent {
  readonly eventId: string;
  readonly timestamp?: Date;
  readonly type?: string;
  readonly stepName?: string;
  readonly executionBlockType?: string;
  readonly resources?: string[];
  readonly error?: string;
  readonly description?: string;
  readonly previousEventId?: string;
}

export interface ResourceWarning {
  readonly workflow?: { readonly action?: string; readonly name?: string };
  readonly version?: string;
  readonly stepName?: string;
  readonly resourceArn?: string;
  /** `active` or `resolved`. */
  readonly warningStatus?: string;
  readonly warningUpdatedTime?: Date;
  readonly warningMessage?: string;
}

export interface PlanEvaluationStatus {
  readonly planArn: string;
  readonly lastEvaluationTime?: Date;
  readonly lastEvaluatedVersion?: string;
  readonly region?: string;
  /** `passed`, `actionRequired`, `pendingEvaluation` or `unknown`. */
  readonly evaluationState?: string;
  readonly warnings: ResourceWarning[];
}

/** What the drill needs from Region switch; the tests drive the drill with fakes of it. */
export interface RegionSwitchApi {
  startPlanExecution(input: StartPlanExecutionInput): Promise<StartPlanExecutionOutput>;
  getPlanExecution(planArn: string, executionId: string): Promise<PlanExecution>;
  listPlanExecutionEvents(planArn: string, executionId: string): Promise<ExecutionEvent[]>;
  listPlanExecutions(planArn: string, state?: ExecutionState): Promise<AbbreviatedExecution[]>;
  getPlanEvaluationStatus(planArn: string): Promise<PlanEvaluationStatus>;
}

/** An error answer from Region switch (or the way to it), typed by the service's `__type`. */
export class ArcRegionSwitchError extends Error {
  readonly $metadata: { readonly httpStatusCode?: number };
  readonly $retryable?: { readonly throttling: boolean };
  constructor(
    /** The service's error type (`ThrottlingException`, `IllegalStateException`, ...), or `TimeoutError`/`NetworkError`. */
    override readonly name: string,
    message: string,
    readonly operation: string,
    httpStatusCode?: number,
    retryable = false,
  ) {
    super(`Region switch ${operation}: ${name}${httpStatusCode ? ` (HTTP ${httpStatusCode})` : ''}: ${message}`);
    this.$metadata = { httpStatusCode };
    if (retryable) this.$retryable = { throttling: name === 'ThrottlingException' || httpStatusCode === 429 };
  }
}

export interface ArcRegionSwitchClientOptions {
  readonly region: string;
  /** The SDK's default chain in Lambda (its environment variables), static keys in tests. */
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** @default arcRegionSwitchEndpoint(region) */
  readonly endpoint?: string;
  /** Per attempt. @default 10 000 ms */
  readonly timeoutMs?: number;
  /** Attempts per call, the first included. @default 6 */
  readonly maxAttempts?: number;
  /** @default 200 ms, doubling, full jitter, at most maxDelayMs */
  readonly baseDelayMs?: number;
  /** @default 10 000 ms */
  readonly maxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Throttling and server faults are retried; a request the service refused for what it is, never. */
export function isRetryableRegionSwitchError(error: unknown): boolean {
  return error instanceof ArcRegionSwitchError && error.$retryable !== undefined;
}

const RETRYABLE_TYPES = new Set([
  'ThrottlingException',
  'InternalServerException',
  'ServiceUnavailableException',
  'TimeoutError',
  'NetworkError',
]);

export class ArcRegionSwitchClient implements RegionSwitchApi, Route53HealthCheckLister {
  private readonly endpoint: URL;
  private readonly signer: SignatureV4;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: ArcRegionSwitchClientOptions) {
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(options.region))
      throw new Error(`ArcRegionSwitchClient: "${options.region}" is not an AWS Region name`);
    this.endpoint = new URL(options.endpoint ?? arcRegionSwitchEndpoint(options.region));
    this.signer = new SignatureV4({
      service: ARC_REGION_SWITCH_SIGNING_NAME,
      region: options.region,
      credentials: options.credentials,
      sha256: Hash.bind(null, 'sha256'),
    });
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = options.maxAttempts ?? 6;
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.sleep = options.sleep ?? realSleep;
  }

  async startPlanExecution(input: StartPlanExecutionInput): Promise<StartPlanExecutionOutput> {
    return (await this.call('StartPlanExecution', { ...input })) as StartPlanExecutionOutput;
  }

  async getPlanExecution(planArn: string, executionId: string): Promise<PlanExecution> {
    let first: Record<string, unknown> | undefined;
    const stepStates: StepState[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.call('GetPlanExecution', { planArn, executionId, nextToken });
      first ??= page;
      stepStates.push(...asArray(page.stepStates).map(toStepState));
      nextToken = optionalString(page.nextToken);
    } while (nextToken);
    return {
      planArn: String(first.planArn ?? planArn),
      executionId: String(first.executionId ?? executionId),
      comment: optionalString(first.comment),
      startTime: toDate(first.startTime),
      endTime: toDate(first.endTime),
      mode: optionalString(first.mode),
      executionState: String(first.executionState ?? 'unknown'),
      executionAction: optionalString(first.executionAction),
      executionRegion: optionalString(first.executionRegion),
      actualRecoveryTime: optionalString(first.actualRecoveryTime),
      stepStates,
    };
  }

  async listPlanExecutionEvents(planArn: string, executionId: string): Promise<ExecutionEvent[]> {
    const events: ExecutionEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.call('ListPlanExecutionEvents', { planArn, executionId, nextToken });
      events.push(
        ...asArray(page.items).map((item) => ({
          eventId: String(item.eventId ?? ''),
          timestamp: toDate(item.timestamp),
          type: optionalString(item.type),
          stepName: optionalString(item.stepName),
          executionBlockType: optionalString(item.executionBlockType),
          resources: Array.isArray(item.resources) ? item.resources.map(String) : undefined,
          error: optionalString(item.error),
          description: optionalString(item.description),
          previousEventId: optionalString(item.previousEventId),
        })),
      );
      nextToken = optionalString(page.nextToken);
    } while (nextToken);
    return events;
  }

  async listPlanExecutions(planArn: string, state?: ExecutionState): Promise<AbbreviatedExecution[]> {
    const executions: AbbreviatedExecution[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.call('ListPlanExecutions', { planArn, state, nextToken });
      executions.push(
        ...asArray(page.items).map((item) => ({
          planArn: String(item.planArn ?? planArn),
          executionId: String(item.executionId ?? ''),
          comment: optionalString(item.comment),
          startTime: toDate(item.startTime),
          endTime: toDate(item.endTime),
          mode: optionalString(item.mode),
          executionState: String(item.executionState ?? 'unknown'),
          executionAction: optionalString(item.executionAction),
          executionRegion: optionalString(item.executionRegion),
        })),
      );
      nextToken = optionalString(page.nextToken);
    } while (nextToken);
    return executions;
  }

  async getPlanEvaluationStatus(planArn: string): Promise<PlanEvaluationStatus> {
    let first: Record<string, unknown> | undefined;
    const warnings: ResourceWarning[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.call('GetPlanEvaluationStatus', { planArn, nextToken });
      first ??= page;
      warnings.push(
        ...asArray(page.warnings).map((w) => ({
          workflow: (w.workflow ?? undefined) as ResourceWarning['workflow'],
          version: optionalString(w.version),
          stepName: optionalString(w.stepName),
          resourceArn: optionalString(w.resourceArn),
          warningStatus: optionalString(w.warningStatus),
          warningUpdatedTime: toDate(w.warningUpdatedTime),
          warningMessage: optionalString(w.warningMessage),
        })),
      );
      nextToken = optionalString(page.nextToken);
    } while (nextToken);
    return {
      planArn: String(first.planArn ?? planArn),
      lastEvaluationTime: toDate(first.lastEvaluationTime),
      lastEvaluatedVersion: optionalString(first.lastEvaluatedVersion),
      region: optionalString(first.region),
      evaluationState: optionalString(first.evaluationState),
      warnings,
    };
  }

  /**
   * ListRoute53HealthChecks (https://docs.aws.amazon.com/arc-region-switch/latest/api/API_ListRoute53HealthChecks.html):
   * the plan's health checks, optionally only those of one hosted zone and record name, followed through every
   * `nextToken`. A control-plane operation: construct the client with `ARC_REGION_SWITCH_CONTROL_PLANE_REGION` and
   * `arcRegionSwitchControlPlaneEndpoint()`.
   */
  async listRoute53HealthChecks(input: ListRoute53HealthChecksInput): Promise<Route53HealthCheck[]> {
    const checks: Route53HealthCheck[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.call('ListRoute53HealthChecks', { ...input, nextToken });
      checks.push(
        ...asArray(page.healthChecks).map((item) => ({
          hostedZoneId: String(item.hostedZoneId ?? ''),
          recordName: String(item.recordName ?? ''),
          region: String(item.region ?? ''),
          healthCheckId: optionalString(item.healthCheckId),
          status: optionalString(item.status),
        })),
      );
      nextToken = optionalString(page.nextToken);
    } while (nextToken);
    return checks;
  }

  /** One operation, retried with backoff on throttling, server faults, timeouts and dropped connections. */
  private async call(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    // JSON leaves undefined members out, as the protocol expects for absent optional members.
    const body = JSON.stringify(input);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(operation, body);
      } catch (error) {
        if (attempt >= this.maxAttempts || !isRetryableRegionSwitchError(error)) throw error;
        const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
        await this.sleep(Math.round(Math.random() * ceiling));
      }
    }
  }

  private async once(operation: string, body: string): Promise<Record<string, unknown>> {
    const url = this.endpoint;
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: '/',
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `${ARC_REGION_SWITCH_TARGET_PREFIX}.${operation}`,
      },
      body,
    });
    let response: Response;
    try {
      response = await fetch(new URL('/', url), {
        method: 'POST',
        headers: signed.headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      // AbortSignal.timeout rejects with a DOMException named TimeoutError (not always an `instanceof Error`).
      const name = (error as { name?: unknown } | undefined)?.name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      const message = (error as { message?: unknown } | undefined)?.message ?? String(error);
      throw new ArcRegionSwitchError(
        timedOut ? 'TimeoutError' : 'NetworkError',
        timedOut ? `no answer within ${this.timeoutMs} ms` : String(message),
        operation,
        undefined,
        true,
      );
    }
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    if (text) {
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        if (response.ok) throw new ArcRegionSwitchError('SerializationError', text.slice(0, 200), operation, 200);
      }
    }
    if (response.ok) return parsed;
    const rawType = String(parsed.__type ?? response.headers.get('x-amzn-errortype') ?? `HTTP${response.status}`);
    // `aws.protocols#awsJson1_0`: the type may carry a namespace (`ns#Type`) and, in the header, a `:` suffix.
    const type = rawType.split('#').pop()!.split(':')[0];
    const message = String(parsed.message ?? parsed.Message ?? text.slice(0, 200));
    const retryable = RETRYABLE_TYPES.has(type) || response.status === 429 || response.status >= 500;
    throw new ArcRegionSwitchError(type, message, operation, response.status, retryable);
  }
}

function asArray(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value.filter((v) => typeof v === 'object' && v !== null) as never) : [];
}

function optionalString(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

function toStepState(item: Record<string, unknown>): StepState {
  return {
    name: optionalString(item.name),
    status: optionalString(item.status),
    startTime: toDate(item.startTime),
    endTime: toDate(item.endTime),
    stepMode: optionalString(item.stepMode),
  };
}

/** Epoch seconds (the protocol's default), or an ISO string should a service send one. */
export function toDate(value: unknown): Date | undefined {
  if (typeof value === 'number') return new Date(value * 1000);
  if (typeof value === 'string' && value) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : new Date(ms);
  }
  return undefined;
}
