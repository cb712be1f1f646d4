import { randomBytes } from 'node:crypto';
import type { Database, Tx } from '../database/database';
import type { Projection } from '../cqrs/projection';
import type { EventStore } from '../event-store/event-store';
import { START } from '../event-store/event.types';
import { applyEvents, BatchFailedError, ProjectionFailedError } from './apply-events';
import type { RebuildPlan } from './rebuild-plan';
import { RebuildError } from './rebuild.errors';
import { finishRun, heartbeat, startRun } from './rebuild-runs';
import { ShadowTables } from './shadow-tables';
import { dropRetiredTables, isAfter, swap, validate } from './rebuild-swap';
import type { Horizon, Replayed } from './rebuild-swap';
import { backoffMs, isTransientError } from './transient-errors';
import { describeHolder, horizonHolders } from './event-horizon';
import { eventsAfter } from './events-after';

export type RebuildProgress =
  | { phase: 'replay'; events: number }
  | { phase: 'indexes' }
  | { phase: 'swap-waiting'; attempt: number; reason: string }
  | { phase: 'swap-locked'; attempt: number }
  | { phase: 'swapped' };

export type RebuildOptions = {
  /** Events per replay transaction. */
  batchSize?: number;
  /** Count the rows in which each rebuilt table differs from the live one, under the swap's locks. */
  compare?: boolean;
  /** Tries at taking the swap's locks before giving up (each waits below deadlock_timeout). */
  swapAttempts?: number;
  /**
   * At most this many events are left for the swap's locks (inline tables). More than that wait
   * behind the horizon, held back by a long transaction: the rebuild waits for it, up to
   * `horizonWaitMs`, rather than make the commands wait while it replays them.
   */
  maxEventsUnderLock?: number;
  horizonWaitMs?: number;
  /** Called between steps; awaited, so a caller can watch (or, in tests, act) at each one. */
  onProgress?: (p: RebuildProgress) => void | Promise<void>;
};

export type RebuildReport = {
  run: string;
  projections: string[];
  tables: string[];
  mode: RebuildPlan['mode'];
  events: number;
  seconds: number;
  eventsPerSec: number;
  /** How long writers (and readers) of the tables waited on the swap. */
  swapLockMs: number;
  swapAttempts: number;
  rows: Record<string, number>;
  differences?: Record<string, { onlyLive: number; onlyRebuilt: number }>;
  /** What needs an operator after the swap: a re-pointed foreign key that did not validate, old tables kept. */
  warnings: string[];
};

// Replay gets close to the head outside the swap's locks, so the part under them stays small.
const NEAR_HEAD = 200;

/**
 * Blue/green rebuild of read tables from the event store, with writers still running:
 *   1. fresh twins of the tables (same columns, keys, indexes, foreign keys, triggers and
 *      partitions) in a schema of the run's own, filled by replaying every event through the
 *      plan's projections in reading order (transaction id, position), batch by batch;
 *   2. the swap, in one transaction: ACCESS EXCLUSIVE locks on the tables (and on the tables
 *      whose foreign keys point at them), the last events, the access rules copied, a proof
 *      that each twin is defined exactly like its original, then the originals dropped and the
 *      twins moved into their place.
 * Inline tables keep being written by commands until the swap. Under its locks the last
 * catch-up reads every committed event, with no horizon: a command that wrote a table has
 * committed before the locks are granted, so its events are read; one that has not written it
 * yet waits on the lock and, when the swap commits, writes its own events into the new table
 * (PostgreSQL looks the name up again after the wait). Nothing is lost or applied twice.
 * Async tables are written only by the daemon, which the projection's advisory lock keeps
 * out; their last catch-up stops at the usual horizon and leaves the checkpoint there.
 * Lock waits stay under deadlock_timeout, so the swap gives way rather than make PostgreSQL
 * kill a writer; it then catches up again and retries with backoff.
 */
