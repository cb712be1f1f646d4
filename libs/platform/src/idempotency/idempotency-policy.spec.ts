import { loadConfig } from '../config/config';
import { statusForCode } from '../http/problem';
import { outcomeOf } from './idempotency-policy';
import './idempotency.errors';

describe('what becomes of a key once its request has an answer', () => {
  it('keeps every success, whether or not a command ran', () => {
    for (const status of [200, 201, 204]) {
      expect(outcomeOf(status, true)).toBe('store');
      expect(outcomeOf(status, false)).toBe('store');
    }
  });

  it('releases the key after any failure that wrote nothing, so a retry runs again', () => {
    for (const status of [400, 401, 403, 404, 409, 422, 429, 500, 503]) expect(outcomeOf(status, false)).toBe('release');
  });

  it('after a command committed: keeps a 4xx as the answer, and marks a 5xx "response lost" instead of running it twice', () => {
    expect(outcomeOf(409, true)).toBe('store');
    expect(outcomeOf(500, true)).toBe('lost');
    expect(outcomeOf(503, true)).toBe('lost');
  });
});

describe('idempotency codes and settings', () => {
  it('declares each code with its status', () => {
    expect(statusForCode('IDEMPOTENCY.KEY_INVALID')).toBe(400);
    expect(statusForCode('IDEMPOTENCY.KEY_REUSED')).toBe(422);
    expect(statusForCode('IDEMPOTENCY.IN_PROGRESS')).toBe(409);
    expect(statusForCode('IDEMPOTENCY.RESPONSE_LOST')).toBe(409);
  });

  it('keeps records 24 h unless IDEMPOTENCY_TTL (seconds) says otherwise, and refuses a bad value', () => {
    expect(loadConfig({}).idempotency.ttlSec).toBe(86_400);
    expect(loadConfig({ IDEMPOTENCY_TTL: '3600' }).idempotency.ttlSec).toBe(3600);
    expect(() => loadConfig({ IDEMPOTENCY_TTL: '0' })).toThrow(/IDEMPOTENCY_TTL/);
    expect(() => loadConfig({ IDEMPOTENCY_TTL: '1d' })).toThrow(/IDEMPOTENCY_TTL/);
  });
});
