import { eventHash } from '@maple/platform';
import type { ChainedRecord } from '@maple/platform';
import { loadSigner } from '../signing/signing-key';
import type { ChainedEvent } from './chain-check';
import { eventLine } from './export';
import { verifyExport } from './offline-verify';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA';
const signer = loadSigner();

const record = (position: string, type: string, data: unknown): ChainedRecord => ({
  position,
  eventId: `0a1b2c3d-0000-4000-8000-00000000000${position}`,
  streamId: 'user-u1',
  streamType: 'User',
  version: Number(position),
  type,
  schemaVersion: 1,
  data,
  metadata: { actorId: 'admin', companyId: 'c', schemaVersion: 1 },
  companyId: 'c',
  recordedAt: '2026-11-25T09:00:00.123Z',
});

/** An export as exportEvents writes it: the events of a chain, then the checkpoint over the last. */
function exportOf(records: ChainedRecord[]): string[] {
  let prev: string | null = null;
  const events: ChainedEvent[] = records.map((r) => {
    const hash = eventHash(prev, r);
    const e = { ...r, prevHash: prev, hash };
    prev = hash;
    return e;
  });
  const last = events[events.length - 1];
  const claim = { companyId: 'c', position: last.position, headHash: last.hash as string, signedAt: '2026-11-25T10:00:00.000Z' };
  const checkpoint = JSON.stringify({ kind: 'checkpoint', ...claim, signature: signer.sign(claim), keyId: signer.keyId, publicKey: signer.publicKeyPem });
  return [...events.map((e) => eventLine(e).trimEnd()), checkpoint];
}

const chain = [
  record('1', 'UserRegistered', { userId: 'u1', email: 'ann@acme.test', passwordHash: HASH }),
  record('2', 'UserRoleChanged', { userId: 'u1', from: 'USER', to: 'ADMIN' }),
  record('3', 'PasswordChanged', { userId: 'u1', passwordHash: HASH }),
];

describe('offline verification of an export with redacted secrets', () => {
  const lines = exportOf(chain);
  const edit = (n: number, fn: (line: Record<string, unknown>) => void) =>
    lines.map((l, i) => {
      if (i !== n - 1) return l;
      const o = JSON.parse(l) as Record<string, unknown>;
      fn(o);
      return JSON.stringify(o);
    });

  it('withholds the secret, marks the line, and reports it as redacted: linked, not verified', () => {
    expect(lines.join('\n')).not.toContain('$argon2');
    expect(JSON.parse(lines[0])).toMatchObject({ data: { passwordHash: '[redacted]' }, redacted: ['/data/passwordHash'] });
    expect(JSON.parse(lines[1])).not.toHaveProperty('redacted');
    expect(verifyExport(lines.join('\n'), signer.publicKeyPem)).toEqual({
      valid: true,
      events: 3,
      hashVerified: 1,
      redacted: [
        { line: 1, position: '1', fields: ['/data/passwordHash'] },
        { line: 3, position: '3', fields: ['/data/passwordHash'] },
      ],
      head: JSON.parse(lines[2]).hash,
      checkpointPosition: '3',
    });
  });

  it('still fails a redacted line that does not link to the line before', () => {
    expect(verifyExport(edit(3, (o) => (o.prevHash = 'ab'.repeat(32))).join('\n'), signer.publicKeyPem)).toMatchObject({ valid: false, line: 3, reason: expect.stringMatching(/^CHAIN_BROKEN/) });
    // A redacted line whose hash was changed breaks the link of the line after it.
    expect(verifyExport(edit(1, (o) => (o.hash = 'cd'.repeat(32))).join('\n'), signer.publicKeyPem)).toMatchObject({ valid: false, line: 2, reason: expect.stringMatching(/^CHAIN_BROKEN/) });
  });

  it('refuses a redaction mark that does not match the line, or names a field that is never secret', () => {
    expect(verifyExport(edit(1, (o) => (o.redacted = ['/data/email'])).join('\n'), signer.publicKeyPem)).toMatchObject({ valid: false, line: 1, reason: expect.stringMatching(/^MALFORMED: the value at \/data\/email/) });
    expect(verifyExport(edit(2, (o) => ((o.type = '[redacted]'), (o.redacted = ['/type']))).join('\n'), signer.publicKeyPem)).toMatchObject({ valid: false, line: 2, reason: expect.stringMatching(/^MALFORMED/) });
    expect(verifyExport(edit(2, (o) => (o.redacted = [])).join('\n'), signer.publicKeyPem)).toMatchObject({ valid: false, line: 2, reason: expect.stringMatching(/^MALFORMED/) });
  });

  it('an unmarked line is hashed as always: an altered one fails, a removed mark fails', () => {
    expect(verifyExport(edit(2, (o) => ((o.data as Record<string, unknown>).to = 'VIEWER')).join('\n'), signer.publicKeyPem)).toMatchObject({ valid: false, line: 2, reason: expect.stringMatching(/^HASH_MISMATCH/) });
    expect(verifyExport(edit(1, (o) => delete o.redacted).join('\n'), signer.publicKeyPem)).toMatchObject({ valid: false, line: 1, reason: expect.stringMatching(/^HASH_MISMATCH/) });
  });
});
