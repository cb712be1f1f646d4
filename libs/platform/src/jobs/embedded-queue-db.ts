import type { Database } from '../database/database';

/** The one method pg-boss needs from a database connection. */
export type QueueDb = { executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> };

// pg-boss wraps its schema changes and maintenance in BEGIN ... COMMIT; here the statement
// already runs in a transaction of its own, which the wrapper would end early.
const OUTER_TRANSACTION = /^\s*BEGIN;([\s\S]*)COMMIT;\s*$/;

/**
 * pg-boss over the embedded database. PGlite has one connection, and a pg-boss pool of its own
 * would be a second process on the data folder: so every statement goes through the Database,
 * as its own owner transaction, queued behind the application's transactions by PGlite's
 * transaction lock. Scripts without parameters (pg-boss's schema and maintenance) run whole.
 */
export function embeddedQueueDb(db: Database): QueueDb {
  return { executeSql: (text, values) => db.embeddedScript(values?.length ? text : text.replace(OUTER_TRANSACTION, '$1'), values) };
}
