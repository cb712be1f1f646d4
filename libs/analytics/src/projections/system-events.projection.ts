import type { Projection, StoredEvent, Tx } from '@maple/platform';
import type { IntakeEvent } from '../domain/event-intake';
import { ANALYTICS_EVENT_TYPES } from '../domain/analytics.events';
import { insertEventRows } from '../application/event-rows';

/**
 * Domain events feed analytics as `system_event` rows (a record approved, a user registered...),
 * asynchronously, from the event store. Only the event's type and stream go in, never its data
 * (which may hold sealed personal values). The row id is the event id, so a replay after a crash
 * stores and counts nothing twice. It declares no tables: AnalyticsEvent is telemetry, which a
 * rebuild must never swap away.
 */
export const systemEventsProjection: Projection = {
  name: 'analytics.system-events',
  handles: '*',
  tables: [],
  async apply(tx: Tx, stored: StoredEvent): Promise<void> {
    await this.applyBatch?.(tx, [stored]);
  },
  async applyBatch(tx: Tx, events: readonly StoredEvent[]): Promise<void> {
    const byCompany = new Map<string, IntakeEvent[]>();
    for (const e of events) {
      if (!e.companyId || (ANALYTICS_EVENT_TYPES as readonly string[]).includes(e.type)) continue;
      const row: IntakeEvent = {
        id: e.eventId,
        messageId: `event:${e.eventId}`,
        eventType: 'system_event',
        userId: e.metadata.actorId,
        timestamp: e.recordedAt,
        sentAt: null,
        receivedAt: e.recordedAt,
        eventData: { type: e.type, streamType: e.streamType, streamId: e.streamId },
      };
      byCompany.set(e.companyId, [...(byCompany.get(e.companyId) ?? []), row]);
    }
    for (const [companyId, rows] of byCompany) await insertEventRows(tx, companyId, null, rows);
  },
};
