import type { Database, Tx } from '../database/database';
import type { Projection } from '../cqrs/projection';
import { handlesEvent } from '../cqrs/projection';
import type { EventStore } from '../event-store/event-store';
import type { Checkpoint, StoredEvent } from '../event-store/event.types';

export type DaemonOptions = {
  batchSize: number;
  /** Pause between polls when a projection is caught up. */
  idleMs: number;
  /** Readiness fails when a projection is behind and has not moved for this long. */
  stallAfterMs: number;
};

export type ProjectionStatus = {
  name: string;
  position: string;
  transactionId: string;
  status: 'running' | 'failed';
  error: string | null;
  lag: number;
  updatedAt: Date;
};

export type BatchOutcome = { applied: number; ran: boolean; failed?: string };

export type DaemonObserver = {
  onBatch?(name: string, position: string, lag: number): void;
  onError?(name: string, error: string): void;
};

export class ProjectionFailedError extends Error {
  constructor(
    readonly projection: string,
    readonly event: StoredEvent,
    cause: unknown,
  ) {
    super(`projection ${projection} failed on event ${event.position} (${event.type} in ${event.streamId}): ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/** The advisory-lock key of a projection: whoever holds it in a transaction is its leader. */
export function projectionLockSql(param = '$1'): string {
  return `hashtextextended('projection:' || ${param}, 0)`;
}

/**
 * Runs asynchronous projections from their checkpoints. Each batch is one transaction that
 * (1) takes the projection's advisory lock without waiting: a second worker skips instead
 * of applying the same events, and takes over on its next poll when the leader dies;
 * (2) applies the events; (3) moves the checkpoint. A crash mid-batch rolls all three back,
 * so nothing is lost or applied twice. A failing event stops its projection (status
 * 'failed' with the reason) rather than being skipped.
 */
export class ProjectionDaemon {
  private running = false;
  private loops: Promise<void>[] = [];
  private wake: (() => void)[] = [];

  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
    private readonly projections: () => Projection[],
    private readonly options: DaemonOptions = { batchSize: 500, idleMs: 200, stallAfterMs: 30_000 },
    private readonly observer: DaemonObserver = {},
  ) {}

  async runBatch(p: Projection): Promise<BatchOutcome> {
    try {
      return await this.db.transaction(
        async (tx) => {
          const [{ leader }] = await tx.query<{ leader: boolean }>(`SELECT pg_try_advisory_xact_lock(${projectionLockSql()}) AS leader`, p.name);
          if (!leader) return { applied: 0, ran: false };
          const cp = await this.checkpoint(tx, p.name);
          if (cp.status === 'failed') return { applied: 0, ran: false, failed: cp.error ?? 'failed' };
          const events = await this.store.readAfter(tx, cp, this.options.batchSize);
          if (!events.length) return { applied: 0, ran: true };
          await this.applyEach(tx, p, events);
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
      if (!(e instanceof ProjectionFailedError)) throw e;
      await this.markFailed(p.name, e.message);
      this.observer.onError?.(p.name, e.message);
      return { applied: 0, ran: true, failed: e.message };
    }
  }

  private async applyEach(tx: Tx, p: Projection, events: StoredEvent[]): Promise<void> {
    const mine = events.filter((e) => handlesEvent(p, e.type));
    if (p.applyBatch && mine.length) {
      try {
        await p.applyBatch(tx, mine);
        return;
      } catch (e) {
        // Name the culprit: the batch is rolled back, the event will be identified below on retry.
        throw new ProjectionFailedError(p.name, mine[0], e);
      }
    }
    for (const e of mine) {
      try {
        await p.apply(tx, e);
      } catch (err) {
        throw new ProjectionFailedError(p.name, e, err);
      }
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
   * process leads the projection it waits for it, up to `waitForLeaderMs`.
   */
  async catchUp(p: Projection, waitForLeaderMs = 30_000): Promise<number> {
    let total = 0;
    let waitingSince: number | undefined;
    for (;;) {
      const r = await this.runBatch(p);
      total += r.applied;
      if (r.failed) throw new Error(r.failed);
      if (r.ran && r.applied === 0) return total;
      if (r.ran) {
        waitingSince = undefined;
        continue;
      }
      waitingSince ??= Date.now();
      if (Date.now() - waitingSince > waitForLeaderMs) throw new Error(`projection ${p.name} is held by another process`);
      await new Promise((res) => setTimeout(res, this.options.idleMs));
    }
  }

  async status(): Promise<ProjectionStatus[]> {
    return this.db.transaction(
      async (tx) => {
        const head = await this.store.headPosition(tx);
        const rows = await tx.query<{ name: string; transaction_id: string; position: string; status: 'running' | 'failed'; error: string | null; updated_at: Date }>(
          `SELECT name, transaction_id::text AS transaction_id, position::text AS position, status, error, updated_at FROM projection_checkpoints`,
        );
        const byName = new Map(rows.map((r) => [r.name, r]));
        return this.projections().map((p) => {
          const r = byName.get(p.name);
          const position = r?.position ?? '0';
          return {
            name: p.name,
            position,
            transactionId: r?.transaction_id ?? '0',
            status: r?.status ?? 'running',
            error: r?.error ?? null,
            lag: Math.max(0, Number(BigInt(head) - BigInt(position))),
            updatedAt: r ? new Date(r.updated_at) : new Date(0),
          };
        });
      },
      { allCompanies: true },
    );
  }

  /** 'ok', or why readiness should fail: a failed projection, or one behind and not moving. */
  async health(now = new Date()): Promise<string> {
    const problems = (await this.status()).flatMap((s) => {
      if (s.status === 'failed') return [`${s.name} failed: ${s.error}`];
      if (s.lag > 0 && now.getTime() - s.updatedAt.getTime() > this.options.stallAfterMs) return [`${s.name} stalled ${s.lag} events behind`];
      return [];
    });
    return problems.length ? problems.join('; ') : 'ok';
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = this.projections().map((p) => this.loop(p));
  }

  private async loop(p: Projection): Promise<void> {
    while (this.running) {
      let idle = true;
      try {
        const r = await this.runBatch(p);
        idle = !r.ran || r.applied === 0;
        if (r.applied) {
          const s = (await this.status()).find((x) => x.name === p.name);
          if (s) this.observer.onBatch?.(p.name, s.position, s.lag);
        }
      } catch (e) {
        // A lost connection or the like: retried on the next poll, never skipped.
        this.observer.onError?.(p.name, (e as Error).message);
      }
      if (idle && this.running) await new Promise<void>((res) => {
        const t = setTimeout(res, this.options.idleMs);
        this.wake.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const w of this.wake.splice(0)) w();
    await Promise.all(this.loops);
    this.loops = [];
  }
}
