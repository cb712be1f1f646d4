import type { Database, Tx } from '../database/database';
import { RebuildError } from './rebuild.errors';
import { ShadowTables } from './shadow-tables';

/** A run that has not moved for this long is taken to be dead (its process crashed). */
export const REBUILD_STALE_AFTER_MS = 15 * 60_000;

export type RebuildRun = {
  id: string;
  projections: string[];
  tables: string[];
  status: 'running' | 'swapped' | 'failed' | 'abandoned';
  events: number;
  startedAt: Date;
  heartbeatAt: Date;
  finishedAt: Date | null;
  error: string | null;
};

/**
 * Records a new run, after making sure no live run rebuilds any of the same tables. A dead
 * run's schemas (with its half-built tables) are dropped on the way.
 */
export async function startRun(db: Database, run: { id: string; projections: readonly string[]; tables: readonly string[]; schemas: readonly string[] }): Promise<void> {
  await db.ownerTransaction(async (tx) => {
    // Serialises starts, so two rebuilds of the same tables cannot both pass the check.
    await tx.execute(`LOCK TABLE projection_rebuilds IN SHARE ROW EXCLUSIVE MODE`);
    const others = await tx.query<{ id: string; schemas: string[]; stale: boolean; heartbeat_at: Date; projections: string[] }>(
      `SELECT id, schemas, projections, heartbeat_at, heartbeat_at < now() - ($2::bigint * interval '1 millisecond') AS stale
         FROM projection_rebuilds WHERE status = 'running' AND tables && $1::text[]`,
      pgArray(run.tables),
      REBUILD_STALE_AFTER_MS,
    );
    const alive = others.find((o) => !o.stale);
    if (alive) {
      throw new RebuildError('REBUILD.IN_PROGRESS', `A rebuild of ${alive.projections.join(', ')} (${alive.id}) is running; its last progress was at ${new Date(alive.heartbeat_at).toISOString()}.`, { run: alive.id });
    }
    for (const o of others) {
      await ShadowTables.discard(tx, o.schemas);
      await tx.execute(`UPDATE projection_rebuilds SET status = 'abandoned', finished_at = now(), error = 'no progress; taken over by ' || $2 WHERE id = $1`, o.id, run.id);
    }
    await tx.execute(
      `INSERT INTO projection_rebuilds (id, projections, tables, schemas) VALUES ($1, $2::text[], $3::text[], $4::text[])`,
      run.id,
      pgArray(run.projections),
      pgArray(run.tables),
      pgArray(run.schemas),
    );
  });
}

/** Shows progress, and fails if another process took the run over meanwhile. */
export async function heartbeat(tx: Tx, id: string, events: number): Promise<void> {
  const [r] = await tx.query<{ status: string }>(`UPDATE projection_rebuilds SET heartbeat_at = now(), events = $2 WHERE id = $1 RETURNING status`, id, events);
  if (r?.status !== 'running') throw new RebuildError('REBUILD.ABANDONED', `Rebuild ${id} was taken over by another process after a long pause; start it again.`);
}

export async function finishRun(tx: Tx, id: string, outcome: { status: 'swapped'; report: unknown } | { status: 'failed'; error: string }): Promise<void> {
  await tx.execute(
    `UPDATE projection_rebuilds SET status = $2, finished_at = now(), heartbeat_at = now(), report = $3::jsonb, error = $4 WHERE id = $1`,
    id,
    outcome.status,
    outcome.status === 'swapped' ? JSON.stringify(outcome.report) : null,
    outcome.status === 'failed' ? outcome.error.slice(0, 2000) : null,
  );
}

/** The latest runs, newest first (running ones always included). */
export async function recentRuns(tx: Tx, limit = 10): Promise<RebuildRun[]> {
  return tx.query<RebuildRun>(
    `SELECT id, projections, tables, status, events::bigint AS events, started_at AS "startedAt", heartbeat_at AS "heartbeatAt", finished_at AS "finishedAt", error
       FROM projection_rebuilds ORDER BY (status = 'running') DESC, started_at DESC LIMIT $1`,
    limit,
  );
}

/** A text[] literal ('{"a","b"}') to pass as one parameter, the same on both databases. */
export function pgArray(items: readonly string[]): string {
  return `{${items.map((s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}
