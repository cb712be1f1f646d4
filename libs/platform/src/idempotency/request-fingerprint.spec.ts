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

  it('hashes a body nested a million levels deep without overflowing the stack', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    expect(requestFingerprint({ ...base, body: deep })).toMatch(/^[0-9a-f]{64}$/);
  });
});
