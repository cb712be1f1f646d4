import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EventStore, ProjectionDaemon } from '@maple/platform';
import type { NewEvent, Projection } from '@maple/platform';
import { NatsRelay, RELAY_PROJECTION, RelayUnavailableError, decodeToken, encodeToken, eventSubject } from '@maple/relay';
import type { NatsConnection } from '@nats-io/transport-node';
import { describeEachDatabase, repoRoot } from '../support/databases';
import type { TestDatabase } from '../support/databases';
import { NATS_SKIP_REASON, NATS_URL, consumeAll, deleteStream, natsConnection, natsReachable, streamMessages, uniqueStream } from './nats-support';

const store = new EventStore();
const reachable = natsReachable();
const natsIt = reachable ? it : it.skip;
if (!reachable) console.warn(`skipping the NATS relay tests: ${NATS_SKIP_REASON}`);

// Company ids, stream types and event types that are not valid NATS subject tokens as they are.
const COMPANIES = ['acme.corp', 'a b*>', 'ünï_%co'];
const STREAM_TYPE = 'ledger.v2 *';
const event = (companyId: string, i: number): NewEvent => ({
  eventId: randomUUID(),
  type: i % 3 === 0 ? 'Money>Deposited.v1' : 'MoneyDeposited',
  data: { amount: i },
  metadata: { actorId: 'u1', companyId, correlationId: randomUUID(), causationId: null, ip: '203.0.113.77', userAgent: 'SecretAgent/1.0' },
});

/** Streams of events appended in rounds, so streams interleave in the store's reading order. */
async function appendInterleaved(t: TestDatabase, streamsPerCompany: number, rounds: number, perRound: number): Promise<void> {
  const streams = COMPANIES.flatMap((companyId) => Array.from({ length: streamsPerCompany }, () => ({ id: `led-${randomUUID()}`, companyId, version: 0 })));
  for (let r = 0; r < rounds; r++) {
    for (const s of streams) {
      const events = Array.from({ length: perRound }, (_, i) => event(s.companyId, s.version + i + 1));
      await t.db.transaction((tx) => store.append(tx, { id: s.id, type: STREAM_TYPE, companyId: s.companyId }, events, s.version), { companyId: s.companyId });
      s.version += perRound;
    }
  }
}

type Row = { event_id: string; stream_id: string; version: number };
async function readingOrder(t: TestDatabase): Promise<Row[]> {
  return (await t.superuser(`SELECT event_id::text AS event_id, stream_id, version FROM events ORDER BY transaction_id, position`)) as Row[];
}

async function eventsUpToCheckpoint(t: TestDatabase): Promise<number> {
  const [{ n }] = await t.superuser(
    `SELECT count(*)::int AS n FROM events e, projection_checkpoints c WHERE c.name = $1 AND (e.transaction_id, e.position) <= (c.transaction_id, c.position)`,
    [RELAY_PROJECTION],
  );
  return Number(n);
}

// Another database's transaction can hold the readable horizon back for a moment: catch up until nothing is behind.
async function catchUpFully(daemon: ProjectionDaemon, p: Projection, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    await daemon.catchUp(p);
    if ((await daemon.status(p.name))[0].lag === 0) return;
    if (Date.now() > end) throw new Error(`${p.name} did not catch up`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('NATS subject tokens', () => {
  it('encode any value to one valid token and decode it back; distinct values stay distinct', () => {
    const values = [...COMPANIES, STREAM_TYPE, 'Money>Deposited.v1', 'plain-Id-1', '', '%41', 'A', '_', ' ', '\t', '😀', 'a.b', 'a%2Eb'];
    const tokens = values.map(encodeToken);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9%-]+$/);
    expect(new Set(tokens).size).toBe(values.length);
    expect(tokens.map(decodeToken)).toEqual(values);
    expect(encodeToken(null)).toBe('_');
    expect(tokens).not.toContain('_');
    expect(decodeToken('_')).toBeNull();
    expect(encodeToken('acme.corp')).toBe('acme%2Ecorp');
    expect(eventSubject('maple', { companyId: 'a b*>', streamType: 'User', type: 'UserRegistered' })).toBe('maple.a%20b%2A%3E.User.UserRegistered');
    expect(() => decodeToken('a.b')).toThrow('not an encoded subject token');
  });
});

