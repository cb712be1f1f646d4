import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NestFactory } from '@nestjs/core';
import { JsonLogger, Metrics, createRootLogger } from '@maple/platform';
import { AppModule } from '../../apps/api/app.module';
import { openTestDatabase, repoRoot } from '../support/databases';
import type { TestDatabase } from '../support/databases';
import { startTestApi } from '../support/api';

// The dashboard in ops/grafana must only query metrics that Maple's processes export: a renamed
// metric would otherwise leave an empty panel that nobody notices until an incident.

type Panel = { title?: string; targets?: { expr: string }[]; panels?: Panel[] };
const dashboard = JSON.parse(readFileSync(path.join(repoRoot, 'ops', 'grafana', 'maple.json'), 'utf8')) as { panels: Panel[] };
const panelsOf = (ps: Panel[]): Panel[] => ps.flatMap((p) => [p, ...panelsOf(p.panels ?? [])]);
const expressions = panelsOf(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title ?? '', expr: t.expr })));

const PROMQL_WORDS = new Set(
  'sum min max avg count stddev stdvar topk bottomk quantile count_values group by without on ignoring group_left group_right offset bool and or unless rate irate increase delta idelta deriv histogram_quantile label_replace label_join abs ceil floor round clamp clamp_min clamp_max predict_linear time vector scalar sort sort_desc absent absent_over_time avg_over_time max_over_time min_over_time sum_over_time count_over_time last_over_time changes resets le inf nan'.split(' '),
);

/** The metric names a PromQL expression reads (label matchers, ranges, grouping and functions removed). */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  return [...new Set((bare.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []).filter((w) => !PROMQL_WORDS.has(w)))];
}

/** name -> type, from the `# TYPE` lines of a Prometheus text exposition. */
function exported(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
}

describe('the Grafana dashboard ops/grafana/maple.json', () => {
  let t: TestDatabase;
  let names: Map<string, string>;

  beforeAll(async () => {
    t = await openTestDatabase('embedded');
    const api = await startTestApi(t);
    const fromApi = exported((await api.inject({ method: 'GET', url: '/metrics' })).body);
    await api.close();
    // The worker is a Nest application context over the same modules (apps/worker/main.ts)
    // that serves its registry on WORKER_METRICS_PORT.
    const worker = await NestFactory.createApplicationContext(AppModule.register({ config: t.config, database: t.db, ownsDatabase: false }), { logger: new JsonLogger(createRootLogger('silent')) });
    await worker.init();
    const fromWorker = exported(await worker.get(Metrics).registry.metrics());
    await worker.close();
    names = new Map([...fromWorker, ...fromApi]);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('has panels with queries (the scan is not empty)', () => {
    expect(expressions.length).toBeGreaterThanOrEqual(10);
    expect(metricNames('histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{job=~"$job"}[5m])))')).toEqual(['http_request_duration_seconds_bucket']);
  });

  it('queries only metrics that the API or the worker exports', () => {
    const unknown = expressions.flatMap(({ panel, expr }) =>
      metricNames(expr)
        .filter((m) => {
          const histogram = /^(.*)_(bucket|sum|count)$/.exec(m);
          if (histogram && ['histogram', 'summary'].includes(names.get(histogram[1]) ?? '')) return false;
          return !names.has(m);
        })
        .map((m) => `${panel}: ${m}`),
    );
    expect(unknown).toEqual([]);
  });

  it('covers pool health, storage growth, projection lag and job failures', () => {
    const used = new Set(expressions.flatMap(({ expr }) => metricNames(expr)));
    for (const m of ['db_pool_connections_total', 'db_pool_waiting_requests', 'db_table_size_bytes', 'projection_lag_events', 'job_runs_total', 'job_queue_depth', 'job_duration_seconds_bucket']) expect(used).toContain(m);
  });
});
