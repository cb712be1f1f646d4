import type { Database, Tx } from '@maple/platform';
import { AuditError } from '../domain/audit.errors';
import type { CheckpointClaim, Signer } from '../signing/signing-key';
import { chainHead, chainScope } from './chain-rows';

/** A signed statement "company X's chain had head hash H at position P". */
export type SignedCheckpoint = CheckpointClaim & { signature: string; keyId: string };

type Row = {
  company_id: string;
  position: string;
  head_hash: string;
  signature: string;
  key_id: string;
  signed_at: string;
};

const COLUMNS = `company_id, position::text AS position, encode(head_hash, 'hex') AS head_hash, encode(signature, 'base64') AS signature, key_id,
  to_char(signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS signed_at`;

function toCheckpoint(r: Row): SignedCheckpoint {
  return {
    companyId: r.company_id,
    position: r.position,
    headHash: r.head_hash,
    signedAt: r.signed_at,
    signature: r.signature.replace(/\s+/g, ''),
    keyId: r.key_id,
  };
}

/**
 * Signs the chain's head (or the event at `atPosition`) and stores the checkpoint. The worker
 * calls it periodically; POST /audit/checkpoints and exports call it on demand.
 */
export async function createCheckpoint(
  db: Database,
  signer: Signer,
  companyId: string,
  atPosition: string | null = null,
): Promise<SignedCheckpoint> {
  return db.transaction((tx) => createCheckpointIn(tx, signer, companyId, atPosition), chainScope(companyId));
}

export async function createCheckpointIn(
  tx: Tx,
  signer: Signer,
  companyId: string,
  atPosition: string | null = null,
): Promise<SignedCheckpoint> {
  const head = await chainHead(tx, companyId, atPosition);
  if (!head?.hash)
    throw new AuditError(
      'AUDIT.CHAIN_EMPTY',
      `No hashed events for ${companyId}${atPosition ? ` at or before position ${atPosition}` : ''}.`,
    );
  const claim: CheckpointClaim = {
    companyId,
    position: head.position,
    headHash: head.hash,
    signedAt: new Date().toISOString(),
  };
  const signature = signer.sign(claim);
  await tx.execute(
    `INSERT INTO audit_checkpoints (company_id, position, head_hash, signature, key_id, signed_at)
     VALUES ($1, $2::bigint, decode($3, 'hex'), decode($4, 'base64'), $5, $6::timestamptz)`,
    companyId,
    claim.position,
    claim.headHash,
    signature,
    signer.keyId,
    claim.signedAt,
  );
  return { ...claim, signature, keyId: signer.keyId };
}

/** The newest checkpoint at or before `atOrBefore` (any position when null). */
export async function latestCheckpoint(
  tx: Tx,
  companyId: string,
  atOrBefore: string | null = null,
): Promise<SignedCheckpoint | null> {
  const [r] = await tx.query<Row>(
    `SELECT ${COLUMNS} FROM audit_checkpoints WHERE company_id = $1 AND ($2::bigint IS NULL OR position <= $2::bigint)
      ORDER BY audit_checkpoints.position DESC, id DESC LIMIT 1`,
    companyId,
    atOrBefore,
  );
  return r ? toCheckpoint(r) : null;
}

/** A checkpoint signed at exactly `position`, if one exists. */
export async function checkpointAt(
  tx: Tx,
  companyId: string,
  position: string,
): Promise<SignedCheckpoint | null> {
  const [r] = await tx.query<Row>(
    `SELECT ${COLUMNS} FROM audit_checkpoints WHERE company_id = $1 AND position = $2::bigint ORDER BY id DESC LIMIT 1`,
    companyId,
    position,
  );
  return r ? toCheckpoint(r) : null;
}
