import type { Database, Tx } from '../database/database';
import type { Checkpoint } from '../event-store/event.types';
import { START } from '../event-store/event.types';
import { projectionLockSql } from './projection-daemon';
import type { RebuildPlan } from './rebuild-plan';
import { finishRun, heartbeat, pgArray } from './rebuild-runs';
import type { RebuildProgress } from './rebuild';
import type { ShadowTables } from './shadow-tables';
import { dropRetired, prepareSwap, runSwap, swapLockOrder } from './swap-script';

// The swap transaction of a rebuild (see rebuild.ts): its locks, the last events, the move.

export type Replayed = { cp: Checkpoint; events: number; last?: number; full?: boolean };
export type Horizon = 'snapshot' | 'committed' | Checkpoint;

export const isAfter = (e: Checkpoint, cp: Checkpoint) =>
  BigInt(e.transactionId) > BigInt(cp.transactionId) || (e.transactionId === cp.transactionId && BigInt(e.position) > BigInt(cp.position));

export type SwapContext = {
  replay: (tx: Tx, from: Replayed, horizon: Horizon) => Promise<Replayed>;
  progress: (p: RebuildProgress) => Promise<void>;
  compare: boolean;
  run: string;
};

/**
 * One try at the swap, in one transaction: SHARE UPDATE EXCLUSIVE locks and the preparation
 * (swap-script.ts), then ACCESS EXCLUSIVE locks, the last events, the comparison if asked, the
 * checkpoint of an async projection, the run marked swapped and the move. Throws a transient
 * error (a lock timeout) when it has to give way; the caller catches up and tries again.
 */
export async function swap(db: Database, plan: RebuildPlan, shadow: ShadowTables, attempt: number, from: Replayed, ctx: SwapContext) {
  let lockedAt = 0n;
  const result = await db.ownerTransaction(
    async (tx) => {
      // Writers pass SHARE UPDATE EXCLUSIVE, DDL and autovacuum do not: the slow preparation runs
      // under it. Nobody queues behind this lock but DDL, so it may wait past deadlock_timeout,
      // when PostgreSQL cancels an autovacuum that is in the way.
      await setLockTimeout(tx, 3);
      // The daemon takes this lock before it touches an async table: taking it first avoids a deadlock.
      if (plan.mode === 'async') for (const p of plan.projections) await tx.query(`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(${projectionLockSql()})) AS l`, p.name);
      await tx.execute(`LOCK TABLE ${shadow.tables.map((t) => t.qualified).join(', ')} IN SHARE UPDATE EXCLUSIVE MODE`);
      const prepared = await prepareSwap(tx, shadow);
      await shadow.useTwins(tx);
      // Commands queue behind these. All of them together are waited for less than
      // deadlock_timeout: a command waiting on the swap then never runs PostgreSQL's deadlock
      // check while the swap waits on it, so no command is ever chosen as a deadlock victim;
      // the swap gives way instead, and tries again.
      const order = await swapLockOrder(tx, shadow, attempt);
      await setLockTimeout(tx, 0.8 / order.length);
      await tx.execute(`LOCK TABLE ${order.join(', ')} IN ACCESS EXCLUSIVE MODE`);
      lockedAt = process.hrtime.bigint();
      await ctx.progress({ phase: 'swap-locked', attempt });
      let done = from;
      const drain = async (horizon: Horizon) => {
        // A batch that is not full has seen everything committed before the locks were granted;
        // what commits later cannot touch these tables (its commands wait), so it is not waited for.
        for (let step = await ctx.replay(tx, done, horizon); ; step = await ctx.replay(tx, done, horizon)) {
          done = step;
          if (!step.full) return;
        }
      };
      if (plan.mode === 'inline') await drain('committed');
      else {
        // Never behind the table it replaces: first up to where the daemon got (all of that is
        // committed for good), then up to the horizon, where the daemon will carry on.
        await drain(await furthestCheckpoint(tx, plan));
        await drain('snapshot');
      }
      await heartbeat(tx, ctx.run, done.events);
      const differences = ctx.compare ? await shadow.differences(tx) : undefined;
      if (plan.mode === 'async') {
        for (const p of plan.projections) {
          await tx.execute(
            `INSERT INTO projection_checkpoints (name, transaction_id, position) VALUES ($1, $2::xid8, $3::bigint)
             ON CONFLICT (name) DO UPDATE SET transaction_id = EXCLUDED.transaction_id, position = EXCLUDED.position, status = 'running', error = NULL, updated_at = now()`,
            p.name,
            done.cp.transactionId,
            done.cp.position,
          );
        }
      }
      await finishRun(tx, ctx.run, { status: 'swapped', report: { events: done.events } });
      await runSwap(tx, shadow, prepared);
      return { differences, toValidate: prepared.toValidate, done };
    },
    { timeoutMs: 600_000 },
  );
  return { ...result, lockMs: Number(process.hrtime.bigint() - lockedAt) / 1e6 };
}

// lock_timeout as a share of deadlock_timeout, for the rest of the transaction.
async function setLockTimeout(tx: Tx, share: number): Promise<void> {
  await tx.query(`SELECT set_config('lock_timeout', greatest(10, (extract(epoch FROM current_setting('deadlock_timeout')::interval) * 1000 * $1::float8)::int)::text || 'ms', true)`, share);
}

async function furthestCheckpoint(tx: Tx, plan: RebuildPlan): Promise<Checkpoint> {
  const [r] = await tx.query<{ transaction_id: string; position: string }>(
    `SELECT transaction_id::text AS transaction_id, position::text AS position FROM projection_checkpoints WHERE name = ANY ($1::text[]) ORDER BY transaction_id DESC, position DESC LIMIT 1`,
    pgArray(plan.projections.map((p) => p.name)),
  );
  return r ? { transactionId: r.transaction_id, position: r.position } : START;
}

export async function dropRetiredTables(db: Database, shadow: ShadowTables): Promise<string[]> {
  try {
    await db.ownerTransaction((tx) => dropRetired(tx, shadow), { timeoutMs: 600_000 });
    return [];
  } catch (e) {
    return [`the replaced tables stay in schema ${shadow.shadowSchemas().at(-1)}: ${(e as Error).message.split('\n')[0]}`];
  }
}

// Re-pointed foreign keys were added NOT VALID under the locks; validating them scans the
// referencing table without blocking its writers.
export async function validate(db: Database, fks: { table: string; constraint: string }[]): Promise<string[]> {
  const failed: string[] = [];
  for (const fk of fks) {
    await db
      .ownerTransaction((tx) => tx.execute(`ALTER TABLE ${fk.table} VALIDATE CONSTRAINT "${fk.constraint.replace(/"/g, '""')}"`), { timeoutMs: 3600_000 })
      .catch((e: Error) => failed.push(`foreign key ${fk.constraint} of ${fk.table} stays NOT VALID: ${e.message.split('\n')[0]}`));
  }
  return failed;
}

