import { BackupError, openBackupFile } from '@maple/platform';
import type { AppConfig, Database } from '@maple/platform';
import { chainFilter } from '../chain/chain-rows';
import type { SignedCheckpoint } from '../chain/checkpoints';
import { verifyChain } from '../chain/verify-chain';
import { auditBackupRun } from './backup-audit';
import { asManifest, readChains } from './backup-manifest';
import { requireBackupKey } from './backups';
import type { BackupManifest, ChainSnapshot } from './backup-manifest';

/** The first problem found in one company's chain. */
export type ChainProblem = { companyId: string; position: string; reason: string };

export type ChainReport = { companyId: string; events: number; head: ChainSnapshot['head']; checkpointPosition: string | null };

export type RestoreVerification = {
  valid: boolean;
  manifest: BackupManifest;
  /** Bytes of the backup file, every chunk of which authenticated. */
  fileBytes: number;
  chains: ChainReport[];
  /** One entry per company whose chain does not prove the backup, in company order. */
  problems: ChainProblem[];
};

const short = (h: string | null | undefined) => (h ? `${h.slice(0, 12)}…` : 'none');

/**
 * Proves a restored database against its backup: authenticates the whole file, recomputes every
 * company's hash chain in the database (audit's verifyChain, including the newest signed
 * checkpoint against `publicKeyPem`), and compares each chain's head, event count and checkpoint
 * with the manifest. Chains the manifest does not know are problems too. Names, per company,
 * the position of the first problem.
 */
export type VerifyOptions = {
  /**
   * After point-in-time recovery the database has gone on past the backup: each chain must then
   * still contain the backup's head (same hash at the same position, so the backup's whole
   * history is a prefix of it), and companies newer than the backup are allowed.
   */
  allowNewer?: boolean;
  /** Who ran the verification, for the audit trail. */
  actor?: string;
};

export async function verifyRestore(
  db: Database,
  config: AppConfig,
  file: string,
  publicKeyPem: string,
  options: VerifyOptions = {},
): Promise<RestoreVerification> {
  const opened = await openBackupFile(file, requireBackupKey(config));
  let fileBytes = 0;
  let manifest: BackupManifest;
  try {
    manifest = asManifest(opened.manifest);
    for await (const chunk of opened.body()) fileBytes += chunk.length;
  } finally {
    await opened.close();
  }
  const chainsNow = await db.transaction(
    async (tx) => {
      const [store] = await tx.query<{ t: string | null }>(`SELECT to_regclass('public.events')::text AS t`);
      if (!store.t) throw new BackupError('BACKUP.NOTHING_RESTORED', 'The database holds no Maple event store: restore the backup into it first.');
      return readChains(tx);
    },
    { allCompanies: true },
    { timeoutMs: 600_000 },
  );
  const restored = new Map(chainsNow.map((c) => [c.companyId, c]));
  const problems: ChainProblem[] = [];
  const chains: ChainReport[] = [];
  for (const expected of manifest.chains) {
    const problem = await checkChain(db, publicKeyPem, expected, restored.get(expected.companyId), options.allowNewer ?? false);
    if (problem) problems.push(problem);
    chains.push({
      companyId: expected.companyId,
      events: expected.events,
      head: expected.head,
      checkpointPosition: expected.checkpoint?.position ?? null,
    });
  }
  const known = new Set(manifest.chains.map((c) => c.companyId));
  for (const [companyId] of restored) {
    if (known.has(companyId) || options.allowNewer) continue;
    const first = await firstPositionAfter(db, companyId, '0');
    problems.push({
      companyId,
      position: first ?? '0',
      reason: `UNEXPECTED_CHAIN: the database holds events of ${companyId} that the backup's manifest does not list`,
    });
  }
  problems.sort((a, b) => (a.companyId < b.companyId ? -1 : a.companyId > b.companyId ? 1 : 0));
  await auditBackupRun(db, {
    entityType: 'BackupVerification',
    action: 'VIEW',
    file,
    actor: options.actor ?? 'system',
    details: { valid: problems.length === 0, chains: chains.length, allowNewer: options.allowNewer ?? false, problems: problems.slice(0, 20) },
  });
  return { valid: problems.length === 0, manifest, fileBytes, chains, problems };
}

