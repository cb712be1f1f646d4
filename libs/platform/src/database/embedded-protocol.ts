// The parts of the PostgreSQL wire protocol (version 3) that the embedded server handles itself:
// framing, the start-up exchange (which never reaches PGlite: it would change the one session
// that the owner shares), the messages it writes, and the statement names it rewrites.

export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;
export const PROTOCOL_3 = 3;

/** Messages a client may send after start-up; the server forwards them to PGlite. */
export const FORWARDED = new Set(['Q', 'P', 'B', 'D', 'E', 'C', 'H', 'S', 'F', 'd', 'c', 'f']);
/** After these, the client waits for an answer: the messages so far are run as one batch. */
export const BATCH_END = new Set(['Q', 'S', 'H', 'F', 'd', 'c', 'f']);

// No frontend message legitimately comes near this; a larger length is a broken or hostile client.
const MAX_MESSAGE = 256 * 1024 * 1024;

export class ProtocolViolation extends Error {}

/** A complete message at the front of `buf` (type byte + int32 length + body), its length, or 0 if incomplete. */
export function messageLength(buf: Buffer): number {
  if (buf.length < 5) return 0;
  const len = buf.readInt32BE(1);
  if (len < 4 || len > MAX_MESSAGE) throw new ProtocolViolation(`invalid message length ${len}`);
  return buf.length >= len + 1 ? len + 1 : 0;
}

export type StartupPacket =
  | { kind: 'ssl' | 'gssenc' | 'cancel'; length: number }
  | { kind: 'startup'; length: number; major: number; minor: number; params: Record<string, string> };

/** The untyped packet a connection starts with (int32 length + int32 code + body), or null if incomplete. */
export function readStartupPacket(buf: Buffer): StartupPacket | null {
  if (buf.length < 8) return null;
  const length = buf.readInt32BE(0);
  if (length < 8 || length > 10_000) throw new ProtocolViolation(`invalid start-up packet length ${length}`);
  if (buf.length < length) return null;
  const code = buf.readInt32BE(4);
  if (code === SSL_REQUEST) return { kind: 'ssl', length };
  if (code === GSSENC_REQUEST) return { kind: 'gssenc', length };
  if (code === CANCEL_REQUEST) return { kind: 'cancel', length };
  const major = code >>> 16;
  if (major !== PROTOCOL_3) throw new ProtocolViolation(`unsupported frontend protocol ${major}.${code & 0xffff}`);
  const params: Record<string, string> = {};
  const strings = buf.subarray(8, length - 1).toString('utf8').split('\0');
  for (let i = 0; i + 1 < strings.length; i += 2) params[strings[i]] = strings[i + 1];
  return { kind: 'startup', length, major, minor: code & 0xffff, params };
}

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const cstring = (s: string) => Buffer.from(`${s}\0`, 'utf8');
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

export const authenticationOk = () => message('R', int32(0));
export const parameterStatus = (name: string, value: string) => message('S', Buffer.concat([cstring(name), cstring(value)]));
export const readyForQuery = (status: 'I' | 'T' | 'E') => message('Z', Buffer.from(status, 'latin1'));
/** NegotiateProtocolVersion: the newest 3.x minor version served, and the options it does not know. */
export const negotiateProtocol = (minor: number, unknown: string[]) =>
  message('v', Buffer.concat([int32(minor), int32(unknown.length), ...unknown.map(cstring)]));

/** An ErrorResponse with severity, SQLSTATE and message. */
export function errorResponse(severity: 'ERROR' | 'FATAL', code: string, text: string): Buffer {
  return message('E', Buffer.concat([cstring(`S${severity}`), cstring(`V${severity}`), cstring(`C${code}`), cstring(`M${text}`), Buffer.from([0])]));
}

export const simpleQuery = (sql: string) => message('Q', cstring(sql));
export const syncMessage = () => message('S', Buffer.alloc(0));
export const copyFail = (why: string) => message('f', cstring(why));
export const closeStatement = (name: string) => message('C', Buffer.concat([Buffer.from('S', 'latin1'), cstring(name)]));

/** The transaction status of the last ReadyForQuery in a backend answer, or null if it has none. */
export function lastReady(data: Uint8Array): 'I' | 'T' | 'E' | null {
  let status: 'I' | 'T' | 'E' | null = null;
  forEachMessage(data, (type, at) => {
    if (type === 'Z') status = String.fromCharCode(data[at + 5]) as 'I' | 'T' | 'E';
  });
  return status;
}

