import { Global, Inject, Logger, Module } from '@nestjs/common';
import type { DynamicModule, OnApplicationShutdown, Provider } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { CqrsModule, EventBus } from '@nestjs/cqrs';
import type { AccessTokenVerifier } from './auth/access-token-verifier';
import { authProviders } from './auth/auth.providers';
import { CommandRunner } from './cqrs/command-runner';
import { EventCommitted } from './cqrs/event-committed';
import { ProjectionRegistry } from './cqrs/projection';
import { EventStore } from './event-store/event-store';
import { Upcasters } from './event-store/upcasters';
import { PROJECTIONS_CONFIG, ProjectionRuntime } from './projections/projection-runtime';
import type { AppConfig } from './config/config';
import { Database } from './database/database';
import { HealthController } from './health/health.controller';
import { ReadinessChecks } from './health/readiness';
import { IdempotencyInterceptor } from './http/idempotency.interceptor';
import { ProblemDetailsFilter } from './http/problem.filter';
import { Jobs } from './jobs/jobs';
import { idempotencyFence } from './idempotency/idempotency-fence';
import { IdempotencyStore } from './idempotency/idempotency.store';
import { Metrics } from './metrics/metrics';
import { MetricsController } from './metrics/metrics.controller';
import { MonitoringController } from './monitoring/monitoring.controller';
import { APP_CONFIG } from './platform.tokens';
import { KeyRing, resolveKeyRing } from './privacy/key-ring';
import { PersonalData } from './privacy/personal-data';
import { PersonalDataRegistry } from './privacy/personal-data.registry';

export { APP_CONFIG };

export type PlatformOptions = {
  config: AppConfig;
  database: Database;
  ownsDatabase?: boolean;
  /** Normally made from config.auth; bench:auth passes its baseline here. */
  tokenVerifier?: AccessTokenVerifier;
};

class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject('MAPLE_OWNS_DB') private readonly owns: boolean,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.owns) await this.db.close();
  }
}

// Idempotency-Key records. The interceptor is listed before every other global interceptor, so
// it runs first (outermost): a replay sends the stored bytes untouched by field filtering.
function idempotencyProviders(config: AppConfig, database: Database): Provider[] {
  return [
    {
      provide: IdempotencyStore,
      useFactory: (projections: ProjectionRegistry) => {
        const store = new IdempotencyStore(database, config.idempotency.ttlSec);
        projections.registerInvariant(idempotencyFence(store));
        return store;
      },
      inject: [ProjectionRegistry],
    },
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
  ];
}

@Global()
@Module({})
export class PlatformModule {
  static forRoot(opts: PlatformOptions): DynamicModule {
    const { config, database } = opts;
    return {
      module: PlatformModule,
      global: true,
      imports: [CqrsModule.forRoot()],
      controllers: [HealthController, MetricsController, MonitoringController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: Database, useValue: database },
        { provide: 'MAPLE_OWNS_DB', useValue: opts.ownsDatabase ?? true },
        { provide: Metrics, useFactory: () => new Metrics(database) },
        { provide: Jobs, useFactory: (metrics: Metrics) => new Jobs(database, metrics, config), inject: [Metrics] },
        ReadinessChecks,
        { provide: Upcasters, useValue: new Upcasters() },
        { provide: EventStore, useFactory: (u: Upcasters) => new EventStore(u), inject: [Upcasters] },
        ProjectionRegistry,
        { provide: PROJECTIONS_CONFIG, useValue: config.projections },
        ProjectionRuntime,
        // Personal data: the KEKs, what contexts declare, and the sealer every append goes through.
        { provide: KeyRing, useFactory: () => resolveKeyRing(config, (m) => new Logger('Privacy').warn(m)) },
        PersonalDataRegistry,
        { provide: PersonalData, useFactory: (r: PersonalDataRegistry, ring: KeyRing) => new PersonalData(r, ring), inject: [PersonalDataRegistry, KeyRing] },
        {
          provide: CommandRunner,
          useFactory: (store: EventStore, projections: ProjectionRegistry, bus: EventBus, personal: PersonalData) =>
            new CommandRunner(database, store, projections, { publishAll: (events) => bus.publishAll(events.map((e) => new EventCommitted(e))) }, undefined, undefined, personal.sealer),
          inject: [EventStore, ProjectionRegistry, EventBus, PersonalData],
        },
        DatabaseLifecycle,
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        ...idempotencyProviders(config, database),
        ...authProviders(config, opts.tokenVerifier),
      ],
      exports: [APP_CONFIG, Database, Metrics, Jobs, ReadinessChecks, Upcasters, EventStore, ProjectionRegistry, CommandRunner, ProjectionRuntime, CqrsModule, IdempotencyStore, KeyRing, PersonalDataRegistry, PersonalData],
    };
  }
}
