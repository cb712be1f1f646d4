import { randomUUID } from 'node:crypto';
import { describeEachDatabase } from '../support/databases';
import type { TestDatabase } from '../support/databases';

// Row-level security is the backstop behind every query: these tests talk to the database as
// the application role directly, below the HTTP layer and the handlers.

type Table = { schema: string; table: string; column: string };

/** Every table (not view) with a company column, in any schema of ours. */
async function tenantTables(t: TestDatabase): Promise<Table[]> {
  const rows = await t.superuser(
    `SELECT c.table_schema AS schema, c.table_name AS "table", c.column_name AS column
     FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
     WHERE c.column_name IN ('companyId', 'company_id') AND t.table_type = 'BASE TABLE'
       AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
     ORDER BY 1, 2`,
  );
  return rows as Table[];
}

// A row for any table, from its required columns (so a new tenant table is covered too).
async function insertRow(t: TestDatabase, tbl: Table, companyId: string): Promise<void> {
  const cols = (await t.superuser(
    `SELECT column_name AS name, data_type AS type, udt_name AS udt FROM information_schema.columns
     WHERE table_schema = $1 AND table_name = $2 AND (is_nullable = 'NO' OR column_name = $3) AND (column_default IS NULL OR column_name = $3)`,
    [tbl.schema, tbl.table, tbl.column],
  )) as { name: string; type: string; udt: string }[];
  const values: string[] = [];
  for (const c of cols) {
    if (c.name === tbl.column) values.push(`'${companyId}'`);
    // AnalyticsEvent checks its type against the three the seed names.
    else if (tbl.table === 'AnalyticsEvent' && c.name === 'eventType') values.push(`'user_action'`);
    else if (c.type === 'USER-DEFINED') values.push(`(enum_range(NULL::"${c.udt}"))[1]`);
    else if (c.type === 'uuid') values.push(`'${randomUUID()}'`);
    else if (c.type === 'jsonb' || c.type === 'json') values.push(`'{}'`);
    else if (c.type.startsWith('timestamp')) values.push('now()');
    else if (c.type === 'boolean') values.push('true');
    else if (['integer', 'bigint', 'numeric', 'smallint'].includes(c.type)) values.push('1');
    else if (c.type === 'ARRAY') values.push(`'{}'`);
    else if (c.type === 'bytea') values.push(`'\\x00'`);
    else values.push(`'${randomUUID()}'`);
  }
  await t.superuser(`INSERT INTO "${tbl.schema}"."${tbl.table}" (${cols.map((c) => `"${c.name}"`).join(', ')}) VALUES (${values.join(', ')})`);
}

