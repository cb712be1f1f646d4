import { Inject, Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { Gauge, Counter } from 'prom-client';
import type { AppConfig } from '../config/config';
import { Database } from '../database/database';
import { ProjectionRegistry } from '../cqrs/projection';
import { EventStore } from '../event-store/event-store';
import { ReadinessChecks } from '../health/readiness';
import { Metrics } from '../metrics/metrics';
import { describeHolder, horizonHolders } from './event-horizon';
import { ProjectionDaemon } from './projection-daemon';

export const PROJECTIONS_CONFIG = Symbol('PROJECTIONS_CONFIG');

/**
 * Hosts the projection daemon in this process when configured to (the worker always; the
 * API when it runs on the embedded database), with its metrics and readiness check. Every
 * process also reports, as a readiness warning, a transaction that holds back the catch-up
 * horizon of the cluster's event-store readers for longer than the stall time.
 */
@Injectable()
export class ProjectionRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly daemon: ProjectionDaemon;
  private readonly log = new Logger('Projections');

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(EventStore) store: EventStore,
    @Inject(ProjectionRegistry) private readonly registry: ProjectionRegistry,
    @Inject(ReadinessChecks) private readonly readiness: ReadinessChecks,
    @Inject(Metrics) metrics: Metrics,
    @Inject(PROJECTIONS_CONFIG) private readonly config: AppConfig['projections'],
  ) {
    const position = new Gauge({ name: 'projection_position', help: 'Last global position applied', labelNames: ['projection'], registers: [metrics.registry] });
    const lag = new Gauge({ name: 'projection_lag_events', help: 'Committed events not applied yet, in reading order', labelNames: ['projection'], registers: [metrics.registry] });
    const errors = new Counter({
      name: 'projection_errors_total',
      help: "Failed projection batches: kind 'retrying' (transient, retried with backoff) or 'stopped' (an event's own error)",
      labelNames: ['projection', 'kind'],
      registers: [metrics.registry],
    });
    this.daemon = new ProjectionDaemon(db, store, () => registry.async(), { batchSize: config.batchSize, idleMs: 200, stallAfterMs: config.stallAfterMs }, {
      onBatch: (name, pos, l) => {
        position.set({ projection: name }, Number(pos));
        lag.set({ projection: name }, l);
      },
      onError: (name, error, kind) => {
        errors.inc({ projection: name, kind });
        if (kind === 'stopped') this.log.error(error);
        else this.log.warn(`${name}: ${error}`);
      },
    });
  }

  onApplicationBootstrap(): void {
    this.readiness.register('eventHorizon', () => this.horizon(), { critical: false });
    if (!this.config.inProcess || this.registry.async().length === 0) return;
    this.readiness.register('projections', () => this.daemon.health());
    this.daemon.start();
    this.log.log(`running ${this.registry.async().length} async projection(s) in this process`);
  }

  private async horizon(): Promise<string> {
    const [holder, ...more] = await horizonHolders(this.db, this.config.stallAfterMs);
    if (!holder) return 'ok';
    return `the catch-up horizon of every event-store reader is held back by ${describeHolder(holder)}${more.length ? ` and ${more.length} more` : ''}`;
  }

  // Before the database closes (that is onApplicationShutdown): finish the batch in flight.
  async beforeApplicationShutdown(): Promise<void> {
    await this.daemon.stop();
  }
}
