import { randomUUID } from 'node:crypto';
import { EventStore, ProjectionRegistry, rebuildProjections } from '@maple/platform';
import type { AppendResult, NewEvent, RebuildPlan, Tx } from '@maple/platform';
import { describeEachDatabase } from '../support/databases';
import type { TestDatabase } from '../support/databases';
import { TOY_TABLE_SQL, toyBalances } from '../fixtures/toy-balances.projection';

// The swap of an inline read model, with the interleavings that lose rows when the last
// catch-up stops at the horizon (pg_snapshot_xmin): a command that took its transaction id
// early and is still running, one that took a later id and committed, and the rebuild's swap
// between them. The toy projection adds amounts, so a lost or doubled event changes a balance;
// the reference is computed from the events table directly, not by any projection code.

const store = new EventStore();
const registry = new ProjectionRegistry();
registry.registerInline(toyBalances());
const plan: RebuildPlan = { projections: registry.inline(), tables: ['toy_balances'], mode: 'inline' };

const deposit = (companyId: string, amount: number): NewEvent => ({
  eventId: randomUUID(),
  type: 'MoneyDeposited',
  data: { amount },
  metadata: { actorId: 'u1', companyId, correlationId: randomUUID(), causationId: null, ip: null, userAgent: null },
});

// What a command does: append, then the inline projections, in one transaction.
async function appendAndProject(tx: Tx, companyId: string, amount: number): Promise<AppendResult> {
  const r = await store.append(tx, { id: `acct-${randomUUID()}`, type: 'acct', companyId }, [deposit(companyId, amount)], 0);
  await registry.applyInline(tx, r.events);
  return r;
}

const command = (t: TestDatabase, companyId: string, amount: number) => t.db.transaction((tx) => appendAndProject(tx, companyId, amount), { companyId });

async function balances(t: TestDatabase) {
  return t.superuser(`SELECT stream_id, balance::int AS balance, events FROM toy_balances ORDER BY stream_id`);
}

async function fromEvents(t: TestDatabase) {
  return t.superuser(`SELECT stream_id, sum((data->>'amount')::int)::int AS balance, count(*)::int AS events FROM events WHERE type = 'MoneyDeposited' GROUP BY stream_id ORDER BY stream_id`);
}

describeEachDatabase('rebuild of an inline read model while commands run', (ctx, target) => {
  const onServer = target === 'postgres' ? it : it.skip;

  beforeAll(async () => {
    await ctx().superuser(TOY_TABLE_SQL);
  });

  onServer('takes every event committed before the swap, even past the horizon, and a command waiting on the swap writes the new table (PostgreSQL server: concurrent transactions)', async () => {
    const t = ctx();
    for (let i = 0; i < 5; i++) await command(t, 'co-seed', i + 1);

    // An early command: its transaction id is taken (by its append), then it pauses before its
    // inline projection writes the table.
    let appended!: () => void;
    const hasAppended = new Promise<void>((r) => (appended = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const early = t.db.transaction(
      async (tx) => {
        const r = await store.append(tx, { id: `acct-early-${randomUUID()}`, type: 'acct', companyId: 'co-early' }, [deposit('co-early', 1000)], 0);
        appended();
        await gate;
        await registry.applyInline(tx, r.events);
      },
      { companyId: 'co-early' },
      { timeoutMs: 60_000 },
    );
    await hasAppended;
    // A later command commits: its transaction id is newer than the early one's, so it sits
    // beyond the horizon that the early one holds.
    const late = await command(t, 'co-late', 77);
    const [{ beyond }] = await t.superuser(`SELECT count(*)::int AS beyond FROM events WHERE position = $1::bigint AND transaction_id >= pg_snapshot_xmin(pg_current_snapshot())`, [late.positions[0]]);
    expect(beyond).toBe(1);

    let waitedOnSwap = false;
    const report = await rebuildProjections(t.db, store, plan, {
      compare: true,
      batchSize: 2,
      onProgress: async (p) => {
        if (p.phase !== 'swap-locked') return;
        release();
        // The early command now wants the table and queues behind the swap's lock.
        for (let i = 0; i < 250 && !waitedOnSwap; i++) {
          const [{ n }] = await t.superuser(`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'toy_balances'::regclass`);
          waitedOnSwap = Number(n) > 0;
          if (!waitedOnSwap) await new Promise((r) => setTimeout(r, 20));
        }
      },
    });
    await early;
    expect(waitedOnSwap).toBe(true);
    // Under the lock the fresh table held everything committed, the late command's deposit included.
    expect(report.differences).toEqual({ toy_balances: { onlyLive: 0, onlyRebuilt: 0 } });
    // And the early command wrote its deposit into the new table: every event counted once.
    expect(await balances(t)).toEqual(await fromEvents(t));
  });

  it('catches up with commands that commit between its batches (both databases)', async () => {
    const t = ctx();
    for (let i = 0; i < 30; i++) await command(t, `co-${i % 3}`, i);
    let during = 0;
    const report = await rebuildProjections(t.db, store, plan, {
      compare: true,
      batchSize: 7,
      onProgress: async (p) => {
        if (p.phase === 'replay' && during < 20) {
          during++;
          await command(t, `co-${during % 3}`, 100 + during);
        }
      },
    });
    expect(during).toBeGreaterThan(1);
    expect(report.differences).toEqual({ toy_balances: { onlyLive: 0, onlyRebuilt: 0 } });
    await command(t, 'co-after', 5);
    expect(await balances(t)).toEqual(await fromEvents(t));
  });
});
