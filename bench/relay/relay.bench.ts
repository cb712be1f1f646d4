import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Client } from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Database, EventStore, ProjectionDaemon, loadConfig } from '@maple/platform';
import type { Projection } from '@maple/platform';
import { NatsRelay } from '@maple/relay';

// `npm run bench:relay`: relays a backlog of events from a scratch PostgreSQL database to the
// local nats-server and prints one JSON object. Not a test: the figures go into the README.
//   baseline: the projection daemon catching up a projection that does nothing (reading the
//             store, taking the lock, moving the checkpoint), events per second;
//   relay:    the same daemon catching up the NATS relay into a fresh stream (every publish
//             acknowledged before the checkpoint moves);
//   resend:   the relay from checkpoint 0 into the stream that already holds every event (what a
//             restart after a crash costs: JetStream acknowledges each as a duplicate).
// Rounds alternate baseline / relay / resend in one run; medians and the relay/baseline ratio.
const BASE = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const NATS = process.env.NATS_URL || 'nats://127.0.0.1:4222';
const EVENTS = Number(process.env.BENCH_RELAY_EVENTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH = Number(process.env.PROJECTION_BATCH_SIZE ?? 500);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function load(raw: Client): Promise<void> {
  await raw.query(
    `INSERT INTO events (event_id, stream_id, stream_type, version, type, data, metadata, company_id)
     SELECT gen_random_uuid(), 'bench-stream-' || (g % 200), 'BenchStream', g / 200 + 1, 'BenchTicked',
            jsonb_build_object('n', g, 'note', repeat('x', 200)), jsonb_build_object('actorId', 'bench', 'companyId', 'bench-co-' || (g % 20), 'correlationId', gen_random_uuid(), 'schemaVersion', 1),
            'bench-co-' || (g % 20)
       FROM generate_series(0, $1::int - 1) g`,
    [EVENTS],
  );
}

async function timed(daemon: ProjectionDaemon, p: Projection, raw: Client): Promise<number> {
  await raw.query(`DELETE FROM projection_checkpoints WHERE name = $1`, [p.name]);
  const t0 = performance.now();
  const applied = await daemon.catchUp(p);
  const s = (performance.now() - t0) / 1000;
  if (applied !== EVENTS) throw new Error(`${p.name} applied ${applied} of ${EVENTS}`);
  return Math.round(EVENTS / s);
}

async function main(): Promise<void> {
  const name = `maple_bench_relay_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  const db = await Database.open({ config: loadConfig({ DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' }), migrate: true });
  const raw = new Client({ connectionString: url.toString() });
  await raw.connect();
  const nc = await connect({ servers: NATS });
  const jsm = await jetstreamManager(nc);
  const streams: string[] = [];
  const store = new EventStore();
  const results = { baseline: [] as number[], relay: [] as number[], resend: [] as number[] };
  try {
    await load(raw);
    const noop: Projection = { name: 'bench-noop', handles: '*', tables: [], apply: async () => undefined, applyBatch: async () => undefined };
    for (let round = 0; round < ROUNDS; round++) {
      const run = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
      const stream = `MAPLE_BENCH_${run}`;
      streams.push(stream);
      const relay = new NatsRelay({ url: NATS, stream, subjectPrefix: `maplebench_${run}`, duplicateWindowMs: 10 * 60_000, timeoutMs: 5000 });
      await relay.connect();
      const p = relay.projection();
      const daemon = new ProjectionDaemon(db, store, () => [noop, p], { batchSize: BATCH, idleMs: 20, stallAfterMs: 60_000 });
      results.baseline.push(await timed(daemon, noop, raw));
      results.relay.push(await timed(daemon, p, raw));
      results.resend.push(await timed(daemon, p, raw));
      await relay.close();
    }
    const out = {
      bench: 'relay',
      machine: { cpus: os.cpus().length, node: process.version },
      events: EVENTS,
      batchSize: BATCH,
      rounds: ROUNDS,
      baselineEventsPerSec: median(results.baseline),
      relayEventsPerSec: median(results.relay),
      resendEventsPerSec: median(results.resend),
      relayVsBaseline: Math.round((median(results.relay) / median(results.baseline)) * 1000) / 1000,
      perRound: results,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    for (const s of streams) await jsm.streams.delete(s).catch(() => undefined);
    await nc.close();
    await raw.end();
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
