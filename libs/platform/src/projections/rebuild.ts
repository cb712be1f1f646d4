import type { Database, Tx } from '../database/database';
import type { RebuildableProjection } from '../cqrs/projection';
import { applyAll } from '../cqrs/projection';
import type { EventStore } from '../event-store/event-store';
import type { Checkpoint } from '../event-store/event.types';
import { START } from '../event-store/event.types';
import { projectionLockSql } from './projection-daemon';

export type RebuildReport = { projection: string; events: number; seconds: number; eventsPerSec: number };

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Blue/green rebuild: replays every event into fresh copies of the projection's tables while
 * the live ones keep serving, then swaps the contents in one transaction that holds the
 * projection's lock and the tables' write locks. Readers see the old rows until that commit
 * and the complete new ones after it, never a half-built table. Runs as the owner (no RLS):
 * a rebuild spans all companies by nature.
 */
export async function rebuildProjection(
  db: Database,
  store: EventStore,
  projection: RebuildableProjection,
  opts: { batchSize?: number; onProgress?: (events: number) => void } = {},
): Promise<RebuildReport> {
  const started = process.hrtime.bigint();
  const batchSize = opts.batchSize ?? 5000;
  const shadow = Object.fromEntries(projection.tables.map((t) => [t, `${t}__rebuild`]));
  const target = projection.withTables(shadow);

  await db.ownerTransaction(async (tx) => {
    for (const [live, copy] of Object.entries(shadow)) {
      await tx.execute(`DROP TABLE IF EXISTS ${quote(copy)}`);
      await tx.execute(`CREATE TABLE ${quote(copy)} (LIKE ${quote(live)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`);
    }
  });

  // Catch up in batches, each its own transaction, while the live tables keep serving.
  let cp: Checkpoint = START;
  let events = 0;
  const step = async (tx: Tx): Promise<number> => {
    const batch = await store.readAfter(tx, cp, batchSize);
    if (!batch.length) return 0;
    await applyAll(target, tx, batch);
    const last = batch[batch.length - 1];
    cp = { transactionId: last.transactionId, position: last.position };
    events += batch.length;
    opts.onProgress?.(events);
    return batch.length;
  };
  while ((await db.ownerTransaction(step)) === batchSize);

  // The switch: lock out the daemon and writers, take the last events, swap contents.
  await db.ownerTransaction(async (tx) => {
    await tx.query(`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(${projectionLockSql()})) AS l`, projection.name);
    for (const live of projection.tables) await tx.execute(`LOCK TABLE ${quote(live)} IN EXCLUSIVE MODE`);
    while ((await step(tx)) > 0);
    for (const [live, copy] of Object.entries(shadow)) {
      await tx.execute(`DELETE FROM ${quote(live)}`);
      await tx.execute(`INSERT INTO ${quote(live)} SELECT * FROM ${quote(copy)}`);
      await tx.execute(`DROP TABLE ${quote(copy)}`);
    }
    await tx.execute(
      `INSERT INTO projection_checkpoints (name, transaction_id, position) VALUES ($1, $2::xid8, $3::bigint)
       ON CONFLICT (name) DO UPDATE SET transaction_id = EXCLUDED.transaction_id, position = EXCLUDED.position, status = 'running', error = NULL, updated_at = now()`,
      projection.name,
      cp.transactionId,
      cp.position,
    );
  }, { timeoutMs: 600_000 });

  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { projection: projection.name, events, seconds, eventsPerSec: Math.round(events / seconds) };
}
