import { randomUUID } from 'node:crypto';
import type { Database, Tx } from '../database/database';
import { ConcurrencyConflictError } from '../event-store/event-store.errors';
import type { EventStore } from '../event-store/event-store';
import type { AppendResult, DomainEvent, EventMetadata, NewEvent, StoredEvent, StreamRef } from '../event-store/event.types';
import type { EventSealerHook } from '../privacy/event-sealer';
import type { Command, CommandMeta, Decider } from './decider';
import type { ProjectionRegistry } from './projection';

/** Best-effort subscribers after commit (the @nestjs/cqrs EventBus in the app). */
export type AfterCommitPublisher = { publishAll(events: StoredEvent[]): void };

export type RunResult<S> = { state: S; events: StoredEvent[]; append: AppendResult | null };

export type RetryPolicy = { attempts: number; baseDelayMs: number; maxDelayMs: number };

/**
 * A command that did not pin an expected version is decided again on a fresh read when another
 * writer moved its stream first (as Emmett's command handler does): a few attempts, with jittered
 * exponential backoff so that racing writers spread out instead of colliding again.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 4, maxDelayMs: 200 };

// Serialization failures and deadlocks are the server saying "run it again"; nothing was written.
function retryable(e: unknown): boolean {
  if (e instanceof ConcurrencyConflictError) return true;
  const code = (e as { code?: string })?.code;
  return code === '40001' || code === '40P01';
}

export function metadataOf(cmd: Pick<Command, 'meta'>): EventMetadata {
  const m = cmd.meta;
  return { actorId: m.actorId, companyId: m.companyId, correlationId: m.correlationId, causationId: m.causationId ?? m.commandId, ip: m.ip ?? null, userAgent: m.userAgent ?? null };
}

/**
 * The thin shell around a decider: load the stream, fold, decide, append and run the inline
 * projections in ONE transaction; publish to best-effort subscribers only after commit.
 * What a command did is in the state it returns and the events it stored, both read from the
 * transaction that committed; never inferred from an empty result.
 */
export class CommandRunner {
  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
    private readonly projections: ProjectionRegistry,
    private readonly publisher?: AfterCommitPublisher,
    private readonly onPublishError: (e: unknown) => void = () => undefined,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    /** Seals personal fields once event ids exist (libs/platform/src/privacy); none: stored as decided. */
    private readonly sealer?: EventSealerHook,
  ) {}

  async run<C extends Command, E extends DomainEvent, S>(
    decider: Decider<C, E, S>,
    stream: StreamRef,
    command: C,
    opts: {
      expectedVersion?: number;
      schemaVersions?: Partial<Record<E['type'], number>>;
      /** Rows outside the event store that must commit with the command's events or not at all (a credential). */
      alongside?: (tx: Tx, outcome: { state: S; events: StoredEvent[] }) => Promise<void>;
    } = {},
  ): Promise<RunResult<S>> {
    // A pinned version is the caller's own check: its conflict is the caller's answer (409).
    const attempts = opts.expectedVersion === undefined ? this.retry.attempts : 1;
    const result = await this.withRetry(attempts, () =>
      this.db.transaction(
        async (tx) => {
          const history = await this.store.readStream(tx, stream.id);
          if (opts.expectedVersion !== undefined && opts.expectedVersion !== history.length) {
            throw new ConcurrencyConflictError(stream.id, opts.expectedVersion, history.length);
          }
          let state = history.reduce((s, e) => decider.evolve(s, { type: e.type, data: e.data } as E), decider.initialState);
          const decided = decider.decide(command, state);
          if (decided.length === 0) {
            await opts.alongside?.(tx, { state, events: [] });
            return { state, events: [] as StoredEvent[], append: null };
          }
          const append = await this.appendIn(tx, stream, decided, command.meta, history.length, opts.schemaVersions);
          for (const e of decided) state = decider.evolve(state, e);
          await opts.alongside?.(tx, { state, events: append.events });
          return { state, events: append.events, append };
        },
        scopeOf(stream),
      ),
    );
    this.publish(result.events);
    return result;
  }

  /**
   * Appends events that need no state (a record of an access, a telemetry seal): no read of the
   * stream, expected version 'any', so parallel callers never conflict. Invariants and inline
   * projections run as for any command.
   */
  async append(stream: StreamRef, events: readonly DomainEvent[], meta: CommandMeta): Promise<StoredEvent[]> {
    const append = await this.withRetry(this.retry.attempts, () => this.db.transaction((tx) => this.appendIn(tx, stream, events, meta, 'any'), scopeOf(stream)));
    this.publish(append.events);
    return append.events;
  }

  /**
   * One transaction in the stream's scope for a decision that rests on rows outside the event
   * store (a credential row locked FOR UPDATE): `work` reads and writes its rows and appends to
   * `stream` without a read (as `append`), and everything commits together or not at all. Its
   * result is returned only after the commit. Retried as a whole on a conflict, a serialization
   * failure or a deadlock, so `work` must throw, never swallow, those.
   */
  async within<T>(stream: StreamRef, meta: CommandMeta, work: (tx: Tx, append: (events: readonly DomainEvent[]) => Promise<StoredEvent[]>) => Promise<T>): Promise<T> {
    let stored: StoredEvent[] = [];
    const result = await this.withRetry(this.retry.attempts, () =>
      this.db.transaction(async (tx) => {
        stored = [];
        return work(tx, async (events) => {
          if (!events.length) return [];
          const append = await this.appendIn(tx, stream, events, meta, 'any');
          stored.push(...append.events);
          return append.events;
        });
      }, scopeOf(stream)),
    );
    this.publish(stored);
    return result;
  }

  private async appendIn(tx: Tx, stream: StreamRef, decided: readonly DomainEvent[], meta: CommandMeta, expected: number | 'any', schemaVersions?: Partial<Record<string, number>>): Promise<AppendResult> {
    const metadata = metadataOf({ meta });
    const newEvents: NewEvent[] = decided.map((e) => ({
      // Ids are new for every attempt: a retried command is a new decision, and replaying a
      // client's retry is the idempotency record's job (HTTP layer), not the store's.
      eventId: randomUUID(),
      type: e.type,
      data: e.data,
      schemaVersion: schemaVersions?.[e.type] ?? this.store.upcasters.currentVersion(e.type),
      metadata,
    }));
    // Personal data is sealed here, after the ids it is bound to exist, before anything is stored.
    const sealed = this.sealer ? await this.sealer.seal(tx, stream, newEvents) : { events: newEvents };
    const append = await this.store.append(tx, stream, sealed.events, expected, sealed.alongside);
    await this.projections.checkInvariants(tx, append.events);
    await this.projections.applyInline(tx, append.events);
    return append;
  }

  private async withRetry<T>(attempts: number, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (attempt >= attempts || !retryable(e)) throw e;
        const cap = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
        await new Promise((r) => setTimeout(r, Math.random() * cap));
      }
    }
  }

  // After commit: a failing subscriber can neither undo nor lose the write.
  private publish(events: StoredEvent[]): void {
    if (!events.length || !this.publisher) return;
    try {
      this.publisher.publishAll(events);
    } catch (e) {
      this.onPublishError(e);
    }
  }
}

// A stream without a company is platform-level: it is written as maple_system.
function scopeOf(stream: StreamRef) {
  return stream.companyId === null ? { allCompanies: true } : { companyId: stream.companyId };
}
