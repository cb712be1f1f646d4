import { REDACTED, atPointer } from '../domain/secrets';
import { verifyClaim } from '../signing/signing-key';
import { ChainChecker } from './chain-check';
import type { ChainedEvent } from './chain-check';

/** An event line whose secrets the export replaced: linked into the chain, its content not proven. */
export type RedactedLine = { line: number; position: string; fields: string[] };

export type OfflineResult =
  | { valid: true; events: number; hashVerified: number; redacted: RedactedLine[]; head: string | null; checkpointPosition: string }
  | { valid: false; line: number; reason: string };

// A line that says it was redacted must show the marker at every place it names, and only
// under data or metadata: the other fields of the record are never secret.
function redactionProblem(line: Record<string, unknown>, fields: unknown): string | null {
  if (!Array.isArray(fields) || fields.length === 0) return 'MALFORMED: `redacted` must list the JSON Pointers of the redacted values';
  for (const f of fields) {
    if (typeof f !== 'string' || !/^\/(data|metadata)(\/|$)/.test(f)) return `MALFORMED: ${String(f)} is not a place under /data or /metadata`;
    if (atPointer(line, f) !== REDACTED) return `MALFORMED: the value at ${f} is not ${REDACTED}`;
  }
  return null;
}

/**
 * Verifies an export with nothing but the auditor's copy of the public key: every event line's
 * hash, each line's link to the line before, and the final checkpoint's signature over the last
 * line's hash. Names the first bad line (1-based). The first line's own prev_hash is taken as given.
 * A line marked `redacted` (a secret of an old event replaced) cannot be rehashed: its links are
 * checked, and it is reported in `redacted`, never counted as verified.
 */
export function verifyExport(ndjson: string, publicKeyPem: string): OfflineResult {
  const lines = ndjson.split('\n').filter((l) => l.trim() !== '');
  let checker: ChainChecker | null = null;
  let last: ChainedEvent | null = null;
  const redacted: RedactedLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(lines[i]) as Record<string, unknown>;
    } catch {
      return { valid: false, line: n, reason: 'MALFORMED: not a JSON line' };
    }
    const { kind, redacted: fields, ...rest } = parsed;
    if (kind === 'event') {
      const e = rest as unknown as ChainedEvent;
      checker ??= new ChainChecker(e.prevHash ?? null);
      if (fields !== undefined) {
        const problem = redactionProblem(parsed, fields);
        if (problem) return { valid: false, line: n, reason: problem };
      }
      const broken = fields === undefined ? checker.check(e) : checker.link(e);
      if (broken) return { valid: false, line: n, reason: broken.reason };
      if (fields !== undefined) redacted.push({ line: n, position: e.position, fields: fields as string[] });
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
      const hashVerified = checker?.checked ?? 0;
      return { valid: true, events: hashVerified + redacted.length, hashVerified, redacted, head: last.hash, checkpointPosition: cp.position };
    }
    return { valid: false, line: n, reason: `MALFORMED: unknown line kind ${String(kind)}` };
  }
  return {
    valid: false,
    line: lines.length + 1,
    reason: 'NO_CHECKPOINT: the export does not end with a signed checkpoint',
  };
}
