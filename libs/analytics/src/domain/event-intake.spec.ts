import { batchDigest, canonicalJson, placement, readEvent } from './event-intake';
import type { IntakeEvent } from './event-intake';

const receivedAt = new Date('2026-12-01T12:00:00.000Z');
let n = 0;
const ctx = { receivedAt, batchSentAt: null, newId: () => `id-${++n}` };
const ok = (raw: unknown) => {
  const r = readEvent(raw, 0, ctx);
  if (!r.ok) throw new Error(r.rejection.reason);
  return r.event;
};
const reason = (raw: unknown) => {
  const r = readEvent(raw, 3, ctx);
  return r.ok ? 'accepted' : `${r.rejection.index}:${r.rejection.field}`;
};

describe('analytics event intake', () => {
  it('corrects the client clock from sentAt', () => {
    // The client's clock is 10 minutes behind: it says it sent at 11:50 what arrived at 12:00.
    const e = ok({
      event: 'Signed Up',
      userId: 'u1',
      timestamp: '2026-12-01T11:45:00.000Z',
      sentAt: '2026-12-01T11:50:00.000Z',
    });
    expect(e.timestamp.toISOString()).toBe('2026-12-01T11:55:00.000Z');
    expect(e.sentAt?.toISOString()).toBe('2026-12-01T11:50:00.000Z');
    expect(ok({ event: 'x', anonymousId: 'a' }).timestamp).toEqual(receivedAt);
  });

  it('names the field of a bad event', () => {
    expect(reason({ userId: 'u' })).toBe('3:event');
    expect(reason({ event: 'x' })).toBe('3:userId');
    expect(reason({ event: 'x', userId: 'u', timestamp: 'yesterday' })).toBe('3:timestamp');
    expect(reason({ event: 'x', userId: 'u', timestamp: '1970-01-01T00:00:00Z' })).toBe('3:timestamp');
    expect(reason({ event: 'x', userId: 'u', eventType: 'system_event' })).toBe('3:eventType');
    expect(reason({ event: 'x', userId: 'u', properties: [1] })).toBe('3:properties');
    expect(reason({ event: 'x', userId: 'u', properties: { big: Infinity } })).toBe('3:properties.big');
    expect(reason({ event: 'x', userId: 'u', properties: { s: 'y'.repeat(33_000) } })).toBe('3:');
    expect(reason([1, 2])).toBe('3:');
    expect(reason({ event: 'x', userId: 'u' })).toBe('accepted');
  });

  it('quarantines the far future and what is older than the late window', () => {
    const at = (iso: string) => placement({ timestamp: new Date(iso), receivedAt }, 7);
    expect(at('2026-12-02T11:00:00Z')).toEqual({ kind: 'store' });
    expect(at('2026-12-02T12:00:01Z')).toEqual({ kind: 'quarantine', reason: 'future' });
    expect(at('2026-11-24T12:00:00Z')).toEqual({ kind: 'store' });
    expect(at('2026-11-24T11:59:59Z')).toEqual({ kind: 'quarantine', reason: 'too_late' });
  });

  it('digests rows independently of their order and key order, and changes with any value', () => {
    const a: IntakeEvent = ok({ event: 'A', userId: 'u', properties: { x: 1, y: 2 } });
    const b: IntakeEvent = ok({ event: 'B', userId: 'v' });
    expect(batchDigest([a, b])).toBe(batchDigest([b, a]));
    expect(
      batchDigest([{ ...a, eventData: { properties: { y: 2, x: 1 }, event: 'A', type: 'track' } }, b]),
    ).toBe(batchDigest([a, b]));
    expect(batchDigest([{ ...a, userId: 'w' }, b])).not.toBe(batchDigest([a, b]));
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
  });
});
