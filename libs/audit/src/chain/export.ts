import type { Database } from '@maple/platform';
import { redactSecrets } from '../domain/secrets';
import type { Signer } from '../signing/signing-key';
import type { ChainedEvent } from './chain-check';
import { chainFilter, chainScope, readChain } from './chain-rows';
import { checkpointAt, createCheckpointIn } from './checkpoints';
import type { SignedCheckpoint } from './checkpoints';

export type ExportRequest = { companyId: string; from: Date; to: Date };

/**
 * One NDJSON line: an event with its hashes, or the closing signed checkpoint. `redacted` lists
 * the JSON Pointers of secrets replaced by "[redacted]" in an old event that held them.
 */
export type ExportLine =
  ({ kind: 'event'; redacted?: string[] } & ChainedEvent) | ({ kind: 'checkpoint'; publicKey: string } & SignedCheckpoint);

// The export carries events exactly as stored, because their hash covers those bytes, except a
// secret (the password hash of a version-1 user event): it never leaves, and the line says
// where it was, so the offline verifier checks that line's links instead of its hash.
export function eventLine(e: ChainedEvent): string {
  const data = redactSecrets(e.data, '/data');
  const metadata = redactSecrets(e.metadata, '/metadata');
  const redacted = [...data.redacted, ...metadata.redacted];
  const line: ExportLine = redacted.length ? { kind: 'event', ...e, data: data.value, metadata: metadata.value, redacted } : { kind: 'event', ...e };
  return JSON.stringify(line) + '\n';
}

const BATCH = 2000;

/**
 * The company's events recorded in [from, to) as NDJSON, then a checkpoint signed at exactly
 * the last exported event (created if none exists), so the file proves itself offline: the
 * chain links every line to the one before, and the signature pins the last line's hash.
 * The exported range is contiguous in the chain (positions between the first and last match).
 */
export async function* exportEvents(
  db: Database,
  signer: Signer,
  req: ExportRequest,
): AsyncGenerator<string> {
  const scope = chainScope(req.companyId);
  const [range] = await db.transaction(
    (tx) =>
      tx.query<{ lo: string | null; hi: string | null }>(
        `SELECT min(position)::text AS lo, max(position)::text AS hi FROM events
          WHERE ${chainFilter(req.companyId)} AND recorded_at >= $2::timestamptz AND recorded_at < $3::timestamptz`,
        req.companyId,
        req.from.toISOString(),
        req.to.toISOString(),
      ),
    scope,
  );
  if (!range.lo || !range.hi) return;
  let after = (BigInt(range.lo) - 1n).toString();
  for (;;) {
    const batch = await db.transaction((tx) => readChain(tx, req.companyId, after, range.hi, BATCH), scope);
    if (batch.length) yield batch.map(eventLine).join('');
    if (batch.length < BATCH) break;
    after = batch[batch.length - 1].position;
  }
  const hi = range.hi;
  const cp = await db.transaction(
    async (tx) =>
      (await checkpointAt(tx, req.companyId, hi)) ?? createCheckpointIn(tx, signer, req.companyId, hi),
    scope,
  );
  yield JSON.stringify({ kind: 'checkpoint', ...cp, publicKey: signer.publicKeyPem }) + '\n';
}
