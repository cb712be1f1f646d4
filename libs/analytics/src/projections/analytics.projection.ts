import type { Projection, StoredEvent, Tx } from '@maple/platform';
import type { AnalyticsEvent } from '../domain/analytics.events';
import { ANALYTICS_EVENT_TYPES } from '../domain/analytics.events';

/** A company's batch seals, appended without a read (seals never conflict), and its settings: two streams. */
export const batchesStreamId = (companyId: string) => `analytics-batches-${companyId}`;
export const settingsStreamId = (companyId: string) => `analytics-settings-${companyId}`;

/** analytics_batches (each sealed batch: what verification recomputes) and analytics_settings, inline. */
export const analyticsProjection: Projection & { tables: readonly string[] } = {
  name: 'analytics.batches',
  handles: ANALYTICS_EVENT_TYPES,
  tables: ['analytics_batches', 'analytics_settings'],
  async apply(tx: Tx, stored: StoredEvent): Promise<void> {
    const e = { type: stored.type, data: stored.data } as AnalyticsEvent;
    switch (e.type) {
      case 'AnalyticsBatchSealed':
        await tx.execute(
          `INSERT INTO "analytics_batches" ("company_id", "batch_id", "events", "quarantined", "digest", "first_at", "last_at", "event_id", "sealed_at")
           VALUES ($1, $2, $3, $4, $5, $6::timestamptz AT TIME ZONE 'UTC', $7::timestamptz AT TIME ZONE 'UTC', $8, $9) ON CONFLICT ("company_id", "batch_id") DO NOTHING`,
          stored.companyId,
          e.data.batchId,
          e.data.events,
          e.data.quarantined,
          e.data.digest,
          e.data.firstAt,
          e.data.lastAt,
          stored.eventId,
          stored.recordedAt,
        );
        return;
      case 'AnalyticsSettingsChanged':
        await tx.execute(
          `INSERT INTO "analytics_settings" ("company_id", "time_zone", "retention_days", "set_by", "set_at") VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT ("company_id") DO UPDATE SET "time_zone" = excluded."time_zone", "retention_days" = excluded."retention_days", "set_by" = excluded."set_by", "set_at" = excluded."set_at"`,
          stored.companyId,
          e.data.timeZone,
          e.data.retentionDays,
          e.data.by,
          stored.recordedAt,
        );
        return;
      default: {
        const unknown: never = e;
        return unknown;
      }
    }
  },
};
