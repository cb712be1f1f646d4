import { inlineParameters, quoteLiteral } from './pg-transaction';

// The first statement of a PostgreSQL transaction travels with BEGIN as one simple-protocol
// message, its parameters written as literals. A wrong substitution here is a wrong query or an
// injection, so every way a `$1` can appear in SQL text is pinned down.
describe('inlineParameters', () => {
  it.each([
    ['SELECT $1', ['a'], "SELECT 'a'"],
    ['SELECT $1, $2, $3, $4', [1, true, null, undefined], "SELECT '1', 'true', NULL, NULL"],
    ['SELECT $2::int + $1::int', [1, 2], "SELECT '2'::int + '1'::int"],
    ['SELECT $10, $1', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'], "SELECT 'j', 'a'"],
    ['SELECT $1::bigint', [12345678901234567890n], "SELECT '12345678901234567890'::bigint"],
    ["SELECT '$1', $1", ['x'], "SELECT '$1', 'x'"],
    ["SELECT 'it''s $1', $1", ['x'], "SELECT 'it''s $1', 'x'"],
    ["SELECT E'\\' $1', $1", ['x'], "SELECT E'\\' $1', 'x'"],
    ['SELECT "col$1", $1', ['x'], `SELECT "col$1", 'x'`],
    ['SELECT $1 -- not $2\n, $2', ['a', 'b'], "SELECT 'a' -- not $2\n, 'b'"],
    ['SELECT /* $2 */ $1', ['a', 'b'], "SELECT /* $2 */ 'a'"],
    ['SELECT $$ $1 $$, $1', ['a'], "SELECT $$ $1 $$, 'a'"],
    ['SELECT $fn$ $1 $fn$, $1', ['a'], "SELECT $fn$ $1 $fn$, 'a'"],
    ['SELECT a$1 FROM t WHERE x = $1', ['v'], "SELECT a$1 FROM t WHERE x = 'v'"],
  ])('%s', (sql, params, expected) => {
    expect(inlineParameters(sql, params)).toBe(expected);
  });

  it('quotes quotes and backslashes the way PostgreSQL reads them back', () => {
    expect(quoteLiteral("O'Brien")).toBe("'O''Brien'");
    expect(quoteLiteral('C:\\dir')).toBe("E'C:\\\\dir'");
    expect(quoteLiteral("\\'; DROP TABLE events; --")).toBe("E'\\\\''; DROP TABLE events; --'");
  });

  it.each([
    ['a value with no plain literal', 'SELECT $1', [new Date()]],
    ['a buffer', 'SELECT $1', [Buffer.from('x')]],
    ['an array', 'SELECT $1', [['a']]],
    ['an object', 'SELECT $1', [{ a: 1 }]],
    ['a NaN', 'SELECT $1', [Number.NaN]],
    ['a NUL character', 'SELECT $1', ['a\0b']],
    ['a parameter without a value', 'SELECT $2', ['a']],
    ['$0', 'SELECT $0', ['a']],
    ['an unterminated string', "SELECT '$1", ['a']],
    ['an unterminated dollar quote', 'SELECT $$ $1', ['a']],
    ['a nested comment', 'SELECT /* /* */ $1 */ $1', ['a']],
  ])('gives up (the statement goes on its own) on %s', (_what, sql, params) => {
    expect(inlineParameters(sql, params as unknown[])).toBeNull();
  });
});
