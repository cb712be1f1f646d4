/** Who did it, for whom, and why: travels with every event. */
export type EventMetadata = {
  actorId: string | null;
  companyId: string | null;
  correlationId: string;
  causationId: string | null;
  ip: string | null;
  userAgent: string | null;
};

/** An event as a decider produces it: data with a stable, past-tense `type`. */
export type DomainEvent<T extends string = string, D = unknown> = { type: T; data: D };

export type NewEvent = {
  eventId: string;
  type: string;
  data: unknown;
  /** The shape version of `data`; upcasters lift older ones on read. */
  schemaVersion?: number;
  metadata: EventMetadata;
};

export type StreamRef = { id: string; type: string; companyId: string | null };

export type StoredEvent<D = unknown> = {
  /** Global position (a bigint, kept as a decimal string to stay exact in JSON). */
  position: string;
  transactionId: string;
  eventId: string;
  streamId: string;
  streamType: string;
  version: number;
  type: string;
  schemaVersion: number;
  data: D;
  metadata: EventMetadata & { schemaVersion: number };
  companyId: string | null;
  recordedAt: Date;
};

/** A reader's place in the global log: transaction id first, then position. */
export type Checkpoint = { transactionId: string; position: string };

export const START: Checkpoint = { transactionId: '0', position: '0' };

/** Expected version: a number (0 = the stream must not exist yet) or 'any'. */
export type ExpectedVersion = number | 'any';

export type AppendResult = {
  streamId: string;
  fromVersion: number;
  toVersion: number;
  positions: string[];
  /** The events as stored (upcast like a read would give them). */
  events: StoredEvent[];
};
