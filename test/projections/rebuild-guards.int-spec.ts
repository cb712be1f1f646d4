import { randomUUID } from 'node:crypto';
import { AuditActions, auditLogProjection } from '@maple/audit';
import { EventStore, describeReadTable, rebuildProjection, rebuildProjections } from '@maple/platform';
import type { NewEvent } from '@maple/platform';
import { describeEachDatabase } from '../support/databases';
import type { TestDatabase } from '../support/databases';
import { TOY_TABLE_SQL, toyBalances } from '../fixtures/toy-balances.projection';

// What a rebuild refuses or survives without harm to the live tables: objects that would be
// left on the old table, a table altered while it ran, partitions created meanwhile, and the
// remains of a run whose process died.

const store = new EventStore();

async function deposits(t: TestDatabase, n: number): Promise<void> {
  const companyId = 'co-guards';
  const events: NewEvent[] = Array.from({ length: n }, (_, i) => ({
    eventId: randomUUID(),
    type: 'MoneyDeposited',
    data: { amount: i + 1 },
    metadata: { actorId: 'u1', companyId, correlationId: randomUUID(), causationId: null, ip: null, userAgent: null },
  }));
  await t.db.transaction((tx) => store.append(tx, { id: `acct-${randomUUID()}`, type: 'acct', companyId }, events, 0), { companyId });
}

async function leftovers(t: TestDatabase) {
  const [{ schemas }] = await t.superuser(`SELECT count(*)::int AS schemas FROM pg_namespace WHERE nspname LIKE 'maple_rebuild_%'`);
  const [{ running }] = await t.superuser(`SELECT count(*)::int AS running FROM projection_rebuilds WHERE status = 'running'`);
  return { schemas, running };
}

const balances = (t: TestDatabase) => t.superuser(`SELECT * FROM toy_balances ORDER BY stream_id`);

describeEachDatabase('rebuild guards', (ctx, target) => {
  const onServer = target === 'postgres' ? it : it.skip;
  beforeAll(async () => {
    await ctx().superuser(TOY_TABLE_SQL);
    await deposits(ctx(), 20);
    await rebuildProjection(ctx().db, store, toyBalances());
  });

  it('refuses, before any work, tables that a view depends on (a swap would leave the view on the old table)', async () => {
    const t = ctx();
    await t.superuser(`CREATE VIEW toy_rich AS SELECT stream_id FROM toy_balances WHERE balance > 100`);
    try {
      await expect(rebuildProjection(t.db, store, toyBalances())).rejects.toMatchObject({ code: 'REBUILD.DEPENDENT_OBJECTS', details: { dependents: [expect.stringContaining('toy_rich')] } });
      expect(await leftovers(t)).toEqual({ schemas: 0, running: 0 });
    } finally {
      await t.superuser(`DROP VIEW toy_rich`);
    }
  });

  it('stops, leaving the live table as it is, when the table is altered while the rebuild runs', async () => {
    const t = ctx();
    const before = await balances(t);
    let altered = false;
    const run = rebuildProjection(t.db, store, toyBalances(), {
      batchSize: 5,
      onProgress: async (p) => {
        if (p.phase !== 'replay' || altered) return;
        altered = true;
        await t.superuser(`ALTER TABLE toy_balances ADD COLUMN note text`);
      },
    });
    try {
      await expect(run).rejects.toMatchObject({ code: 'REBUILD.DEFINITION_CHANGED', details: { table: 'toy_balances', at: expect.stringMatching(/^columns/) } });
      const now = await balances(t);
      expect(now.every((r) => r.note === null)).toBe(true);
      expect(now.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'note')))).toEqual(before);
      expect(await leftovers(t)).toEqual({ schemas: 0, running: 0 });
      const [failed] = await t.superuser(`SELECT status, error FROM projection_rebuilds ORDER BY started_at DESC LIMIT 1`);
      expect(failed).toMatchObject({ status: 'failed', error: expect.stringContaining('would differ from the live one') });
    } finally {
      await t.superuser(`ALTER TABLE toy_balances DROP COLUMN IF EXISTS note`);
    }
  });

  it('gives a partition created while the rebuild runs to the fresh table (AuditLog, monthly partitions in schema audit)', async () => {
    const t = ctx();
    const audit = auditLogProjection(new AuditActions());
    let expected: unknown;
    await rebuildProjections(t.db, store, { projections: [audit], tables: audit.tables, mode: 'inline' }, {
      batchSize: 5,
      onProgress: async (p) => {
        if (p.phase !== 'indexes') return;
        await t.superuser(`CREATE TABLE audit."AuditLog_p209901" PARTITION OF "AuditLog" FOR VALUES FROM ('2099-01-01') TO ('2099-02-01')`);
        expected = await describeReadTable(t.db, 'AuditLog');
      },
    });
    const after = await describeReadTable(t.db, 'AuditLog');
    expect(after).toEqual(expected);
    expect(after.partitions).toEqual(expect.arrayContaining([expect.objectContaining({ schema: 'audit', name: 'AuditLog_p209901', bound: "FOR VALUES FROM ('2099-01-01 00:00:00') TO ('2099-02-01 00:00:00')" })]));
  });

  onServer('survives its own connection being terminated mid-batch: the batch is replayed again, nothing twice (PostgreSQL server)', async () => {
    const t = ctx();
    let terminated = false;
    const flaky = toyBalances({
      beforeApply: async (tx) => {
        if (terminated) return;
        terminated = true;
        const [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await t.superuser('SELECT pg_terminate_backend($1)', [pid]);
      },
    });
    const r = await rebuildProjection(t.db, store, flaky, { compare: true, batchSize: 4 });
    expect(terminated).toBe(true);
    expect(r.differences).toEqual({ toy_balances: { onlyLive: 0, onlyRebuilt: 0 } });
    expect(await leftovers(t)).toEqual({ schemas: 0, running: 0 });
  });

  it('takes over a run whose process died: its half-built tables are dropped, the new run completes', async () => {
    const t = ctx();
    await t.superuser(`CREATE SCHEMA maple_rebuild_deadbeef; CREATE TABLE maple_rebuild_deadbeef.toy_balances (LIKE toy_balances)`);
    await t.superuser(
      `INSERT INTO projection_rebuilds (id, projections, tables, schemas, heartbeat_at) VALUES ('maple_rebuild_deadbeef', '{toy-balances}', '{toy_balances}', '{maple_rebuild_deadbeef}', now() - interval '1 hour')`,
    );
    const r = await rebuildProjection(t.db, store, toyBalances());
    expect(r.warnings).toEqual([]);
    const [dead] = await t.superuser(`SELECT status, error FROM projection_rebuilds WHERE id = 'maple_rebuild_deadbeef'`);
    expect(dead).toEqual({ status: 'abandoned', error: `no progress; taken over by ${r.run}` });
    expect(await leftovers(t)).toEqual({ schemas: 0, running: 0 });
  });
});
