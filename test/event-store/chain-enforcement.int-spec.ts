import { randomUUID } from 'node:crypto';
import { EventStore, canonicalJson, eventHash } from '@maple/platform';
import type { ChainedRecord, NewEvent } from '@maple/platform';
import { describeEachDatabase } from '../support/databases';
import type { TestDatabase } from '../support/databases';

// The database, not the client, puts every event into its company's hash chain: the hash is
// computed from the row as stored, by the same canonical encoding the offline verifier uses.

const md = (companyId: string) => ({ actorId: 'u1', companyId, correlationId: randomUUID(), causationId: null, ip: null, userAgent: null });

type StoredRow = ChainedRecord & { prevHash: string | null; hash: string };

async function storedRows(t: TestDatabase, streamId: string): Promise<StoredRow[]> {
  const rows = (await t.superuser(
    `SELECT position::text AS position, event_id::text AS event_id, stream_id, stream_type, version, type, schema_version, data::text AS data, metadata::text AS metadata, company_id,
            to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded_at, encode(prev_hash, 'hex') AS prev, encode(hash, 'hex') AS hash
       FROM events WHERE stream_id = $1 ORDER BY events.position`,
    [streamId],
  )) as Record<string, unknown>[];
  return rows.map((r) => ({
    position: String(r.position),
    eventId: String(r.event_id),
    streamId: String(r.stream_id),
    streamType: String(r.stream_type),
    version: Number(r.version),
    type: String(r.type),
    schemaVersion: Number(r.schema_version),
    data: JSON.parse(String(r.data)),
    metadata: JSON.parse(String(r.metadata)),
    companyId: (r.company_id as string | null) ?? null,
    recordedAt: String(r.recorded_at),
    prevHash: (r.prev as string | null) ?? null,
    hash: String(r.hash),
  }));
}

// Deterministic pseudo-random JSON with the values that make canonical encodings disagree:
// astral and U+E000..U+FFFF keys (UTF-16 vs code point order), escapes, control characters,
// numbers of every magnitude (ECMAScript's switch to exponent notation at 1e21 and 1e-7).
function generator(seed: number) {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
  const chars = ['a', 'Z', '0', ' ', '"', '\\', '/', '\b', '\f', '\n', '\r', '\t', '\u0001', '\u001f', '\u007f', 'é', 'ß', '\u2028', '\u2029', '\ud7ff', '\ue000', '\uffff', '\ufeff', '😀', '𝄞', '中', "'", '$1', '\\x'];
  const str = () => Array.from({ length: Math.floor(rnd() * 6) }, () => pick(chars)).join('');
  const numbers = [0, -0, 1, -1, 0.1, 0.2 + 0.1, 1.5, -2.25, 1e21, 1e20, 123456789012345680000, 1e-6, 1e-7, 1.5e-7, 5e-324, 1.7976931348623157e308, 2 ** 53, 2 ** 53 + 2, 2 ** 60, 37951421737670896, -37951421737670896, 1e20 + 65536, Number('123456789012345678'), 2 ** 70 + 2 ** 20, -(2 ** 31), 100, 1e15, 1e16, 123456.789, 0.000001234, 4.35, 1 / 3];
  const value = (depth: number): unknown => {
    const k = rnd();
    if (depth > 3 || k < 0.25) return str();
    if (k < 0.45) return rnd() < 0.7 ? pick(numbers) : (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20);
    if (k < 0.55) return pick([true, false, null]);
    if (k < 0.75) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(rnd() * 5); i > 0; i--) o[str() + pick(['', 'k', '😀', '\ue001', 'a\uffff'])] = value(depth + 1);
    return o;
  };
  return { value };
}

