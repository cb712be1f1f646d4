/** Analytics: Segment-compatible ingestion, exact de-duplication, daily partitions, hourly rollups, queries on a read replica. */
export { AnalyticsModule } from './analytics.module';
export { AnalyticsIngestion } from './application/ingestion';
export type { IngestResult, Quarantined } from './application/ingestion';
export { AnalyticsSettings } from './application/analytics-settings';
export {
  AnalyticsStorage,
  DEDUP_DAYS,
  MIN_FUTURE_PARTITIONS,
  PARTITIONS_AHEAD,
} from './application/analytics-storage';
export type { BatchVerification } from './application/analytics-storage';
export { AnalyticsExports, EXPORT_MAX_ROWS } from './application/analytics-exports';
export type { ExportStatus } from './application/analytics-exports';
export { AnalyticsReads } from './queries/analytics-reads';
export type { CountBucket, CountsView } from './queries/analytics-reads';
export { AnalyticsReadDb } from './queries/read-database';
export type { Fresh } from './queries/read-database';
export { AnalyticsError } from './domain/analytics.errors';
export type { AnalyticsErrorCode } from './domain/analytics.errors';
export type {
  AnalyticsBatchSealed,
  AnalyticsSettingsChanged,
  AnalyticsEvent,
} from './domain/analytics.events';
export { ANALYTICS_EVENT_TYPES } from './domain/analytics.events';
export {
  readEvent,
  placement,
  batchDigest,
  canonicalJson,
  MAX_BATCH_BYTES,
  MAX_EVENT_BYTES,
} from './domain/event-intake';
export type { IntakeEvent, Rejection } from './domain/event-intake';
export { settingsDecider, DEFAULT_SETTINGS } from './domain/settings.decider';
export type { SettingsCommand, SettingsState } from './domain/settings.decider';
export { analyticsProjection, batchesStreamId, settingsStreamId } from './projections/analytics.projection';
export { systemEventsProjection } from './projections/system-events.projection';