async function checkChain(
  db: Database,
  publicKeyPem: string,
  expected: ChainSnapshot,
  actual: ChainSnapshot | undefined,
  allowNewer: boolean,
): Promise<ChainProblem | null> {
  const companyId = expected.companyId;
  const at = (position: string, reason: string): ChainProblem => ({ companyId, position, reason });
  if (!actual)
    return at(expected.head.position, `CHAIN_MISSING: the manifest lists ${expected.events} events up to position ${expected.head.position}; the database has none`);
  // The chain's own proof first: it names the first altered, removed or inserted event.
  const r = await verifyChain(db, publicKeyPem, { companyId });
  if (!r.valid) return at(r.position, r.reason);
  const { head } = expected;
  if (BigInt(actual.head.position) > BigInt(head.position)) {
    if (!allowNewer) {
      const extra = await firstPositionAfter(db, companyId, head.position);
      return at(extra ?? actual.head.position, `EXTRA_EVENTS: the chain goes on past the manifest's head at position ${head.position}`);
    }
    // The chain verified as a whole, so the same hash at the head's position proves the prefix.
    const hash = await hashAt(db, companyId, head.position);
    if (hash !== head.hash)
      return at(head.position, `HEAD_NOT_IN_CHAIN: the manifest's head (position ${head.position}, hash ${short(head.hash)}) is not in the database's chain (found ${short(hash)})`);
  } else {
    if (actual.head.position !== head.position || actual.head.hash !== head.hash)
      return at(
        head.position,
        `HEAD_MISMATCH: the manifest's head is position ${head.position} (hash ${short(head.hash)}), the restored chain ends at position ${actual.head.position} (hash ${short(actual.head.hash)})`,
      );
    if (actual.events !== expected.events)
      return at(head.position, `EVENT_COUNT_MISMATCH: the manifest counts ${expected.events} events, the database ${actual.events}`);
  }
  // The database may have signed newer checkpoints since; the manifest's one must still be there.
  const want = expected.checkpoint;
  if (want && !(await checkpointKept(db, want)))
    return at(
      want.position,
      `CHECKPOINT_MISSING: the signed checkpoint at position ${want.position} (hash ${short(want.headHash)}) that the manifest lists is not in the database`,
    );
  return null;
}

async function checkpointKept(db: Database, cp: SignedCheckpoint): Promise<boolean> {
  const rows = await db.transaction(
    (tx) =>
      tx.query(
        `SELECT 1 FROM audit_checkpoints WHERE company_id = $1 AND position = $2::bigint AND head_hash = decode($3, 'hex') AND signature = decode($4, 'base64')`,
        cp.companyId,
        cp.position,
        cp.headHash,
        cp.signature,
      ),
    { allCompanies: true },
  );
  return rows.length > 0;
}

async function hashAt(db: Database, companyId: string, position: string): Promise<string | null> {
  const [r] = await db.transaction(
    (tx) =>
      tx.query<{ hash: string | null }>(
        `SELECT encode(hash, 'hex') AS hash FROM events WHERE ${chainFilter(companyId)} AND position = $2::bigint`,
        companyId,
        position,
      ),
    { allCompanies: true },
  );
  return r?.hash ?? null;
}

async function firstPositionAfter(db: Database, companyId: string, after: string): Promise<string | null> {
  const [r] = await db.transaction(
    (tx) =>
      tx.query<{ position: string | null }>(
        `SELECT min(position)::text AS position FROM events WHERE ${chainFilter(companyId)} AND position > $2::bigint`,
        companyId,
        after,
      ),
    { allCompanies: true },
  );
  return r?.position ?? null;
}
