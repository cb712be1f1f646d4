import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Database } from '../database/database';

type SizeRow = { schema: string; table: string; bytes: number | bigint | string };

// A partitioned table counts the sum of its partitions (the audit log and compliance records
// by month, the job queue by job), so growth shows per logical table.
const TABLE_SIZES = `
  SELECT n.nspname AS schema, c.relname AS table,
         CASE WHEN c.relkind = 'p'
              THEN (SELECT coalesce(sum(pg_total_relation_size(t.relid)), 0) FROM pg_partition_tree(c.oid) t)
              ELSE pg_total_relation_size(c.oid) END AS bytes
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
     AND c.relkind IN ('r', 'p') AND NOT c.relispartition`;

/** Storage growth per table, read from the catalog when Prometheus scrapes. */
export function registerStorageMetrics(registry: Registry, db: Database): void {
  new Gauge({
    name: 'db_table_size_bytes',
    help: 'Size of each table with its indexes and TOAST (partitioned tables: all partitions)',
    labelNames: ['schema', 'table'],
    registers: [registry],
    async collect() {
      const rows = await db.ownerTransaction((tx) => tx.query<SizeRow>(TABLE_SIZES)).catch(() => undefined);
      if (!rows) return;
      this.reset();
      for (const r of rows) this.set({ schema: r.schema, table: r.table }, Number(r.bytes));
    },
  });
  new Gauge({
    name: 'db_database_size_bytes',
    help: 'Size of the whole database',
    registers: [registry],
    async collect() {
      const rows = await db.ownerTransaction((tx) => tx.query<{ bytes: number | bigint | string }>(`SELECT pg_database_size(current_database()) AS bytes`)).catch(() => undefined);
      if (rows?.[0]) this.set(Number(rows[0].bytes));
    },
  });
}
