import { Inject, Logger, Module } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Counter } from 'prom-client';
import { APP_CONFIG, Metrics, ProjectionRegistry, ReadinessChecks } from '@maple/platform';
import type { AppConfig } from '@maple/platform';
import { NatsRelay } from './nats-relay';

/**
 * The event relay to NATS JetStream, on when NATS_URL is set. It is an async projection of the
 * platform's daemon, so it runs where the daemon runs (the worker on PostgreSQL; the API process
 * itself on the embedded database, the only process that can read it), one leader at a time,
 * with the daemon's checkpoint, lag metric (projection_lag_events{projection="nats-relay"}) and
 * readiness; this module adds its own counters and a readiness warning with the NATS error.
 */
@Module({})
export class RelayModule implements OnModuleInit, OnApplicationShutdown {
  private relay?: NatsRelay;
  private readonly log = new Logger('NatsRelay');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ProjectionRegistry) private readonly projections: ProjectionRegistry,
    @Inject(ReadinessChecks) private readonly readiness: ReadinessChecks,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    if (!this.config.natsUrl) return;
    const published = new Counter({ name: 'nats_relay_published_total', help: "Events acknowledged by JetStream: result 'stored' or 'duplicate' (a re-send JetStream de-duplicated)", labelNames: ['result'], registers: [this.metrics.registry] });
    const errors = new Counter({ name: 'nats_relay_errors_total', help: 'Failed NATS connections or publishes (the batch is retried from the checkpoint)', registers: [this.metrics.registry] });
    this.relay = new NatsRelay(
      { url: this.config.natsUrl, stream: this.config.relay.stream, subjectPrefix: this.config.relay.subjectPrefix, duplicateWindowMs: 2 * 60 * 60 * 1000, timeoutMs: 5000 },
      {
        onPublished: (_e, duplicate) => published.inc({ result: duplicate ? 'duplicate' : 'stored' }),
        onError: (message) => {
          errors.inc();
          this.log.warn(message);
        },
      },
    );
    this.projections.registerAsync(this.relay.projection());
    // Connected before the daemon's first batch, which would otherwise fail once while it connects.
    if (this.config.projections.inProcess) void this.relay.connect().catch(() => undefined);
    // Not critical: a NATS outage must not take the API out of its load balancer; the daemon's
    // own 'projections' check fails readiness once the relay has been stalled for the stall time.
    if (this.config.projections.inProcess) this.readiness.register('natsRelay', () => this.relay!.health(), { critical: false });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.close();
  }
}
