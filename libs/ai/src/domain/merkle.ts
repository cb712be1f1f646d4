import { createHash } from 'node:crypto';
import { canonicalJson } from '@maple/platform';

// A batch of predictions is sealed by the Merkle root of its rows: leaves and inner nodes are
// domain-separated (0x00 / 0x01, as RFC 6962) so no inner node can pass for a leaf.

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

export function leafHash(row: unknown): Buffer {
  return createHash('sha256').update(LEAF).update(canonicalJson(row)).digest();
}

export function merkleRoot(leaves: readonly Buffer[]): string {
  if (!leaves.length) return createHash('sha256').digest('hex');
  let level = [...leaves];
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? createHash('sha256').update(NODE).update(level[i]).update(level[i + 1]).digest() : level[i]);
    level = next;
  }
  return level[0].toString('hex');
}

/** The leaves as stored with the batch (32 bytes each, in order). */
export const packLeaves = (leaves: readonly Buffer[]): Buffer => Buffer.concat(leaves);
export function unpackLeaves(packed: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i + 32 <= packed.length; i += 32) out.push(packed.subarray(i, i + 32));
  return out;
}