/** Whether a backend answer contains a message of this type. */
export function hasMessage(data: Uint8Array, wanted: string): boolean {
  let found = false;
  forEachMessage(data, (type) => (found ||= type === wanted));
  return found;
}

function forEachMessage(data: Uint8Array, fn: (type: string, at: number) => void): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let at = 0; at + 5 <= data.length; at += 1 + view.getInt32(at + 1)) fn(String.fromCharCode(data[at]), at);
}

// A statement name that cannot exist: binding it fails with PostgreSQL's own error, and the
// rest of the batch is skipped until Sync exactly as for any other error.
export const LOST_UNNAMED = 'unnamed statement of an earlier batch (the embedded database is shared: parse it again)';

export type NameScope = {
  /** Prefix that keeps this client's named statements apart from every other client's. */
  prefix: string;
  /** Whether the unnamed statement was parsed by this client since it last took the session. */
  unnamedParsed: boolean;
  /** This client's statements, to close when it goes. */
  named: Set<string>;
};

/**
 * The message with statement names scoped to the client. Named statements live as long as the
 * (shared) session, so two clients that both prepare "s1" would collide; and the unnamed statement
 * may have been replaced by the owner's or another client's queries since this client's last
 * batch, so a reference to it before a new Parse is refused rather than run on someone else's SQL.
 * Portal names need nothing: portals end with their transaction, which one client has to itself.
 */
export function scopeNames(msg: Buffer, scope: NameScope): Buffer {
  const type = String.fromCharCode(msg[0]);
  const body = msg.subarray(5);
  const scoped = (name: string) => (name === '' ? name : `${scope.prefix}${name}`);
  const unnamedOr = (name: string) => (name === '' && !scope.unnamedParsed ? LOST_UNNAMED : scoped(name));
  if (type === 'P') {
    const [name, rest] = splitCString(body);
    if (name === '') scope.unnamedParsed = true;
    else scope.named.add(scoped(name));
    return message('P', Buffer.concat([cstring(scoped(name)), rest]));
  }
  if (type === 'B') {
    const [portal, afterPortal] = splitCString(body);
    const [statement, rest] = splitCString(afterPortal);
    return message('B', Buffer.concat([cstring(portal), cstring(unnamedOr(statement)), rest]));
  }
  if ((type === 'D' || type === 'C') && String.fromCharCode(body[0]) === 'S') {
    const [name, rest] = splitCString(body.subarray(1));
    const target = type === 'D' ? unnamedOr(name) : scoped(name);
    if (type === 'C') scope.named.delete(target);
    return message(type, Buffer.concat([Buffer.from('S', 'latin1'), cstring(target), rest]));
  }
  return msg;
}

/** The SQL text a Query or Parse message carries ('' for other messages). */
export function sqlOf(msg: Buffer): string {
  const type = String.fromCharCode(msg[0]);
  if (type === 'Q') return splitCString(msg.subarray(5))[0];
  if (type === 'P') return splitCString(splitCString(msg.subarray(5))[1])[0];
  return '';
}

// The timeouts whose firing PGlite cannot survive (see embedded-connection.ts).
const SESSION_TIMEOUT = /(idle_in_transaction_session_timeout|idle_session_timeout|transaction_timeout)(\s*(?:=|\bto\b)\s*|'\s*,\s*)'?(\d+)\s*(ms|s|min|h|d)?\b/gi;
const SESSION_TIMEOUT_NAME = /idle_in_transaction_session_timeout|idle_session_timeout|transaction_timeout/gi;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The shortest non-zero session timeout that `sql` sets, in ms: null when it sets none, and 1
 * (as short as can be) when it names one in a way this cannot read. Reads text, not SQL: a
 * string that merely mentions one counts, which errs on the safe side.
 */
export function shortestSessionTimeoutMs(sql: string): number | null {
  const mentions = sql.match(SESSION_TIMEOUT_NAME)?.length ?? 0;
  if (mentions === 0) return null;
  let shortest: number | null = null;
  let read = 0;
  for (const m of sql.matchAll(SESSION_TIMEOUT)) {
    read++;
    const ms = Number(m[3]) * UNIT_MS[(m[4] ?? 'ms').toLowerCase()];
    if (ms > 0 && (shortest === null || ms < shortest)) shortest = ms;
  }
  return read < mentions ? 1 : shortest;
}

function splitCString(buf: Buffer): [string, Buffer] {
  const end = buf.indexOf(0);
  if (end < 0) throw new ProtocolViolation('unterminated string in message');
  return [buf.subarray(0, end).toString('utf8'), buf.subarray(end + 1)];
}
