import { createHash } from 'node:crypto';
import { canonicalJson, eventHash } from '@maple/platform';
import type { ChainedRecord } from '@maple/platform';
import { ChainChecker } from './chain-check';

// The obvious implementation an offline verifier would write from the documentation.
function reference(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${reference(o[k])}`)
    .join(',')}}`;
}

const record = (position: string, data: unknown): ChainedRecord => ({
  position,
  eventId: '0a1b2c3d-0000-4000-8000-000000000000',
  streamId: 'acct-1',
  streamType: 'acct',
  version: Number(position),
  type: 'Deposited',
  schemaVersion: 1,
  data,
  metadata: { actorId: 'u', companyId: 'c', schemaVersion: 1, ip: null },
  companyId: 'c',
  recordedAt: '2026-11-25T09:00:00.123Z',
});

describe('canonical encoding and the hash chain', () => {
  it('matches the documented encoding on awkward values', () => {
    const values = [
      {
        b: 1,
        a: [true, null, -0, 1e21, 0.1],
        é: 'quote " back \\ tab \t nl \n',
        '\u2028': 'x\ud800',
        z: { y: undefined, x: 'ok' },
      },
      'plain',
      12.5,
      null,
      [],
    ];
    for (const v of values) expect(canonicalJson(v)).toBe(reference(v));
  });

  it('hashes SHA-256(prev || canonical record), the record with sorted keys', () => {
    const r = record('7', { amount: 5 });
    const prev = 'ab'.repeat(32);
    const expected = createHash('sha256').update(Buffer.from(prev, 'hex')).update(reference(r)).digest('hex');
    expect(eventHash(prev, r)).toBe(expected);
    expect(eventHash(null, r)).toBe(createHash('sha256').update(reference(r)).digest('hex'));
  });

  it('names an altered event and a missing one', () => {
    const a = record('1', { n: 1 });
    const b = record('2', { n: 2 });
    const c = record('3', { n: 3 });
    const ha = eventHash(null, a);
    const hb = eventHash(ha, b);
    const hc = eventHash(hb, c);
    const chain = [
      { ...a, prevHash: null, hash: ha },
      { ...b, prevHash: ha, hash: hb },
      { ...c, prevHash: hb, hash: hc },
    ];
    const ok = new ChainChecker(null);
    expect(chain.map((e) => ok.check(e))).toEqual([null, null, null]);
    const altered = new ChainChecker(null);
    expect(altered.check(chain[0])).toBeNull();
    expect(altered.check({ ...chain[1], data: { n: 9 } })).toMatchObject({
      position: '2',
      reason: expect.stringMatching(/^HASH_MISMATCH/),
    });
    const missing = new ChainChecker(null);
    expect(missing.check(chain[0])).toBeNull();
    expect(missing.check(chain[2])).toMatchObject({
      position: '3',
      reason: expect.stringMatching(/^CHAIN_BROKEN/),
    });
  });
});
