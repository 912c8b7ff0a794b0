import { interpretEvent } from './events';
import { SwitchSettings } from './settings';
import { AuditLogger, SwitchClients, SwitchOptions, SwitchOutcome, setSwitch } from './switches';

export interface HandleResult {
  readonly outcomes: SwitchOutcome[];
  readonly ignored: string[];
  readonly rejected: string[];
}

/**
 * The handler's body: interpret, then act on each requested switch in turn. A rejected event is
 * logged at error level and changes nothing; a failed switch action is rethrown after the others
 * ran, so Lambda's asynchronous retry completes it (the record written first makes that safe).
 */
export async function handleSwitchEvent(
  event: unknown,
  settings: SwitchSettings,
  clients: SwitchClients,
  options: SwitchOptions & { logger: AuditLogger },
): Promise<HandleResult> {
  const result: HandleResult = { outcomes: [], ignored: [], rejected: [] };
  const failures: Error[] = [];
  for (const item of interpretEvent(event, settings)) {
    if (item.kind === 'reject') {
      options.logger.error('kill switch event rejected; no action taken', { why: item.why });
      result.rejected.push(item.why);
      continue;
    }
    if (item.kind === 'ignore') {
      options.logger.info('kill switch event recognised; no action needed', { source: item.source, why: item.why });
      result.ignored.push(`${item.source}: ${item.why}`);
      continue;
    }
    for (const request of item.requests) {
      try {
        result.outcomes.push(await setSwitch(request, settings, clients, options));
      } catch (error) {
        options.logger.error('kill switch action failed; a retry completes it from the recorded state', {
          switch: request.name,
          state: request.state,
          source: item.source,
          error: (error as Error).message,
        });
        failures.push(error as Error);
      }
    }
  }
  if (failures.length > 0)
    throw new AggregateError(
      failures,
      `${failures.length} kill switch action(s) failed: ${failures.map((f) => f.message).join('; ')}`,
    );
  return result;
}
