import type { StoredEvent } from '@maple/platform';

/**
 * What the relay publishes for each committed event (JSON, UTF-8), schema `maple.event.v1`.
 * `data` is the event's data exactly as stored: personal data sealed by the platform's privacy
 * services stays sealed. The request's IP address and user agent are left out (personal data
 * that consumers do not need); the rest of the metadata travels.
 */
export type EventEnvelope = {
  schema: 'maple.event.v1';
  eventId: string;
  /** Global position and transaction id: the store's reading order is (transactionId, position). */
  position: string;
  transactionId: string;
  companyId: string | null;
  streamId: string;
  streamType: string;
  /** 1-based version of the event in its stream: consecutive within a stream. */
  version: number;
  type: string;
  schemaVersion: number;
  recordedAt: string;
  data: unknown;
  metadata: { actorId: string | null; correlationId: string; causationId: string | null };
};

export function toEnvelope(e: StoredEvent): EventEnvelope {
  return {
    schema: 'maple.event.v1',
    eventId: e.eventId,
    position: e.position,
    transactionId: e.transactionId,
    companyId: e.companyId,
    streamId: e.streamId,
    streamType: e.streamType,
    version: e.version,
    type: e.type,
    schemaVersion: e.schemaVersion,
    recordedAt: new Date(e.recordedAt).toISOString(),
    data: e.data,
    metadata: { actorId: e.metadata.actorId, correlationId: e.metadata.correlationId, causationId: e.metadata.causationId },
  };
}
