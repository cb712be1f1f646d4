import { requestFingerprint } from './request-fingerprint';

const base = { method: 'PATCH', route: '/users/:id/role', params: { id: 'u-1' }, query: {}, body: { role: 'ANALYST' } };

describe('requestFingerprint', () => {
  it('is the same for the same request whatever the key order of its objects', () => {
    const a = requestFingerprint({ ...base, body: { role: 'ANALYST', note: { a: 1, b: [1, 2] } } });
    const b = requestFingerprint({ ...base, body: { note: { b: [1, 2], a: 1 }, role: 'ANALYST' } });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs when the body, a path parameter, the query, the route or the method differs', () => {
    const f = requestFingerprint(base);
    const others = [
      { ...base, body: { role: 'USER' } },
      { ...base, params: { id: 'u-2' } },
      { ...base, query: { dryRun: 'true' } },
      { ...base, route: '/users/:id' },
      { ...base, method: 'POST' },
      { ...base, body: null },
    ];
    for (const o of others) expect(requestFingerprint(o)).not.toBe(f);
  });

  it('tells apart values that print alike: a number and its string, nesting, key and value boundaries', () => {
    const of = (body: unknown) => requestFingerprint({ ...base, body });
    const pairs: [unknown, unknown][] = [
      [{ a: 1 }, { a: '1' }],
      [{ a: null }, { a: 'null' }],
      [{ a: true }, { a: 'true' }],
      [[1, 2], [[1], 2]],
      [[1, 2], [12]],
      [['a,b'], ['a', 'b']],
      [{ 'a":"b': 'c' }, { a: 'b":"c' }],
      [{ a: {} }, { a: [] }],
      [{}, []],
    ];
    for (const [x, y] of pairs) expect(of(x)).not.toBe(of(y));
  });

  it('leaves secrets out, so no hash of a password is ever stored: only the other fields tell requests apart', () => {
    const user = (password: string, email = 'ann@acme.test') => requestFingerprint({ ...base, method: 'POST', route: '/users', params: {}, body: { email, role: 'USER', password } });
    expect(user('amber-harbour-quartz-19')).toBe(user('another-secret-entirely'));
    expect(user('amber-harbour-quartz-19')).toBe(requestFingerprint({ ...base, method: 'POST', route: '/users', params: {}, body: { email: 'ann@acme.test', role: 'USER' } }));
    expect(user('amber-harbour-quartz-19', 'bob@acme.test')).not.toBe(user('amber-harbour-quartz-19'));
    const change = (currentPassword: string, newPassword: string) => requestFingerprint({ ...base, method: 'POST', route: '/auth/password', params: {}, body: { currentPassword, newPassword, nested: { token: newPassword } } });
    expect(change('old-password-1', 'new-password-1')).toBe(change('old-password-2', 'new-password-2'));
  });

  it('hashes a body nested a million levels deep without overflowing the stack', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    expect(requestFingerprint({ ...base, body: deep })).toMatch(/^[0-9a-f]{64}$/);
  });
});
