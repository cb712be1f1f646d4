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

export function isSensitiveField(name: string): boolean {
  return NORMALISED.has(normal(name));
}

// Password-hash formats (PHC strings and bcrypt) are secrets under any field name: a hash
// copied into a free-text field is still an offline-crackable credential.
const SECRET_VALUE = /^\$(argon2(id|i|d)|2[abxy]|scrypt|pbkdf2)/;

export function isSecretValue(value: unknown): boolean {
  return typeof value === 'string' && SECRET_VALUE.test(value);
}
