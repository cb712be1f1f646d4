import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Projection, StoredEvent } from '@maple/platform';
import { toEnvelope } from './envelope';
import { eventSubject } from './subject';

export type RelayOptions = {
  /** NATS server URL(s), comma-separated. */
  url: string;
  /** The JetStream stream; created with `<subjectPrefix>.>` when missing, left as it is otherwise. */
  stream: string;
  subjectPrefix: string;
  /** De-duplication window of a stream the relay creates (message id = event id). */
  duplicateWindowMs: number;
  /** How long to wait for the connection and for each acknowledgement. */
  timeoutMs: number;
};

export type RelayObserver = {
  onPublished?(event: StoredEvent, duplicate: boolean): void;
  onError?(message: string): void;
};

/**
 * NATS or JetStream got in the way (no connection, no acknowledgement in time, no stream):
 * nothing about the event. The projection daemon retries the same batch with backoff.
 */
export class RelayUnavailableError extends Error {
  readonly transient = true;
}

export const RELAY_PROJECTION = 'nats-relay';

const firstLine = (e: unknown) => ((e as Error)?.message ?? String(e)).split('\n')[0];

/**
 * Publishes committed events to JetStream, one after another in the order given, each with the
 * event id as its message id (JetStream drops a re-sent one inside its duplicate window). It
 * returns only when JetStream has acknowledged every event, so the projection daemon moves the
 * checkpoint only after that: at-least-once, and exactly-once in the stream after de-duplication.
 */
export class NatsRelay {
  private client?: Promise<{ nc: NatsConnection; js: JetStreamClient }>;
  private lastError: { message: string; at: Date } | null = null;

  constructor(
    readonly options: RelayOptions,
    private readonly observer: RelayObserver = {},
  ) {}

  /** The async projection the platform's daemon runs (leader-elected, checkpointed, with lag metrics). */
  projection(): Projection {
    return {
      name: RELAY_PROJECTION,
      handles: '*',
      tables: [],
      apply: (_tx, event) => this.publish([event]),
      applyBatch: (_tx, events) => this.publish(events),
    };
  }

  async publish(events: readonly StoredEvent[]): Promise<void> {
    const { nc, js } = await this.connection();
    const maxPayload = nc.info?.max_payload ?? 1_048_576;
    for (const e of events) {
      const payload = JSON.stringify(toEnvelope(e));
      // The event's own problem: the projection stops on it (and says why) rather than skip it.
      if (Buffer.byteLength(payload) > maxPayload) throw new Error(`event ${e.eventId} is ${Buffer.byteLength(payload)} bytes as an envelope, over the NATS server's max_payload of ${maxPayload}`);
      let duplicate: boolean;
      try {
        const ack = await js.publish(eventSubject(this.options.subjectPrefix, e), payload, { msgID: e.eventId, timeout: this.options.timeoutMs, expect: { streamName: this.options.stream } });
        duplicate = ack.duplicate;
      } catch (err) {
        throw this.failed(`publishing event ${e.position} to ${this.options.stream}: ${firstLine(err)}`);
      }
      this.observer.onPublished?.(e, duplicate);
    }
    this.lastError = null;
  }

  /** 'ok', or the error the relay keeps retrying after (for readiness). */
  health(): Promise<string> {
    if (!this.lastError) return Promise.resolve('ok');
    return Promise.resolve(`NATS relay failing since ${this.lastError.at.toISOString()}: ${this.lastError.message}`);
  }

  private failed(message: string): RelayUnavailableError {
    if (!this.lastError) this.lastError = { message, at: new Date() };
    else this.lastError.message = message;
    this.observer.onError?.(message);
    return new RelayUnavailableError(message);
  }

  private connection(): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
    const current = this.client;
    if (current) {
      return current.then(
        (c) => (c.nc.isClosed() ? this.reconnect() : c),
        () => this.reconnect(),
      );
    }
    return this.reconnect();
  }

  private reconnect(): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
    const attempt = (async () => {
      let nc: NatsConnection | undefined;
      try {
        nc = await connect({ servers: this.options.url.split(','), name: 'maple-relay', timeout: this.options.timeoutMs, maxReconnectAttempts: -1 });
        const jsm = await jetstreamManager(nc, { timeout: this.options.timeoutMs });
        await jsm.streams.info(this.options.stream).catch(async (e: unknown) => {
          if (!/not found/i.test(firstLine(e))) throw e;
          await jsm.streams.add({ name: this.options.stream, subjects: [`${this.options.subjectPrefix}.>`], duplicate_window: this.options.duplicateWindowMs * 1_000_000 });
        });
        return { nc, js: jetstream(nc, { timeout: this.options.timeoutMs }) };
      } catch (e) {
        await nc?.close().catch(() => undefined);
        throw this.failed(`connecting to NATS: ${firstLine(e)}`);
      }
    })();
    this.client = attempt;
    return attempt;
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    const { nc } = await c.catch(() => ({ nc: undefined }));
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }
}
