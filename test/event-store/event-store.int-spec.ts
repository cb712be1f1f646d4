import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { CommandRunner, EventStore, ProjectionRegistry, START, Upcasters, ConcurrencyConflictError } from '@maple/platform';
import type { Checkpoint, NewEvent, Projection, StoredEvent } from '@maple/platform';
import { describeEachDatabase, onServer } from '../support/databases';
import { accountDecider, meta } from './toy-account';

const md = (companyId = 'company-a') => ({ actorId: 'u1', companyId, correlationId: randomUUID(), causationId: null, ip: '10.0.0.1', userAgent: 'jest' });
const ev = (type: string, data: unknown, companyId = 'company-a'): NewEvent => ({ eventId: randomUUID(), type, data, metadata: md(companyId) });
const stream = (companyId = 'company-a') => ({ id: `toy-${randomUUID()}`, type: 'toy', companyId });

/** Polls `read` until `done` holds (at most ~10 s), then returns its last result. */
async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  let v = await read();
  for (let i = 0; i < 100 && !done(v); i++) {
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  return v;
}

describeEachDatabase('event store', (ctx, target) => {
  const store = new EventStore();
  const inA = <T>(fn: Parameters<ReturnType<typeof ctx>['db']['transaction']>[0]) => ctx().db.transaction(fn, { companyId: 'company-a' }) as Promise<T>;

  it('appends with per-stream versions and reads the stream back with metadata', async () => {
    const s = stream();
    const r = await inA<{ toVersion: number }>((tx) => store.append(tx, s, [ev('A', { n: 1 }), ev('B', { n: 2 })], 0));
    expect(r).toMatchObject({ fromVersion: 1, toVersion: 2 });
    const events = await inA<StoredEvent[]>((tx) => store.readStream(tx, s.id));
    expect(events.map((e) => [e.version, e.type, e.data])).toEqual([
      [1, 'A', { n: 1 }],
      [2, 'B', { n: 2 }],
    ]);
    expect(events[0].metadata).toMatchObject({ actorId: 'u1', companyId: 'company-a', ip: '10.0.0.1', userAgent: 'jest', schemaVersion: 1 });
    expect(events[0].transactionId).toMatch(/^\d+$/);
    expect(BigInt(events[1].position)).toBeGreaterThan(BigInt(events[0].position));
    const upTo1 = await inA<StoredEvent[]>((tx) => store.readStream(tx, s.id, { toVersion: 1 }));
    expect(upTo1.map((e) => e.version)).toEqual([1]);
  });

  it('returns the appended events exactly as a read of the stream gives them, upcast the same way', async () => {
    const s = stream();
    const up = new EventStore(new Upcasters().register('NameSet', 1, (d) => ({ full: (d as { name: string }).name })));
    const r = await inA<{ events: StoredEvent[] }>((tx) =>
      up.append(tx, s, [ev('A', { n: 1, note: 'é 🍁', nested: { b: [1, 'x'], a: null } }), { ...ev('NameSet', { name: 'Ada' }), schemaVersion: 1 }], 0),
    );
    const read = await inA<StoredEvent[]>((tx) => up.readStream(tx, s.id));
    expect(r.events).toEqual(read);
    expect(r.events[1]).toMatchObject({ schemaVersion: 2, data: { full: 'Ada' } });
  });

  it('rejects a stale expected version with CONCURRENCY_CONFLICT and writes nothing', async () => {
    const s = stream();
    await inA((tx) => store.append(tx, s, [ev('A', {})], 0));
    await expect(inA((tx) => store.append(tx, s, [ev('B', {})], 0))).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
    // An expected version the stream has not reached is just as stale; so is any on a new stream.
    await expect(inA((tx) => store.append(tx, s, [ev('C', {})], 3))).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
    await expect(inA((tx) => store.append(tx, stream(), [ev('D', {})], 1))).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
    expect((await inA<StoredEvent[]>((tx) => store.readStream(tx, s.id))).length).toBe(1);
  });

  it('answers an append of event ids it already holds with a conflict, never with a silent success', async () => {
    const s = stream();
    const batch = [ev('A', { x: 1 }), ev('B', { x: 2 })];
    await inA((tx) => store.append(tx, s, batch, 0));
    // The same ids again, on the same stream or on a new one: refused, nothing written.
    await expect(inA((tx) => store.append(tx, s, batch, 'any'))).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
    const other = stream();
    await expect(inA((tx) => store.append(tx, other, [batch[0]], 0))).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT' });
    expect((await inA<StoredEvent[]>((tx) => store.readStream(tx, s.id))).length).toBe(2);
    expect(await inA<StoredEvent[]>((tx) => store.readStream(tx, other.id))).toEqual([]);
  });

  it('lets exactly one of 50 concurrent appends with the same expected version win', async () => {
    const s = stream();
    await inA((tx) => store.append(tx, s, [ev('Opened', {})], 0));
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => inA((tx) => store.append(tx, s, [ev('Tick', { i })], 1))));
    const ok = outcomes.filter((o) => o.status === 'fulfilled');
    const conflicts = outcomes.filter((o) => o.status === 'rejected' && (o.reason as { code?: string }).code === 'CONCURRENCY_CONFLICT');
    expect(ok).toHaveLength(1);
    expect(conflicts).toHaveLength(49);
    const versions = (await inA<StoredEvent[]>((tx) => store.readStream(tx, s.id))).map((e) => e.version);
    expect(versions).toEqual([1, 2]);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the events table for the application role', async () => {
    const s = stream();
    await inA((tx) => store.append(tx, s, [ev('A', { v: 1 })], 0));
    await expect(inA((tx) => tx.execute(`UPDATE events SET data = '{"v":2}' WHERE stream_id = $1`, s.id))).rejects.toThrow();
    await expect(inA((tx) => tx.execute(`DELETE FROM events WHERE stream_id = $1`, s.id))).rejects.toThrow();
    await expect(inA((tx) => tx.execute(`TRUNCATE events`))).rejects.toThrow();
    // Even the owner is stopped by the trigger on the normal path.
    await expect(ctx().superuser(`UPDATE events SET data = '{"v":3}' WHERE stream_id = $1`, [s.id])).rejects.toThrow(/append-only/);
    const [e] = await inA<StoredEvent[]>((tx) => store.readStream(tx, s.id));
    expect(e.data).toEqual({ v: 1 });
  });

  it('isolates companies: a company transaction sees only its own events', async () => {
    const a = stream('company-a');
    const b = stream('company-b');
    await inA((tx) => store.append(tx, a, [ev('A', {})], 0));
    await ctx().db.transaction((tx) => store.append(tx, b, [ev('B', {}, 'company-b')], 0), { companyId: 'company-b' });
    expect(await inA<StoredEvent[]>((tx) => store.readStream(tx, b.id))).toEqual([]);
    // Writing into another company's stream is refused by the policy's WITH CHECK.
    await expect(inA((tx) => store.append(tx, { ...b, companyId: 'company-b' }, [ev('X', {}, 'company-b')], 1))).rejects.toThrow();
    const none = await ctx().db.transaction((tx) => tx.query('SELECT count(*)::int AS n FROM events'), {});
    expect(none).toEqual([{ n: 0 }]);
  });

  it('reads old event shapes through their upcaster, never rewriting the stored row', async () => {
    const s = stream();
    await inA((tx) => store.append(tx, s, [{ ...ev('NameSet', { name: 'Ada Lovelace' }), schemaVersion: 1 }], 0));
    const up = new EventStore(
      new Upcasters().register('NameSet', 1, (d) => {
        const [first, ...rest] = String((d as { name: string }).name).split(' ');
        return { firstName: first, lastName: rest.join(' ') };
      }),
    );
    const [e] = await inA<StoredEvent[]>((tx) => up.readStream(tx, s.id));
    expect(e).toMatchObject({ schemaVersion: 2, data: { firstName: 'Ada', lastName: 'Lovelace' } });
    const raw = await ctx().superuser(`SELECT schema_version, data FROM events WHERE stream_id = $1`, [s.id]);
    expect(raw).toEqual([{ schema_version: 1, data: { name: 'Ada Lovelace' } }]);
  });

  it('catches up from a checkpoint, and a rolled-back transaction leaves no event and stalls nobody', async () => {
    const all = { allCompanies: true };
    const head = async (): Promise<Checkpoint> => {
      const evs = await ctx().db.transaction((tx) => readAll(tx, START), all);
      const last = evs[evs.length - 1];
      return last ? { transactionId: last.transactionId, position: last.position } : START;
    };
    const readAll = async (tx: Parameters<EventStore['readAfter']>[0], from: Checkpoint) => {
      const out: StoredEvent[] = [];
      let cp = from;
      for (;;) {
        const batch = await store.readAfter(tx, cp, 100);
        if (!batch.length) return out;
        out.push(...batch);
        const l = batch[batch.length - 1];
        cp = { transactionId: l.transactionId, position: l.position };
      }
    };
    const cp = await head();
    const s = stream();
    await expect(
      inA(async (tx) => {
        await store.append(tx, s, [ev('Doomed', {})], 0);
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    await inA((tx) => store.append(tx, s, [ev('Kept', {})], 0));
    // Transaction ids are cluster-wide: a transaction of another test database still running
    // holds the readable horizon back for a moment. Delivery is then late, never skipped.
    const seen = await eventually(async () => (await ctx().db.transaction((tx) => readAll(tx, cp), all)).filter((e) => e.streamId === s.id), (evs) => evs.length > 0);
    expect(seen.map((e) => e.type)).toEqual(['Kept']);
  });

  it('runs a command: decide, append and inline projection in one transaction; subscribers after commit', async () => {
    const registry = new ProjectionRegistry();
    const seen: string[] = [];
    let failProjection = false;
    const balances: Projection = {
      name: 'toy-balances',
      handles: ['AccountOpened', 'MoneyDeposited'],
      async apply(_tx, e) {
        if (failProjection) throw new Error('projection failed');
        seen.push(`${e.streamId}:${e.version}`);
      },
    };
    registry.registerInline(balances);
    const published: StoredEvent[] = [];
    const runner = new CommandRunner(ctx().db, store, registry, {
      publishAll(events) {
        published.push(...events);
        throw new Error('a best-effort subscriber failed');
      },
    });
    const s = stream();
    const r1 = await runner.run(accountDecider, s, { type: 'OpenAccount', owner: 'ann', meta: meta() });
    expect(r1.state).toEqual({ open: true, balance: 0 });
    await runner.run(accountDecider, s, { type: 'Deposit', amount: 7, meta: meta() });
    expect(seen).toEqual([`${s.id}:1`, `${s.id}:2`]);
    expect(published.map((e) => e.type)).toEqual(['AccountOpened', 'MoneyDeposited']);
    // A failing inline projection undoes the append: nothing half-written.
    failProjection = true;
    await expect(runner.run(accountDecider, s, { type: 'Deposit', amount: 1, meta: meta() })).rejects.toThrow('projection failed');
    expect((await inA<StoredEvent[]>((tx) => store.readStream(tx, s.id))).length).toBe(2);
    // A refused command appends nothing.
    failProjection = false;
    await expect(runner.run(accountDecider, s, { type: 'Deposit', amount: -5, meta: meta() })).rejects.toMatchObject({ code: 'TOY.AMOUNT_INVALID' });
    // A stale expected version from the client is a conflict.
    await expect(runner.run(accountDecider, s, { type: 'Deposit', amount: 1, meta: meta() }, { expectedVersion: 1 })).rejects.toBeInstanceOf(ConcurrencyConflictError);
    expect((await inA<StoredEvent[]>((tx) => store.readStream(tx, s.id))).map((e) => e.type)).toEqual(['AccountOpened', 'MoneyDeposited']);
  });

  // One connection in the embedded database: transactions cannot interleave there.
  onServer(target)('never delivers a later commit before an earlier-started one (PostgreSQL server: real concurrency)', async () => {
    const all = { allCompanies: true };
    const before = await ctx().db.transaction(async (tx) => {
      const evs = await store.readAfter(tx, START, 100000);
      const l = evs[evs.length - 1];
      return l ? { transactionId: l.transactionId, position: l.position } : START;
    }, all);
    const slow = new Client({ connectionString: ctx().url });
    await slow.connect();
    try {
      // Another company, so that the slow transaction does not hold company-a's chain lock.
      await slow.query(`BEGIN; SET LOCAL ROLE maple_app; SELECT set_config('app.company_id', 'company-b', true)`);
      const low = stream('company-b');
      const high = stream();
      // The slow transaction takes the lower position first...
      await slow.query(`SELECT * FROM events_append($1, 'toy', 'company-b', 0, $2::jsonb)`, [low.id, JSON.stringify([{ eventId: randomUUID(), type: 'Slow', data: {}, metadata: {} }])]);
      // ...a fast one commits a higher position meanwhile.
      await inA((tx) => store.append(tx, high, [ev('Fast', {})], 0));
      const whileRunning = await ctx().db.transaction((tx) => store.readAfter(tx, before, 100000), all);
      expect(whileRunning.map((e) => e.type)).not.toContain('Fast');
      await slow.query('COMMIT');
      const mine = (e: StoredEvent) => e.streamId === low.id || e.streamId === high.id;
      const after = await eventually(async () => (await ctx().db.transaction((tx) => store.readAfter(tx, before, 100000), all)).filter(mine), (evs) => evs.length >= 2);
      expect(after.map((e) => e.type)).toEqual(['Slow', 'Fast']);
      expect(BigInt(after[0].position)).toBeLessThan(BigInt(after[1].position));
    } finally {
      await slow.end();
    }
  });
});
