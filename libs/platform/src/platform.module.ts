import { Global, Inject, Logger, Module } from '@nestjs/common';
import type { DynamicModule, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule, EventBus } from '@nestjs/cqrs';
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
import { ProblemDetailsFilter } from './http/problem.filter';
import { Metrics } from './metrics/metrics';
import { MetricsController } from './metrics/metrics.controller';
import { KeyRing, resolveKeyRing } from './privacy/key-ring';
import { PersonalData } from './privacy/personal-data';
import { PersonalDataRegistry } from './privacy/personal-data.registry';

export const APP_CONFIG = Symbol('APP_CONFIG');

export type PlatformOptions = { config: AppConfig; database: Database; ownsDatabase?: boolean };

class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject('MAPLE_OWNS_DB') private readonly owns: boolean,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.owns) await this.db.close();
  }
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
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: Database, useValue: database },
        { provide: 'MAPLE_OWNS_DB', useValue: opts.ownsDatabase ?? true },
        { provide: Metrics, useFactory: () => new Metrics(database) },
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
        ...authProviders(config),
      ],
      exports: [APP_CONFIG, Database, Metrics, ReadinessChecks, Upcasters, EventStore, ProjectionRegistry, CommandRunner, ProjectionRuntime, CqrsModule, KeyRing, PersonalDataRegistry, PersonalData],
    };
  }
}
