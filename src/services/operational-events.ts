import type { Logger } from 'pino';
import { coerceError } from '../domain/app-error.ts';
import { toIso } from '../domain/clock.ts';
import { OPERATIONAL_EVENT_PREFIX } from '../domain/event-type-match.ts';
import type { AttemptOutcome, HealthChanges } from '../storage/storage.ts';
import type { ServiceContext } from './context.ts';
import { publishEvents } from './publish-service.ts';

/** A failure streak must last this long before its end is announced as `herald.endpoint.recovered`. */
export const RECOVERY_MIN_STREAK_MS = 60_000;

/** An event Herald publishes about itself into a workspace. */
export interface OperationalEvent {
  workspaceId: string;
  type: 'herald.endpoint.disabled' | 'herald.endpoint.recovered' | 'herald.delivery.failed_permanent';
  payload: Record<string, unknown>;
}

/**
 * The operational events a batch of recorded attempts calls for:
 * - `herald.endpoint.disabled` when an attempt disabled its endpoint (410, or failing for HERALD_DISABLE_AFTER);
 * - `herald.endpoint.recovered` when a success ends a failure streak of at least a minute;
 * - `herald.delivery.failed_permanent` when a delivery used its last attempt.
 * Deliveries of operational events never cause more of them, so a failing subscriber cannot loop.
 */
export function operationalEventsFor(outcomes: AttemptOutcome[], health: HealthChanges): OperationalEvent[] {
  const urlOf = (endpointId: string) => outcomes.find((o) => o.attempt.endpointId === endpointId)?.attempt.endpointUrl ?? null;
  const at = (endpointId: string) => outcomes.find((o) => o.attempt.endpointId === endpointId)?.attempt.completedAt ?? Date.now();
  const events: OperationalEvent[] = [];
  for (const change of health.disabled) {
    events.push({
      workspaceId: change.workspaceId,
      type: 'herald.endpoint.disabled',
      payload: { type: 'herald.endpoint.disabled', endpoint_id: change.endpointId, url: urlOf(change.endpointId), reason: change.reason, disabled_at: toIso(at(change.endpointId)) },
    });
  }
  for (const change of health.recovered) {
    if (at(change.endpointId) - change.failingSince < RECOVERY_MIN_STREAK_MS) continue;
    events.push({
      workspaceId: change.workspaceId,
      type: 'herald.endpoint.recovered',
      payload: { type: 'herald.endpoint.recovered', endpoint_id: change.endpointId, url: urlOf(change.endpointId), failing_since: toIso(change.failingSince), recovered_at: toIso(at(change.endpointId)) },
    });
  }
  for (const { attempt, delivery } of outcomes) {
    if (delivery.status !== 'failed_permanent' || attempt.eventType.startsWith(OPERATIONAL_EVENT_PREFIX)) continue;
    events.push({
      workspaceId: attempt.workspaceId,
      type: 'herald.delivery.failed_permanent',
      payload: {
        type: 'herald.delivery.failed_permanent',
        delivery_id: attempt.deliveryId,
        event_id: attempt.eventId,
        event_type: attempt.eventType,
        endpoint_id: attempt.endpointId,
        endpoint_url: attempt.endpointUrl,
        attempts: attempt.attempt,
        last_error: attempt.error,
        failed_at: toIso(attempt.completedAt),
      },
    });
  }
  return events;
}

/** Publishes operational events like any event (fan-out, durability, the log); failures are logged, never thrown. */
export async function publishOperationalEvents(ctx: ServiceContext, logger: Logger, events: OperationalEvent[]): Promise<void> {
  for (const event of events) {
    try {
      await publishEvents(ctx, event.workspaceId, [{ type: event.type, payload: event.payload }], { requestBody: null, render: () => null });
    } catch (error) {
      logger.error({ err: coerceError(error), type: event.type }, 'publishing an operational event failed');
    }
  }
}
