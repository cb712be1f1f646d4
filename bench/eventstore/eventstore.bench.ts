import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Pool } from 'pg';
import { Database, EventStore, ProjectionDaemon, appendCall, loadConfig, rebuildProjection, scopeOpening } from '@maple/platform';
import type { NewEvent, RebuildableProjection, StoredEvent, Tx } from '@maple/platform';

// `npm run bench:eventstore`: measures the event store on the local PostgreSQL in a scratch
// database and prints one JSON object. Not a test: the figures go into the README.
const BASE = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
// The raw/append comparison: rounds per concurrency and kind, and their length.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 2);
const REPLAY_EVENTS = Number(process.env.BENCH_REPLAY_EVENTS ?? 1_000_000);

const meta = { actorId: 'bench', companyId: 'bench-co', correlationId: 'bench', causationId: null, ip: '127.0.0.1', userAgent: 'bench' };
const event = (i: number): NewEvent => ({ eventId: randomUUID(), type: 'MoneyDeposited', data: { amount: i % 100, note: 'benchmark deposit' }, metadata: meta });

// Every operation counted, to be checked against the rows in the database at the end.
let counted = 0;

async function forDuration(writers: number, seconds: number, op: (writer: number) => Promise<number>): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      // Not `done += await op()`: that reads `done` before the await and loses the other writers' counts.
      while (Date.now() < end) {
        const n = await op(writer);
        done += n;
        counted += n;
      }
    }),
  );
  return Math.round(done / seconds);
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

/**
 * Context only: the same two workloads driven by pgbench (libpq, C) instead of Node's `pg`, with
 * 8 clients, each appending for its own company. `scripts` are the very messages the application
 * sends, so this tells the database's share of an append from the client's: every round trip also
 * costs the Node process CPU on this shared machine. Null when pgbench is not installed.
 */
