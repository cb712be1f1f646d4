import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { EventStore, ProjectionDaemon, horizonHolders, rebuildProjection } from '@maple/platform';
import type { NewEvent, Projection } from '@maple/platform';
import { describeEachDatabase, repoRoot } from '../support/databases';
import type { TestDatabase } from '../support/databases';
import { TOY_TABLE_SQL, toyBalances } from '../fixtures/toy-balances.projection';
import { holdHorizon } from './horizon-holder';

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

// Transaction ids are cluster-wide: another database's transaction can hold the readable
// horizon back for a moment. Catch up until nothing is left behind.
async function catchUpFully(daemon: ProjectionDaemon, p: Projection, timeoutMs = 30_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  let applied = 0;
  for (;;) {
    applied += await daemon.catchUp(p);
    if ((await daemon.status(p.name))[0].lag === 0) return applied;
    if (Date.now() > end) throw new Error(`${p.name} did not catch up`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Catches up until the projection fails (an event it cannot apply may sit behind the horizon for a moment).
async function failureOf(daemon: ProjectionDaemon, p: Projection, timeoutMs = 30_000): Promise<Error | null> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      await daemon.catchUp(p);
    } catch (e) {
      return e as Error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}

describeEachDatabase('projection daemon', (ctx, target) => {
  const opts = { batchSize: 40, idleMs: 20, stallAfterMs: 60_000 };
  const onServer = target === 'postgres' ? it : it.skip;

  beforeEach(async () => {
    await ctx().superuser(TOY_TABLE_SQL);
    await ctx().superuser(`TRUNCATE toy_balances`);
    await ctx().superuser(`DELETE FROM projection_checkpoints`);
  });

  it('catches up from its checkpoint, applies each event once, and equals a blue/green rebuild', async () => {
    await appendDeposits(ctx(), 5, 30);
    const daemon = new ProjectionDaemon(ctx().db, store, () => [toyBalances()], opts);
    const applied = await catchUpFully(daemon, toyBalances());
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

  it('reports lag 0 to the metrics once idle, also when the last batch came within a second of the one before', async () => {
    const reported: number[] = [];
    const daemon = new ProjectionDaemon(ctx().db, store, () => [toyBalances()], { ...opts, batchSize: 10 }, { onBatch: (_name, _pos, lag) => reported.push(lag) });
    daemon.start();
    try {
      // Bursts closer together than the one-a-second report: the last one's report is throttled.
      for (let i = 0; i < 3; i++) {
        await appendDeposits(ctx(), 1, 25);
        await new Promise((r) => setTimeout(r, 150));
      }
      const end = Date.now() + 30_000;
      while (!(reported.length && reported[reported.length - 1] === 0 && (await daemon.status())[0].lag === 0)) {
        if (Date.now() > end) throw new Error(`the metrics kept lag ${reported[reported.length - 1]}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await daemon.stop();
    }
    expect(reported[reported.length - 1]).toBe(0);
  });

  it('stops at a poisoned event with a clear error instead of skipping it', async () => {
    await appendDeposits(ctx(), 1, 3);
    const poisonStream = `acct-${randomUUID()}`;
    await ctx().db.transaction((tx) => store.append(tx, { id: poisonStream, type: 'acct', companyId: 'company-a' }, [deposit(1, 'Poison'), deposit(100)], 0), { companyId: 'company-a' });
    const p = toyBalances({ poison: 'Poison' });
    const daemon = new ProjectionDaemon(ctx().db, store, () => [p], { ...opts, batchSize: 1 });
    expect((await failureOf(daemon, p))?.message).toMatch(/failed on event \d+ \(Poison in acct-/);
    const [status] = await daemon.status();
    expect(status.status).toBe('failed');
    expect(status.lag).toBeGreaterThan(0);
    expect(await daemon.health()).toMatch(/toy-balances failed/);
    // Nothing after the poisoned event was applied: the 100 deposit is not in the table.
    expect((await balances(ctx())).some((r) => (r as { stream_id: string }).stream_id === poisonStream)).toBe(false);
    // Once fixed and resumed, it continues from where it stopped.
    await daemon.resume('toy-balances');
    await catchUpFully(daemon, toyBalances());
    expect((await daemon.status())[0].status).toBe('running');
  });

  it('never lets two daemons apply the same projection at once (advisory-lock leadership)', async () => {
    await appendDeposits(ctx(), 8, 25);
    const a = new ProjectionDaemon(ctx().db, store, () => [toyBalances()], { ...opts, batchSize: 10 });
    const b = new ProjectionDaemon(ctx().db, store, () => [toyBalances()], { ...opts, batchSize: 10 });
    const [ra, rb] = await Promise.all([catchUpFully(a, toyBalances()), catchUpFully(b, toyBalances())]);
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

  onServer('a worker process killed mid-batch and restarted ends equal to a full rebuild (PostgreSQL server: the embedded database lives inside one process)', async () => {
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
  it('stops at the exact event whose own error fails a batch applied at once, and applies nothing of that batch', async () => {
    await appendDeposits(ctx(), 2, 5);
    const stream = `acct-${randomUUID()}`;
    const stored = await ctx().db.transaction(
      (tx) => store.append(tx, { id: stream, type: 'acct', companyId: 'company-a' }, [deposit(3), deposit(4), deposit(1, 'PoisonInBatch'), deposit(5)], 0),
      { companyId: 'company-a' },
    );
    const p = toyBalances({ poison: 'PoisonInBatch' });
    expect(p.applyBatch).toBeDefined();
    const daemon = new ProjectionDaemon(ctx().db, store, () => [p], opts);
    expect((await failureOf(daemon, p))?.message).toContain(`failed on event ${stored.positions[2]} (PoisonInBatch in ${stream})`);
    const [s] = await daemon.status();
    expect(s).toMatchObject({ status: 'failed' });
    expect(s.lag).toBeGreaterThanOrEqual(4);
    expect((await balances(ctx())).some((r) => (r as { stream_id: string }).stream_id === stream)).toBe(false);
  });

  onServer('counts lag in reading order: after two interleaved commits, both applied, nothing is behind (PostgreSQL server: concurrent transactions)', async () => {
    const p = toyBalances();
    const daemon = new ProjectionDaemon(ctx().db, store, () => [p], { ...opts, stallAfterMs: 1000 });
    await appendDeposits(ctx(), 1, 2);
    await catchUpFully(daemon, p);
    // The first transaction takes its id, the second appends and commits, then the first
    // appends: its event has the older transaction id but the higher position.
    let started!: () => void;
    const hasId = new Promise<void>((r) => (started = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = ctx().db.transaction(
      async (tx) => {
        await tx.query('SELECT pg_current_xact_id()::text AS id');
        started();
        await gate;
        return store.append(tx, { id: `acct-${randomUUID()}`, type: 'acct', companyId: 'company-a' }, [deposit(1)], 0);
      },
      { companyId: 'company-a' },
    );
    await hasId;
    const second = await ctx().db.transaction((tx) => store.append(tx, { id: `acct-${randomUUID()}`, type: 'acct', companyId: 'company-b' }, [deposit(2)], 0), { companyId: 'company-b' });
    release();
    const firstResult = await first;
    expect(BigInt(firstResult.positions[0])).toBeGreaterThan(BigInt(second.positions[0]));
    await catchUpFully(daemon, p);
    const [s] = await daemon.status();
    // The checkpoint is the second transaction's event, one position below the head.
    expect(s.position).toBe(second.positions[0]);
    expect(s.lag).toBe(0);
    expect(await daemon.health(new Date(Date.now() + 60_000))).toBe('ok');
    expect(((await balances(ctx())) as { events: number }[]).reduce((n, r) => n + r.events, 0)).toBe(await depositCount(ctx()));
  });

  onServer('retries when its connection is terminated mid-batch or a statement times out, and applies every event exactly once (PostgreSQL server)', async () => {
    await appendDeposits(ctx(), 4, 30);
    let applied = 0;
    const failures = { terminated: false, timedOut: false };
    const p = toyBalances({
      beforeApply: async (tx) => {
        applied++;
        if (!failures.terminated && applied === 15) {
          failures.terminated = true;
          const [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          await ctx().superuser('SELECT pg_terminate_backend($1)', [pid]);
        } else if (failures.terminated && !failures.timedOut && applied === 60) {
          failures.timedOut = true;
          await tx.query(`SELECT set_config('statement_timeout', '50ms', true)`);
          await tx.query('SELECT pg_sleep(1)');
        }
      },
    });
    const errors: string[] = [];
    const daemon = new ProjectionDaemon(ctx().db, store, () => [p], { ...opts, batchSize: 20, retryBaseMs: 10 }, { onError: (_name, error, kind) => errors.push(`${kind}: ${error}`) });
    daemon.start();
    try {
      const end = Date.now() + 30_000;
      while ((await daemon.status(p.name))[0].lag > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await daemon.stop();
    }
    expect(failures).toEqual({ terminated: true, timedOut: true });
    // After its backend is terminated, the connection's next query fails one way or another.
    expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(/^retrying: .*(terminat|connection)/i), expect.stringMatching(/^retrying: .*statement timeout/i)]));
    expect(errors.filter((e) => e.startsWith('stopped'))).toEqual([]);
    const [s] = await daemon.status();
    expect(s).toMatchObject({ status: 'running', lag: 0 });
    const live = await balances(ctx());
    expect((live as { events: number }[]).reduce((n, r) => n + r.events, 0)).toBe(await depositCount(ctx()));
    await rebuildProjection(ctx().db, store, toyBalances());
    expect(await balances(ctx())).toEqual(live);
  });

  onServer('names the transaction that holds back the catch-up horizon, with its pid, age and application_name (PostgreSQL server)', async () => {
    const holder = await holdHorizon(ctx().url!, 'maple-horizon-test');
    try {
      await appendDeposits(ctx(), 2, 5);
      const p = toyBalances();
      const daemon = new ProjectionDaemon(ctx().db, store, () => [p], { ...opts, stallAfterMs: 400 });
      await daemon.catchUp(p);
      await new Promise((r) => setTimeout(r, 900));
      const [s] = await daemon.status();
      expect(s.lag).toBeGreaterThanOrEqual(10);
      expect(await daemon.health()).toMatch(/^toy-balances stalled \d+ events behind for \d+ s; the catch-up horizon is held back by (pid \d+|prepared)/);
      const mine = (await horizonHolders(ctx().db, 400, 50)).find((h) => h.pid === holder.pid);
      expect(mine).toMatchObject({ applicationName: 'maple-horizon-test', state: 'idle in transaction', prepared: null });
      expect(mine?.ageMs).toBeGreaterThanOrEqual(800);
      await holder.release();
      await catchUpFully(daemon, p);
      expect(await daemon.health()).toBe('ok');
    } finally {
      await holder.release();
    }
  });
});
