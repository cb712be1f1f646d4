import type { DomainEvent } from '../event-store/event.types';

/** Everything a decision may depend on besides state: injected, so deciders stay pure. */
export type CommandMeta = {
  /** Unique per command; its events' causation id. */
  commandId: string;
  now: Date;
  actorId: string | null;
  companyId: string | null;
  correlationId: string;
  causationId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
};

export type Command<T extends string = string> = { type: T; meta: CommandMeta };

/**
 * A pure decider: `decide(command, state) => events`, `evolve(state, event) => state`.
 * No I/O, no clock, no randomness: those arrive on the command's meta.
 */
export type Decider<C extends Command, E extends DomainEvent, S> = {
  initialState: S;
  decide(command: C, state: S): E[];
  evolve(state: S, event: E): S;
};

export function fold<E extends DomainEvent, S>(decider: Pick<Decider<never, E, S>, 'initialState' | 'evolve'>, events: readonly E[]): S {
  return events.reduce((s, e) => decider.evolve(s, e), decider.initialState);
}
