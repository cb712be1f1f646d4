import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { BootstrapAdmin } from '@maple/identity';
import { Database, createRootLogger, loadConfig } from '@maple/platform';
import { createApi } from '../../apps/api/bootstrap';

// `npm run bench:analytics`: ingestion and rollup queries on the local PostgreSQL, in a scratch
// database, over HTTP. Prints one JSON object. Targets (issue 16): >= 10,000 events/s through
// POST /analytics/batch (batches of 500), p99 acknowledgement of a batch <= 100 ms, against a
// raw multi-row INSERT of the same rows (in alternating rounds); with BENCH_ANALYTICS_EVENTS
// (10,000,000 by default) loaded, 30 daily buckets for one company from the rollups at p99
// <= 200 ms, and the same query from the raw events.
const BASE =
  process.env.BENCH_DATABASE_URL ??
  process.env.DATABASE_URL ??
  'postgresql://postgres@127.0.0.1:5432/postgres';
const EVENTS = Number(process.env.BENCH_ANALYTICS_EVENTS ?? 10_000_000);
const ROUNDS = Number(process.env.BENCH_ANALYTICS_ROUNDS ?? 6);
const BATCHES_PER_ROUND = Number(process.env.BENCH_ANALYTICS_BATCHES ?? 40);
const CONCURRENCY = Number(process.env.BENCH_ANALYTICS_CONCURRENCY ?? 4);
const QUERIES = Number(process.env.BENCH_ANALYTICS_QUERIES ?? 100);
const RAW_QUERIES = Number(process.env.BENCH_ANALYTICS_RAW_QUERIES ?? 5);
const BATCH = 500;
const USERS = 500;
const PASSWORD = 'amber-harbour-quartz-19';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : 0;
};
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

let seq = 0;
// A realistic track call (about 250 bytes): a name, a user, a plan property and a timestamp.
const event = (now: number) => {
  const i = seq++;
  return {
    type: 'track',
    event: ['Page Viewed', 'Signed Up', 'Order Completed'][i % 3],
    userId: `u-${i % USERS}`,
    messageId: `m-${i}`,
    timestamp: new Date(now - (i % 3600) * 1000).toISOString(),
    properties: { plan: i % 2 ? 'pro' : 'free', total: i % 100 },
  };
};

