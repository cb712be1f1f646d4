import { createHash } from 'node:crypto';

// Segment's spec calls (https://segment.com/docs/connections/spec/): a track names its event,
// page and screen name the view, identify and group carry traits.
export const CALL_TYPES = ['track', 'page', 'screen', 'identify', 'group', 'alias'] as const;
export type CallType = (typeof CALL_TYPES)[number];

/** Client events are user actions or AI predictions; system_event rows come from the event store only. */
export const CLIENT_EVENT_TYPES = ['user_action', 'ai_prediction'] as const;
export type EventType = 'user_action' | 'system_event' | 'ai_prediction';

export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_BATCH_BYTES = 500 * 1024;
export const MAX_BATCH_EVENTS = 2_000;
const MAX_ID = 200;
const MAX_NESTING = 16;
// Beyond this an event is in the future by more than any clock skew explains.
export const FUTURE_LIMIT_MS = 24 * 3600_000;

/** A valid event as stored: one row of AnalyticsEvent. */
export type IntakeEvent = {
  id: string;
  messageId: string;
  eventType: EventType;
  userId: string | null;
  timestamp: Date;
  sentAt: Date | null;
  receivedAt: Date;
  eventData: Record<string, unknown>;
};

export type Rejection = { index: number; messageId: string | null; field: string; reason: string };
export type Placement = { kind: 'store' } | { kind: 'quarantine'; reason: 'future' | 'too_late' };

// ISO 8601 date-times as Segment's libraries send them (offset or Z; fractions optional).
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

class Invalid extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(reason);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function date(v: unknown, field: string): Date | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || !ISO.test(v))
    throw new Invalid(field, `${field} must be an ISO 8601 date-time such as 2026-12-01T10:00:00.000Z`);
  const d = new Date(v);
  const year = d.getUTCFullYear();
  if (Number.isNaN(d.getTime()) || year < 2000 || year > 9999)
    throw new Invalid(field, `${field} is not a real date between the years 2000 and 9999`);
  return d;
}

function id(v: unknown, field: string): string | null {
  if (v === undefined || v === null) return null;
  // Segment's libraries accept numeric ids and send them as they are.
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v !== 'string' || v.trim() === '' || v.length > MAX_ID)
    throw new Invalid(field, `${field} must be a non-empty string of at most ${MAX_ID} characters`);
  return v;
}

function object(v: unknown, field: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) throw new Invalid(field, `${field} must be a JSON object`);
  return v;
}

// Iterative, so a hostile nesting costs nothing; numbers must survive a JSON round trip.
function checkValues(root: unknown): void {
  const stack: [unknown, number, string][] = [[root, 0, '']];
  while (stack.length) {
    const [v, depth, path] = stack.pop() as [unknown, number, string];
    if (typeof v === 'number' && !Number.isFinite(v))
      throw new Invalid(path, `${path} is a number too large to store`);
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_NESTING) throw new Invalid(path, `${path} nests deeper than ${MAX_NESTING} levels`);
    for (const [k, child] of Object.entries(v))
      stack.push([child, depth + 1, path ? `${path}.${k.slice(0, 50)}` : k.slice(0, 50)]);
  }
}

export type IntakeContext = { receivedAt: Date; batchSentAt: Date | null; newId: () => string };

/**
 * Validates one Segment call and turns it into the row it would be, or says why not. Unknown
 * top-level fields (a library's `_metadata`, `writeKey`) are dropped, as Segment does.
 * The timestamp is corrected for the client's clock skew: timestamp + (receivedAt - sentAt).
 */
