import { createHash } from 'node:crypto';
import type { Tx } from '../database/database';
import { ConcurrencyConflictError } from './event-store.errors';
import type { AppendResult, Checkpoint, ExpectedVersion, NewEvent, StoredEvent, StreamRef } from './event.types';
import { Upcasters } from './upcasters';

/** The chain key of events that belong to no company (platform-level events). */
export const PLATFORM_CHAIN = '__platform__';

/** The fields of a stored event that its hash covers (see `eventHash`). */
export type ChainedRecord = {
  position: string;
  eventId: string;
  streamId: string;
  streamType: string;
  version: number;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: unknown;
  companyId: string | null;
  /** ISO 8601 UTC with milliseconds, e.g. 2026-11-25T08:35:41.123Z. */
  recordedAt: string;
};

/**
 * Canonical JSON (the encoding an offline verifier must reproduce): no whitespace; object keys
 * sorted by UTF-16 code units (JavaScript's default sort); keys with undefined values left out;
 * strings, numbers (ECMAScript shortest round-trip form), booleans and null as JSON.stringify
 * writes them. Same as RFC 8785 (JCS) for the values JSON can carry.
 */
export function canonicalJson(v: unknown): string {
  switch (typeof v) {
    case 'string':
      // Verification hashes every event: plain strings skip JSON.stringify (same output).
      return NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
    case 'number':
      if (!Number.isFinite(v)) throw new Error('canonical JSON has no encoding for a non-finite number');
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      break;
    default:
      return 'null';
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + (v[i] === undefined ? 'null' : canonicalJson(v[i]));
    return out + ']';
  }
  const o = v as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const k of Object.keys(o).sort()) {
    const x = o[k];
    if (x === undefined) continue;
    out += (first ? '' : ',') + canonicalJson(k) + ':' + canonicalJson(x);
    first = false;
  }
  return out + '}';
}

// Characters JSON.stringify escapes (quote, backslash, controls) or treats specially (surrogates).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * hash = SHA-256(prev || UTF-8(canonicalJson(record))), as lowercase hex. `prev` is the 32-byte
 * hash of the previous event of the same company chain (hex), or nothing for the chain's first.
 */
export function eventHash(prevHex: string | null, record: ChainedRecord): string {
  const h = createHash('sha256');
  if (prevHex) h.update(Buffer.from(prevHex, 'hex'));
  return h.update(canonicalRecord(record), 'utf8').digest('hex');
}

// canonicalJson(record) with the record's keys written in their sorted order directly: the same
// bytes, without sorting eleven keys for every event verified. The database writes the very same
// text (events_canonical, migration 20261201001000_chain_in_database) when it hashes a new event.
function canonicalRecord(r: ChainedRecord): string {
  return (
    '{"companyId":' + canonicalJson(r.companyId) +
    ',"data":' + canonicalJson(r.data) +
    ',"eventId":' + canonicalJson(r.eventId) +
    ',"metadata":' + canonicalJson(r.metadata) +
    ',"position":' + canonicalJson(r.position) +
    ',"recordedAt":' + canonicalJson(r.recordedAt) +
    ',"schemaVersion":' + canonicalJson(r.schemaVersion) +
    ',"streamId":' + canonicalJson(r.streamId) +
    ',"streamType":' + canonicalJson(r.streamType) +
    ',"type":' + canonicalJson(r.type) +
    ',"version":' + canonicalJson(r.version) + '}'
  );
}

/**
 * Writes that must commit with an append and need nothing back: data-modifying CTEs sent in the
 * append's own statement (e.g. the data key of a person the command creates). `ctes` gets the
 * number of its first parameter.
 */
export type AlongsideWrite = { ctes: (firstParam: number) => string; params: unknown[] };

/**
 * The one statement an append sends: the `events_append` call and its parameters. The client
 * sends content only; the database assigns position, time and version and computes the hash from
 * the row it stores.
 */
export function appendCall(stream: StreamRef, events: readonly NewEvent[], expected: ExpectedVersion, alongside?: AlongsideWrite) {
  const payload = events.map((e) => {
    const schemaVersion = e.schemaVersion ?? 1;
    // What the caller gets back is what is stored, after a JSON round trip (as jsonb gives it back).
    const data = JSON.parse(JSON.stringify(e.data ?? null)) as unknown;
    const metadata = JSON.parse(JSON.stringify({ ...e.metadata, schemaVersion })) as unknown;
    return { eventId: e.eventId.toLowerCase(), type: e.type, schemaVersion, data, metadata };
  });
  const select = 'SELECT position, version, event_id, transaction_id, recorded_at FROM events_append($1, $2, $3, $4::int, $5::jsonb)';
  return {
    sql: alongside ? `WITH ${alongside.ctes(6)} ${select}` : select,
    params: [stream.id, stream.type, stream.companyId, expected === 'any' ? null : expected, JSON.stringify(payload), ...(alongside?.params ?? [])] as unknown[],
    payload,
  };
}

// Columns are cast to text for exactness in JS; ORDER BY must therefore name the table's
// columns (events.position), or it would sort the text aliases ('100' < '81').
const COLUMNS = `position::text AS position, transaction_id::text AS transaction_id, event_id::text AS event_id,
  stream_id, stream_type, version, type, schema_version, data, metadata, company_id, recorded_at`;