describeEachDatabase('NATS JetStream event relay', (ctx, target) => {
  const { stream, subjectPrefix } = uniqueStream();
  const other = uniqueStream();
  const relayOptions = { url: NATS_URL, stream, subjectPrefix, duplicateWindowMs: 10 * 60_000, timeoutMs: 5000 };
  const daemonOptions = { batchSize: 25, idleMs: 20, stallAfterMs: 60_000, retryBaseMs: 20, retryMaxMs: 200 };
  let nc: NatsConnection | undefined;

  beforeAll(async () => {
    if (reachable) nc = await natsConnection();
  });
  afterAll(async () => {
    if (!nc) return;
    await deleteStream(nc, stream);
    await deleteStream(nc, other.stream);
    await nc.close();
  });

  natsIt('a relay killed mid-batch and restarted leaves a durable consumer every event exactly once, in reading order, under encoded subjects', async () => {
    await appendInterleaved(ctx(), 2, 4, 5); // 3 companies x 2 streams x 4 rounds x 5 events = 120
    const order = await readingOrder(ctx());
    expect(order).toHaveLength(120);

    // The first relay dies (its NATS connection goes) 10 events into its second batch.
    let sent = 0;
    const first: NatsRelay = new NatsRelay(relayOptions, {
      onPublished: () => {
        if (++sent === 35) void first.close();
      },
    });
    await first.connect();
    const daemonA = new ProjectionDaemon(ctx().db, store, () => [first.projection()], daemonOptions);
    await expect(
      (async () => {
        for (;;) await daemonA.runBatch(first.projection());
      })(),
    ).rejects.toBeInstanceOf(RelayUnavailableError);
    const checkpointed = await eventsUpToCheckpoint(ctx());
    const inStream = await streamMessages(nc!, stream);
    // The acknowledged first batch moved the checkpoint; the cut one did not, though JetStream has some of it.
    expect(checkpointed).toBe(25);
    expect(inStream).toBeGreaterThanOrEqual(35);
    expect(inStream).toBeLessThan(50);

    // Restarted: it re-sends from the checkpoint; JetStream drops exactly what it already had.
    const results = { stored: 0, duplicate: 0 };
    const second = new NatsRelay(relayOptions, { onPublished: (_e, duplicate) => results[duplicate ? 'duplicate' : 'stored']++ });
    await second.connect();
    const daemonB = new ProjectionDaemon(ctx().db, store, () => [second.projection()], daemonOptions);
    await catchUpFully(daemonB, second.projection());
    await second.close();
    expect(results).toEqual({ duplicate: inStream - 25, stored: 120 - inStream });
    expect(await streamMessages(nc!, stream)).toBe(120);
    const [status] = await daemonB.status();
    expect(status).toMatchObject({ name: RELAY_PROJECTION, status: 'running', lag: 0 });

    const got = await consumeAll(nc!, stream, `durable-${randomUUID()}`, 120);
    expect(got.map((m) => m.envelope.eventId)).toEqual(order.map((r) => r.event_id));
    const versions = new Map<string, number[]>();
    for (const m of got) versions.set(m.envelope.streamId, [...(versions.get(m.envelope.streamId) ?? []), m.envelope.version]);
    for (const v of versions.values()) expect(v).toEqual(v.map((_, i) => i + 1));
    for (const { subject, envelope } of got) {
      expect(subject).toBe(eventSubject(subjectPrefix, envelope));
      const [prefix, company, streamType, type] = subject.split('.');
      expect([prefix, decodeToken(company), decodeToken(streamType), decodeToken(type)]).toEqual([subjectPrefix, envelope.companyId, STREAM_TYPE, envelope.type]);
      expect(envelope).toMatchObject({ schema: 'maple.event.v1', streamType: STREAM_TYPE, metadata: { actorId: 'u1' } });
    }
    // The envelope is the one the README's JSON Schema describes, field for field.
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8').split('### Event relay to NATS JetStream')[1];
    const schema = JSON.parse(readme.split('```json')[1].split('```')[0]) as { required: string[]; properties: { metadata: { required: string[] } } };
    for (const { envelope } of got) {
      expect(Object.keys(envelope).sort()).toEqual([...schema.required].sort());
      expect(Object.keys(envelope.metadata).sort()).toEqual([...schema.properties.metadata.required].sort());
    }
    // The request's IP address and user agent stay out of the envelope.
    expect(got.some((m) => m.raw.includes('203.0.113.77') || m.raw.includes('SecretAgent'))).toBe(false);
  }, 90_000);

  natsIt("a consumer filtering on one company's encoded subject gets exactly that company's events", async () => {
    const company = COMPANIES[0];
    const [{ n }] = await ctx().superuser(`SELECT count(*)::int AS n FROM events WHERE company_id = $1`, [company]);
    expect(Number(n)).toBe(40);
    const got = await consumeAll(nc!, stream, `only-acme-${randomUUID()}`, 40, `${subjectPrefix}.${encodeToken(company)}.>`);
    expect(got).toHaveLength(40);
    expect(new Set(got.map((m) => m.envelope.companyId))).toEqual(new Set([company]));
  });

  (reachable && target === 'postgres' ? it : it.skip)('two relays running at once (two workers) while writers append publish each event once, in reading order (PostgreSQL server)', async () => {
    await ctx().superuser(`DELETE FROM projection_checkpoints WHERE name = $1`, [RELAY_PROJECTION]);
    const opts = { ...relayOptions, stream: other.stream, subjectPrefix: other.subjectPrefix };
    const counts = [
      { stored: 0, duplicate: 0 },
      { stored: 0, duplicate: 0 },
    ];
    const relays = counts.map((c) => new NatsRelay(opts, { onPublished: (_e, duplicate) => c[duplicate ? 'duplicate' : 'stored']++ }));
    await Promise.all(relays.map((r) => r.connect()));
    const daemons = relays.map((r) => new ProjectionDaemon(ctx().db, store, () => [r.projection()], { ...daemonOptions, batchSize: 7 }));
    for (const d of daemons) d.start();
    try {
      // Writers commit concurrently, so transactions interleave and commit out of position order.
      await Promise.all([appendInterleaved(ctx(), 1, 3, 4), appendInterleaved(ctx(), 1, 3, 4)]);
      const total = (await readingOrder(ctx())).length;
      expect(total).toBe(120 + 72);
      const end = Date.now() + 60_000;
      while ((await eventsUpToCheckpoint(ctx())) < total) {
        if (Date.now() > end) throw new Error('the relays did not catch up');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await Promise.all(daemons.map((d) => d.stop()));
      await Promise.all(relays.map((r) => r.close()));
    }
    const order = await readingOrder(ctx());
    // One leader per batch: nothing was sent twice, and both took part or one did all, in order.
    expect(counts[0].duplicate + counts[1].duplicate).toBe(0);
    expect(counts[0].stored + counts[1].stored).toBe(order.length);
    const got = await consumeAll(nc!, other.stream, `durable-${randomUUID()}`, order.length);
    expect(got.map((m) => m.envelope.eventId)).toEqual(order.map((r) => r.event_id));
  }, 90_000);
});
