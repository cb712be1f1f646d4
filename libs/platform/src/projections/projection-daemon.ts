import type { Database, Tx } from '../database/database';
import type { Projection } from '../cqrs/projection';
import type { EventStore } from '../event-store/event-store';
import type { Checkpoint } from '../event-store/event.types';
import { applyEvents, BatchFailedError, ProjectionFailedError } from './apply-events';
import { describeHolder, horizonHolders } from './event-horizon';
import { eventsAfter } from './events-after';
import { backoffMs, isTransientError } from './transient-errors';

export { ProjectionFailedError } from './apply-events';

export type DaemonOptions = {
  batchSize: number;
  /** Pause between polls when a projection is caught up. */
  idleMs: number;
  /** Readiness fails when a projection is behind and has not moved for this long. */
  stallAfterMs: number;
  /** Backoff after a transient error: the first retry waits about this long, doubling up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
};

export type ProjectionStatus = {
  name: string;
  position: string;
  transactionId: string;
  status: 'running' | 'failed';
  error: string | null;
  /** Committed events after the checkpoint in reading order, i.e. not applied yet (counted up to LAG_COUNT_LIMIT). */
  lag: number;
  updatedAt: Date;
  /** When the oldest of those events was recorded; null when there are none. */
  waitingSince: Date | null;
  /** The transient error the daemon in this process is retrying after, if any. */
  retrying: string | null;
};

export type BatchOutcome = { applied: number; ran: boolean; failed?: string };

export type DaemonObserver = {
  onBatch?(name: string, position: string, lag: number): void;
  /** `stopped`: an event's own error stopped the projection; `retrying`: a transient error, retried. */
  onError?(name: string, error: string, kind: 'stopped' | 'retrying'): void;
};

/** Lag is counted exactly up to here; a projection further behind shows this number. */
export const LAG_COUNT_LIMIT = 1_000_000;

/** The advisory-lock key of a projection: whoever holds it in a transaction is its leader. */
export function projectionLockSql(param = '$1'): string {
  return `hashtextextended('projection:' || ${param}, 0)`;
}

const message = (e: unknown) => ((e as Error)?.message ?? String(e)).split('\n')[0];

/**
 * Runs asynchronous projections from their checkpoints. Each batch is one transaction that
 * (1) takes the projection's advisory lock without waiting: a second worker skips instead
 * of applying the same events, and takes over on its next poll when the leader dies;
 * (2) applies the events; (3) moves the checkpoint. A crash mid-batch rolls all three back,
 * so nothing is lost or applied twice. Transient database errors (a lost connection, a
 * serialization failure, a timeout, a deadlock) are retried with backoff; only an event's own
 * error stops its projection (status 'failed' with the reason), which then never skips it.
 */
