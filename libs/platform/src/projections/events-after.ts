import type { Tx } from '../database/database';
import type { Checkpoint } from '../event-store/event.types';

/**
 * Committed events after a checkpoint in reading order (transaction id, then position), counted
 * up to `limit`, and when the oldest of them was recorded. What a reader at that checkpoint has
 * not applied yet, whether or not it may read it already.
 */
export async function eventsAfter(tx: Tx, cp: Checkpoint, limit: number): Promise<{ count: number; since: Date | null }> {
  const [r] = await tx.query<{ count: number; since: Date | null }>(
    `SELECT count(*)::int AS count, min(recorded_at) AS since FROM (
       SELECT recorded_at FROM events WHERE (transaction_id, position) > ($1::xid8, $2::bigint) ORDER BY transaction_id, position LIMIT $3) e`,
    cp.transactionId,
    cp.position,
    limit,
  );
  return { count: Number(r.count), since: r.since ? new Date(r.since) : null };
}
