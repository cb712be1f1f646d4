import { DomainError } from '../http/problem';

/** Somebody appended to the stream since it was read; reload and retry. Maps to 409. */
export class ConcurrencyConflictError extends DomainError {
  constructor(streamId: string, expected: number | 'any', actual: number | null) {
    super('CONCURRENCY_CONFLICT', `Stream ${streamId} has changed since it was read (expected version ${expected}${actual === null ? '' : `, found ${actual}`}); reload and retry.`, {
      streamId,
    });
  }
}

/** An event could not be upcast to its current shape: the projection must stop, not skip it. */
export class UpcastError extends DomainError {
  constructor(type: string, from: number, to: number) {
    super('EVENT_STORE.UPCAST_MISSING', `No upcaster takes ${type} from schema version ${from} to ${to}.`);
  }
}
