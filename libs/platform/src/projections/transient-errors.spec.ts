import { backoffMs, isTransientError } from './transient-errors';

// Errors as node-postgres and PGlite raise them: an Error with the server's SQLSTATE in `code`.
const pgError = (code: string, message = 'server error') => Object.assign(new Error(message), { code });

describe('isTransientError', () => {
  it.each([
    ['40001', 'could not serialize access due to concurrent update'],
    ['40P01', 'deadlock detected'],
    ['55P03', 'canceling statement due to lock timeout'],
    ['57014', 'canceling statement due to statement timeout'],
    ['57P01', 'terminating connection due to administrator command'],
    ['08006', 'connection failure'],
    ['53300', 'sorry, too many clients already'],
    ['25P03', 'terminating connection due to idle-in-transaction timeout'],
  ])('retries SQLSTATE %s (%s)', (code, message) => {
    expect(isTransientError(pgError(code, message))).toBe(true);
  });

  it('retries a dead socket, a refused connection and our own transaction timeout', () => {
    expect(isTransientError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientError(Object.assign(new Error(''), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransientError(Object.assign(new Error('the transaction did not finish'), { code: 'TRANSACTION_TIMEOUT' }))).toBe(true);
    expect(isTransientError(new AggregateError([Object.assign(new Error(''), { code: 'ECONNRESET' })]))).toBe(true);
  });

  it('retries an error its thrower marks transient (the NATS relay), and only a literal true', () => {
    expect(isTransientError(Object.assign(new Error('no NATS acknowledgement in time'), { transient: true }))).toBe(true);
    expect(isTransientError(Object.assign(new Error('bad'), { transient: 'yes' }))).toBe(false);
  });

  it('looks through wrapping errors (a driver adapter, a cause)', () => {
    expect(isTransientError(new Error('query failed', { cause: pgError('40001') }))).toBe(true);
    expect(isTransientError({ originalCode: '40P01' })).toBe(true);
  });

  it("treats everything else as the event's own error", () => {
    expect(isTransientError(pgError('23505', 'duplicate key value violates unique constraint'))).toBe(false);
    expect(isTransientError(pgError('22P02', 'invalid input syntax for type uuid'))).toBe(false);
    expect(isTransientError(pgError('42P01', 'relation "x" does not exist'))).toBe(false);
    expect(isTransientError(new Error('cannot apply Poison'))).toBe(false);
    expect(isTransientError(null)).toBe(false);
  });
});

describe('backoffMs', () => {
  it('doubles from the base up to the cap, with jitter in the upper half', () => {
    expect([1, 2, 3, 4].map((a) => backoffMs(a, 100, 30_000, () => 1))).toEqual([100, 200, 400, 800]);
    expect(backoffMs(3, 100, 30_000, () => 0)).toBe(200);
    expect(backoffMs(30, 100, 30_000, () => 1)).toBe(30_000);
  });
});
