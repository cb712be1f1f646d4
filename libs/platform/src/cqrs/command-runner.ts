import { createHash } from 'node:crypto';
import type { Database } from '../database/database';
import { ConcurrencyConflictError } from '../event-store/event-store.errors';
import type { EventStore } from '../event-store/event-store';
import type { AppendResult, DomainEvent, EventMetadata, NewEvent, StoredEvent, StreamRef } from '../event-store/event.types';
import type { Command, Decider } from './decider';
import type { ProjectionRegistry } from './projection';

/** Best-effort subscribers after commit (the @nestjs/cqrs EventBus in the app). */
export type AfterCommitPublisher = { publishAll(events: StoredEvent[]): void };

export type RunResult<S> = { state: S; events: StoredEvent[]; append: AppendResult | null };

// Event ids derive from the command id, so a retried command (same id) appends nothing new.
export function eventIdFor(commandId: string, index: number): string {
  const h = createHash('sha256').update(`${commandId}:${index}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function metadataOf(cmd: Command): EventMetadata {
  const m = cmd.meta;
  return { actorId: m.actorId, companyId: m.companyId, correlationId: m.correlationId, causationId: m.causationId ?? m.commandId, ip: m.ip ?? null, userAgent: m.userAgent ?? null };
}

/**
 * The thin shell around a decider: load the stream, fold, decide, append and run the inline
 * projections in ONE transaction; publish to best-effort subscribers only after commit.
 */
export class CommandRunner {
  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
    private readonly projections: ProjectionRegistry,
    private readonly publisher?: AfterCommitPublisher,
    private readonly onPublishError: (e: unknown) => void = () => undefined,
  ) {}

  async run<C extends Command, E extends DomainEvent, S>(
    decider: Decider<C, E, S>,
    stream: StreamRef,
    command: C,
    opts: { expectedVersion?: number; schemaVersions?: Partial<Record<E['type'], number>> } = {},
  ): Promise<RunResult<S>> {
    const result = await this.db.transaction(
      async (tx) => {
        const history = await this.store.readStream(tx, stream.id);
        if (opts.expectedVersion !== undefined && opts.expectedVersion !== history.length) {
          throw new ConcurrencyConflictError(stream.id, opts.expectedVersion, history.length);
        }
        let state = history.reduce((s, e) => decider.evolve(s, { type: e.type, data: e.data } as E), decider.initialState);
        const decided = decider.decide(command, state);
        if (decided.length === 0) return { state, events: [] as StoredEvent[], append: null };
        const metadata = metadataOf(command);
        const newEvents: NewEvent[] = decided.map((e, i) => ({
          eventId: eventIdFor(command.meta.commandId, i),
          type: e.type,
          data: e.data,
          schemaVersion: opts.schemaVersions?.[e.type as E['type']] ?? this.store.upcasters.currentVersion(e.type),
          metadata,
        }));
        const append = await this.store.append(tx, stream, newEvents, history.length);
        const stored = append.events;
        if (!append.idempotent) {
          await this.projections.checkInvariants(tx, stored);
          await this.projections.applyInline(tx, stored);
          for (const e of decided) state = decider.evolve(state, e);
        }
        return { state, events: append.idempotent ? [] : stored, append };
      },
      { companyId: stream.companyId, allCompanies: stream.companyId === null },
    );
    // After commit: a failing subscriber can neither undo nor lose the write.
    if (result.events.length && this.publisher) {
      try {
        this.publisher.publishAll(result.events);
      } catch (e) {
        this.onPublishError(e);
      }
    }
    return result;
  }
}
