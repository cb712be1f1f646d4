import { Inject, Module } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { ProjectionRegistry, ReadinessChecks } from '@maple/platform';
import { BillingModule } from '@maple/billing';
import { AnalyticsExports } from './application/analytics-exports';
import { AnalyticsSettings } from './application/analytics-settings';
import { AnalyticsStorage } from './application/analytics-storage';
import { AnalyticsIngestion } from './application/ingestion';
import { IngestController } from './http/ingest.controller';
import { ManageController } from './http/manage.controller';
import { QueriesController } from './http/queries.controller';
import { analyticsProjection } from './projections/analytics.projection';
import { systemEventsProjection } from './projections/system-events.projection';
import { AnalyticsReads } from './queries/analytics-reads';
import { AnalyticsReadDb } from './queries/read-database';

/** Analytics: Segment-compatible ingestion into daily partitions, hourly rollups, and queries that may run on a read replica. */
@Module({
  imports: [BillingModule],
  controllers: [IngestController, QueriesController, ManageController],
  providers: [
    AnalyticsIngestion,
    AnalyticsSettings,
    AnalyticsStorage,
    AnalyticsExports,
    AnalyticsReads,
    AnalyticsReadDb,
  ],
  exports: [
    AnalyticsIngestion,
    AnalyticsSettings,
    AnalyticsStorage,
    AnalyticsExports,
    AnalyticsReads,
    AnalyticsReadDb,
  ],
})
export class AnalyticsModule implements OnModuleInit {
  constructor(
    @Inject(ProjectionRegistry) private readonly projections: ProjectionRegistry,
    @Inject(ReadinessChecks) private readonly readiness: ReadinessChecks,
    @Inject(AnalyticsStorage) private readonly storage: AnalyticsStorage,
  ) {}

  onModuleInit(): void {
    this.projections.registerInline(analyticsProjection);
    this.projections.registerAsync(systemEventsProjection);
    // A warning, not a failure: ingestion still works (the default partition), but days are running out.
    this.readiness.register('analytics.partitions', () => this.storage.health(), { critical: false });
  }
}
