import { eventHash } from '@maple/platform';
import type { ChainedRecord } from '@maple/platform';

/** A stored event as the chain sees it: the hashed fields plus its two hashes (hex). */
export type ChainedEvent = ChainedRecord & { prevHash: string | null; hash: string | null };

export type ChainBreak = { position: string; reason: string };

/**
 * Walks one company's chain in position order. An altered event no longer matches its own hash;
 * a removed event leaves the next one pointing at a hash that is not its predecessor's.
 */
export class ChainChecker {
  /** Events whose hash was recomputed from their content. */
  checked = 0;
  /** Events only linked (their content was redacted from an export, so it cannot be rehashed). */
  linked = 0;
  head: { position: string; hash: string } | null = null;

  /** `anchor`: the hash of the event just before the first one checked (null at chain start). */
  constructor(private expectedPrev: string | null) {}

  check(e: ChainedEvent): ChainBreak | null {
    const broken = this.linkBreak(e);
    if (broken) return broken;
    // eventHash reads only the record's own fields, so the event is passed as it is (no copy).
    if (eventHash(e.prevHash, e) !== e.hash) {
      return {
        position: e.position,
        reason: 'HASH_MISMATCH: the event content does not match its hash (the event was altered)',
      };
    }
    this.checked++;
    return this.advance(e as ChainedEvent & { hash: string });
  }

  /**
   * Checks only that the event sits where the chain says: its prev_hash is the previous event's
   * hash, and its own hash is what the next event must link to. Its content is not proven.
   */
  link(e: ChainedEvent): ChainBreak | null {
    const broken = this.linkBreak(e);
    if (broken) return broken;
    this.linked++;
    return this.advance(e as ChainedEvent & { hash: string });
  }

  private linkBreak(e: ChainedEvent): ChainBreak | null {
    if (!e.hash) return { position: e.position, reason: 'HASH_MISSING: the event carries no hash' };
    if ((e.prevHash ?? null) !== this.expectedPrev) {
      return {
        position: e.position,
        reason:
          'CHAIN_BROKEN: prev_hash does not match the hash of the previous event in the chain (an earlier event was removed, inserted or re-hashed)',
      };
    }
    return null;
  }

  private advance(e: ChainedEvent & { hash: string }): null {
    this.expectedPrev = e.hash;
    this.head = { position: e.position, hash: e.hash };
    return null;
  }
}
