import { randomUUID } from 'node:crypto';
import type { Database, Tx } from '../database/database';
import type { Projection } from '../cqrs/projection';
import type { StoredEvent } from '../event-store/event.types';

let position = 0;

/** A stored event for projection specs: only type and data matter, the rest is plausible. */
export function storedEvent<D>(streamId: string, version: number, type: string, data: D, extra: Partial<StoredEvent> = {}): StoredEvent<D> {
  position++;
  return {
    position: String(position),
    transactionId: String(position),
    eventId: randomUUID(),
    streamId,
    streamType: streamId.split('-')[0],
    version,
    type,
    schemaVersion: 1,
    data,
    metadata: { actorId: 'user-1', companyId: extra.companyId ?? null, correlationId: randomUUID(), causationId: null, ip: '127.0.0.1', userAgent: 'spec', schemaVersion: 1 },
    companyId: null,
    recordedAt: new Date(),
    ...extra,
  } as StoredEvent<D>;
}

/**
 * Projection specs against a real database:
 *   await projectionScenario(db, projection).given([e1, e2]).then(async (tx) => expect(await tx.query(...)).toEqual(...))
 */
export function projectionScenario(db: Database, projection: Projection, scope: { companyId?: string | null; allCompanies?: boolean } = { allCompanies: true }) {
  return {
    given(events: StoredEvent[]) {
      return {
        async then(check: (tx: Tx) => Promise<void>): Promise<void> {
          await db.transaction(async (tx) => {
            for (const e of events) await projection.apply(tx, e);
          }, scope);
          await db.transaction(check, scope);
        },
      };
    },
  };
}
