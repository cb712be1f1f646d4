import type { Database } from '@maple/platform';
import { verifyClaim } from '../signing/signing-key';
import { ChainChecker } from './chain-check';
import type { ChainedEvent } from './chain-check';
import { chainScope, hashBefore, readChain } from './chain-rows';
import { latestCheckpoint } from './checkpoints';

export type VerifyRequest = { companyId: string; fromPosition?: string; toPosition?: string };

export type VerifyResult =
  | {
      valid: true;
      checked: number;
      head: { position: string; hash: string } | null;
      checkpoint: { position: string; keyId: string; signedAt: string } | null;
    }
  | { valid: false; position: string; reason: string; checked: number };

const BATCH = 2000;

/**
 * Recomputes a company's chain over a position range and proves the range against the newest
 * signed checkpoint inside it. The first event of a range is anchored to the stored hash of
 * the event before it, so a range check also catches a removed event at its start.
 */
export async function verifyChain(
  db: Database,
  publicKeyPem: string,
  req: VerifyRequest,
): Promise<VerifyResult> {
  const { companyId } = req;
  return db.transaction(
    async (tx) => {
      const from = req.fromPosition ?? '0';
      const checker = new ChainChecker(from === '0' ? null : await hashBefore(tx, companyId, from));
      const cp = await latestCheckpoint(tx, companyId, req.toPosition ?? null);
      const cpInRange = cp && BigInt(cp.position) >= BigInt(from) ? cp : null;
      let cpSeen = false;
      // The next batch is read while this one is hashed (the database and the CPU work in parallel).
      let next: Promise<ChainedEvent[]> | null = readChain(
        tx,
        companyId,
        (BigInt(from) - 1n).toString(),
        req.toPosition ?? null,
        BATCH,
      );
      const stop = async <T>(result: T): Promise<T> => {
        await next?.catch(() => undefined);
        return result;
      };
      while (next) {
        const batch: ChainedEvent[] = await next;
        next =
          batch.length === BATCH
            ? readChain(tx, companyId, batch[batch.length - 1].position, req.toPosition ?? null, BATCH)
            : null;
        for (const e of batch) {
          const broken = checker.check(e);
          if (broken) return stop({ valid: false as const, ...broken, checked: checker.checked });
          if (cpInRange && e.position === cpInRange.position) {
            if (e.hash !== cpInRange.headHash)
              return stop({
                valid: false as const,
                position: e.position,
                reason:
                  'CHECKPOINT_MISMATCH: the event differs from the one the signed checkpoint covers (the chain was re-hashed)',
                checked: checker.checked,
              });
            cpSeen = true;
          }
        }
      }
      if (cpInRange) {
        if (!cpSeen)
          return {
            valid: false as const,
            position: cpInRange.position,
            reason:
              'CHECKPOINT_MISSING_EVENT: the event at the signed checkpoint is gone (events were removed)',
            checked: checker.checked,
          };
        const { signature, keyId: _k, ...claim } = cpInRange;
        if (!verifyClaim(publicKeyPem, claim, signature))
          return {
            valid: false as const,
            position: cpInRange.position,
            reason: 'CHECKPOINT_SIGNATURE_INVALID: the checkpoint is not signed by the current audit key',
            checked: checker.checked,
          };
      }
      return {
        valid: true as const,
        checked: checker.checked,
        head: checker.head,
        checkpoint: cpInRange
          ? { position: cpInRange.position, keyId: cpInRange.keyId, signedAt: cpInRange.signedAt }
          : null,
      };
    },
    chainScope(companyId),
    { timeoutMs: 600_000 },
  );
}