async function pool<T>(n: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

async function main(): Promise<void> {
  const name = `maple_bench_analytics_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const u = new URL(BASE);
  u.pathname = `/${name}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: u.toString(),
    DB_POOL_SIZE: '20',
    RATE_LIMIT_PER_MINUTE: '0',
    ANALYTICS_QUERY_TIMEOUT_MS: '600000',
    ANALYTICS_LATE_WINDOW_DAYS: '31',
  });
  const db = await Database.open({ config, migrate: true });
  const app = await createApi({
    config,
    database: db,
    ownsDatabase: true,
    logger: createRootLogger('silent'),
  });
  const owner = new Client({ connectionString: u.toString() });
  await owner.connect();
  const out: Record<string, unknown> = {
    cpus: os.cpus().length,
    batchSize: BATCH,
    concurrency: CONCURRENCY,
    rounds: ROUNDS,
  };
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = await app.getUrl();
    const send = async (path: string, body: unknown, token?: string, method = 'POST') => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<Record<string, unknown>>;
    };
    await app.get(BootstrapAdmin).createPlatformAdmin('root@bench.test', PASSWORD, null);
    const root = (await send('/auth/login', { email: 'root@bench.test', password: PASSWORD }))
      .accessToken as string;
    const company = async (label: string) => {
      const { id } = (await send('/companies', { name: `Bench ${label}` }, root)) as { id: string };
      await send(`/companies/${id}/admins`, { email: `admin.${label}@bench.test`, password: PASSWORD }, root);
      // A plan whose per-minute budget does not cap the benchmark.
      await send(
        `/billing/companies/${id}/subscription`,
        {
          tier: 'ENTERPRISE',
          billingCycle: 'monthly',
          price: '999.00',
          features: { apiRequestsPerMinute: 1_000_000_000 },
        },
        root,
      );
      const token = (await send('/auth/login', { email: `admin.${label}@bench.test`, password: PASSWORD }))
        .accessToken as string;
      return { id, token };
    };
    const ingest = await company('ingest');
    const loaded = await company('loaded');

    // Ingestion: HTTP batches of 500 against a raw multi-row INSERT of the same rows, in
    // alternating rounds (the machine is shared; each round pairs the two under the same load).
    const http = { events: 0, ms: 0, acks: [] as number[] };
    const raw = { events: 0, ms: 0 };
    const rawInsert = async (batch: ReturnType<typeof event>[]) => {
      const values: unknown[] = [];
      const rows = batch.map((e, k) => {
        values.push(
          randomUUID(),
          JSON.stringify({ type: 'track', event: e.event, properties: e.properties }),
          e.userId,
          ingest.id,
          e.timestamp,
          `raw-${e.messageId}`,
        );
        const b = k * 6;
        return `($${b + 1}, 'user_action', $${b + 2}::jsonb, $${b + 3}, $${b + 4}, ($${b + 5}::timestamptz AT TIME ZONE 'UTC'), now(), $${b + 6})`;
      });
      await owner.query(
        `INSERT INTO "AnalyticsEvent" ("id", "eventType", "eventData", "userId", "companyId", "timestamp", "receivedAt", "messageId") VALUES ${rows.join(', ')}`,
        values,
      );
    };
    const httpRound = async () => {
      const now = Date.now();
      const batches = Array.from({ length: BATCHES_PER_ROUND }, () =>
        Array.from({ length: BATCH }, () => event(now)),
      );
      const t0 = performance.now();
      await pool(batches.length, CONCURRENCY, async (i) => {
        const s = performance.now();
        const r = await send(
          '/analytics/batch',
          { batch: batches[i], sentAt: new Date().toISOString() },
          ingest.token,
        );
        if (r.stored !== BATCH) throw new Error(`batch stored ${String(r.stored)}`);
        http.acks.push(performance.now() - s);
      });
      http.ms += performance.now() - t0;
      http.events += BATCHES_PER_ROUND * BATCH;
    };
    const rawRound = async () => {
      const now = Date.now();
      const batches = Array.from({ length: BATCHES_PER_ROUND }, () =>
        Array.from({ length: BATCH }, () => event(now)),
      );
      const t0 = performance.now();
      // One connection, as a loader would: the baseline is the database's own insert speed.
      for (const b of batches) await rawInsert(b);
      raw.ms += performance.now() - t0;
      raw.events += BATCHES_PER_ROUND * BATCH;
    };
    await httpRound(); // warm-up
    http.events = 0;
    http.ms = 0;
    http.acks.length = 0;
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 2) {
        await rawRound();
        await httpRound();
      } else {
        await httpRound();
        await rawRound();
      }
    }
    out.ingestEventsPerSec = Math.round(http.events / (http.ms / 1000));
    out.batchAckUnderLoadP50Ms = round(pct(http.acks, 50));
    out.batchAckUnderLoadP99Ms = round(pct(http.acks, 99));
    // Acknowledgement time of one client sending batch after batch (no queueing behind others).
    const acks: number[] = [];
    for (let i = 0; i < BATCHES_PER_ROUND * 2; i++) {
      const now = Date.now();
      const b = Array.from({ length: BATCH }, () => event(now));
      const s = performance.now();
      await send('/analytics/batch', { batch: b }, ingest.token);
      acks.push(performance.now() - s);
    }
    out.batchAckP50Ms = round(pct(acks, 50));
    out.batchAckP99Ms = round(pct(acks, 99));
    out.rawInsertEventsPerSec = Math.round(raw.events / (raw.ms / 1000));
    out.ingestToRawRatio = round(http.events / http.ms / (raw.events / raw.ms), 2);
    out.batchesMeasured = http.acks.length;

    // The rollup query: 30 days of one company, loaded in bulk (generate_series), rollups recounted.
    const t0 = performance.now();
    await owner.query(`SELECT "analytics_ensure_partitions"(32, 14)`);
    await owner.query(
      `INSERT INTO "AnalyticsEvent" ("id", "eventType", "eventData", "userId", "companyId", "timestamp", "receivedAt", "messageId")
       SELECT 'l' || g, (ARRAY['user_action', 'user_action', 'system_event'])[1 + g % 3],
              jsonb_build_object('type', 'track', 'event', (ARRAY['Page Viewed', 'Signed Up', 'Order Completed'])[1 + g % 3], 'properties', jsonb_build_object('plan', CASE WHEN g % 2 = 0 THEN 'free' ELSE 'pro' END)),
              'u-' || (g % ${USERS}), $1, date_trunc('day', now() AT TIME ZONE 'UTC') - interval '30 days' + (g * (30 * 86400.0 / $2)) * interval '1 second', now(), 'l' || g
         FROM generate_series(0, $2::int - 1) AS g`,
      [loaded.id, EVENTS],
    );
    out.preloadSeconds = round((performance.now() - t0) / 1000);
    const t1 = performance.now();
    await owner.query(
      `SELECT "analytics_rollup_recount"($1, now() - interval '40 days', now() + interval '1 day')`,
      [loaded.id],
    );
    await owner.query(
      `ANALYZE "AnalyticsEvent"; ANALYZE "analytics_rollup_hourly"; ANALYZE "analytics_rollup_users"`,
    );
    out.rollupRecountSeconds = round((performance.now() - t1) / 1000);
    out.eventsLoaded = EVENTS;

    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
    const query = async (source: string) => {
      const s = performance.now();
      const r = await send(
        `/analytics/counts?from=${from}&to=${today}&interval=day&source=${source}`,
        undefined,
        loaded.token,
        'GET',
      );
      const ms = performance.now() - s;
      const buckets = r.buckets as { bucket: string; events: number }[];
      return {
        ms,
        days: new Set(buckets.map((b) => b.bucket)).size,
        events: buckets.reduce((n, b) => n + b.events, 0),
      };
    };
    await query('rollups'); // warm-up
    const rollupMs: number[] = [];
    const rawMs: number[] = [];
    let check: { rollups: number; raw: number; days: number } = { rollups: 0, raw: 0, days: 0 };
    // Alternating: one raw query per QUERIES / RAW_QUERIES rollup queries.
    for (let i = 0; i < QUERIES; i++) {
      const r = await query('rollups');
      rollupMs.push(r.ms);
      check = { ...check, rollups: r.events, days: r.days };
      if (i % Math.ceil(QUERIES / RAW_QUERIES) === 0) {
        const x = await query('raw');
        rawMs.push(x.ms);
        check.raw = x.events;
      }
    }
    out.rollupQueryP50Ms = round(pct(rollupMs, 50));
    out.rollupQueryP99Ms = round(pct(rollupMs, 99));
    out.rawQueryP50Ms = round(pct(rawMs, 50));
    out.rawQueryP99Ms = round(pct(rawMs, 99));
    out.rollupQueries = rollupMs.length;
    out.rawQueries = rawMs.length;
    out.dailyBuckets = check.days;
    // The two answers must agree, or the figures mean nothing.
    out.rollupsEqualRaw = check.rollups === check.raw;
    out.eventsCounted = check.rollups;
  } finally {
    await owner.end();
    await app.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
