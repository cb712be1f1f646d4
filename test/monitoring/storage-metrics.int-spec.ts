import { Metrics } from '@maple/platform';
import { describeEachDatabase } from '../support/databases';

const sizeOf = (text: string, schema: string, table: string): number | undefined => {
  const m = new RegExp(`^db_table_size_bytes\\{schema="${schema}",table="${table}"\\} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};

describeEachDatabase('storage and pool metrics', (ctx) => {
  it('reports each table once, partitioned tables as the sum of their partitions, and grows with the data', async () => {
    const metrics = new Metrics(ctx().db);
    const before = await metrics.registry.metrics();
    expect(sizeOf(before, 'public', 'events')).toBeGreaterThan(0);
    // Partitions (monthly audit log, hashed compliance records) are not listed one by one.
    expect(before).toMatch(/^db_table_size_bytes\{schema="public",table="AuditLog"\} \d+/m);
    expect(before).not.toMatch(/table="ComplianceRecord_p0"|table="AuditLog_default"/);
    const companyBefore = sizeOf(before, 'public', 'Company') ?? 0;
    await ctx().superuser(`INSERT INTO "Company" (id, name, "updatedAt") SELECT 'grow-' || g, repeat('x', 200), now() FROM generate_series(1, 2000) g`);
    const after = await metrics.registry.metrics();
    expect(sizeOf(after, 'public', 'Company')).toBeGreaterThan(companyBefore + 200 * 2000 * 0.5);
    expect(Number(/^db_database_size_bytes (\d+)/m.exec(after)?.[1])).toBeGreaterThan(1_000_000);
  });

  it('reports the pool: open, idle, waiting and configured connections', async () => {
    const text = await new Metrics(ctx().db).registry.metrics();
    const max = ctx().target === 'embedded' ? 1 : ctx().config.database.poolSize;
    expect(text).toMatch(new RegExp(`^db_pool_connections_max ${max}$`, 'm'));
    for (const m of ['db_pool_connections_total', 'db_pool_connections_idle', 'db_pool_waiting_requests']) expect(text).toMatch(new RegExp(`^${m} \\d+$`, 'm'));
  });
});
