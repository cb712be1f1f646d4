import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// A personal value as it is stored, in events and in read tables alike: a versioned,
// self-describing string
//
//   mpl1.<key version>.<subject id>.<field>.<binding id or ->.<base64url(iv | ciphertext | tag)>
//
// AES-256-GCM with the subject's data key. The associated data binds the company (taken from
// where the value is read, never from the string), the subject, the field and the binding id (the
// event that first stored it): a value moved to another company fails authentication, and one
// moved to another subject or field no longer matches the place it is read from.

export const SEALED_PREFIX = 'mpl1.';

/** What a sealed value says about itself; authenticated, since it is part of the associated data. */
export type SealedClaims = { keyVersion: number; subjectId: string; field: string; bindingId: string | null };

export type ParsedSealed = SealedClaims & { payload: Buffer };

const ID = /^[A-Za-z0-9_-]{1,64}$/;
// `<context>/<name>`, e.g. hr/nationalId: no dots, so the string splits unambiguously.
const FIELD = /^[a-z][a-z0-9]*(\/[A-Za-z0-9]+)+$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function isSubjectId(v: unknown): v is string {
  return typeof v === 'string' && ID.test(v);
}

export function isFieldName(v: unknown): v is string {
  return typeof v === 'string' && FIELD.test(v);
}

export function isSealed(v: unknown): v is string {
  return typeof v === 'string' && v.startsWith(SEALED_PREFIX);
}

/** The parts of a sealed value, or null when the string is not one (malformed counts as not). */
export function parseSealed(s: string): ParsedSealed | null {
  if (!isSealed(s)) return null;
  const parts = s.split('.');
  if (parts.length !== 6) return null;
  const [, version, subjectId, field, binding, payload] = parts;
  if (!/^[1-9][0-9]{0,5}$/.test(version) || !ID.test(subjectId) || !FIELD.test(field) || !(binding === '-' || ID.test(binding))) return null;
  const bytes = Buffer.from(payload, 'base64url');
  if (bytes.length < IV_BYTES + TAG_BYTES) return null;
  return { keyVersion: Number(version), subjectId, field, bindingId: binding === '-' ? null : binding, payload: bytes };
}

function associatedData(companyId: string, c: SealedClaims): Buffer {
  return Buffer.from(`mpl1|${companyId}|${c.subjectId}|${c.field}|${c.bindingId ?? '-'}|${c.keyVersion}`, 'utf8');
}

/** Encrypts one value (any JSON value) for a company, a subject, a field and a binding. */
export function sealValue(dataKey: Buffer, companyId: string, claims: SealedClaims, value: unknown): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  cipher.setAAD(associatedData(companyId, claims));
  const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  const payload = Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64url');
  return `${SEALED_PREFIX}${claims.keyVersion}.${claims.subjectId}.${claims.field}.${claims.bindingId ?? '-'}.${payload}`;
}

/** Decrypts a parsed value; throws when the key, the company or any claim does not fit. */
export function openValue(dataKey: Buffer, companyId: string, sealed: ParsedSealed): unknown {
  const iv = sealed.payload.subarray(0, IV_BYTES);
  const tag = sealed.payload.subarray(sealed.payload.length - TAG_BYTES);
  const ct = sealed.payload.subarray(IV_BYTES, sealed.payload.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', dataKey, iv);
  decipher.setAAD(associatedData(companyId, sealed));
  decipher.setAuthTag(tag);
  return JSON.parse(Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8')) as unknown;
}

/** Replaces every sealed string inside a JSON value (objects and arrays, at any depth). */
export function mapSealed(value: unknown, fn: (sealed: string) => unknown): unknown {
  if (typeof value === 'string') return isSealed(value) ? fn(value) : value;
  if (Array.isArray(value)) return value.map((v) => mapSealed(v, fn));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapSealed(v, fn);
    return out;
  }
  return value;
}

/** Every sealed string inside a JSON value. */
export function collectSealed(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') {
    if (isSealed(value)) into.push(value);
  } else if (Array.isArray(value)) for (const v of value) collectSealed(v, into);
  else if (value !== null && typeof value === 'object' && !(value instanceof Date)) for (const v of Object.values(value)) collectSealed(v, into);
  return into;
}