function pgbenchComparison(url: string, scripts: Record<'append' | 'raw', string>) {
  try {
    execFileSync('pgbench', ['--version'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'maple-pgbench-'));
  const rounds: Record<'append' | 'raw', number[]> = { append: [], raw: [] };
  const transactions = { append: 0, raw: 0 };
  try {
    for (const kind of ['append', 'raw'] as const) writeFileSync(path.join(dir, `${kind}.sql`), scripts[kind]);
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of round % 2 ? (['append', 'raw'] as const) : (['raw', 'append'] as const)) {
        const text = execFileSync('pgbench', ['-n', '-c', '8', '-j', '2', '-T', String(ROUND_SECONDS), '-M', 'extended', '-f', path.join(dir, `${kind}.sql`), url], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        const done = Number(/actually processed: (\d+)/.exec(text)?.[1]);
        const failed = Number(/failed transactions: (\d+)/.exec(text)?.[1] ?? 0);
        if (!done || failed) throw new Error(`pgbench ${kind}: ${done} transactions, ${failed} failed`);
        transactions[kind] += done;
        rounds[kind].push(Math.round(done / ROUND_SECONDS));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const appendPerSec = median(rounds.append);
  const rawInsertPerSec = median(rounds.raw);
  return { figures: { appendPerSec, rawInsertPerSec, appendToRawRatio: Math.round((appendPerSec / rawInsertPerSec) * 100) / 100 }, transactions };
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}

// The replay target: per-stream totals written with one statement per batch.
function totals(table = 'bench_totals'): RebuildableProjection {
  return {
    name: 'bench-totals',
    handles: ['MoneyDeposited'],
    tables: ['bench_totals'],
    async apply(tx: Tx, e: StoredEvent) {
      await this.applyBatch!(tx, [e]);
    },
    async applyBatch(tx: Tx, events: readonly StoredEvent[]) {
      const sums = new Map<string, { s: string; a: number; n: number }>();
      for (const e of events) {
        const r = sums.get(e.streamId) ?? { s: e.streamId, a: 0, n: 0 };
        r.a += (e.data as { amount: number }).amount;
        r.n++;
        sums.set(e.streamId, r);
      }
      await tx.execute(
        `INSERT INTO "${table}" (stream_id, amount, events) SELECT s, a, n FROM jsonb_to_recordset($1::jsonb) AS r(s text, a bigint, n int)
         ON CONFLICT (stream_id) DO UPDATE SET amount = "${table}".amount + EXCLUDED.amount, events = "${table}".events + EXCLUDED.events`,
        JSON.stringify([...sums.values()]),
      );
    },
    withTables: (names) => totals(names.bench_totals),
  };
}

async function main(): Promise<void> {
  const name = `maple_bench_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  const config = loadConfig({ DATABASE_URL: url.toString(), DB_POOL_SIZE: '40', LOG_LEVEL: 'silent' });
  const db = await Database.open({ config, migrate: true });
  const store = new EventStore();
  const raw = new Pool({ connectionString: url.toString(), max: 40 });
  const out: Record<string, unknown> = {};
  try {
    // The database hands out an event's position and time (the chain trigger); the copy gets plain defaults.
    await raw.query(`CREATE TABLE bench_raw (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES); CREATE SEQUENCE bench_raw_seq;
      ALTER TABLE bench_raw ALTER COLUMN position SET DEFAULT nextval('bench_raw_seq'), ALTER COLUMN recorded_at SET DEFAULT clock_timestamp()`);
    await raw.query(`CREATE TABLE bench_totals (stream_id text PRIMARY KEY, amount bigint NOT NULL, events int NOT NULL); GRANT ALL ON bench_totals TO maple_app`);

    // Each writer appends for its own company (tenants write in parallel; the hash chain is
    // per company). appendPerSecSameCompany shows the cost of one company's serialised chain.
    const appendAs = (companyId: string) => async () => {
      await db.transaction((tx) => store.append(tx, { id: `acct-${randomUUID()}`, type: 'acct', companyId }, [event(1)], 0), { companyId });
      return 1;
    };
    const append = (writer: number) => appendAs(`bench-co-${writer}`)();
    const rawRow = () => [randomUUID(), `acct-${randomUUID()}`, JSON.stringify({ amount: 1, note: 'benchmark deposit' }), JSON.stringify(meta)];
    const RAW_SQL = `INSERT INTO bench_raw (event_id, stream_id, stream_type, version, type, schema_version, data, metadata, company_id) VALUES ($1, $2, 'acct', 1, 'MoneyDeposited', 1, $3::jsonb, $4::jsonb, 'bench-co')`;
    // The target's baseline: one autocommit INSERT, one round trip.
    const rawInsert = async () => {
      await raw.query(RAW_SQL, rawRow());
      return 1;
    };
    // Context only (not the target's baseline): the same INSERT in an explicit transaction, the way
    // application code that needs BEGIN/COMMIT writes it with pg: three round trips.
    const rawInsertInTransaction = async () => {
      const c = await raw.connect();
      try {
        await c.query('BEGIN');
        await c.query(RAW_SQL, rawRow());
        await c.query('COMMIT');
      } finally {
        c.release();
      }
      return 1;
    };
    // Context: the transaction opening Maple used until 2026-12-01, rebuilt here from the benchmark's
    // own constants (no outside input): BEGIN, SET LOCAL statements and the append with its
    // parameters written as quoted literals, in ONE simple-protocol message, then COMMIT. Against
    // `append` (the opening pipelined in the extended protocol) it measures what pipelining cost.
    const sqlLiteral = (v: unknown) => (v === null ? 'NULL' : `'${String(v).replace(/'/g, "''")}'`);
    const formerOpening = async (writer: number) => {
      const companyId = `bench-co-${writer}`;
      const c = await raw.connect();
      try {
        const call = appendCall({ id: `acct-${randomUUID()}`, type: 'acct', companyId }, [event(1)], 0);
        const statement = call.sql.replace(/\$(\d+)/g, (_, i: string) => sqlLiteral(call.params[Number(i) - 1]));
        await c.query(`BEGIN; SET LOCAL role maple_app; SET LOCAL app.company_id = ${sqlLiteral(companyId)}; SET LOCAL idle_in_transaction_session_timeout = 30000; ${statement}`);
        await c.query('COMMIT');
      } finally {
        c.release();
      }
      return 1;
    };
    // The kinds alternate in rounds (order rotated every round) and each reports its median round,
    // so all are measured under the same conditions: on a shared VM the machine's speed drifts by
    // tens of percent within a minute, and back-to-back phases would compare that drift.
    let rawCounted = 0;
    const ops = { raw: rawInsert, rawTx: rawInsertInTransaction, append, formerOpening } as const;
    const perSec: Record<keyof typeof ops, Record<number, number>> = { raw: {}, rawTx: {}, append: {}, formerOpening: {} };
    for (const w of [1, 8, 32]) {
      const kinds: (keyof typeof ops)[] = w === 8 ? ['raw', 'append', 'rawTx', 'formerOpening'] : ['raw', 'append'];
      const rounds: Record<string, number[]> = { raw: [], rawTx: [], append: [], formerOpening: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (let k = 0; k < kinds.length; k++) {
          const kind = kinds[(k + round) % kinds.length];
          const before = counted;
          rounds[kind].push(await forDuration(w, ROUND_SECONDS, ops[kind]));
          if (kind === 'raw' || kind === 'rawTx') {
            rawCounted += counted - before;
            counted = before;
          }
        }
      }
      for (const kind of kinds) perSec[kind][w] = median(rounds[kind]);
    }
    // The messages runPgTransaction sends for db.transaction(tx => store.append(...)), built by the
    // same code: the opening and the append pipelined in the extended protocol (one round trip),
    // then COMMIT; and the raw INSERT in autocommit. pgbench has no way to bind a fresh UUID, so the
    // event id and the stream id are made by the server (gen_random_uuid) in both scripts.
    const opening = scopeOpening({ companyId: 'bench-pg' });
    // pgbench reads `:name` as a variable even inside a literal: JSON gets a space after its colons.
    const literal = (v: string) => `'${v.replace(/'/g, "''").replace(/":/g, '": ')}'`;
    const bind = (sql: string, values: string[]) => sql.replace(/\$(\d+)/g, (_, i: string) => values[Number(i) - 1]);
    const call = appendCall({ id: 'x', type: 'acct', companyId: 'bench-pg' }, [{ eventId: randomUUID(), type: 'MoneyDeposited', data: { amount: 1, note: 'benchmark deposit' }, metadata: meta }], 0);
    const payload = `jsonb_set(${literal(String(call.params[4]))}::jsonb, '{0,eventId}', to_jsonb(gen_random_uuid()))`;
    const [begin, settings] = opening;
    const company = `'bench-pg-' || :client_id`;
    const viaPgbench = pgbenchComparison(url.toString(), {
      append: [
        '\\startpipeline',
        `${begin.text};`,
        `${bind(settings.text, settings.values.map((v) => (v === 'bench-pg' ? company : literal(v))))};`,
        `${bind(call.sql, [`'acct-' || gen_random_uuid()`, literal('acct'), company, '0', payload])};`,
        '\\endpipeline',
        'COMMIT;',
        '',
      ].join('\n'),
      raw: `${bind(RAW_SQL, ['gen_random_uuid()', `'acct-' || gen_random_uuid()`, literal(JSON.stringify({ amount: 1, note: 'benchmark deposit' })), literal(JSON.stringify(meta))])};\n`,
    });
    if (viaPgbench) {
      rawCounted += viaPgbench.transactions.raw;
      counted += viaPgbench.transactions.append;
    }
    const [{ n: rawRows }] = (await raw.query<{ n: number }>('SELECT count(*)::int AS n FROM bench_raw')).rows;
    if (rawRows !== rawCounted) throw new Error(`counted ${rawCounted} raw inserts but the table has ${rawRows} rows`);
    out.appendPerSec = perSec.append;
    out.rawInsertPerSec = perSec.raw;
    out.appendToRawRatio = Math.round((perSec.append[8] / perSec.raw[8]) * 100) / 100;
    out.rawInsertInTransactionPerSec = perSec.rawTx;
    out.appendToRawInTransactionRatio = Math.round((perSec.append[8] / perSec.rawTx[8]) * 100) / 100;
    out.formerOpeningPerSec = perSec.formerOpening;
    out.pipelinedToFormerOpeningRatio = Math.round((perSec.append[8] / perSec.formerOpening[8]) * 100) / 100;
    if (viaPgbench) out.viaPgbench = viaPgbench.figures;
    out.appendPerSecSameCompany = { 8: await forDuration(8, SECONDS, appendAs('bench-co-shared')) };
    out.batch100EventsPerSec = await forDuration(8, SECONDS, async (writer) => {
      const companyId = `bench-co-${writer}`;
      await db.transaction((tx) => store.append(tx, { id: `acct-${randomUUID()}`, type: 'acct', companyId }, Array.from({ length: 100 }, (_, i) => event(i)), 0), { companyId });
      return 100;
    });

    // Catch-up lag: 8 writers append while a daemon follows; lag = applied time - recorded time.
    const lags: number[] = [];
    await raw.query(`DELETE FROM projection_checkpoints`);
    const head = await db.transaction((tx) => store.headPosition(tx), { allCompanies: true });
    await raw.query(`INSERT INTO projection_checkpoints (name, transaction_id, position) SELECT 'bench-lag', max(transaction_id), max(position) FROM events`);
    const follower: RebuildableProjection = {
      ...totals(),
      name: 'bench-lag',
      async applyBatch(_tx, events) {
        const now = Date.now();
        for (const e of events) lags.push(now - e.recordedAt.getTime());
      },
    };
    const daemon = new ProjectionDaemon(db, store, () => [follower], { batchSize: 1000, idleMs: 10, stallAfterMs: 60_000 });
    daemon.start();
    out.appendPerSecDuringCatchUp = await forDuration(8, SECONDS, append);
    await new Promise((r) => setTimeout(r, 500));
    await daemon.stop();
    lags.sort((a, b) => a - b);
    const [{ n: eventRows }] = (await raw.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows;
    if (eventRows !== counted) throw new Error(`counted ${counted} appended events but the store has ${eventRows}`);
    out.countsCheckedAgainstDatabase = true;
    out.catchUpLagMs = { p50: pct(lags, 50), p99: pct(lags, 99), samples: lags.length, fromPosition: head };

    // Replay: 1,000,000 events (bulk-loaded), rebuilt blue/green into the totals table.
    const t0 = Date.now();
    const chunk = 100_000;
    // A bulk load for the replay only, in this scratch database: the chain trigger is off (the
    // replay does not read hashes), so position and time are given here.
    await raw.query(`ALTER TABLE events DISABLE TRIGGER events_chain_link`);
    for (let i = 0; i < REPLAY_EVENTS; i += chunk) {
      await raw.query(
        `INSERT INTO events (position, event_id, stream_id, stream_type, version, type, data, metadata, company_id, recorded_at)
         SELECT nextval('events_position_seq'), gen_random_uuid(), 'replay-' || ((g - 1) / 10), 'acct', ((g - 1) % 10) + 1, 'MoneyDeposited',
                jsonb_build_object('amount', g % 100, 'note', 'benchmark deposit'), $3::jsonb, 'bench-co', clock_timestamp()
           FROM generate_series($1::bigint, $2::bigint) AS g`,
        [i + 1, Math.min(i + chunk, REPLAY_EVENTS), JSON.stringify(meta)],
      );
    }
    await raw.query(`ALTER TABLE events ENABLE TRIGGER events_chain_link`);
    out.replayLoadSeconds = Math.round((Date.now() - t0) / 100) / 10;
    const report = await rebuildProjection(db, store, totals(), { batchSize: 10_000 });
    out.replayEvents = report.events;
    out.replayEventsPerSec = report.eventsPerSec;
    out.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    out.machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, postgres: (await raw.query('SHOW server_version')).rows[0].server_version };
    out.secondsPerPhase = SECONDS;
    out.comparisonRounds = { rounds: ROUNDS, secondsEach: ROUND_SECONDS };
  } finally {
    await raw.end();
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e: Error) => {
  process.stderr.write(`bench failed: ${e.message}\n`);
  process.exit(1);
});
