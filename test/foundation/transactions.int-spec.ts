import { randomUUID } from 'node:crypto';
import { describeEachDatabase, onServer } from '../support/databases';

// Database.transaction: on PostgreSQL a plain `pg` transaction whose opening (BEGIN, role,
// company) rides with its first statement, parameters written as literals; on the embedded
// database, Prisma's transaction. Both must behave the same to the code above.
const nasty = [
  "O'Brien",
  "'); DROP TABLE events; --",
  'C:\\temp\\new',
  "\\'; SELECT 1; --",
  '$1 $$ $a$ -- /* */',
  'Дерипаска 🍁 é\u2028',
  '',
];

describeEachDatabase('transactions', (ctx, target) => {
  const checkpoint = async (name: string) =>
    (await ctx().superuser(`SELECT name FROM projection_checkpoints WHERE name = $1`, [name])).length;

  it.each(nasty.map((s) => [JSON.stringify(s), s]))('carries %s exactly, in the first statement and after it', async (_label, s) => {
    const [first, second] = await ctx().db.transaction(async (tx) => [
      (await tx.query<{ v: string; n: string }>('SELECT $1::text AS v, $2::bigint::text AS n', s, '9007199254740993'))[0],
      (await tx.query<{ v: string }>('SELECT $1::text AS v', s))[0],
    ]);
    expect(first).toEqual({ v: s, n: '9007199254740993' });
    expect(second).toEqual({ v: s });
    expect(await ctx().superuser(`SELECT to_regclass('public.events')::text AS t`)).toEqual([{ t: 'events' }]);
  });

  it('runs the first statement already as the application role, for the company', async () => {
    const [row] = await ctx().db.transaction((tx) => tx.query(`SELECT current_user::text AS role, current_setting('app.company_id', true) AS company`), { companyId: "co'1" });
    expect(row).toEqual({ role: 'maple_app', company: "co'1" });
  });

  it('commits what the function wrote, and rolls all of it back when the function throws', async () => {
    const kept = `tx-kept-${randomUUID()}`;
    const lost = `tx-lost-${randomUUID()}`;
    await ctx().db.transaction((tx) => tx.execute(`INSERT INTO projection_checkpoints (name) VALUES ($1)`, kept), { allCompanies: true });
    await expect(
      ctx().db.transaction(async (tx) => {
        await tx.execute(`INSERT INTO projection_checkpoints (name) VALUES ($1)`, lost);
        throw new Error('changed my mind');
      }, { allCompanies: true }),
    ).rejects.toThrow('changed my mind');
    expect(await checkpoint(kept)).toBe(1);
    expect(await checkpoint(lost)).toBe(0);
  });

  it('rolls back when the first statement fails, and the connection serves the next transaction', async () => {
    const name = `tx-dup-${randomUUID()}`;
    await ctx().db.transaction((tx) => tx.execute(`INSERT INTO projection_checkpoints (name) VALUES ($1)`, name), { allCompanies: true });
    for (let i = 0; i < 25; i++) {
      await expect(
        ctx().db.transaction((tx) => tx.execute(`INSERT INTO projection_checkpoints (name) VALUES ($1)`, name), { allCompanies: true }),
      ).rejects.toMatchObject({ code: '23505' });
    }
    const [row] = await ctx().db.transaction((tx) => tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM projection_checkpoints WHERE name = $1`, name), { allCompanies: true });
    expect(row.n).toBe(1);
  });

  it('rolls back a transaction that outlives its time limit', async () => {
    const name = `tx-slow-${randomUUID()}`;
    const slow = ctx().db.transaction(
      async (tx) => {
        await tx.execute(`INSERT INTO projection_checkpoints (name) VALUES ($1)`, name);
        await new Promise((r) => setTimeout(r, 400));
        return 'done';
      },
      { allCompanies: true },
      { timeoutMs: 100 },
    );
    await expect(slow).rejects.toThrow();
    if (ctx().target === 'postgres') await expect(slow).rejects.toMatchObject({ code: 'TRANSACTION_TIMEOUT' });
    expect(await checkpoint(name)).toBe(0);
  });

  onServer(target)('survives its connection being killed mid-transaction: the caller gets the error, nothing is written, the pool goes on', async () => {
    const name = `tx-killed-${randomUUID()}`;
    await expect(
      ctx().db.transaction(async (tx) => {
        await tx.execute(`INSERT INTO projection_checkpoints (name) VALUES ($1)`, name);
        const [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await ctx().superuser('SELECT pg_terminate_backend($1)', [pid]);
        // The termination notice arrives while no statement is running.
        await new Promise((r) => setTimeout(r, 300));
        await tx.query('SELECT 1');
      }, { allCompanies: true }),
    ).rejects.toThrow();
    expect(await checkpoint(name)).toBe(0);
    for (let i = 0; i < 30; i++) expect(await ctx().db.transaction((tx) => tx.query<{ one: number }>('SELECT 1 AS one'))).toEqual([{ one: 1 }]);
  });

  onServer(target)('has the server end a transaction left idle past its time limit, releasing its locks', async () => {
    let pid = 0;
    const slow = ctx().db.transaction(
      async (tx) => {
        [{ pid }] = await tx.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid, pg_advisory_xact_lock(4242)`);
        await new Promise((r) => setTimeout(r, 1500));
      },
      {},
      { timeoutMs: 300 },
    );
    await new Promise((r) => setTimeout(r, 1000));
    // Before the caller wakes up, the session (and the lock it held) is gone.
    expect(await ctx().superuser('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [pid])).toEqual([{ n: 0 }]);
    expect(await ctx().superuser('SELECT pg_try_advisory_lock(4242) AS got')).toEqual([{ got: true }]);
    await ctx().superuser('SELECT pg_advisory_unlock(4242)');
    await expect(slow).rejects.toMatchObject({ code: 'TRANSACTION_TIMEOUT' });
  });

  it('returns the value of a function that runs no statement', async () => {
    expect(await ctx().db.transaction(async () => 42)).toBe(42);
  });
});