export async function rebuildProjections(db: Database, store: EventStore, plan: RebuildPlan, opts: RebuildOptions = {}): Promise<RebuildReport> {
  const started = process.hrtime.bigint();
  const batchSize = opts.batchSize ?? 5000;
  const progress = async (p: RebuildProgress) => opts.onProgress?.(p);
  const run = `maple_rebuild_${randomBytes(4).toString('hex')}`;
  const shadow = await db.ownerTransaction((tx) => ShadowTables.plan(tx, run, plan.tables));
  await startRun(db, { id: run, projections: plan.projections.map((p) => p.name), tables: plan.tables, schemas: shadow.shadowSchemas() });
  // Where replay has got to; moved only once the transaction that applied the events committed.
  let done: Replayed = { cp: START, events: 0 };

  // One replay batch into the twins. `horizon`: the usual readers' horizon; 'committed': every
  // committed event (only under the swap's locks); a checkpoint: committed events up to it.
  const replay = async (tx: Tx, from: Replayed, horizon: Horizon, oneByOne = false): Promise<Replayed> => {
    await shadow.useTwins(tx);
    const read = horizon === 'snapshot' ? await store.readAfter(tx, from.cp, batchSize) : await store.readCommittedAfter(tx, from.cp, batchSize);
    const batch = typeof horizon === 'object' ? read.filter((e) => !isAfter(e, horizon)) : read;
    // Not full: everything this statement could see has been read.
    const full = read.length === batchSize && batch.length === read.length;
    if (!batch.length) return { ...from, last: 0, full };
    await applyEvents(tx, plan.projections, batch, { oneByOne });
    const last = batch[batch.length - 1];
    return { cp: { transactionId: last.transactionId, position: last.position }, events: from.events + batch.length, last: batch.length, full };
  };
  // Until a batch is not full (caught up with what it could see), then on while the batches
  // shrink and are still bigger than `nearHead`: with commands writing, each batch brings what
  // they committed during the last one, and chasing them further would never end.
  const catchUp = async (nearHead: number) => {
    for (let previous = Infinity; ; ) {
      done = await retrying(
        () =>
          db.ownerTransaction(async (tx) => {
            await heartbeat(tx, run, done.events);
            return replay(tx, done, 'snapshot');
          }),
        () => db.ownerTransaction((tx) => replay(tx, done, 'snapshot', true)),
      );
      await progress({ phase: 'replay', events: done.events });
      const n = done.last ?? 0;
      if (done.full) continue;
      if (n < nearHead || n >= previous) return;
      previous = n;
    }
  };

  // Swap tries until one commits: a lock timeout gives way, catches up again and retries.
  const swapWithRetries = async () => {
    const attempts = opts.swapAttempts ?? 30;
    let heldSince: number | undefined;
    let waits = 0;
    for (let attempt = 1; ; attempt++) {
      await catchUp(NEAR_HEAD);
      if (plan.mode === 'inline') {
        const limit = opts.maxEventsUnderLock ?? 5000;
        const behind = await db.ownerTransaction((tx) => eventsAfter(tx, done.cp, limit + 1));
        if (behind.count > limit) {
          heldSince ??= Date.now();
          const [holder] = await horizonHolders(db, 0, 1);
          const reason = `${behind.count - 1}+ committed events wait behind the horizon${holder ? `, held back by ${describeHolder(holder)}` : ''}`;
          if (Date.now() - heldSince > (opts.horizonWaitMs ?? 600_000)) throw new RebuildError('REBUILD.HORIZON_HELD', `Gave up waiting to swap: ${reason}.`);
          await progress({ phase: 'swap-waiting', attempt, reason });
          await new Promise((r) => setTimeout(r, backoffMs(++waits, 200, 5000)));
          attempt--; // waiting for the horizon is not a try at the locks
          continue;
        }
        heldSince = undefined;
        waits = 0;
      }
      try {
        return { swapped: await swap(db, plan, shadow, attempt, done, { replay, progress, compare: opts.compare ?? false, run }), attempt };
      } catch (e) {
        if (!isTransientError(e) || attempt >= attempts) throw locksUnavailable(e, plan, attempt, attempts);
        await progress({ phase: 'swap-waiting', attempt, reason: (e as Error).message });
        await new Promise((r) => setTimeout(r, backoffMs(attempt, 200, 5000)));
      }
    }
  };

  let outcome: Awaited<ReturnType<typeof swapWithRetries>>;
  try {
    await db.ownerTransaction((tx) => shadow.create(tx));
    await catchUp(batchSize);
    await progress({ phase: 'indexes' });
    await db.ownerTransaction((tx) => shadow.createSecondaryIndexes(tx), { timeoutMs: 6 * 3600_000 });
    await catchUp(NEAR_HEAD);
    await db.ownerTransaction((tx) => shadow.analyze(tx), { timeoutMs: 3600_000 });
    outcome = await swapWithRetries();
  } catch (e) {
    const error = e instanceof ProjectionFailedError ? new RebuildError('REBUILD.EVENT_FAILED', e.message, { projection: e.projection, position: e.event.position }) : e;
    // The live tables were never touched: only the run's own schemas go.
    await db
      .ownerTransaction(async (tx) => {
        await ShadowTables.discard(tx, shadow.shadowSchemas());
        await finishRun(tx, run, { status: 'failed', error: (error as Error).message });
      })
      .catch(() => undefined);
    throw error;
  }

  // Swapped and committed: nothing below can undo it, so what fails here is a warning.
  const { swapped, attempt } = outcome;
  done = swapped.done;
  const warnings = [...(await validate(db, swapped.toValidate)), ...(await dropRetiredTables(db, shadow))];
  let rows: Record<string, number> = {};
  try {
    rows = await db.ownerTransaction((tx) => shadow.liveRowCounts(tx));
  } catch (e) {
    warnings.push(`rows not counted: ${(e as Error).message}`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const report: RebuildReport = {
    run,
    projections: plan.projections.map((p) => p.name),
    tables: [...plan.tables],
    mode: plan.mode,
    events: done.events,
    seconds,
    eventsPerSec: Math.round(done.events / seconds),
    swapLockMs: Math.round(swapped.lockMs * 10) / 10,
    swapAttempts: attempt,
    rows,
    ...(swapped.differences ? { differences: swapped.differences } : {}),
    warnings,
  };
  await db.ownerTransaction((tx) => tx.execute(`UPDATE projection_rebuilds SET report = $2::jsonb WHERE id = $1`, run, JSON.stringify(report))).catch(() => undefined);
  await progress({ phase: 'swapped' });
  return report;
}

/** Rebuilds one projection's tables on its own (a projection that shares no table). */
export function rebuildProjection(db: Database, store: EventStore, projection: Projection, opts: RebuildOptions & { mode?: RebuildPlan['mode'] } = {}): Promise<RebuildReport> {
  return rebuildProjections(db, store, { projections: [projection], tables: projection.tables, mode: opts.mode ?? 'async' }, opts);
}

// Transient failures of a replay batch are retried; a batch applied at once that failed for a
// reason of its own is applied again one event at a time, which names the event.
async function retrying<T>(batch: () => Promise<T>, oneByOne: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await batch();
    } catch (e) {
      if (e instanceof BatchFailedError) return oneByOne();
      if (!isTransientError(e) || attempt >= 10) throw e;
      await new Promise((r) => setTimeout(r, backoffMs(attempt)));
    }
  }
}

function locksUnavailable(e: unknown, plan: RebuildPlan, attempt: number, attempts: number): unknown {
  if (!isTransientError(e)) return e;
  return new RebuildError('REBUILD.LOCKS_UNAVAILABLE', `Could not swap ${plan.tables.join(', ')} in after ${attempt} of ${attempts} tries: ${(e as Error).message}. A long transaction may hold these tables; see \`projections status\`.`);
}
