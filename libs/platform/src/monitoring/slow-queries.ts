import type { Database } from '../database/database';

export type SlowStatement = {
  /** Normalised text: pg_stat_statements replaces constants with $1, $2, ... */
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  rows: number;
  /** Share of the total execution time of the statements shown and not shown. */
  percentOfTotal: number;
};

export type SlowQueries = { available: true; statements: SlowStatement[] } | { available: false; reason: string };

type Setup = { installed: string | null; packaged: string | null; preload: string | null };
type Row = { query: string; calls: number | bigint; total_ms: number; mean_ms: number; rows: number | bigint; share: number | null };

const MAX_QUERY_CHARS = 2000;

// Utility statements (SET, BEGIN, ...) are recorded with their literal text, and the opening of
// every transaction names a company: they are left out, and they are never the slow ones.
const TOP_STATEMENTS = `
  SELECT s.query, s.calls, s.total_exec_time AS total_ms, s.mean_exec_time AS mean_ms, s.rows,
         100 * s.total_exec_time / nullif(sum(s.total_exec_time) OVER (), 0) AS share
    FROM pg_stat_statements s
   WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND s.query !~* '^\\s*(SET|RESET|SHOW|BEGIN|START|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|DEALLOCATE|DISCARD)\\M'
   ORDER BY s.total_exec_time DESC
   LIMIT $1`;

/**
 * The statements that took the most time in all, from pg_stat_statements, or why it cannot
 * tell: the extension needs the server's shared_preload_libraries (a restart) and a
 * CREATE EXTENSION in this database.
 */
export async function slowQueries(db: Database, limit = 10): Promise<SlowQueries> {
  // The owner reads the statistics: for the application role, other roles' statements read
  // as "<insufficient privilege>".
  return db.ownerTransaction(async (tx) => {
    const [setup] = await tx.query<Setup>(
      `SELECT (SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements') AS installed,
              (SELECT default_version FROM pg_available_extensions WHERE name = 'pg_stat_statements') AS packaged,
              current_setting('shared_preload_libraries', true) AS preload`,
    );
    const reason = unavailableReason(setup);
    if (reason) return { available: false, reason };
    const rows = await tx.query<Row>(TOP_STATEMENTS, limit);
    return {
      available: true,
      statements: rows.map((r) => ({
        query: r.query.length > MAX_QUERY_CHARS ? `${r.query.slice(0, MAX_QUERY_CHARS)}...` : r.query,
        calls: Number(r.calls),
        totalMs: round(r.total_ms),
        meanMs: round(r.mean_ms),
        rows: Number(r.rows),
        percentOfTotal: round(r.share ?? 0),
      })),
    };
  });
}

function unavailableReason(s: Setup | undefined): string | undefined {
  const preloaded = (s?.preload ?? '').split(',').some((l) => l.trim() === 'pg_stat_statements');
  if (!s?.installed && !s?.packaged) return 'pg_stat_statements is not installed on this database server (it ships with PostgreSQL contrib)';
  if (!preloaded) return `pg_stat_statements is not loaded: shared_preload_libraries is '${s?.preload ?? ''}'; add pg_stat_statements to it and restart PostgreSQL${s?.installed ? '' : ', then run CREATE EXTENSION pg_stat_statements in this database'}`;
  if (!s?.installed) return 'pg_stat_statements is loaded but not created in this database: run CREATE EXTENSION pg_stat_statements';
  return undefined;
}

const round = (n: number) => Math.round(Number(n) * 1000) / 1000;
