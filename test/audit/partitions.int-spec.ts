import { randomUUID } from 'node:crypto';
import { dropAuditPartition, ensureAuditPartitions, listAuditPartitions, runRetention } from '@maple/audit';
import { describeEachDatabase } from '../support/databases';

const ALL = { allCompanies: true };
const monthName = (d: Date) =>
  `audit.AuditLog_p${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;

describeEachDatabase('AuditLog partitions and retention', (ctx) => {
  const now = new Date();
  const thisMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));

  it('creates monthly partitions ahead, idempotently, with a default partition behind them', async () => {
    await ensureAuditPartitions(ctx().db, 6);
    expect(await ensureAuditPartitions(ctx().db, 6)).toEqual([]);
    const parts = await ctx().db.transaction((tx) => listAuditPartitions(tx), ALL);
    const names = parts.map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining([
        monthName(thisMonth),
        monthName(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 6, 1))),
        'audit.AuditLog_default',
      ]),
    );
    // A row far outside every monthly partition is kept, in the default partition.
    const id = randomUUID();
    await ctx().db.transaction(
      (tx) =>
        tx.execute(
          `INSERT INTO "AuditLog" (id, action, "entityType", "entityId", "userId", "companyId", "timestamp") VALUES ($1, 'VIEW', 'X', 'x', 'u', 'company-a', '2199-01-01')`,
          id,
        ),
      { companyId: 'company-a' },
    );
    const [where] = await ctx().superuser(
      `SELECT tableoid::regclass::text AS part FROM "AuditLog" WHERE id = $1`,
      [id],
    );
    expect(where.part).toBe('audit."AuditLog_default"');
  });

  it('prunes partitions for a query by entity and time range (EXPLAIN)', async () => {
    const plan = await ctx().superuser(
      `EXPLAIN (COSTS OFF) SELECT * FROM "AuditLog" WHERE "entityType" = 'Contact' AND "entityId" = 'c-1' AND "timestamp" >= '${thisMonth.toISOString().slice(0, 19)}' AND "timestamp" < '${nextMonth.toISOString().slice(0, 19)}'`,
    );
    const text = plan.map((r) => String(r['QUERY PLAN'])).join('\n');
    const scanned = [...new Set(text.match(/AuditLog_(p\d{6}|default)/g) ?? [])];
    expect(scanned).toEqual([monthName(thisMonth).replace('audit.', '')]);
  });

  it('refuses to drop a partition younger than 10 years, and the default partition', async () => {
    await expect(
      ctx().db.transaction((tx) => dropAuditPartition(tx, monthName(thisMonth)), ALL),
    ).rejects.toMatchObject({ code: 'AUDIT.RETENTION_REFUSED' });
    await expect(
      ctx().db.transaction((tx) => dropAuditPartition(tx, 'audit.AuditLog_default'), ALL),
    ).rejects.toMatchObject({ code: 'AUDIT.RETENTION_REFUSED' });
    // Nine years and eleven months ago is still too young.
    const young = new Date(Date.UTC(now.getUTCFullYear() - 10, now.getUTCMonth() + 1, 1));
    const youngEnd = new Date(Date.UTC(now.getUTCFullYear() - 10, now.getUTCMonth() + 2, 1));
    await ctx().superuser(
      `CREATE TABLE audit."AuditLog_young" PARTITION OF "AuditLog" FOR VALUES FROM ('${young.toISOString().slice(0, 10)}') TO ('${youngEnd.toISOString().slice(0, 10)}')`,
    );
    await expect(
      ctx().db.transaction((tx) => dropAuditPartition(tx, 'audit.AuditLog_young'), ALL),
    ).rejects.toMatchObject({ code: 'AUDIT.RETENTION_REFUSED' });
    const names = (await ctx().db.transaction((tx) => listAuditPartitions(tx), ALL)).map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining([monthName(thisMonth), 'audit.AuditLog_default', 'audit.AuditLog_young']),
    );
  });

  it('drops only partitions entirely older than 10 years, and audits every run', async () => {
    await ctx().superuser(
      `CREATE TABLE audit."AuditLog_p201001" PARTITION OF "AuditLog" FOR VALUES FROM ('2010-01-01') TO ('2010-02-01')`,
    );
    const dry = await runRetention(ctx().db, {
      dryRun: true,
      actor: 'ops-1',
      requested: [monthName(thisMonth)],
    });
    expect(dry.dropped).toEqual(['audit.AuditLog_p201001']);
    expect(dry.refused).toEqual([{ name: monthName(thisMonth), reason: 'holds rows younger than 10 years' }]);
    expect((await ctx().db.transaction((tx) => listAuditPartitions(tx), ALL)).map((p) => p.name)).toContain(
      'audit.AuditLog_p201001',
    );

    const real = await runRetention(ctx().db, { dryRun: false, actor: 'ops-1' });
    expect(real.dropped).toEqual(['audit.AuditLog_p201001']);
    const after = (await ctx().db.transaction((tx) => listAuditPartitions(tx), ALL)).map((p) => p.name);
    expect(after).not.toContain('audit.AuditLog_p201001');
    expect(after).toContain(monthName(thisMonth));

    const runs = await ctx().db.transaction(
      (tx) =>
        tx.query<{ entityId: string; userId: string; changes: { after: { dryRun: boolean } } }>(
          `SELECT "entityId", "userId", changes FROM "AuditLog" WHERE "entityType" = 'AuditRetention' ORDER BY "timestamp"`,
        ),
      ALL,
    );
    expect(runs.map((r) => [r.entityId, r.userId, r.changes.after.dryRun])).toEqual([
      [dry.runId, 'ops-1', true],
      [real.runId, 'ops-1', false],
    ]);
  });
});
