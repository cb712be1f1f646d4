import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { Database, EmbeddedServer, loadConfig, socketUrl } from '@maple/platform';
import { migrationPaths, openTestDatabase } from '../support/databases';
import type { TestDatabase } from '../support/databases';

// The owner's PGlite served over a Unix socket: what the CLI (or psql) uses beside a running API.
// PGlite is one session; these check that a client and the owner never run inside each other's
// transactions, and that nothing a client does to the session reaches the owner.
// Embedded only by nature: on a PostgreSQL server every connection has a session of its own.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Generous for the tests that only pause for a moment (the machine may be busy); the idle-limit
// test runs a server of its own with a short one.
const IDLE_LIMIT_MS = 30_000;
const SHORT_IDLE_LIMIT_MS = 1000;

describe('embedded server (PGlite only: it serves an embedded database to other processes)', () => {
  let t: TestDatabase;
  let server: EmbeddedServer;
  let dir: string;
  const clients: Client[] = [];

  const client = async (socketDir = dir) => {
    const c = new Client({ host: socketDir, user: 'postgres', database: 'postgres' });
    c.on('error', () => undefined);
    await c.connect();
    clients.push(c);
    return c;
  };
  const rows = async () => (await t.superuser('SELECT id FROM scratch ORDER BY id')).map((r) => r.id);
  // The owner's own write, the way the application writes: Database.transaction as maple_app.
  const ownerInsert = (id: number, during?: () => Promise<void>) =>
    t.db.transaction(async (tx) => {
      await tx.execute('INSERT INTO scratch (id) VALUES ($1)', id);
      await during?.();
    });
  const settled = <T>(p: Promise<T>) => {
    const state = { done: false };
    void p.then(
      () => (state.done = true),
      () => (state.done = true),
    );
    return state;
  };

  beforeAll(async () => {
    t = await openTestDatabase('embedded');
    await t.superuser('CREATE TABLE scratch (id int PRIMARY KEY); GRANT ALL ON scratch TO maple_app');
    dir = mkdtempSync(path.join(os.tmpdir(), 'maple-db-test-'));
    server = await EmbeddedServer.start(t.pglite!, dir, { idleInTransactionMs: IDLE_LIMIT_MS });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
    await t.superuser('TRUNCATE scratch');
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("holds the owner's statements while a client's transaction is open, and the client's ROLLBACK leaves the owner's write alone", async () => {
    const c = await client();
    await c.query('BEGIN');
    await c.query('INSERT INTO scratch (id) VALUES (1)');
    const owner = ownerInsert(2);
    const state = settled(owner);
    await sleep(300);
    expect(state.done).toBe(false);
    await c.query('ROLLBACK');
    await owner;
    expect(await rows()).toEqual([2]);
  });

  it("runs a client's statement after the owner's open transaction, never inside it", async () => {
    const c = await client();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // The owner inserts, then waits, then fails: its row must never have been visible.
    const owner = ownerInsert(7, async () => {
      await gate;
      throw new Error('owner gives up');
    });
    await sleep(50);
    const count = c.query<{ n: number }>('SELECT count(*)::int AS n FROM scratch');
    const state = settled(count);
    await sleep(300);
    expect(state.done).toBe(false);
    release();
    await expect(owner).rejects.toThrow('owner gives up');
    expect((await count).rows[0].n).toBe(0);
  });

  it('serialises two clients: the second waits for the first one to commit, then sees its row', async () => {
    const a = await client();
    const b = await client();
    await a.query('BEGIN');
    await a.query('INSERT INTO scratch (id) VALUES (3)');
    const read = b.query<{ n: number }>('SELECT count(*)::int AS n FROM scratch');
    const state = settled(read);
    await sleep(300);
    expect(state.done).toBe(false);
    await a.query('COMMIT');
    expect((await read).rows[0].n).toBe(1);
  });

  it('rolls back the transaction of a client that disconnects, and the owner goes on', async () => {
    const c = await client();
    await c.query('BEGIN');
    await c.query('INSERT INTO scratch (id) VALUES (4)');
    (c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await ownerInsert(5);
    expect(await rows()).toEqual([5]);
  });

  it(`disconnects a client idle in a transaction for more than its limit (${SHORT_IDLE_LIMIT_MS} ms here), rolling it back`, async () => {
    const shortDir = mkdtempSync(path.join(os.tmpdir(), 'maple-db-test-'));
    const strict = await EmbeddedServer.start(t.pglite!, shortDir, { idleInTransactionMs: SHORT_IDLE_LIMIT_MS });
    try {
      const c = await client(shortDir);
      const ended = new Promise<Error>((resolve) => c.once('error', resolve));
      await c.query('BEGIN');
      await c.query('INSERT INTO scratch (id) VALUES (6)');
      const started = Date.now();
      await ownerInsert(8);
      expect(Date.now() - started).toBeGreaterThanOrEqual(SHORT_IDLE_LIMIT_MS - 100);
      expect((await ended).message).toMatch(/idle-in-transaction timeout/);
      expect(await rows()).toEqual([8]);
    } finally {
      await strict.close();
      rmSync(shortDir, { recursive: true, force: true });
    }
  });

  it('ends a client whose transaction failed in the very request that set a short session timeout, which cannot be disarmed then', async () => {
    const c = await client();
    const ended = new Promise<Error>((resolve) => c.once('error', resolve));
    await expect(c.query('BEGIN; SET LOCAL idle_in_transaction_session_timeout = 200; SELECT 1/0')).rejects.toThrow('division by zero');
    expect((await ended).message).toMatch(/short session timeout/);
    await sleep(400);
    await ownerInsert(12);
    expect(await rows()).toEqual([12]);
  });

  it("keeps the connection when that timeout is longer than the server's own limit, as in the CLI's transactions", async () => {
    const c = await client();
    await expect(c.query(`BEGIN; SET LOCAL idle_in_transaction_session_timeout = ${IDLE_LIMIT_MS * 2}; SELECT 1/0`)).rejects.toThrow('division by zero');
    await c.query('ROLLBACK');
    expect((await c.query('SELECT 1 AS one')).rows[0].one).toBe(1);
  });

  it("keeps a client's session settings away from the owner: they last until the session is idle again", async () => {
    const c = await client();
    const settings = "SELECT current_user AS u, current_setting('search_path') AS p, current_setting('application_name') AS a";
    const defaults = (await t.superuser(settings))[0];
    expect(defaults.u).toBe('postgres');
    await c.query('BEGIN');
    await c.query("SET search_path TO nowhere; SET ROLE maple_app; SET application_name = 'client'");
    expect((await c.query(settings)).rows[0]).toEqual({ u: 'maple_app', p: 'nowhere', a: 'client' });
    await c.query('COMMIT');
    expect((await t.superuser(settings))[0]).toEqual(defaults);
    // Outside a transaction a SET ends with its own statement: the session is shared.
    await c.query('SET search_path TO nowhere');
    expect((await t.superuser(settings))[0]).toEqual(defaults);
    expect((await c.query(settings)).rows[0].p).toBe(defaults.p);
  });

  it('survives the session timeouts a client sets, which PGlite itself cannot (they would hang or end the owner)', async () => {
    const c = await client();
    await c.query('SET idle_session_timeout = 50');
    await c.query('BEGIN; SET LOCAL idle_in_transaction_session_timeout = 50; SET LOCAL transaction_timeout = 50');
    await sleep(300);
    expect((await c.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    await c.query('COMMIT');
    await sleep(300);
    expect((await c.query('SELECT 2 AS two')).rows[0].two).toBe(2);
    expect((await t.superuser('SELECT 3 AS three'))[0].three).toBe(3);
  });

  it('keeps the prepared statements of two clients apart, and closes them when their client goes', async () => {
    const a = await client();
    const b = await client();
    expect((await a.query({ name: 'q', text: 'SELECT 1 AS v' })).rows[0].v).toBe(1);
    expect((await b.query({ name: 'q', text: "SELECT 'b' AS v" })).rows[0].v).toBe('b');
    expect((await a.query({ name: 'q', text: 'SELECT 1 AS v' })).rows[0].v).toBe(1);
    await a.end();
    await b.end();
    await sleep(100);
    expect(await t.superuser('SELECT name FROM pg_prepared_statements')).toEqual([]);
  });

  it('gives the CLI its PostgreSQL code path: Database over the socket, with row-level security as maple_app', async () => {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: socketUrl(dir) });
    const remote = await Database.open({ config, paths: migrationPaths });
    try {
      expect(remote.kind).toBe('postgres');
      const seen = await remote.transaction((tx) => tx.query<{ u: string; c: string }>(`SELECT current_user AS u, current_setting('app.company_id') AS c`), { companyId: 'acme' });
      expect(seen).toEqual([{ u: 'maple_app', c: 'acme' }]);
      await remote.transaction((tx) => tx.execute('INSERT INTO scratch (id) VALUES ($1)', 9));
      expect(await rows()).toEqual([9]);
      expect((await remote.migrationCheck()).pending).toEqual([]);
    } finally {
      await remote.close();
    }
  });

  it('refuses a database it does not serve, with PostgreSQL\'s error', async () => {
    const c = new Client({ host: dir, user: 'postgres', database: 'maple' });
    await expect(c.connect()).rejects.toThrow('database "maple" does not exist: the embedded server serves "postgres"');
  });

  const psql = (args: string[]) =>
    new Promise<{ code: number; out: string }>((resolve) =>
      execFile('psql', ['-h', dir, '-U', 'postgres', '-X', ...args], { encoding: 'utf8' }, (e, out, err) => resolve({ code: e ? Number(e.code ?? 1) : 0, out: out + err })),
    );
  const hasPsql = spawnSync('psql', ['--version']).status === 0;
  (hasPsql ? it : it.skip)('serves psql (skipped where psql is not installed)', async () => {
    await t.superuser('INSERT INTO scratch (id) VALUES (10), (11)');
    const r = await psql(['-At', '-c', 'SELECT count(*) FROM scratch']);
    expect(r).toEqual({ code: 0, out: '2\n' });
  });
});