describeEachDatabase('tenancy: row-level security', (ctx) => {
  const companyId = `rls-${randomUUID()}`;
  let tables: Table[];
  const seeded = new Set<string>();

  beforeAll(async () => {
    const t = ctx();
    tables = await tenantTables(t);
    await t.superuser(`INSERT INTO "Company" (id, name, "updatedAt") VALUES ('${companyId}', 'RLS test', now())`);
    seeded.add('public.Company');
    for (const tbl of tables) {
      if (tbl.table === 'Company') continue;
      try {
        await insertRow(t, tbl, companyId);
        seeded.add(`${tbl.schema}.${tbl.table}`);
      } catch {
        // Append-only or otherwise special tables (events, AuditLog partitions) are checked empty-handed.
      }
    }
  });

  it('finds the tenant tables and could put a row in the main ones', () => {
    for (const name of ['User', 'Subscription', 'ComplianceRecord', 'AIModel', 'AnalyticsEvent', 'HRRecord', 'Workflow', 'refresh_tokens']) expect(seeded).toContain(`public.${name}`);
  });

  it('shows the application role no tenant row when no company is set', async () => {
    const t = ctx();
    // Tables the application role cannot reach at all (no schema usage or no grant) show it nothing anyway.
    const reachable = new Set(
      (await t.superuser(
        `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE has_schema_privilege('maple_app', n.oid, 'USAGE') AND has_table_privilege('maple_app', c.oid, 'SELECT')`,
      )).map((r) => String(r.name)),
    );
    const counts = await t.db.transaction(async (tx) => {
      const out: Record<string, number> = {};
      for (const tbl of [...tables, { schema: 'public', table: 'Company', column: 'id' }]) {
        if (!reachable.has(`${tbl.schema}.${tbl.table}`)) continue;
        const [{ n }] = await tx.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${tbl.schema}"."${tbl.table}"`);
        out[`${tbl.schema}.${tbl.table}`] = Number(n);
      }
      return out;
    });
    expect(Object.keys(counts).length).toBeGreaterThanOrEqual(9);
    expect(Object.entries(counts).filter(([, n]) => n !== 0)).toEqual([]);
  });

  it('shows the company its own rows, and another company none', async () => {
    const t = ctx();
    const count = (scope: { companyId: string }) => t.db.transaction(async (tx) => Number((await tx.query<{ n: string }>(`SELECT count(*)::text AS n FROM "User"`))[0].n), scope);
    expect(await count({ companyId })).toBe(1);
    expect(await count({ companyId: 'someone-else' })).toBe(0);
  });

  it('widens for no setting: a tenant transaction that turns on app.all_companies still sees only its company', async () => {
    const t = ctx();
    const counts = await t.db.transaction(async (tx) => {
      // What one injected statement could do: every GUC the old policies trusted.
      await tx.query(`SELECT set_config('app.all_companies', 'on', true), set_config('app.bypass', 'on', true)`);
      const out: Record<string, number> = {};
      for (const tbl of tables) {
        // Partitions are reachable only through their parent.
        if (tbl.schema !== 'public' || /_p\d+$|_default$/.test(tbl.table) || !seeded.has(`${tbl.schema}.${tbl.table}`)) continue;
        const [{ n }] = await tx.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${tbl.schema}"."${tbl.table}"`);
        out[`${tbl.schema}.${tbl.table}`] = Number(n);
      }
      return out;
    }, { companyId: 'someone-else' });
    expect(Object.keys(counts).length).toBeGreaterThanOrEqual(8);
    expect(Object.entries(counts).filter(([, n]) => n !== 0)).toEqual([]);
    // The cross-company path is a database role, not a setting.
    const [who] = await t.db.transaction((tx) => tx.query<{ role: string; n: string }>(`SELECT current_user::text AS role, (SELECT count(*)::text FROM "User") AS n`), { allCompanies: true });
    expect(who.role).toBe('maple_system');
    expect(Number(who.n)).toBeGreaterThanOrEqual(1);
  });

  it('keeps no policy that a setting could open (none reads app.all_companies)', async () => {
    const rows = await ctx().superuser(`SELECT schemaname || '.' || tablename || ': ' || policyname AS p FROM pg_policies WHERE coalesce(qual, '') || coalesce(with_check, '') LIKE '%all_companies%'`);
    expect(rows).toEqual([]);
  });

  it('refuses to write a row for another company', async () => {
    const t = ctx();
    await expect(
      t.db.transaction((tx) => tx.execute(`INSERT INTO "Workflow" (id, name, type, steps, "companyId", "updatedAt") VALUES ('w-x', 'x', 'x', '{}', $1, now())`, companyId), { companyId: 'someone-else' }),
    ).rejects.toThrow(/row-level security|policy/i);
  });

  it('carries no company setting from one pooled transaction into the next', async () => {
    const t = ctx();
    // Enough concurrent transactions to go through every pooled connection, several times.
    const rounds = Array.from({ length: 60 }, (_, i) => i);
    await Promise.all(rounds.map((i) => t.db.transaction((tx) => tx.query(`SELECT count(*) FROM "User"`), i % 2 ? { companyId } : { allCompanies: true })));
    const after = await Promise.all(
      rounds.map(() =>
        t.db.transaction(async (tx) => {
          const [s] = await tx.query<{ company: string | null; role: string; n: string }>(
            `SELECT current_setting('app.company_id', true) AS company, current_user::text AS role, (SELECT count(*)::text FROM "User") AS n`,
          );
          return s;
        }),
      ),
    );
    expect(after.every((s) => (s.company ?? '') === '' && s.role === 'maple_app' && s.n === '0')).toBe(true);
    // A pooled connection's next transaction that sets no role is back to the login role with nothing set.
    const raw = await Promise.all(
      rounds.slice(0, 20).map(() => t.db.ownerTransaction((tx) => tx.query<{ company: string | null; role: string }>(`SELECT current_setting('app.company_id', true) AS company, current_user::text AS role`))),
    );
    expect(raw.every(([r]) => (r.company ?? '') === '' && r.role !== 'maple_app' && r.role !== 'maple_system')).toBe(true);
  });

  it('has RLS enabled AND forced with a policy on every table with a company column (or no access for the app role)', async () => {
    const t = ctx();
    const rows = (await t.superuser(
      `SELECT n.nspname AS schema, c.relname AS "table", c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
              (SELECT count(*)::int FROM pg_policies p WHERE p.schemaname = n.nspname AND p.tablename = c.relname) AS policies,
              has_table_privilege('maple_app', c.oid, 'SELECT') AND has_schema_privilege('maple_app', n.oid, 'USAGE') AS reachable
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
         AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname IN ('companyId', 'company_id') AND NOT a.attisdropped)`,
    )) as { schema: string; table: string; enabled: boolean; forced: boolean; policies: number; reachable: boolean }[];
    expect(rows.length).toBeGreaterThanOrEqual(9);
    const unprotected = rows.filter((r) => r.reachable && !(r.enabled && r.forced && r.policies > 0)).map((r) => `${r.schema}.${r.table} (enabled=${r.enabled}, forced=${r.forced}, policies=${r.policies})`);
    expect(unprotected).toEqual([]);
  });
});
