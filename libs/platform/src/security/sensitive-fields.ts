/**
 * The one list of fields that hold secrets (credentials, keys, tokens). Nothing that shows
 * stored data to people (audit history, state, AuditLog rows, exports, log lines) shows them.
 * Names compare without case, `_` or `-`: `password_hash` is `passwordHash`.
 */
export const SENSITIVE_FIELDS: readonly string[] = [
  'password',
  'passwordHash',
  'currentPassword',
  'newPassword',
  'secret',
  'clientSecret',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'apiKey',
  'privateKey',
  'signingKey',
];

const normal = (name: string) => name.toLowerCase().replace(/[_-]/g, '');
const NORMALISED = new Set(SENSITIVE_FIELDS.map(normal));

// Audit reads ask about the same few keys for every event of a stream: answers are kept, in a
// bounded map (keys come from stored data, so their number is not ours to choose).
const seen = new Map<string, boolean>();

export function isSensitiveField(name: string): boolean {
  let v = seen.get(name);
  if (v === undefined) {
    if (seen.size >= 10_000) seen.clear();
    v = NORMALISED.has(normal(name));
    seen.set(name, v);
  }
  return v;
}

// Password-hash formats (PHC strings and bcrypt) are secrets under any field name: a hash
// copied into a free-text field is still an offline-crackable credential. Matched with their
// separators, so that "$2bn in transfers" stays text.
const SECRET_VALUE = /^\$(argon2(id|i|d)\$|2[abxy]\$\d\d\$|scrypt\$|pbkdf2(-sha\d+)?\$)/;

export function isSecretValue(value: unknown): boolean {
  return typeof value === 'string' && SECRET_VALUE.test(value);
}

// Any text that holds one of the names (in any case, with any `_` or `-` between letters) or a
// password-hash prefix. Built from the list, so the two cannot drift apart.
const ANYWHERE = new RegExp(
  [...SENSITIVE_FIELDS.map((f) => [...f].map((c) => c.replace(/[^A-Za-z0-9]/g, '\\$&')).join('[_-]*')), '\\$(argon2|2[abxy]|scrypt|pbkdf2)'].join('|'),
  'i',
);

/**
 * False when a JSON text (as PostgreSQL writes jsonb: letters never escaped) cannot hold a
 * sensitive field or a password hash, so a reader may skip walking the parsed value.
 */
export function mayHoldSecret(jsonText: string): boolean {
  return ANYWHERE.test(jsonText);
}
