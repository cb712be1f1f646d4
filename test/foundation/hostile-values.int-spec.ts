import { randomUUID } from 'node:crypto';
import { Database, EventStore } from '@maple/platform';
import type { StoredEvent } from '@maple/platform';
import { describeEachDatabase } from '../support/databases';
import type { TestDatabase } from '../support/databases';

// Values reach SQL only as bound parameters: the transaction's opening (role, company) and its
// first statement travel pipelined in the extended protocol, never spliced into SQL text. Hostile
// strings must come back exactly as sent, and run nothing.

const FRAGMENTS = ["'", "''", '\\', "\\'", "E'", "ELSE'", '"', '$1', '$$', '$fn$', ';', '; DROP TABLE canary; --', '--', '/*', '*/', '\u0082\\', '\u815c', 'ｿ', '�', '\u2028', '😀', ' ', '\t', '\n', 'x', "' OR '1'='1", ')', '(', '%', '_', ':name'];

function hostileStrings(n: number): string[] {
  const out = [...FRAGMENTS];
  let x = 12345;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  while (out.length < n) out.push(Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => FRAGMENTS[Math.floor(rnd() * FRAGMENTS.length)]).join(''));
  return out;
}

async function exercise(t: TestDatabase, db: Database, count: number): Promise<void> {
  await t.superuser(`CREATE TABLE IF NOT EXISTS canary (n int); INSERT INTO canary SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM canary)`);
  const store = new EventStore();
  const values = hostileStrings(count);
  // 1. As the company of the transaction's opening, and as the first statement's parameter.
  for (const v of values) {
    const [r] = await db.transaction((tx) => tx.query<{ company: string; echo: string; role: string }>(`SELECT current_setting('app.company_id') AS company, $1::text AS echo, current_user::text AS role`, v), { companyId: v });
    expect(r).toEqual({ company: v, echo: v, role: 'maple_app' });
  }
  // 2. Through the event store: company, stream id, type and data.
  for (const v of values.slice(0, 200)) {
    const stream = { id: `${v}-${randomUUID()}`, type: v, companyId: v };
    const e = { eventId: randomUUID(), type: v, data: { v, [v]: [v] }, metadata: { actorId: v, companyId: v, correlationId: v, causationId: null, ip: null, userAgent: v } };
    await db.transaction((tx) => store.append(tx, stream, [e], 0), { companyId: v });
    const [read] = await db.transaction((tx) => store.readStream(tx, stream.id), { companyId: v });
    expect({ type: read.type, data: read.data, streamType: read.streamType, companyId: read.companyId }).toEqual({ type: v, data: { v, [v]: [v] }, streamType: v, companyId: v });
  }
  // Nothing ran: the canary is there, and no other company saw a row.
  expect(await t.superuser(`SELECT count(*)::int AS n FROM canary`)).toEqual([{ n: 1 }]);
  expect(await db.transaction((tx) => tx.query<StoredEvent>(`SELECT count(*)::int AS n FROM events`), { companyId: 'nobody' })).toEqual([{ n: 0 }]);
}

describeEachDatabase('hostile values through the transaction layer', (ctx, target) => {
  it('comes back byte for byte from the opening, the first statement and the event store, and runs nothing', async () => {
    await exercise(ctx(), ctx().db, 2000);
  });

  (target === 'postgres' ? it : it.skip)('does the same under backslash_quote = on and standard_conforming_strings = off (PostgreSQL server)', async () => {
    const t = ctx();
    const name = new URL(t.url!).pathname.slice(1);
    await t.superuser(`ALTER DATABASE "${name}" SET standard_conforming_strings = off`);
    await t.superuser(`ALTER DATABASE "${name}" SET backslash_quote = on`);
    const db = await Database.open({ config: t.config });
    try {
      const [s] = await db.transaction((tx) => tx.query<{ scs: string; bq: string }>(`SELECT current_setting('standard_conforming_strings') AS scs, current_setting('backslash_quote') AS bq`));
      expect(s).toEqual({ scs: 'off', bq: 'on' });
      await exercise(t, db, 1000);
    } finally {
      await db.close();
    }
  });
});
