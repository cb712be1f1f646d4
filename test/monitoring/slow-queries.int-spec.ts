import { PGlite } from '@electric-sql/pglite';
import { pg_stat_statements } from '@electric-sql/pglite/contrib/pg_stat_statements';
import { Database, loadConfig, slowQueries } from '@maple/platform';
import { describeEachDatabase, migrationPaths, openTestDatabase } from '../support/databases';

// pg_stat_statements counts only when the server preloads it (shared_preload_libraries, a
// restart) and the database has CREATE EXTENSION. This machine's PostgreSQL server does not
// preload it, and the shared server is not restarted for a test; PGlite ships it as an
// extension that it preloads, so the listing itself is tested there.

describeEachDatabase('slow queries without pg_stat_statements', (ctx) => {
  it('says it is not available, and why', async () => {
    const r = await slowQueries(ctx().db);
    expect(r.available).toBe(false);
    // PGlite opened by Maple has no extensions; the server has the extension's files but does not preload it.
    const why = ctx().target === 'embedded' ? /not installed on this database server/ : /shared_preload_libraries|not created in this database/;
    expect(r).toEqual({ available: false, reason: expect.stringMatching(why) });
  });
});

(process.env.TEST_DATABASE_URL ? describe : describe.skip)('slow queries on the PostgreSQL server [postgres]', () => {
  let db: Database;
  let su: (sql: string) => Promise<Record<string, unknown>[]>;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const t = await openTestDatabase('postgres');
    db = t.db;
    su = (sql) => t.superuser(sql);
    close = () => t.close();
  });
  afterAll(async () => close?.());

  it('can CREATE EXTENSION, and then names shared_preload_libraries as what is missing (or lists statements where it is preloaded)', async () => {
    await su('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const [{ shared_preload_libraries: preload }] = await su('SHOW shared_preload_libraries');
    const r = await slowQueries(db);
    if (String(preload).includes('pg_stat_statements')) {
      expect(r.available).toBe(true);
    } else {
      expect(r).toEqual({ available: false, reason: `pg_stat_statements is not loaded: shared_preload_libraries is '${String(preload)}'; add pg_stat_statements to it and restart PostgreSQL` });
    }
  });
});

describe('slow queries where pg_stat_statements is preloaded [embedded, with the extension]', () => {
  let lite: PGlite;
  let db: Database;
  beforeAll(async () => {
    lite = await PGlite.create({ extensions: { pg_stat_statements } });
    db = await Database.open({ config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }), pglite: lite, paths: migrationPaths, migrate: true });
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await lite?.close();
  });

  it('asks for CREATE EXTENSION while the extension is loaded but not created', async () => {
    expect(await slowQueries(db)).toEqual({ available: false, reason: expect.stringMatching(/loaded but not created in this database: run CREATE EXTENSION pg_stat_statements/) });
  });

  it('lists the top statements by total time, constants replaced, no transaction openings', async () => {
    await lite.exec('CREATE EXTENSION pg_stat_statements');
    for (let i = 0; i < 20; i++) {
      await db.transaction((tx) => tx.query(`SELECT count(*) FROM "User" WHERE email = 'secret.person@example.com' AND ${i} >= 0`), { companyId: 'acme' });
    }
    const r = await slowQueries(db, 5);
    if (!r.available) throw new Error(r.reason);
    expect(r.statements.length).toBeGreaterThan(0);
    expect(r.statements.length).toBeLessThanOrEqual(5);
    const totals = r.statements.map((s) => s.totalMs);
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
    const all = (await slowQueries(db, 100)) as { statements: { query: string; calls: number }[] };
    const ours = all.statements.find((s) => s.query.includes('FROM "User" WHERE email'));
    expect(ours).toMatchObject({ calls: 20 });
    expect(ours?.query).toMatch(/email = \$1/);
    const text = JSON.stringify(all.statements);
    expect(text).not.toContain('secret.person@example.com');
    expect(text).not.toContain('acme');
    expect(all.statements.some((s) => /^\s*(SET|BEGIN|COMMIT)/i.test(s.query))).toBe(false);
  });
});
