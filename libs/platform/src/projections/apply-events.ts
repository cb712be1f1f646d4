import type { Tx } from '../database/database';
import type { Projection } from '../cqrs/projection';
import { handlesEvent } from '../cqrs/projection';
import type { StoredEvent } from '../event-store/event.types';
import { isTransientError } from './transient-errors';

/** An event that its projection cannot apply: the projection stops there, it never skips it. */
export class ProjectionFailedError extends Error {
  constructor(
    readonly projection: string,
    readonly event: StoredEvent,
    cause: unknown,
  ) {
    super(`projection ${projection} failed on event ${event.position} (${event.type} in ${event.streamId}): ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/** A batch applied at once failed for a reason of its own: apply it again one by one to find the event. */
export class BatchFailedError extends Error {
  constructor(readonly projection: string, cause: unknown) {
    super(`projection ${projection} failed on a batch: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/**
 * Applies events in reading order, each to every projection that handles it, in the given
 * (registration) order: what the inline projections of the commands did, one command after
 * another. A single projection with `applyBatch` gets the whole batch at once unless
 * `oneByOne`. Transient database errors pass through untouched, to be retried.
 */
export async function applyEvents(tx: Tx, projections: readonly Projection[], events: readonly StoredEvent[], opts: { oneByOne?: boolean } = {}): Promise<void> {
  const [only] = projections;
  if (!opts.oneByOne && projections.length === 1 && only.applyBatch) {
    const mine = events.filter((e) => handlesEvent(only, e.type));
    if (!mine.length) return;
    try {
      await only.applyBatch(tx, mine);
    } catch (e) {
      throw isTransientError(e) ? e : new BatchFailedError(only.name, e);
    }
    return;
  }
  for (const e of events) {
    for (const p of projections) {
      if (!handlesEvent(p, e.type)) continue;
      try {
        await p.apply(tx, e);
      } catch (err) {
        throw isTransientError(err) ? err : new ProjectionFailedError(p.name, e, err);
      }
    }
  }
}
