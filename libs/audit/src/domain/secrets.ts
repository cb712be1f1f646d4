import { isSecretValue, isSensitiveField } from '@maple/platform';

/** What a secret is replaced with where the shape must stay (an export line). */
export const REDACTED = '[redacted]';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const secret = (key: string, value: unknown) => isSensitiveField(key) || isSecretValue(value);

/**
 * `v` without the fields of the platform's sensitive list, and without values that are password
 * hashes, at any depth. For what auditors read (history, state, AuditLog rows): a field that
 * holds a secret is simply not there.
 */
export function withoutSecrets<T>(v: T): T {
  if (isSecretValue(v)) return REDACTED as T;
  if (Array.isArray(v)) return v.map((x: unknown) => withoutSecrets(x)) as T;
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!secret(k, x)) out[k] = withoutSecrets(x);
  return out as T;
}

// RFC 6901: "~" and "/" in a key are escaped.
const pointerPart = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * For stored events whose hash covers them (exports): every secret replaced by REDACTED, and the
 * JSON Pointers (RFC 6901, from `base`) of what was replaced, so the line can say so.
 */
export function redactSecrets(v: unknown, base: string): { value: unknown; redacted: string[] } {
  const redacted: string[] = [];
  const walk = (x: unknown, at: string): unknown => {
    if (Array.isArray(x)) return x.map((y, i) => walk(y, `${at}/${i}`));
    if (!isObject(x)) {
      if (!isSecretValue(x)) return x;
      redacted.push(at);
      return REDACTED;
    }
    const out: Record<string, unknown> = {};
    for (const [k, y] of Object.entries(x)) {
      const here = `${at}/${pointerPart(k)}`;
      if (secret(k, y)) {
        redacted.push(here);
        out[k] = REDACTED;
      } else out[k] = walk(y, here);
    }
    return out;
  };
  const value = walk(v, base);
  return { value, redacted };
}

/** The value at a JSON Pointer (RFC 6901) in `v`, or undefined. */
export function atPointer(v: unknown, pointer: string): unknown {
  if (!pointer.startsWith('/')) return undefined;
  let cur: unknown = v;
  for (const raw of pointer.slice(1).split('/')) {
    const k = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) cur = cur[Number(k)];
    else if (isObject(cur) && Object.prototype.hasOwnProperty.call(cur, k)) cur = cur[k];
    else return undefined;
  }
  return cur;
}
