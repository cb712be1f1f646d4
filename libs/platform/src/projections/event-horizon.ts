import type { Database } from '../database/database';

/** A transaction that holds back the catch-up horizon of every event-store reader in the cluster. */
export type HorizonHolder = {
  pid: number | null;
  applicationName: string | null;
  database: string | null;
  state: string | null;
  /** null when the database role may not see the session's start (grant it pg_read_all_stats). */
  ageMs: number | null;
  /** The global id of a prepared (two-phase) transaction, which outlives its session. */
  prepared: string | null;
};

/**
 * Transactions with a transaction id that have been open at least `minAgeMs`, oldest first.
 * Readers take only events of transactions older than every one still running, so the first of
 * these sets the horizon for all of them (see migration 20261201040000_projection_rebuilds).
 * Always empty on the embedded database, which runs one transaction at a time.
 */
export async function horizonHolders(db: Database, minAgeMs: number, limit = 3): Promise<HorizonHolder[]> {
  if (db.kind === 'embedded') return [];
  const rows = await db.transaction(
    (tx) =>
      tx.query<{ pid: number | null; application_name: string | null; database: string | null; state: string | null; age_ms: string | number | null; prepared: string | null }>(
        `SELECT pid, application_name, database, state, age_ms, prepared FROM event_horizon_holders($1::bigint, $2::int)`,
        Math.max(0, Math.round(minAgeMs)),
        limit,
      ),
    { allCompanies: true },
  );
  return rows.map((r) => ({ pid: r.pid, applicationName: r.application_name, database: r.database, state: r.state, ageMs: r.age_ms === null ? null : Number(r.age_ms), prepared: r.prepared }));
}

/** One line an operator can act on: who, where, for how long. */
export function describeHolder(h: HorizonHolder): string {
  const age = h.ageMs === null ? 'for an unknown time' : `for ${Math.round(h.ageMs / 1000)} s`;
  if (h.prepared !== null) return `prepared transaction '${h.prepared}' in database ${h.database ?? '?'}, open ${age} (COMMIT PREPARED or ROLLBACK PREPARED it)`;
  return `pid ${h.pid} (application_name '${h.applicationName ?? ''}', database ${h.database ?? '?'}, ${h.state ?? 'unknown state'}), in its transaction ${age}`;
}