describeEachDatabase('hash chain enforced by the database', (ctx) => {
  const store = new EventStore();
  const company = `chain-${randomUUID()}`;
  const inCompany = <T>(fn: Parameters<TestDatabase['db']['transaction']>[0]) => ctx().db.transaction(fn, { companyId: company }) as Promise<T>;

  it('hashes what it stores with the canonical encoding the offline verifier reproduces, for awkward JSON', async () => {
    const gen = generator(20261201);
    const streamId = `canon-${randomUUID()}`;
    const events: NewEvent[] = Array.from({ length: 300 }, (_, i) => ({ eventId: randomUUID(), type: i % 2 ? 'Odd "type"' : 'Even\\type', data: gen.value(0), metadata: md(company) }));
    for (let i = 0; i < events.length; i += 50) {
      await inCompany((tx) => store.append(tx, { id: streamId, type: 'canon', companyId: company }, events.slice(i, i + 50), i));
    }
    const rows = await storedRows(ctx(), streamId);
    expect(rows).toHaveLength(300);
    let prev: string | null = rows[0].prevHash;
    for (const r of rows) {
      expect(r.prevHash).toBe(prev);
      expect({ position: r.position, hash: eventHash(r.prevHash, r) }).toEqual({ position: r.position, hash: r.hash });
      prev = r.hash;
    }
    // The data came back as it went in (after a JSON round trip).
    expect(rows.map((r) => canonicalJson(r.data))).toEqual(events.map((e) => canonicalJson(JSON.parse(JSON.stringify(e.data)))));
  });

  it('writes every double as ECMAScript does, including ties beyond 2^53 and the switches to exponent notation', async () => {
    const gen = generator(7);
    let x = 1;
    const rnd = () => ((x = (x * 48271) % 2147483647) / 2147483647);
    const numbers: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const kind = i % 4;
      if (kind === 0) numbers.push((rnd() - 0.5) * 10 ** Math.floor(rnd() * 600 - 300));
      else if (kind === 1) numbers.push(Math.floor(rnd() * 2 ** 64) * (rnd() < 0.5 ? -1 : 1));
      else if (kind === 2) numbers.push(Math.round(rnd() * 10 ** Math.floor(rnd() * 25)) * 10 ** Math.floor(rnd() * 10));
      else numbers.push(Number((rnd() * 1000).toFixed(Math.floor(rnd() * 8))));
    }
    const values = [numbers, gen.value(0), gen.value(0), gen.value(0)];
    const rows = (await ctx().superuser(`SELECT maple_jcs(v) AS c FROM jsonb_array_elements($1::jsonb) AS v`, [JSON.stringify(values)])) as { c: string }[];
    const mismatches = rows.flatMap((r, i) => {
      if (i > 0) return r.c === canonicalJson(values[i]) ? [] : [{ js: canonicalJson(values[i]), db: r.c }];
      const db = r.c.slice(1, -1).split(',');
      return numbers.flatMap((n, j) => (String(n) === db[j] ? [] : [{ n, js: String(n), db: db[j] }]));
    });
    expect(mismatches.slice(0, 10)).toEqual([]);
  });

  it('refuses a direct INSERT into events, and any write of the chain heads, from the application roles', async () => {
    for (const scope of [{ companyId: company }, { allCompanies: true }]) {
      await expect(
        ctx().db.transaction(
          (tx) =>
            tx.execute(
              `INSERT INTO events (event_id, stream_id, stream_type, version, type, data, metadata, company_id) VALUES ($1, $2, 'x', 1, 'Forged', '{}', '{}', $3)`,
              randomUUID(),
              `forged-${randomUUID()}`,
              company,
            ),
          scope,
        ),
      ).rejects.toThrow(/permission denied/);
      await expect(ctx().db.transaction((tx) => tx.execute(`UPDATE event_chains SET hash = NULL`), scope)).rejects.toThrow(/permission denied/);
      await expect(ctx().db.transaction((tx) => tx.execute(`INSERT INTO event_chains (company_id, position) VALUES ('x', 1)`), scope)).rejects.toThrow(/permission denied/);
    }
  });

  it('refuses, for anyone, an event whose hash, prev_hash, position or time is not the one the database computes', async () => {
    const streamId = `owner-${randomUUID()}`;
    await inCompany((tx) => store.append(tx, { id: streamId, type: 'x', companyId: company }, [{ eventId: randomUUID(), type: 'First', data: { n: 1 }, metadata: md(company) }], 0));
    const insert = (extraCols: string, extraVals: string) =>
      ctx().superuser(
        `INSERT INTO events (event_id, stream_id, stream_type, version, type, data, metadata, company_id${extraCols}) VALUES (gen_random_uuid(), $1, 'x', 2, 'Second', '{"n":2}', '{}', $2${extraVals})`,
        [streamId, company],
      );
    await expect(insert(', hash', `, sha256('forged')`)).rejects.toThrow(/hash does not match/);
    await expect(insert(', prev_hash', `, sha256('not the head')`)).rejects.toThrow(/prev_hash is not the head/);
    await expect(insert(', position', ', 999999')).rejects.toThrow(/assigned by the database/);
    await expect(insert(', recorded_at', `, now() - interval '1 day'`)).rejects.toThrow(/assigned by the database/);
    await expect(insert(', transaction_id', `, '1'::xid8`)).rejects.toThrow(/transaction_id/);
    expect(await storedRows(ctx(), streamId)).toHaveLength(1);
    // Even a superuser's plain insert is chained and hashed from its content.
    await insert('', '');
    const rows = await storedRows(ctx(), streamId);
    expect(rows).toHaveLength(2);
    expect(rows[1].prevHash).toBe(rows[0].hash);
    expect(eventHash(rows[1].prevHash, rows[1])).toBe(rows[1].hash);
  });

  it("refuses an append to another company's stream, whatever settings the transaction makes", async () => {
    const other = `other-${randomUUID()}`;
    const call = (tx: Parameters<Parameters<TestDatabase['db']['transaction']>[0]>[0]) =>
      tx.query(`SELECT * FROM events_append($1, 'x', $2, NULL, $3::jsonb)`, `s-${randomUUID()}`, other, JSON.stringify([{ eventId: randomUUID(), type: 'Sneaky', data: {}, metadata: {} }]));
    await expect(inCompany(call)).rejects.toThrow(/belongs to another company/);
    await expect(
      inCompany(async (tx) => {
        await tx.query(`SELECT set_config('app.all_companies', 'on', true)`);
        return call(tx);
      }),
    ).rejects.toThrow(/belongs to another company/);
    const [{ n }] = (await ctx().superuser(`SELECT count(*)::int AS n FROM events WHERE company_id = $1`, [other])) as { n: number }[];
    expect(n).toBe(0);
  });
});