type Row = {
  position: string;
  transaction_id: string;
  event_id: string;
  stream_id: string;
  stream_type: string;
  version: number;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: unknown;
  company_id: string | null;
  recorded_at: Date;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// 23505: a racing writer took the same (stream, version), or an event id was used before;
// 40001: events_append found the stream at another version than expected.
function isConflict(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  return code === '23505' || code === '40001';
}

function json(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

export type ReadStreamOptions = { fromVersion?: number; toVersion?: number; until?: Date };

/**
 * The append-only event store. Every method takes the caller's transaction so that an
 * append and its inline projections commit or roll back together.
 */
export class EventStore {
  constructor(readonly upcasters: Upcasters = new Upcasters()) {}

  async append(tx: Tx, stream: StreamRef, events: NewEvent[], expected: ExpectedVersion, alongside?: AlongsideWrite): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    for (const e of events) if (!UUID.test(e.eventId)) throw new Error(`event id ${e.eventId} is not a UUID`);

    // One statement (see events_append): the chain lock, the expected-version check, and the insert,
    // whose trigger links and hashes each event. A stale expected version, or a writer that got to
    // the same (stream, version) first, fails the statement: that is a conflict, never a success.
    const call = appendCall(stream, events, expected, alongside);
    const { payload } = call;
    let inserted: { position: string; version: number; event_id: string; transaction_id: string; recorded_at: string }[];
    try {
      inserted = await tx.query(call.sql, ...call.params);
    } catch (e) {
      if (isConflict(e)) throw new ConcurrencyConflictError(stream.id, expected, null);
      throw e;
    }
    if (inserted.length !== events.length) throw new Error(`events_append stored ${inserted.length} of ${events.length} events`);
    const stored = inserted.map((r, i): StoredEvent => {
      const e = payload[i];
      const up = this.upcasters.upcast(e.type, e.schemaVersion, e.data);
      return {
        position: r.position,
        transactionId: r.transaction_id,
        eventId: r.event_id,
        streamId: stream.id,
        streamType: stream.type,
        version: r.version,
        type: e.type,
        schemaVersion: up.schemaVersion,
        data: up.data,
        metadata: e.metadata as StoredEvent['metadata'],
        companyId: stream.companyId,
        recordedAt: new Date(r.recorded_at),
      };
    });
    return { streamId: stream.id, fromVersion: inserted[0].version, toVersion: inserted[inserted.length - 1].version, positions: inserted.map((r) => r.position), events: stored };
  }

  async readStream(tx: Tx, streamId: string, opts: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const rows = await tx.query<Row>(
      `SELECT ${COLUMNS} FROM events
        WHERE stream_id = $1 AND version >= $2 AND version <= $3 AND ($4::timestamptz IS NULL OR recorded_at <= $4::timestamptz)
        ORDER BY version`,
      streamId,
      opts.fromVersion ?? 1,
      opts.toVersion ?? 2_147_483_647,
      opts.until ? opts.until.toISOString() : null,
    );
    return rows.map((r) => this.toEvent(r));
  }

  /**
   * Events after a checkpoint, in commit-safe order. Only transactions older than every
   * transaction still running are read, so a slow transaction holding a lower position is
   * waited for rather than skipped; a rolled-back one leaves nothing and holds nobody up.
   */
  async readAfter(tx: Tx, after: Checkpoint, limit = 500): Promise<StoredEvent[]> {
    const rows = await tx.query<Row>(
      `SELECT ${COLUMNS} FROM events
        WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY events.transaction_id, events.position
        LIMIT $3`,
      after.transactionId,
      after.position,
      limit,
    );
    return rows.map((r) => this.toEvent(r));
  }

  /**
   * Every committed event after a checkpoint, in the same order as `readAfter` but with no
   * horizon: a transaction still running may later commit events that sort before these. Only
   * for a reader that has made that harmless, such as a rebuild's swap, which holds locks that
   * make every such writer apply its own events to the swapped-in tables.
   */
  async readCommittedAfter(tx: Tx, after: Checkpoint, limit = 500): Promise<StoredEvent[]> {
    const rows = await tx.query<Row>(
      `SELECT ${COLUMNS} FROM events WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
        ORDER BY events.transaction_id, events.position LIMIT $3`,
      after.transactionId,
      after.position,
      limit,
    );
    return rows.map((r) => this.toEvent(r));
  }

  async readByCompany(tx: Tx, companyId: string, from: Date, to: Date, limit = 1000, afterPosition = '0'): Promise<StoredEvent[]> {
    const rows = await tx.query<Row>(
      `SELECT ${COLUMNS} FROM events
        WHERE company_id = $1 AND recorded_at >= $2::timestamptz AND recorded_at < $3::timestamptz AND position > $4::bigint
        ORDER BY events.position LIMIT $5`,
      companyId,
      from.toISOString(),
      to.toISOString(),
      afterPosition,
      limit,
    );
    return rows.map((r) => this.toEvent(r));
  }

  /** The newest position visible to this transaction ('0' when empty). */
  async headPosition(tx: Tx): Promise<string> {
    const [r] = await tx.query<{ p: string }>('SELECT coalesce(max(position), 0)::text AS p FROM events');
    return r.p;
  }

  toEvent(r: Row): StoredEvent {
    const up = this.upcasters.upcast(r.type, r.schema_version, json(r.data));
    return {
      position: r.position,
      transactionId: r.transaction_id,
      eventId: r.event_id,
      streamId: r.stream_id,
      streamType: r.stream_type,
      version: r.version,
      type: r.type,
      schemaVersion: up.schemaVersion,
      data: up.data,
      metadata: json(r.metadata) as StoredEvent['metadata'],
      companyId: r.company_id,
      recordedAt: r.recorded_at instanceof Date ? r.recorded_at : new Date(r.recorded_at),
    };
  }
}
