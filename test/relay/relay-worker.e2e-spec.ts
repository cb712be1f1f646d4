import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { EventStore } from '@maple/platform';
import { openTestDatabase, repoRoot } from '../support/databases';
import type { TestDatabase } from '../support/databases';
import { builtProcesses } from '../support/processes';
import { NATS_SKIP_REASON, NATS_URL, consumeAll, deleteStream, natsConnection, natsReachable, streamMessages, uniqueStream } from './nats-support';

// The built worker as an operator runs it, killed with SIGKILL while it relays and started again.
const worker = path.join(repoRoot, 'dist', 'apps', 'worker', 'main.js');
const reachable = natsReachable();
const onServerWithNats = reachable && process.env.TEST_DATABASE_URL ? it : it.skip;
if (!reachable) console.warn(`skipping the worker relay test: ${NATS_SKIP_REASON}`);
if (!process.env.TEST_DATABASE_URL) console.warn('skipping the worker relay test: the worker needs a PostgreSQL server (TEST_DATABASE_URL)');

const TOTAL = 900;
const store = new EventStore();

async function appendInterleaved(t: TestDatabase): Promise<void> {
  const streams = Array.from({ length: 6 }, (_, i) => ({ id: `w-${randomUUID()}`, companyId: `co.${i % 3} *`, version: 0 }));
  for (let round = 0; round < TOTAL / 6 / 10; round++) {
    for (const s of streams) {
      const events = Array.from({ length: 10 }, (_, i) => ({
        eventId: randomUUID(),
        type: 'Tick',
        data: { n: s.version + i + 1 },
        metadata: { actorId: null, companyId: s.companyId, correlationId: randomUUID(), causationId: null, ip: null, userAgent: null },
      }));
      await t.db.transaction((tx) => store.append(tx, { id: s.id, type: 'ticker', companyId: s.companyId }, events, s.version), { companyId: s.companyId });
      s.version += 10;
    }
  }
}

async function checkpointed(t: TestDatabase): Promise<number> {
  const [{ n }] = await t.superuser(
    `SELECT count(*)::int AS n FROM events e, projection_checkpoints c WHERE c.name = 'nats-relay' AND (e.transaction_id, e.position) <= (c.transaction_id, c.position)`,
  );
  return Number(n);
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

describe('the relay in the worker process', () => {
  const processes = builtProcesses();
  const { stream, subjectPrefix } = uniqueStream();
  let t: TestDatabase | undefined;
  let nc: NatsConnection | undefined;
  afterAll(async () => {
    if (nc) {
      await deleteStream(nc, stream);
      await nc.close();
    }
    await t?.close();
  });

  onServerWithNats('a worker killed (SIGKILL) mid-stream and restarted leaves a durable consumer every event once, in order (PostgreSQL server and nats-server)', async () => {
    t = await openTestDatabase('postgres');
    nc = await natsConnection();
    await appendInterleaved(t);
    const metricsPort = 20000 + Math.floor(Math.random() * 20000);
    const env = {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      DATABASE_URL: t.url!,
      NATS_URL,
      NATS_STREAM: stream,
      NATS_SUBJECT_PREFIX: subjectPrefix,
      PROJECTION_BATCH_SIZE: '3',
      WORKER_METRICS_PORT: String(metricsPort),
    };
    const first = processes.track(spawn(process.execPath, [worker], { cwd: repoRoot, env, stdio: 'ignore' }));
    await until('the first worker to relay some events', async () => (await streamMessages(nc!, stream).catch(() => 0)) >= 30, 60_000, 5);
    const exited = new Promise((r) => first.on('exit', r));
    first.kill('SIGKILL');
    await exited;
    const atKill = await streamMessages(nc, stream);
    const done = await checkpointed(t);
    // Mid-stream: some relayed, not all; JetStream may hold events of the batch the kill cut.
    expect(atKill).toBeLessThan(TOTAL);
    expect(done).toBeLessThanOrEqual(atKill);

    // Besides the test's events, the store holds what the worker's own start wrote (Maple's
    // built-in AI model versions, once): every event counts.
    const all = Number((await t.superuser(`SELECT count(*)::int AS n FROM events`))[0].n);
    expect(all).toBeGreaterThanOrEqual(TOTAL);
    const second = processes.track(spawn(process.execPath, [worker], { cwd: repoRoot, env, stdio: 'ignore' }));
    await until('the restarted worker to catch up', async () => (await checkpointed(t!)) === all);
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
    // What the restarted worker re-sent from the checkpoint, JetStream had already and dropped.
    expect(Number(metrics.match(/^nats_relay_published_total\{result="duplicate"\} (\d+)/m)?.[1] ?? 0)).toBe(atKill - done);
    expect(Number(metrics.match(/^nats_relay_published_total\{result="stored"\} (\d+)/m)?.[1])).toBe(all - atKill);
    const stopped = new Promise((r) => second.on('exit', r));
    second.kill('SIGTERM');
    expect(await stopped).toBe(0);

    const order = (await t.superuser(`SELECT event_id::text AS id FROM events ORDER BY transaction_id, position`)).map((r) => r.id);
    const got = await consumeAll(nc, stream, `durable-${randomUUID()}`, all);
    expect(got.map((m) => m.envelope.eventId)).toEqual(order);
  }, 180_000);
});
