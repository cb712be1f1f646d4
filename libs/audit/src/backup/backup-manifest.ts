import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BackupError, PLATFORM_CHAIN } from '@maple/platform';
import type { DatabaseFacts, Tx } from '@maple/platform';
import { chainHead } from '../chain/chain-rows';
import { latestCheckpoint } from '../chain/checkpoints';
import type { SignedCheckpoint } from '../chain/checkpoints';

/** One company's hash chain as the backup holds it. */
export type ChainSnapshot = {
  companyId: string;
  events: number;
  head: { position: string; hash: string | null };
  /** The newest signed checkpoint of the chain, if any. */
  checkpoint: SignedCheckpoint | null;
};

/** What a backup states about itself; sealed inside the encrypted file. */
export type BackupManifest = {
  kind: 'maple-backup-manifest';
  version: 1;
  createdAt: string;
  mapleVersion: string;
  database: DatabaseFacts;
  /** The audit key that signs checkpoints where the backup was made (for information: verify trusts its own copy). */
  auditKey: { keyId: string; publicKeyPem: string } | null;
  chains: ChainSnapshot[];
  totals: { companies: number; events: number };
};

/**
 * Every company's chain (and the platform chain) with its event count, head and newest signed
 * checkpoint, as the transaction sees them.
 */
export async function readChains(tx: Tx): Promise<ChainSnapshot[]> {
  const groups = await tx.query<{ company_id: string | null; events: number }>(
    `SELECT company_id, count(*)::int AS events FROM events GROUP BY company_id ORDER BY company_id NULLS FIRST`,
  );
  const chains: ChainSnapshot[] = [];
  for (const g of groups) {
    const companyId = g.company_id ?? PLATFORM_CHAIN;
    const head = await chainHead(tx, companyId);
    if (!head) continue;
    chains.push({ companyId, events: g.events, head, checkpoint: await latestCheckpoint(tx, companyId) });
  }
  return chains;
}

export function buildManifest(
  database: DatabaseFacts,
  chains: ChainSnapshot[],
  mapleVersion: string,
  auditKey: BackupManifest['auditKey'],
  createdAt: Date,
): BackupManifest {
  return {
    kind: 'maple-backup-manifest',
    version: 1,
    createdAt: createdAt.toISOString(),
    mapleVersion,
    database,
    auditKey,
    chains,
    totals: { companies: chains.length, events: chains.reduce((n, c) => n + c.events, 0) },
  };
}

/** The manifest of an opened backup, or BACKUP.FILE_UNREADABLE when it is not one this code knows. */
export function asManifest(raw: unknown): BackupManifest {
  const m = raw as Partial<BackupManifest> | null;
  if (!m || m.kind !== 'maple-backup-manifest' || m.version !== 1 || !Array.isArray(m.chains) || !m.database)
    throw new BackupError('BACKUP.FILE_UNREADABLE', 'The backup carries no manifest this Maple reads.');
  return m as BackupManifest;
}

/** Maple's version, from the package.json of the folder it runs in. */
export async function mapleVersion(root = process.cwd()): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
