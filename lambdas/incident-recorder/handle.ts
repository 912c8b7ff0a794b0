import { interpretEvent } from './events';
import { IncidentSettings } from './settings';
import { ReconcileResult, StoreDeps, reconcile, storeEvent } from './store';

export type HandleResult =
  | { readonly outcome: 'recorded' | 'duplicate'; readonly eventId: string; readonly result: ReconcileResult }
  | { readonly outcome: 'swept'; readonly result: ReconcileResult }
  | { readonly outcome: 'ignored' | 'rejected'; readonly why: string };

/**
 * The handler's body: interpret, store the event once, derive the records again. A duplicate still derives:
 * the delivery that stored it may have failed before writing the records, and deriving twice changes nothing.
 * A rejected event is logged at error level and not retried (a retry cannot make it valid).
 */
export async function handleIncidentEvent(
  event: unknown,
  settings: IncidentSettings,
  deps: StoreDeps,
  now: number = Date.now(),
): Promise<HandleResult> {
  const interpretation = interpretEvent(event, settings);
  switch (interpretation.kind) {
    case 'reject':
      deps.logger.error('incident event rejected; nothing recorded', { why: interpretation.why });
      return { outcome: 'rejected', why: interpretation.why };
    case 'ignore':
      deps.logger.info('incident event ignored', { why: interpretation.why });
      return { outcome: 'ignored', why: interpretation.why };
    case 'sweep':
      return { outcome: 'swept', result: await reconcile(deps, settings, now) };
    case 'record': {
      const stored = await storeEvent(deps, settings, interpretation.event);
      const { id: eventId, kind, time } = interpretation.event;
      deps.logger.info('incident event stored', { eventId, kind, time, stored });
      const result = await reconcile(deps, settings, now, interpretation.event);
      return { outcome: stored === 'stored' ? 'recorded' : 'duplicate', eventId: interpretation.event.id, result };
    }
  }
}
