import type { Projection, StoredEvent, Tx } from '@maple/platform';
import type { IntakeEvent } from '../domain/event-intake';
import { ANALYTICS_EVENT_TYPES } from '../domain/analytics.events';
import { insertEventRows } from '../application/event-rows';

/**
 * Domain events feed analytics as `system_event` rows (and sealed AI prediction batches as
 * `ai_prediction` rows, below) (a record approved, a user registered...),
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
    for (const e of events) {
      if (!e.companyId || e.type !== 'AiPredictionsSealed') continue;
      const rows = await predictionRows(tx, e.companyId, e);
      if (rows.length) byCompany.set(e.companyId, [...(byCompany.get(e.companyId) ?? []), ...rows]);
    }
    for (const [companyId, rows] of byCompany) await insertEventRows(tx, companyId, null, rows);
  },
};

/**
 * The AI prediction log feeds analytics as `ai_prediction` rows when its batches are sealed into
 * the chain (AiPredictionsSealed names them): one row per prediction, its id the prediction's, so
 * a replay stores nothing twice. The model, version, purpose, output and latency go in, never the
 * input (which may hold sealed personal data).
 */
async function predictionRows(tx: Tx, companyId: string, sealed: StoredEvent): Promise<IntakeEvent[]> {
  const batches = ((sealed.data as { batches?: { batchId?: unknown }[] }).batches ?? []).map((b) => b.batchId).filter((b): b is string => typeof b === 'string');
  if (!batches.length) return [];
  const rows = await tx.query<{ prediction_id: string; model_id: string; version_id: string; caller: string; purpose: string; output: unknown; latency_ms: number; recorded_at: Date }>(
    `SELECT prediction_id, model_id, version_id, caller, purpose, output, latency_ms, recorded_at FROM ai_predictions WHERE company_id = $1 AND batch_id = ANY($2::text[]) ORDER BY batch_id, batch_index`,
    companyId,
    batches,
  );
  return rows.map((r) => ({
    id: `ai-prediction:${r.prediction_id}`,
    messageId: `ai-prediction:${r.prediction_id}`,
    eventType: 'ai_prediction',
    userId: r.caller,
    timestamp: new Date(r.recorded_at),
    sentAt: null,
    receivedAt: new Date(r.recorded_at),
    eventData: { modelId: r.model_id, versionId: r.version_id, purpose: r.purpose, output: r.output, latencyMs: r.latency_ms },
  }));
}
