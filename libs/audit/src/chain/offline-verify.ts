import { verifyClaim } from '../signing/signing-key';
import { ChainChecker } from './chain-check';
import type { ChainedEvent } from './chain-check';

export type OfflineResult =
  | { valid: true; events: number; head: string | null; checkpointPosition: string }
  | { valid: false; line: number; reason: string };

/**
 * Verifies an export with nothing but the auditor's copy of the public key: every event line's
 * hash, each line's link to the line before, and the final checkpoint's signature over the last
 * line's hash. Names the first bad line (1-based). The first line's own prev_hash is taken as given.
 */
export function verifyExport(ndjson: string, publicKeyPem: string): OfflineResult {
  const lines = ndjson.split('\n').filter((l) => l.trim() !== '');
  let checker: ChainChecker | null = null;
  let last: ChainedEvent | null = null;
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(lines[i]) as Record<string, unknown>;
    } catch {
      return { valid: false, line: n, reason: 'MALFORMED: not a JSON line' };
    }
    const { kind, ...rest } = parsed;
    if (kind === 'event') {
      const e = rest as unknown as ChainedEvent;
      checker ??= new ChainChecker(e.prevHash ?? null);
      const broken = checker.check(e);
      if (broken) return { valid: false, line: n, reason: broken.reason };
      last = e;
      continue;
    }
    if (kind === 'checkpoint') {
      if (n !== lines.length)
        return { valid: false, line: n, reason: 'MALFORMED: the checkpoint must be the last line' };
      const cp = rest as {
        companyId: string;
        position: string;
        headHash: string;
        signedAt: string;
        signature: string;
      };
      if (!last) return { valid: false, line: n, reason: 'EMPTY: no events before the checkpoint' };
      if (cp.position !== last.position || cp.headHash !== last.hash) {
        return {
          valid: false,
          line: n,
          reason: `CHECKPOINT_MISMATCH: the checkpoint covers position ${cp.position}, the last event line is position ${last.position} with another hash`,
        };
      }
      const claim = {
        companyId: cp.companyId,
        position: cp.position,
        headHash: cp.headHash,
        signedAt: cp.signedAt,
      };
      if (!verifyClaim(publicKeyPem, claim, cp.signature))
        return {
          valid: false,
          line: n,
          reason: 'CHECKPOINT_SIGNATURE_INVALID: not signed by this public key',
        };
      return { valid: true, events: checker?.checked ?? 0, head: last.hash, checkpointPosition: cp.position };
    }
    return { valid: false, line: n, reason: `MALFORMED: unknown line kind ${String(kind)}` };
  }
  return {
    valid: false,
    line: lines.length + 1,
    reason: 'NO_CHECKPOINT: the export does not end with a signed checkpoint',
  };
}
