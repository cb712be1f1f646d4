import { REDACTED, atPointer, redactSecrets, withoutSecrets } from './secrets';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA';

describe('secrets in audit outputs', () => {
  it('drops every sensitive field at any depth, whatever its case or separator', () => {
    const v = { userId: 'u1', passwordHash: HASH, nested: { password_hash: 'x', Token: 't', keep: 1 }, list: [{ refreshToken: 'r', ok: true }] };
    expect(withoutSecrets(v)).toEqual({ userId: 'u1', nested: { keep: 1 }, list: [{ ok: true }] });
  });

  it('treats a password hash under any field name as a secret', () => {
    expect(withoutSecrets({ note: HASH, other: '$2b$10$abcdefghijklmnopqrstuv' })).toEqual({});
    expect(withoutSecrets(['a', HASH])).toEqual(['a', REDACTED]);
  });

  it('leaves data without secrets as it is', () => {
    const v = { email: 'ann@acme.test', role: 'USER', tokenType: 'Bearer', familyId: 'f', n: [1, 2] };
    expect(withoutSecrets(v)).toEqual(v);
    expect(redactSecrets(v, '/data')).toEqual({ value: v, redacted: [] });
  });

  it('redacts in place for an export line and names what it replaced by JSON Pointer', () => {
    const { value, redacted } = redactSecrets({ userId: 'u1', passwordHash: HASH, 'a/b': { secret: 's' }, l: [HASH] }, '/data');
    expect(value).toEqual({ userId: 'u1', passwordHash: REDACTED, 'a/b': { secret: REDACTED }, l: [REDACTED] });
    expect(redacted).toEqual(['/data/passwordHash', '/data/a~1b/secret', '/data/l/0']);
    for (const p of redacted) expect(atPointer({ data: value }, p)).toBe(REDACTED);
    expect(atPointer({ data: value }, '/data/missing')).toBeUndefined();
  });
});
