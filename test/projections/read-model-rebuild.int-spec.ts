import type { INestApplicationContext } from '@nestjs/common';
import { DomainError, EventStore, ProjectionRegistry, describeReadTable, planAll, planRebuild, rebuildProjections } from '@maple/platform';
import type { RebuildPlan, RebuildReport } from '@maple/platform';
import { describeEachDatabase } from '../support/databases';
import type { TestDatabase } from '../support/databases';
import { buildTenants, startContexts, startWorkload, step } from './read-model-world';
import type { Tenant } from './read-model-world';

// Every read model of the application, rebuilt from the event store while commands keep
// running (on PostgreSQL; on the embedded database, which runs one transaction at a time,
// commands run between the rebuild's batches). Each rebuild is checked twice, row for row:
//   - under the swap's locks, the fresh tables equal the live ones (nothing lost or doubled
//     up to the swap, whatever committed late or out of order);
//   - once the writers have stopped, a second rebuild from scratch equals what the first one
//     left plus everything the writers wrote into it after the swap.
// And each swapped-in table has exactly the definition of the one it replaced: columns, keys,
// indexes, foreign keys (its own and other tables' pointing at it), triggers, row-level security
// policies, grants, partitions and their schemas.

const REBUILDS: { name: string; tables: string[]; referencing?: string[] }[] = [
  { name: 'identity.users', tables: ['User', 'Subscription'] },
  { name: 'tenancy.companies', tables: ['Company'], referencing: ['User', 'Subscription', 'ComplianceRecord', 'AIModel', 'AnalyticsEvent', 'HRRecord', 'Workflow'] },
  { name: 'compliance.records', tables: ['ComplianceRecord'] },
  { name: 'audit-log', tables: ['AuditLog', 'audit_entity_state'] },
];

const noDifferences = (r: RebuildReport) => Object.fromEntries(r.tables.map((t) => [t, { onlyLive: 0, onlyRebuilt: 0 }]));