export class ProjectionDaemon {
  private running = false;
  private loops: Promise<void>[] = [];
  private wake: (() => void)[] = [];
  private readonly retrying = new Map<string, string>();
  private readonly reportedAt = new Map<string, number>();
  private readonly unreported = new Set<string>();

  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
    private readonly projections: () => Projection[],
    private readonly options: DaemonOptions = { batchSize: 500, idleMs: 200, stallAfterMs: 30_000 },
    private readonly observer: DaemonObserver = {},
  ) {}

  async runBatch(p: Projection, oneByOne = false): Promise<BatchOutcome> {
    try {
      return await this.db.transaction(
        async (tx) => {
          const [{ leader }] = await tx.query<{ leader: boolean }>(`SELECT pg_try_advisory_xact_lock(${projectionLockSql()}) AS leader`, p.name);
          if (!leader) return { applied: 0, ran: false };
          const cp = await this.checkpoint(tx, p.name);
          if (cp.status === 'failed') return { applied: 0, ran: false, failed: cp.error ?? 'failed' };
          const events = await this.store.readAfter(tx, cp, this.options.batchSize);
          if (!events.length) return { applied: 0, ran: true };
          await applyEvents(tx, [p], events, { oneByOne });
          const last = events[events.length - 1];
          await tx.execute(
            `UPDATE projection_checkpoints SET transaction_id = $2::xid8, position = $3::bigint, updated_at = now(), status = 'running', error = NULL WHERE name = $1`,
            p.name,
            last.transactionId,
            last.position,
          );
          return { applied: events.length, ran: true };
        },
        { allCompanies: true },
      );
    } catch (e) {
      // The batch at once failed: the same events one by one name the culprit (and apply those before it).
      if (e instanceof BatchFailedError && !oneByOne) return this.runBatch(p, true);
      if (!(e instanceof ProjectionFailedError)) throw e;
      await this.markFailed(p.name, e.message);
      this.observer.onError?.(p.name, e.message, 'stopped');
      return { applied: 0, ran: true, failed: e.message };
    }
  }

  private async checkpoint(tx: Tx, name: string): Promise<Checkpoint & { status: string; error: string | null }> {
    await tx.execute(`INSERT INTO projection_checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, name);
    const [r] = await tx.query<{ transaction_id: string; position: string; status: string; error: string | null }>(
      `SELECT transaction_id::text AS transaction_id, position::text AS position, status, error FROM projection_checkpoints WHERE name = $1`,
      name,
    );
    return { transactionId: r.transaction_id, position: r.position, status: r.status, error: r.error };
  }

  private async markFailed(name: string, error: string): Promise<void> {
    await this.db.transaction(
      (tx) => tx.execute(`UPDATE projection_checkpoints SET status = 'failed', error = $2, updated_at = now() WHERE name = $1`, name, error.slice(0, 2000)),
      { allCompanies: true },
    );
  }

  /** Clears a failed projection so it retries from its checkpoint (after the cause is fixed). */
  async resume(name: string): Promise<void> {
    await this.db.transaction((tx) => tx.execute(`UPDATE projection_checkpoints SET status = 'running', error = NULL WHERE name = $1`, name), { allCompanies: true });
  }

  /**
   * Runs batches until the projection has nothing more to read (or fails). While another
   * process leads the projection, or transient errors get in the way, it keeps trying for up
   * to `waitForLeaderMs`.
   */
  async catchUp(p: Projection, waitForLeaderMs = 30_000): Promise<number> {
    let total = 0;
    let waitingSince: number | undefined;
    for (let attempt = 1; ; ) {
      let r: BatchOutcome;
      try {
        r = await this.runBatch(p);
      } catch (e) {
        waitingSince ??= Date.now();
        if (!isTransientError(e) || Date.now() - waitingSince > waitForLeaderMs) throw e;
        this.observer.onError?.(p.name, message(e), 'retrying');
        await new Promise((res) => setTimeout(res, backoffMs(attempt++, this.options.retryBaseMs ?? 100, this.options.retryMaxMs ?? 30_000)));
        continue;
      }
      total += r.applied;
      if (r.failed) throw new Error(r.failed);
      if (r.ran && r.applied === 0) return total;
      if (r.ran) {
        waitingSince = undefined;
        attempt = 1;
        continue;
      }
      waitingSince ??= Date.now();
      if (Date.now() - waitingSince > waitForLeaderMs) throw new Error(`projection ${p.name} is held by another process`);
      await new Promise((res) => setTimeout(res, this.options.idleMs));
    }
  }

  async status(only?: string): Promise<ProjectionStatus[]> {
    const projections = this.projections().filter((p) => only === undefined || p.name === only);
    return this.db.transaction(
      async (tx) => {
        const rows = await tx.query<{ name: string; transaction_id: string; position: string; status: 'running' | 'failed'; error: string | null; updated_at: Date }>(
          `SELECT name, transaction_id::text AS transaction_id, position::text AS position, status, error, updated_at FROM projection_checkpoints`,
        );
        const byName = new Map(rows.map((r) => [r.name, r]));
        const out: ProjectionStatus[] = [];
        for (const p of projections) {
          const r = byName.get(p.name);
          const cp = { transactionId: r?.transaction_id ?? '0', position: r?.position ?? '0' };
          // Reading order, not positions: after interleaved commits the checkpoint's position can
          // be below the head with every event applied.
          const behind = await eventsAfter(tx, cp, LAG_COUNT_LIMIT);
          out.push({
            name: p.name,
            position: cp.position,
            transactionId: cp.transactionId,
            status: r?.status ?? 'running',
            error: r?.error ?? null,
            lag: behind.count,
            updatedAt: r ? new Date(r.updated_at) : new Date(0),
            waitingSince: behind.since,
            retrying: this.retrying.get(p.name) ?? null,
          });
        }
        return out;
      },
      { allCompanies: true },
    );
  }

  /**
   * 'ok', or why readiness should fail: a failed projection, or one with events waiting that
   * has not moved for the stall time, with the reason when known: the error it keeps
   * retrying after, or the long transaction that holds back the horizon of every reader.
   */
  async health(now = new Date()): Promise<string> {
    const problems: string[] = [];
    for (const s of await this.status()) {
      if (s.status === 'failed') {
        problems.push(`${s.name} failed: ${s.error}`);
        continue;
      }
      const since = Math.max(s.updatedAt.getTime(), s.waitingSince?.getTime() ?? 0);
      if (s.lag === 0 || now.getTime() - since <= this.options.stallAfterMs) continue;
      let why = s.retrying ? `; retrying after: ${s.retrying}` : '';
      if (!why) {
        const [holder, ...more] = await horizonHolders(this.db, this.options.stallAfterMs / 2);
        if (holder) why = `; the catch-up horizon is held back by ${describeHolder(holder)}${more.length ? ` and ${more.length} more` : ''}`;
      }
      problems.push(`${s.name} stalled ${s.lag} events behind for ${Math.round((now.getTime() - since) / 1000)} s${why}`);
    }
    return problems.length ? problems.join('; ') : 'ok';
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = this.projections().map((p) => this.loop(p));
  }

  private async loop(p: Projection): Promise<void> {
    for (let attempt = 0; this.running; ) {
      let pause = this.options.idleMs;
      try {
        const r = await this.runBatch(p);
        attempt = 0;
        this.retrying.delete(p.name);
        if (r.ran && r.applied > 0) pause = 0;
        // An idle round reports a figure that a throttled report left stale (the last batch of
        // a catch-up often comes within the second): idle, the metrics show lag 0, not the last burst's.
        if (r.applied || this.unreported.has(p.name)) await this.report(p.name);
      } catch (e) {
        // Not the event's fault (a lost connection, a timeout...): the same batch again, later.
        pause = backoffMs(++attempt, this.options.retryBaseMs ?? 100, this.options.retryMaxMs ?? 30_000);
        this.retrying.set(p.name, message(e));
        this.observer.onError?.(p.name, `${message(e)} (retry ${attempt} in ${pause} ms)`, 'retrying');
      }
      if (pause > 0 && this.running) await this.sleep(pause);
    }
  }

  // Position and lag for the metrics, at most once a second per projection: counting the lag
  // after every batch of a long catch-up would cost more than the batches.
  private async report(name: string): Promise<void> {
    if (!this.observer.onBatch) return;
    if (Date.now() - (this.reportedAt.get(name) ?? 0) < 1000) {
      this.unreported.add(name);
      return;
    }
    this.reportedAt.set(name, Date.now());
    this.unreported.delete(name);
    const [s] = await this.status(name);
    if (s) this.observer.onBatch(name, s.position, s.lag);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((res) => {
      const wake = () => {
        clearTimeout(t);
        res();
      };
      const t = setTimeout(() => {
        this.wake = this.wake.filter((w) => w !== wake);
        res();
      }, ms);
      this.wake.push(wake);
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const w of this.wake.splice(0)) w();
    await Promise.all(this.loops);
    this.loops = [];
  }
}