export function readEvent(
  raw: unknown,
  index: number,
  ctx: IntakeContext,
): { ok: true; event: IntakeEvent } | { ok: false; rejection: Rejection } {
  const messageIdOf = (v: unknown) =>
    isPlainObject(v) && typeof v.messageId === 'string' ? v.messageId.slice(0, MAX_ID) : null;
  try {
    if (!isPlainObject(raw)) throw new Invalid('', 'an event must be a JSON object');
    const bytes = Buffer.byteLength(JSON.stringify(raw));
    if (bytes > MAX_EVENT_BYTES)
      throw new Invalid(
        '',
        `an event may have at most ${MAX_EVENT_BYTES} bytes of JSON; this one has ${bytes}`,
      );
    checkValues(raw);
    const type = raw.type ?? 'track';
    if (typeof type !== 'string' || !(CALL_TYPES as readonly string[]).includes(type))
      throw new Invalid('type', `type must be one of ${CALL_TYPES.join(', ')}`);
    const eventType = raw.eventType ?? 'user_action';
    if (typeof eventType !== 'string' || !(CLIENT_EVENT_TYPES as readonly string[]).includes(eventType)) {
      throw new Invalid(
        'eventType',
        `eventType must be one of ${CLIENT_EVENT_TYPES.join(', ')} (system_event rows come from Maple's own events)`,
      );
    }
    const event = raw.event === undefined ? undefined : id(raw.event, 'event');
    if (type === 'track' && !event)
      throw new Invalid('event', 'a track call needs the name of its event in `event`');
    const name = raw.name === undefined ? undefined : id(raw.name, 'name');
    const userId = id(raw.userId, 'userId');
    const anonymousId = id(raw.anonymousId, 'anonymousId');
    if (!userId && !anonymousId) throw new Invalid('userId', 'an event needs a userId or an anonymousId');
    const messageId = id(raw.messageId, 'messageId');
    const timestamp = date(raw.timestamp, 'timestamp');
    const sentAt = date(raw.sentAt, 'sentAt') ?? ctx.batchSentAt;
    const properties = object(raw.properties, 'properties');
    const traits = object(raw.traits, 'traits');
    const context = object(raw.context, 'context');
    const skew = sentAt ? ctx.receivedAt.getTime() - sentAt.getTime() : 0;
    const at = timestamp ? new Date(timestamp.getTime() + skew) : ctx.receivedAt;
    const eventData: Record<string, unknown> = { type };
    if (event) eventData.event = event;
    if (name) eventData.name = name;
    if (anonymousId) eventData.anonymousId = anonymousId;
    if (properties) eventData.properties = properties;
    if (traits) eventData.traits = traits;
    if (context) eventData.context = context;
    const rowId = ctx.newId();
    return {
      ok: true,
      event: {
        id: rowId,
        messageId: messageId ?? `maple-${rowId}`,
        eventType: eventType as EventType,
        userId: userId ?? anonymousId,
        timestamp: at,
        sentAt,
        receivedAt: ctx.receivedAt,
        eventData,
      },
    };
  } catch (e) {
    if (!(e instanceof Invalid)) throw e;
    return {
      ok: false,
      rejection: { index, messageId: messageIdOf(raw), field: e.field, reason: e.message },
    };
  }
}

/** Where a valid event goes: its day, or quarantine when it is too far in the future or older than the late window. */
export function placement(
  e: Pick<IntakeEvent, 'timestamp' | 'receivedAt'>,
  lateWindowDays: number,
): Placement {
  const at = e.timestamp.getTime();
  const now = e.receivedAt.getTime();
  if (at > now + FUTURE_LIMIT_MS) return { kind: 'quarantine', reason: 'future' };
  if (at < now - lateWindowDays * 86_400_000) return { kind: 'quarantine', reason: 'too_late' };
  return { kind: 'store' };
}

/** JSON with keys sorted at every level: the same text for the same value, however stored. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * The digest that seals a batch: SHA-256 over its stored rows in id order, each as canonical
 * JSON. Verification recomputes it from the rows read back, so any edit, insert or delete of a
 * sealed row shows.
 */
export function batchDigest(rows: readonly IntakeEvent[]): string {
  const h = createHash('sha256');
  const sorted = [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const r of sorted)
    h.update(
      `${canonicalJson([r.id, r.messageId, r.eventType, r.userId, iso(r.timestamp), iso(r.sentAt), iso(r.receivedAt), r.eventData])}\n`,
    );
  return h.digest('hex');
}
