import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Client } from 'pg';
import { AuditActions, auditLogProjection } from '@maple/audit';
import { complianceRecordProjection } from '@maple/compliance';
import { Database, EventStore, ProjectionRegistry, loadConfig, planRebuild, rebuildProjections } from '@maple/platform';
import type { NewEvent, RebuildPlan } from '@maple/platform';

// `npm run bench:rebuild`: rebuilds two real read models on the local PostgreSQL in a scratch
// database and prints one JSON object. Not a test: the figures go into the README.
//   replay:        events per second replayed into fresh tables, nobody writing;
//   duringRebuild: commands that append and write AuditLog and ComplianceRecord inline, by 8
//                  writers, in alternating rounds with and without a rebuild of the audit log
//                  running; the ratio of their throughput, their latency, and how long the swap
//                  held them.
const BASE = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const EVENTS = Number(process.env.BENCH_REBUILD_EVENTS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WRITERS = 8;
const COMPANIES = 50;

const registry = new ProjectionRegistry();
registry.registerInline(auditLogProjection(new AuditActions()));
registry.registerInline(complianceRecordProjection);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 10) / 10 : 0;
};

const created = (companyId: string, recordId: string, i: number): NewEvent => ({
  eventId: randomUUID(),
  type: 'ComplianceRecordCreated',
  data: recordData(companyId, recordId, i),
  metadata: { actorId: 'bench-writer', companyId, correlationId: randomUUID(), causationId: null, ip: '127.0.0.1', userAgent: 'bench' },
});

function recordData(companyId: string, recordId: string, i: number) {
  return {
    recordId,
    companyId,
    type: 'AML',
    data: { counterparty: 'Globex GmbH', amount: `${1000 + (i % 5000)}.00`, currency: 'EUR', country: 'DE', channel: 'wire' },
    metadata: null,
    correctsRecordId: null,
    risk: { score: 5, model: 'rules-1', factors: [] },
    screening: null,
    createdBy: 'bench-writer',
  };
}

// Bulk history: records created, half of them approved, spread over the companies.
async function load(raw: Client): Promise<void> {
  await raw.query(`INSERT INTO "Company" (id, name, "updatedAt") SELECT 'bench-co-' || g, 'Bench ' || g, now() FROM generate_series(0, ${COMPANIES - 1}) g`);
  const chunk = 20_000;
  for (let from = 0; from < EVENTS; from += chunk) {
    await raw.query(
      `WITH r AS (SELECT g, gen_random_uuid()::text AS id, 'bench-co-' || (g % ${COMPANIES}) AS co FROM generate_series($1::int, $2::int) g)
       INSERT INTO events (event_id, stream_id, stream_type, version, type, data, metadata, company_id)
       SELECT gen_random_uuid(), 'compliance-record-' || r.id, 'ComplianceRecord', v.version, v.type, v.data, jsonb_build_object('actorId', 'bench', 'companyId', r.co, 'schemaVersion', 1), r.co
         FROM r, LATERAL (VALUES
           (1, 'ComplianceRecordCreated', jsonb_build_object('recordId', r.id, 'companyId', r.co, 'type', 'AML', 'createdBy', 'bench',
              'data', jsonb_build_object('counterparty', 'Globex GmbH', 'amount', (1000 + r.g % 5000)::text || '.00', 'currency', 'EUR', 'country', 'DE', 'channel', 'wire'),
              'metadata', NULL, 'correctsRecordId', NULL, 'screening', NULL, 'risk', jsonb_build_object('score', 5, 'model', 'rules-1', 'factors', '[]'::jsonb))),
           (2, 'ComplianceRecordApproved', jsonb_build_object('by', 'reviewer', 'approvers', jsonb_build_array('reviewer'), 'reason', 'ok'))
         ) AS v(version, type, data)
        WHERE v.version = 1 OR r.g % 2 = 0`,
      [from, Math.min(from + chunk, EVENTS) - 1],
    );
  }
}

type Sample = { at: number; ms: number };