describeEachDatabase('read models rebuilt from the event store', (ctx) => {
  let app: INestApplicationContext;
  let world: { admin: string; tenants: Tenant[] };
  const store = new EventStore();
  const registry = () => app.get(ProjectionRegistry);

  beforeAll(async () => {
    app = await startContexts(ctx());
    world = await buildTenants(app, 4);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });

  it('declares the tables of every projection, and one rebuild covers each group of projections sharing a table', () => {
    const entries = registry().entries();
    // Two async projections write no read model: the feed of domain events into analytics (its
    // rows are telemetry, AnalyticsEvent, which a rebuild must never swap away) and workflow's
    // trigger inbox (delivery bookkeeping).
    expect(entries.filter((e) => !e.projection.tables.length).map((e) => e.projection.name).sort()).toEqual(['analytics.system-events', 'workflow.trigger-inbox']);
    const plans = planAll(entries).map((p) => ({ tables: [...p.tables].sort(), projections: p.projections.map((x) => x.name).sort(), mode: p.mode }));
    expect(plans).toEqual(
      expect.arrayContaining([
        { tables: ['Subscription', 'User'], projections: ['billing.subscriptions', 'identity.users'], mode: 'inline' },
        { tables: ['Company'], projections: ['tenancy.companies'], mode: 'inline' },
        { tables: ['ComplianceRecord'], projections: ['compliance.records'], mode: 'inline' },
        { tables: ['AuditLog', 'audit_entity_state'], projections: ['audit-log'], mode: 'inline' },
        { tables: ['HRRecord', 'hr_employee_changes'], projections: ['hr.records'], mode: 'inline' },
        { tables: ['hr_retention_policies', 'hr_retention_proposals', 'hr_subjects'], projections: ['hr.subjects'], mode: 'inline' },
        { tables: ['AIModel', 'ai_alias_history', 'ai_models'], projections: ['ai.registry'], mode: 'inline' },
        { tables: ['ai_acceptances', 'ai_prediction_reviews', 'ai_prediction_seals'], projections: ['ai.oversight'], mode: 'inline' },
        { tables: ['analytics_batches', 'analytics_settings'], projections: ['analytics.batches'], mode: 'inline' },
        { tables: ['Workflow', 'workflow_definition_versions', 'workflow_instances', 'workflow_tasks'], projections: ['workflow'], mode: 'inline' },
      ]),
    );
    expect(plans).toHaveLength(10);
  });

  for (const target of REBUILDS) {
    it(`rebuilds ${target.tables.join(' and ')} (${target.name}) while commands run, row for row and definition for definition`, async () => {
      const t = ctx();
      const plan = planRebuild(registry().entries(), target.name);
      expect([...plan.tables].sort()).toEqual([...target.tables].sort());
      const watched = [...target.tables, ...(target.referencing ?? [])];
      const before = await describeAll(t, watched);

      const { report, committedDuring, blockedWriters, unexpected } = t.target === 'postgres' ? await concurrently(t, plan) : await interleaved(plan);
      expect(unexpected).toEqual([]);
      expect(committedDuring).toBeGreaterThan(0);
      expect(report.differences).toEqual(noDifferences(report));
      expect(report.warnings).toEqual([]);
      for (const table of target.tables) expect(report.rows[table]).toBeGreaterThan(0);
      if (t.target === 'postgres') expect(blockedWriters).toBeGreaterThan(0);

      // From scratch, with nobody writing: equal to what the first rebuild plus the writers left.
      const again = await rebuildProjections(t.db, store, plan, { compare: true });
      expect(again.differences).toEqual(noDifferences(again));
      expect(await describeAll(t, watched)).toEqual(before);
      await expectTenantIsolation(t, target.tables);
    }, 180_000);
  }

  it('refuses a second rebuild of the same tables while one runs, and the live tables stay as they were', async () => {
    const t = ctx();
    const plan = planRebuild(registry().entries(), 'compliance.records');
    let second: Promise<unknown> | undefined;
    await rebuildProjections(t.db, store, plan, {
      batchSize: 5,
      onProgress: async (p) => {
        if (p.phase === 'replay' && !second) second = rebuildProjections(t.db, store, plan).catch((e: unknown) => e);
      },
    });
    expect(await second).toMatchObject({ code: 'REBUILD.IN_PROGRESS' });
    const [{ n }] = await t.superuser(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname LIKE 'maple_rebuild_%'`);
    expect(n).toBe(0);
  });

  // Commands from several writers at once; the rebuild holds its swap's locks a moment longer
  // than it needs to, so that writers demonstrably queue behind them and then write the new tables.
  async function concurrently(t: TestDatabase, plan: RebuildPlan) {
    const work = startWorkload(app, world, 6);
    await until(() => work.done() >= 10);
    const start = work.done();
    let blockedWriters = 0;
    let atSwap = 0;
    const report = await rebuildProjections(t.db, store, plan, {
      compare: true,
      batchSize: 50,
      onProgress: async (p) => {
        if (p.phase !== 'swap-locked') return;
        atSwap = work.done();
        await new Promise((r) => setTimeout(r, 300));
        // Writers queue on the tables or on those whose foreign keys point at them (locked too).
        const [{ n }] = await t.superuser(`SELECT count(*)::int AS n FROM pg_locks l WHERE NOT l.granted AND l.locktype = 'relation' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
        blockedWriters = Math.max(blockedWriters, Number(n));
      },
    });
    // Writers go on into the new tables after the swap.
    const swapped = work.done();
    await until(() => work.done() >= swapped + 20);
    const unexpected = await work.stop();
    return { report, committedDuring: atSwap - start, blockedWriters, unexpected };
  }

  async function interleaved(plan: RebuildPlan) {
    let i = 0;
    let committedDuring = 0;
    const unexpected: string[] = [];
    const run = async (n: number) => {
      for (let k = 0; k < n; k++) {
        await step(app, world, 0, i++).then(
          () => committedDuring++,
          (e: Error) => (e instanceof DomainError ? undefined : unexpected.push(e.message)),
        );
      }
    };
    const report = await rebuildProjections(ctx().db, store, plan, { compare: true, batchSize: 25, onProgress: async (p) => (p.phase === 'replay' ? run(2) : undefined) });
    await run(8);
    return { report, committedDuring, blockedWriters: 0, unexpected };
  }
});

async function describeAll(t: TestDatabase, tables: string[]) {
  const out: Record<string, unknown> = {};
  for (const table of tables) out[table] = await describeReadTable(t.db, table);
  return out;
}

// The policies came along: as a tenant, the application role sees its own rows only.
async function expectTenantIsolation(t: TestDatabase, tables: string[]) {
  const companyColumn: Record<string, string> = { User: '"companyId"', Subscription: '"companyId"', Company: 'id', ComplianceRecord: '"companyId"', AuditLog: '"companyId"', audit_entity_state: 'company_id' };
  const [{ id }] = await t.superuser(`SELECT id FROM "Company" ORDER BY "createdAt" LIMIT 1`);
  for (const table of tables) {
    const col = companyColumn[table];
    const seen = await t.db.transaction((tx) => tx.query<{ mine: number; others: number }>(`SELECT count(*) FILTER (WHERE ${col} = $1)::int AS mine, count(*) FILTER (WHERE ${col} IS DISTINCT FROM $1)::int AS others FROM "${table}"`, id), { companyId: String(id) });
    const [{ total }] = await t.superuser(`SELECT count(*)::int AS total FROM "${table}" WHERE ${col} IS DISTINCT FROM $1`, [id]);
    expect({ table, mine: seen[0].mine > 0, others: seen[0].others, hidden: Number(total) > 0 }).toEqual({ table, mine: true, others: 0, hidden: true });
  }
}

async function until(cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for the writers');
    await new Promise((r) => setTimeout(r, 20));
  }
}
