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
  private client?: { nc: NatsConnection; js: JetStreamClient };
  private connecting?: Promise<void>;
  /** Set while the client is disconnected and reconnecting on its own. */
  private disconnected = false;
  private lastError: { message: string; at: Date } | null = null;
  private closed = false;

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

  /**
   * Publishes inside the daemon's batch transaction, so it never waits for a connection: without
   * a live one it starts connecting in the background and fails the batch at once (retried with
   * backoff). On the embedded database that transaction is the only one, and a NATS server that
   * does not answer must not hold every API write for a connect timeout.
   */
  async publish(events: readonly StoredEvent[]): Promise<void> {
    const c = this.client;
    if (!c || c.nc.isClosed() || this.disconnected) {
      void this.connect().catch(() => undefined);
      throw this.failed(this.lastError?.message ?? 'not connected to NATS yet');
    }
    const maxPayload = c.nc.info?.max_payload ?? 1_048_576;
    for (const e of events) {
      const payload = JSON.stringify(toEnvelope(e));
      // The event's own problem: the projection stops on it (and says why) rather than skip it.
      if (Buffer.byteLength(payload) > maxPayload) throw new Error(`event ${e.eventId} is ${Buffer.byteLength(payload)} bytes as an envelope, over the NATS server's max_payload of ${maxPayload}`);
      let duplicate: boolean;
      try {
        const ack = await c.js.publish(eventSubject(this.options.subjectPrefix, e), payload, { msgID: e.eventId, timeout: this.options.timeoutMs, expect: { streamName: this.options.stream } });
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

  /** Connects (and creates the stream when it is missing); one attempt at a time. Resolves when connected. */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new RelayUnavailableError('the relay is closed'));
    if (this.client && !this.client.nc.isClosed()) return Promise.resolve();
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<void> {
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({ servers: this.options.url.split(','), name: 'maple-relay', timeout: this.options.timeoutMs, maxReconnectAttempts: -1 });
      const jsm = await jetstreamManager(nc, { timeout: this.options.timeoutMs });
      await jsm.streams.info(this.options.stream).catch(async (e: unknown) => {
        if (!/not found/i.test(firstLine(e))) throw e;
        await jsm.streams.add({ name: this.options.stream, subjects: [`${this.options.subjectPrefix}.>`], duplicate_window: this.options.duplicateWindowMs * 1_000_000 });
      });
    } catch (e) {
      await nc?.close().catch(() => undefined);
      throw this.failed(`connecting to NATS: ${firstLine(e)}`);
    }
    if (this.closed) {
      await nc.close();
      return;
    }
    this.client = { nc, js: jetstream(nc, { timeout: this.options.timeoutMs }) };
    this.disconnected = false;
    void this.watch(nc);
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') this.disconnected = true;
      else if (s.type === 'reconnect') this.disconnected = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    const c = this.client;
    this.client = undefined;
    if (c && !c.nc.isClosed()) await c.nc.drain().catch(() => c.nc.close());
  }
}