// Writers append a record each and run the inline projections, as a command does.
function writers(db: Database, store: EventStore) {
  const samples: Sample[] = [];
  let running = true;
  const failures: string[] = [];
  const loops = Array.from({ length: WRITERS }, async (_, w) => {
    for (let i = 0; running; i++) {
      const companyId = `bench-co-${(w * 7 + i) % COMPANIES}`;
      const recordId = randomUUID();
      const t0 = performance.now();
      try {
        await db.transaction(async (tx) => {
          const r = await store.append(tx, { id: `compliance-record-${recordId}`, type: 'ComplianceRecord', companyId }, [created(companyId, recordId, i)], 0);
          await registry.applyInline(tx, r.events);
        }, { companyId });
        samples.push({ at: t0, ms: performance.now() - t0 });
      } catch (e) {
        failures.push((e as Error).message.split('\n')[0]);
      }
    }
  });
  return {
    samples,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return failures;
    },
  };
}

async function main(): Promise<void> {
  const name = `maple_bench_rb_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  const db = await Database.open({ config: loadConfig({ DATABASE_URL: url.toString(), DB_POOL_SIZE: '20', LOG_LEVEL: 'silent' }), migrate: true });
  const raw = new Client({ connectionString: url.toString() });
  await raw.connect();
  const store = new EventStore();
  const out: Record<string, unknown> = {};
  try {
    await load(raw);
    const plans: Record<string, RebuildPlan> = { 'audit-log': planRebuild(registry.entries(), 'audit-log'), 'compliance.records': planRebuild(registry.entries(), 'compliance.records') };
    const replay: Record<string, unknown> = {};
    for (const [p, plan] of Object.entries(plans)) {
      const r = await rebuildProjections(db, store, plan, { batchSize: 5000 });
      replay[p] = { events: r.events, seconds: Math.round(r.seconds * 10) / 10, eventsPerSec: r.eventsPerSec, rows: r.rows };
    }
    out.replay = replay;

    // Alternating rounds, order switched every round, so that both kinds see the same machine.
    const rounds = { baseline: [] as { perSec: number; p99: number; max: number }[], rebuild: [] as { perSec: number; p99: number; max: number; swapLockMs: number; seconds: number }[] };
    const failures: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of round % 2 ? (['rebuild', 'baseline'] as const) : (['baseline', 'rebuild'] as const)) {
        const w = writers(db, store);
        await new Promise((r) => setTimeout(r, 500));
        const start = performance.now();
        let swapLockMs = 0;
        if (kind === 'rebuild') swapLockMs = (await rebuildProjections(db, store, plans['audit-log'], { batchSize: 5000, onProgress: (x) => { if (process.env.BENCH_DEBUG) process.stderr.write(JSON.stringify(x) + '\n'); } })).swapLockMs;
        else await new Promise((r) => setTimeout(r, 8000));
        const end = performance.now();
        failures.push(...(await w.stop()));
        const inWindow = w.samples.filter((s) => s.at >= start && s.at <= end).map((s) => s.ms);
        const figures = { perSec: Math.round(inWindow.length / ((end - start) / 1000)), p99: pct(inWindow, 99), max: pct(inWindow, 100) };
        if (kind === 'rebuild') rounds.rebuild.push({ ...figures, swapLockMs, seconds: Math.round((end - start) / 100) / 10 });
        else rounds.baseline.push(figures);
      }
    }
    const basePerSec = median(rounds.baseline.map((r) => r.perSec));
    const duringPerSec = median(rounds.rebuild.map((r) => r.perSec));
    out.duringRebuild = {
      writers: WRITERS,
      commandsPerSec: { baseline: basePerSec, duringRebuild: duringPerSec },
      throughputRatio: Math.round((duringPerSec / basePerSec) * 100) / 100,
      p99Ms: { baseline: median(rounds.baseline.map((r) => r.p99)), duringRebuild: median(rounds.rebuild.map((r) => r.p99)) },
      maxMsDuringRebuild: Math.max(...rounds.rebuild.map((r) => r.max)),
      swapLockMs: rounds.rebuild.map((r) => r.swapLockMs),
      rebuildSeconds: rounds.rebuild.map((r) => r.seconds),
      failedCommands: failures.length,
      failures: [...new Set(failures)],
      rounds,
    };
    // Everything the writers committed is in the rebuilt tables: compared row for row, quietly.
    const check = await rebuildProjections(db, store, plans['audit-log'], { compare: true });
    const diff = check.differences?.AuditLog;
    if (!diff || diff.onlyLive || diff.onlyRebuilt) throw new Error(`the audit log after the rounds differs from a fresh replay: ${JSON.stringify(check.differences)}`);
    out.checkedAgainstReplay = true;
    out.machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, load1: os.loadavg()[0], node: process.version, postgres: (await raw.query('SHOW server_version')).rows[0].server_version };
  } finally {
    await raw.end();
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
