import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { EventStore, ProjectionDaemon, rebuildProjection } from '@maple/platform';
import type { NewEvent } from '@maple/platform';
import { describeEachDatabase, onServer, repoRoot } from '../support/databases';
import type { TestDatabase } from '../support/databases';
import { TOY_TABLE_SQL, toyBalances } from '../fixtures/toy-balances.projection';

const store = new EventStore();
const deposit = (amount: number, type = 'MoneyDeposited'): NewEvent => ({
  eventId: randomUUID(),
  type,
  data: { amount },
  metadata: { actorId: 'u1', companyId: 'company-a', correlationId: randomUUID(), causationId: null, ip: null, userAgent: null },
});

async function appendDeposits(t: TestDatabase, streams: number, perStream: number): Promise<void> {
  for (let s = 0; s < streams; s++) {
    const id = `acct-${randomUUID()}`;
    await t.db.transaction(
      (tx) => store.append(tx, { id, type: 'acct', companyId: 'company-a' }, Array.from({ length: perStream }, (_, i) => deposit(i + 1 + s)), 0),
      { companyId: 'company-a' },
    );
  }
}

async function depositCount(t: TestDatabase): Promise<number> {
  const [{ n }] = await t.superuser(`SELECT count(*)::int AS n FROM events WHERE type IN ('MoneyDeposited', 'Poison')`);
  return Number(n);
}

async function balances(t: TestDatabase): Promise<unknown[]> {
  return t.superuser('SELECT stream_id, balance::int AS balance, events FROM toy_balances ORDER BY stream_id');
}

describeEachDatabase('projection daemon', (ctx, target) => {
  const opts = { batchSize: 40, idleMs: 20, stallAfterMs: 60_000 };

  beforeEach(async () => {
    await ctx().superuser(TOY_TABLE_SQL);
    await ctx().superuser(`TRUNCATE toy_balances`);
    await ctx().superuser(`DELETE FROM projection_checkpoints`);
  });

  it('catches up from its checkpoint, applies each event once, and equals a blue/green rebuild', async () => {
    await appendDeposits(ctx(), 5, 30);
    const daemon = new ProjectionDaemon(ctx().db, store, () => [toyBalances()], opts);
    const applied = await daemon.catchUp(toyBalances());
    expect(applied).toBeGreaterThanOrEqual(150);
    expect(await daemon.catchUp(toyBalances())).toBe(0);
    const live = await balances(ctx());
    expect(live.length).toBeGreaterThanOrEqual(5);
    const report = await rebuildProjection(ctx().db, store, toyBalances(), { batchSize: 37 });
    expect(report.events).toBeGreaterThanOrEqual(150);
    expect(await balances(ctx())).toEqual(live);
    const [status] = await daemon.status();
    expect(status).toMatchObject({ name: 'toy-balances', status: 'running', lag: 0 });
    expect(await daemon.health()).toBe('ok');
  });

  it('stops at a poisoned event with a clear error instead of skipping it', async () => {
    await appendDeposits(ctx(), 1, 3);
    const poisonStream = `acct-${randomUUID()}`;
    await ctx().db.transaction((tx) => store.append(tx, { id: poisonStream, type: 'acct', companyId: 'company-a' }, [deposit(1, 'Poison'), deposit(100)], 0), { companyId: 'company-a' });
    const p = toyBalances({ poison: 'Poison' });
    const daemon = new ProjectionDaemon(ctx().db, store, () => [p], { ...opts, batchSize: 1 });
    await expect(daemon.catchUp(p)).rejects.toThrow(/failed on event \d+ \(Poison in acct-/);
    const [status] = await daemon.status();
    expect(status.status).toBe('failed');
    expect(status.lag).toBeGreaterThan(0);
    expect(await daemon.health()).toMatch(/toy-balances failed/);
    // Nothing after the poisoned event was applied: the 100 deposit is not in the table.
    expect((await balances(ctx())).some((r) => (r as { stream_id: string }).stream_id === poisonStream)).toBe(false);
    // Once fixed and resumed, it continues from where it stopped.
    await daemon.resume('toy-balances');
    await daemon.catchUp(toyBalances());
    expect((await daemon.status())[0].status).toBe('running');
  });

  it('never lets two daemons apply the same projection at once (advisory-lock leadership)', async () => {
    await appendDeposits(ctx(), 8, 25);
    const a = new ProjectionDaemon(ctx().db, store, () => [toyBalances()], { ...opts, batchSize: 10 });
    const b = new ProjectionDaemon(ctx().db, store, () => [toyBalances()], { ...opts, batchSize: 10 });
    const [ra, rb] = await Promise.all([a.catchUp(toyBalances()), b.catchUp(toyBalances())]);
    // Whatever the split between them, every event was applied exactly once.
    const total = await depositCount(ctx());
    expect(ra + rb).toBeGreaterThanOrEqual(total);
    const rows = (await balances(ctx())) as { events: number }[];
    expect(rows.reduce((s, r) => s + r.events, 0)).toBe(total);
    await a.catchUp(toyBalances());
    const live = await balances(ctx());
    await rebuildProjection(ctx().db, store, toyBalances());
    expect(await balances(ctx())).toEqual(live);
  });

  onServer(target)('a worker process killed mid-batch and restarted ends equal to a full rebuild (PostgreSQL server)', async () => {
    const build = spawnSync(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: repoRoot, encoding: 'utf8' });
    expect(build.status).toBe(0);
    await appendDeposits(ctx(), 4, 60);
    const script = path.join(repoRoot, 'dist', 'test', 'fixtures', 'projection-worker.js');
    const env = { ...process.env, DATABASE_URL: ctx().url, DELAY_MS: '10', BATCH: '50' };
    const child = spawn(process.execPath, [script], { env, stdio: 'ignore' });
    // Kill it once it has committed at least one batch and is inside the next one.
    for (let i = 0; i < 200; i++) {
      const [cp] = await ctx().superuser(`SELECT position FROM projection_checkpoints WHERE name = 'toy-balances'`);
      if (cp && Number(cp.position) > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 150));
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    const [{ n }] = await ctx().superuser(`SELECT coalesce(sum(events), 0)::int AS n FROM toy_balances`);
    const total = await depositCount(ctx());
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(total);
    const again = spawnSync(process.execPath, [script], { env: { ...env, DELAY_MS: '0' }, encoding: 'utf8', timeout: 60_000 });
    expect(again.status).toBe(0);
    const live = await balances(ctx());
    expect((live as { events: number }[]).reduce((s, r) => s + r.events, 0)).toBe(total);
    await rebuildProjection(ctx().db, store, toyBalances());
    expect(await balances(ctx())).toEqual(live);
  }, 90_000);
});
