import { Registry, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../database/database';
import { registerStorageMetrics } from '../monitoring/storage-metrics';

/** One Prometheus registry per process (tests create several apps, so not the global one). */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor(database: Database) {
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    const pool = (name: string, help: string, pick: (s: ReturnType<Database['poolStats']>) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(pick(database.poolStats()));
        },
      });
    pool('db_pool_connections_total', 'Open database connections', (s) => s.total);
    pool('db_pool_connections_idle', 'Idle database connections', (s) => s.idle);
    pool('db_pool_waiting_requests', 'Queries waiting for a connection', (s) => s.waiting);
    pool('db_pool_connections_max', 'Configured pool size', (s) => s.max);
    registerStorageMetrics(this.registry, database);
  }
}
