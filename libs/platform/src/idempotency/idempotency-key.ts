import { IdempotencyError } from './idempotency.errors';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';

/** What a key may look like: a UUID or any random string of these characters. */
export const KEY_PATTERN = '^[A-Za-z0-9._:-]{8,128}$';
const KEY = new RegExp(KEY_PATTERN);

/**
 * The client's key from the request headers: null when there is none. A key is either a bare
 * token (as Stripe and most clients send it) or the same token as an RFC 8941 string in double
 * quotes (as the IETF draft writes it); both name the same record. A malformed key, or more
 * than one, is refused rather than ignored: a client that believes it is protected must learn
 * that it is not.
 */
export function idempotencyKeyOf(headers: Record<string, string | string[] | undefined>): string | null {
  const raw = headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) return null;
  if (Array.isArray(raw)) throw new IdempotencyError('IDEMPOTENCY.KEY_INVALID', 'Send one Idempotency-Key header, not several.');
  const key = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  if (!KEY.test(key)) {
    throw new IdempotencyError('IDEMPOTENCY.KEY_INVALID', 'The Idempotency-Key must be 8 to 128 characters of A-Z, a-z, 0-9 and . _ : - (a UUID is a good key).');
  }
  return key;
}
