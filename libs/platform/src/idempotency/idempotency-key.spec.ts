import { DomainError } from '../http/problem';
import { idempotencyKeyOf } from './idempotency-key';

const code = (f: () => unknown): string | null => {
  try {
    f();
    return null;
  } catch (e) {
    return e instanceof DomainError ? e.code : 'not a domain error';
  }
};

describe('idempotencyKeyOf', () => {
  it('reads no key when there is none', () => {
    expect(idempotencyKeyOf({})).toBeNull();
  });

  it('takes a UUID bare or as an RFC 8941 quoted string, as the same key', () => {
    const uuid = '8e03978e-40d5-43e8-bc93-6894a57f9324';
    expect(idempotencyKeyOf({ 'idempotency-key': uuid })).toBe(uuid);
    expect(idempotencyKeyOf({ 'idempotency-key': `"${uuid}"` })).toBe(uuid);
  });

  it.each([
    ['too short', 'abc'],
    ['too long', 'k'.repeat(129)],
    ['empty', ''],
    ['spaces', 'my key 12345'],
    ['a quote inside', 'abc"defgh'],
    ['non-ASCII', 'clé-1234567'],
    ['a NUL', 'abcdefgh\u0000'],
    ['SQL', "x'; DROP TABLE events;--"],
  ])('refuses a key with %s as IDEMPOTENCY.KEY_INVALID', (_, key) => {
    expect(code(() => idempotencyKeyOf({ 'idempotency-key': key }))).toBe('IDEMPOTENCY.KEY_INVALID');
  });

  it('refuses two keys in one request', () => {
    expect(code(() => idempotencyKeyOf({ 'idempotency-key': ['key-00000001', 'key-00000002'] }))).toBe('IDEMPOTENCY.KEY_INVALID');
  });
});
