// Errors that say nothing about the event being applied: the connection, the server or a
// concurrent transaction got in the way, and the same batch can succeed when tried again.
// Everything else raised while applying an event is that event's own error.

// SQLSTATE classes and codes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const TRANSIENT_CLASSES = ['08', '53']; // connection exception; insufficient resources
const TRANSIENT_CODES = new Set([
  '40000', // transaction_rollback
  '40001', // serialization_failure
  '40003', // statement_completion_unknown
  '40P01', // deadlock_detected
  '55P03', // lock_not_available (lock_timeout)
  '55006', // object_in_use
  '57014', // query_canceled (statement_timeout, a cancel request)
  '57P01', // admin_shutdown (pg_terminate_backend, a server shutting down)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (server starting up)
  '57P05', // idle_session_timeout
  '25P03', // idle_in_transaction_session_timeout
  '72000', // snapshot_too_old
]);
const PASSING_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'TRANSACTION_TIMEOUT', 'DATABASE_UNAVAILABLE']);
// node-postgres reports a dead or closed socket with these messages and no code.
const NETWORK_MESSAGES = /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Client was closed|terminating connection/i;

/** True when `e` (or an error it wraps) is a passing database or network failure. */
export function isTransientError(e: unknown, depth = 0): boolean {
  if (e === null || typeof e !== 'object' || depth > 5) return false;
  const err = e as { code?: unknown; message?: unknown; cause?: unknown; originalCode?: unknown; errors?: unknown; transient?: unknown };
  // A projection's own outside dependency (the NATS relay) marks its passing failures so.
  if (err.transient === true) return true;
  for (const code of [err.code, err.originalCode]) {
    if (typeof code !== 'string') continue;
    if (TRANSIENT_CODES.has(code) || PASSING_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && TRANSIENT_CLASSES.includes(code.slice(0, 2))) return true;
  }
  if (typeof err.message === 'string' && NETWORK_MESSAGES.test(err.message)) return true;
  if (Array.isArray(err.errors) && err.errors.some((x) => isTransientError(x, depth + 1))) return true;
  return isTransientError(err.cause, depth + 1);
}

/** Exponential backoff with full jitter: attempt 1 waits up to `baseMs`, doubling to `maxMs`. */
export function backoffMs(attempt: number, baseMs = 100, maxMs = 30_000, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
