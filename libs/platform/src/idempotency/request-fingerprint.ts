import { createHash } from 'node:crypto';

export type RequestShape = { method: string; route: string; params: unknown; query: unknown; body: unknown };

/**
 * Fields whose values are secrets. They are left out of the fingerprint: a fast hash of a request
 * is stored for a day, and a fast hash that covers a password can be brute-forced from the row.
 * Two requests that differ only in a secret therefore count as the same request.
 */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(['password', 'currentPassword', 'newPassword', 'refreshToken', 'accessToken', 'token', 'secret', 'apiKey']);

/**
 * SHA-256 of a request in canonical form: method, route template, path parameters, query and
 * body, with object keys sorted, so the same request hashes the same whatever its key order or
 * spacing. Iterative, not recursive: the fingerprint is taken before validation, and a body
 * nested a million levels deep must hash (validation refuses it later), not overflow the stack.
 * The token stream is unambiguous: strings and keys are JSON-encoded, structure has its own
 * marks, so two different requests never produce the same stream (secrets aside, see SECRET_FIELDS).
 */
export function requestFingerprint(r: RequestShape): string {
  const hash = createHash('sha256');
  const stack: unknown[] = [{ method: r.method.toUpperCase(), route: r.route, params: r.params ?? null, query: r.query ?? null, body: r.body ?? null }];
  while (stack.length) {
    const v = stack.pop();
    if (v instanceof Mark) {
      hash.update(v.text);
      continue;
    }
    if (v === null || v === undefined) hash.update('null');
    else if (typeof v === 'string') hash.update(JSON.stringify(v));
    else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') hash.update(`#${String(v)}`);
    else if (Array.isArray(v)) {
      // Pushed in reverse so they come off the stack in order.
      stack.push(CLOSE_ARRAY);
      for (let i = v.length - 1; i >= 0; i--) stack.push(v[i], i ? COMMA : NOTHING);
      hash.update('[');
    } else if (typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o)
        .filter((k) => !SECRET_FIELDS.has(k))
        .sort();
      stack.push(CLOSE_OBJECT);
      for (let i = keys.length - 1; i >= 0; i--) stack.push(o[keys[i]], new Mark(`${i ? ',' : ''}${JSON.stringify(keys[i])}:`));
      hash.update('{');
    } else hash.update('null');
  }
  return hash.digest('hex');
}

class Mark {
  constructor(readonly text: string) {}
}
const CLOSE_ARRAY = new Mark(']');
const CLOSE_OBJECT = new Mark('}');
const COMMA = new Mark(',');
const NOTHING = new Mark('');
