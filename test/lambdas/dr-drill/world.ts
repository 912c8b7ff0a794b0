import {
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  Route53Client,
  TestDNSAnswerCommand,
  UpdateHealthCheckCommand,
} from '@aws-sdk/client-route-53';
import { DrillLogger, DrillSettings } from '../../../lambdas/dr-drill/drill';

export const PRIMARY_IP = '192.0.2.10';
export const SECONDARY_IP = '198.51.100.20';
export const PRIMARY_ALB = 'primary-123.us-east-1.elb.amazonaws.com';
export const SECONDARY_ALB = 'standby-456.us-west-2.elb.amazonaws.com';

/** A virtual clock: sleep advances it, so a drill that waits minutes runs in milliseconds. */
export class VirtualClock {
  constructor(public ms = Date.now()) {}
  now = (): number => this.ms;
  sleep = async (ms: number): Promise<void> => {
    this.ms += ms;
  };
}

export interface Route53Behaviour {
  /** The checkers observe Prod's endpoint failing (a real incident). @default false */
  endpointFailing?: boolean;
  /** Seconds after the inversion until DNS answers with the standby; null = never. @default 40 */
  secondaryAnswerAfterSeconds?: number | null;
  /** Make TestDNSAnswer fail once the health check is inverted (a fault mid-drill). */
  dnsFault?: Error;
}

/** A Route 53 client that also tells which commands it sent, and every UpdateHealthCheck with its target. */
export type Route53World = Route53Client & {
  calls: string[];
  updates: Array<{ healthCheckId: string; inverted: boolean }>;
};

/**
 * What moto lacks, layered over a real (moto-backed or mocked) Route 53 client: GetHealthCheckStatus
 * reports what the checkers observe at the endpoint (healthy unless `endpointFailing`; AWS does not
 * document that an inversion shows there, so this world never shows it), and TestDNSAnswer answers
 * the standby's address some seconds after the health check became inverted (recorded when the
 * drill's own UpdateHealthCheck goes through to the real client). Every other command goes to the
 * real client.
 */
export function route53World(real: Route53Client, clock: VirtualClock, behaviour: Route53Behaviour = {}): Route53World {
  let invertedSince: number | undefined;
  const calls: string[] = [];
  const updates: Array<{ healthCheckId: string; inverted: boolean }> = [];
  const inverted = async (id: string | undefined): Promise<boolean> => {
    const out = await real.send(new GetHealthCheckCommand({ HealthCheckId: id }));
    const now = Boolean(out.HealthCheck?.HealthCheckConfig?.Inverted);
    if (now && invertedSince === undefined) invertedSince = clock.now();
    if (!now) invertedSince = undefined;
    return now;
  };
  const since = () => (invertedSince === undefined ? -1 : (clock.now() - invertedSince) / 1000);
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> => {
    calls.push(command.constructor.name);
    if (command instanceof GetHealthCheckStatusCommand) {
      const status = behaviour.endpointFailing
        ? 'Failure: Connection timed out. Resolved IP: 192.0.2.10.'
        : 'Success: HTTP Status Code 200, OK';
      return {
        HealthCheckObservations: ['us-east-1', 'us-west-2', 'eu-west-1'].map((Region) => ({
          Region,
          StatusReport: { Status: status },
        })),
      };
    }
    if (command instanceof TestDNSAnswerCommand) {
      if (behaviour.dnsFault && invertedSince !== undefined) throw behaviour.dnsFault;
      const at =
        behaviour.secondaryAnswerAfterSeconds === null ? Infinity : (behaviour.secondaryAnswerAfterSeconds ?? 40);
      const standby = invertedSince !== undefined && since() >= at;
      return {
        RecordName: command.input.RecordName,
        RecordType: 'A',
        RecordData: [standby ? SECONDARY_IP : PRIMARY_IP],
        ResponseCode: 'NOERROR',
        Protocol: 'UDP',
      };
    }
    if (command instanceof UpdateHealthCheckCommand) {
      updates.push({ healthCheckId: String(command.input.HealthCheckId), inverted: Boolean(command.input.Inverted) });
      const out = await real.send(command);
      await inverted(command.input.HealthCheckId);
      return out;
    }
    return real.send(command as never);
  };
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'send') return send;
      if (prop === 'calls') return calls;
      if (prop === 'updates') return updates;
      return Reflect.get(target, prop, receiver);
    },
  }) as Route53World;
}

export const resolveIps = async (host: string): Promise<string[]> => {
  if (host === SECONDARY_ALB) return [SECONDARY_IP];
  if (host === PRIMARY_ALB) return [PRIMARY_IP];
  throw Object.assign(new Error(`queryA ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
};

export const silentLogger: DrillLogger & { lines: string[] } = Object.assign(
  {
    lines: [] as string[],
  },
  {
    info(message: unknown) {
      silentLogger.lines.push(`INFO ${String(message)}`);
    },
    warn(message: unknown) {
      silentLogger.lines.push(`WARN ${String(message)}`);
    },
    error(message: unknown) {
      silentLogger.lines.push(`ERROR ${String(message)}`);
    },
  },
) as unknown as DrillLogger & { lines: string[] };

export function baseSettings(overrides: Partial<DrillSettings> = {}): DrillSettings {
  return {
    serviceName: 'orders',
    hostedZoneId: 'Z0123456789ABCDEFGHIJ',
    recordName: 'drill.orders.example.com',
    primarySetIdentifier: 'orders-drill-primary',
    secondarySetIdentifier: 'orders-drill-secondary',
    drillHealthCheckId: 'hc-drill-primary',
    drillHealthCheckTag: { key: 'bulwark:purpose', value: 'dr-drill' },
    standbyMode: 'warm-standby',
    reportBucket: 'orders-dr-replica',
    reportPrefix: 'drills/',
    replicaBucket: 'orders-dr-replica',
    replicaPrefix: '',
    vaultName: 'orders-dr-vault',
    metricNamespace: 'Bulwark/orders',
    targets: {
      failoverSeconds: 180,
      recoveryPointMaxAgeSeconds: 3 * 3600,
      replicaObjectMaxAgeSeconds: 3600,
      waitBoundSeconds: 300,
    },
    lockStaleSeconds: 960,
    pollSeconds: 5,
    planEvaluationMaxAgeSeconds: 3600,
    ...overrides,
  };
}
