import {
  LOST_UNNAMED,
  ProtocolViolation,
  closeStatement,
  lastReady,
  messageLength,
  readStartupPacket,
  readyForQuery,
  scopeNames,
  shortestSessionTimeoutMs,
  simpleQuery,
  sqlOf,
  syncMessage,
} from './embedded-protocol';
import type { NameScope } from './embedded-protocol';

const cstr = (s: string) => Buffer.from(`${s}\0`);
function msg(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const parse = (name: string, sql: string) => msg('P', cstr(name), cstr(sql), Buffer.from([0, 0]));
const bind = (portal: string, statement: string) => msg('B', cstr(portal), cstr(statement), Buffer.from([0, 0, 0, 0, 0, 0]));
const describeStatement = (name: string) => msg('D', Buffer.from('S'), cstr(name));
const names = (m: Buffer) => m.subarray(5).toString('utf8').split('\0');

function startup(params: Record<string, string>, code = 196608): Buffer {
  const body = Buffer.concat([...Object.entries(params).flatMap(([k, v]) => [cstr(k), cstr(v)]), Buffer.from([0])]);
  const head = Buffer.alloc(8);
  head.writeInt32BE(body.length + 8, 0);
  head.writeInt32BE(code, 4);
  return Buffer.concat([head, body]);
}

describe('embedded wire protocol', () => {
  it('frames messages: incomplete, complete, and a length no client sends', () => {
    const q = simpleQuery('SELECT 1');
    expect(messageLength(q.subarray(0, 4))).toBe(0);
    expect(messageLength(q.subarray(0, q.length - 1))).toBe(0);
    expect(messageLength(Buffer.concat([q, syncMessage()]))).toBe(q.length);
    const bad = Buffer.from([0x51, 0x7f, 0xff, 0xff, 0xff]);
    expect(() => messageLength(bad)).toThrow(ProtocolViolation);
  });

  it('reads the start-up packet, SSL requests and cancel requests', () => {
    const s = startup({ user: 'postgres', database: 'postgres', application_name: 'psql' });
    expect(readStartupPacket(s.subarray(0, 10))).toBeNull();
    expect(readStartupPacket(s)).toEqual({ kind: 'startup', length: s.length, major: 3, minor: 0, params: { user: 'postgres', database: 'postgres', application_name: 'psql' } });
    const ssl = Buffer.alloc(8);
    ssl.writeInt32BE(8, 0);
    ssl.writeInt32BE(80877103, 4);
    expect(readStartupPacket(ssl)).toEqual({ kind: 'ssl', length: 8 });
    const cancel = Buffer.alloc(16);
    cancel.writeInt32BE(16, 0);
    cancel.writeInt32BE(80877102, 4);
    expect(readStartupPacket(cancel)).toEqual({ kind: 'cancel', length: 16 });
    expect(() => readStartupPacket(startup({ user: 'x' }, 2 << 16))).toThrow('unsupported frontend protocol 2.0');
  });

  it("scopes a client's statement names, so two clients' \"s1\" never meet, and remembers them to close", () => {
    const scope: NameScope = { prefix: 'c7/', unnamedParsed: false, named: new Set() };
    expect(names(scopeNames(parse('s1', 'SELECT 1'), scope))[0]).toBe('c7/s1');
    expect(names(scopeNames(bind('', 's1'), scope)).slice(0, 2)).toEqual(['', 'c7/s1']);
    expect(names(scopeNames(describeStatement('s1'), scope))[0]).toBe('Sc7/s1');
    expect([...scope.named]).toEqual(['c7/s1']);
    expect(names(scopeNames(closeStatement('s1'), scope))[0]).toBe('Sc7/s1');
    expect(scope.named.size).toBe(0);
    // The rest of the message is untouched.
    expect(sqlOf(scopeNames(parse('s2', 'SELECT $1::int'), scope))).toBe('SELECT $1::int');
  });

  it('refuses the unnamed statement of an earlier batch, which the owner may have replaced since', () => {
    const scope: NameScope = { prefix: 'c1/', unnamedParsed: false, named: new Set() };
    expect(names(scopeNames(bind('', ''), scope))[1]).toBe(LOST_UNNAMED);
    expect(names(scopeNames(describeStatement(''), scope))[0]).toBe(`S${LOST_UNNAMED}`);
    scopeNames(parse('', 'SELECT 1'), scope);
    expect(names(scopeNames(bind('', ''), scope))[1]).toBe('');
  });

  it('finds the shortest session timeout a request sets (PGlite cannot survive one firing), and errs short when it cannot read one', () => {
    expect(shortestSessionTimeoutMs('SELECT 1; SET statement_timeout = 5')).toBeNull();
    expect(shortestSessionTimeoutMs("BEGIN; SET LOCAL role maple_app; SET LOCAL idle_in_transaction_session_timeout = 30000;\nSELECT 1")).toBe(30000);
    expect(shortestSessionTimeoutMs('SET idle_session_timeout TO 2s; SET LOCAL transaction_timeout = 0')).toBe(2000);
    expect(shortestSessionTimeoutMs("SELECT set_config('transaction_timeout', '1min', true)")).toBe(60_000);
    expect(shortestSessionTimeoutMs('SET LOCAL idle_in_transaction_session_timeout = 0')).toBeNull();
    expect(shortestSessionTimeoutMs("SELECT set_config('idle_' || 'x', '1', true), 'idle_session_timeout'")).toBe(1);
  });

  it('reads the transaction status of the last ReadyForQuery in an answer', () => {
    const answer = Buffer.concat([readyForQuery('T'), msg('C', cstr('INSERT 0 1')), readyForQuery('E')]);
    expect(lastReady(answer)).toBe('E');
    expect(lastReady(msg('1'))).toBeNull();
  });
});
