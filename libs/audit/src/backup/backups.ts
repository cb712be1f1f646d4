import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { BackupError, Database, openBackupFile, restoreDump, snapshotDump, writeBackupFile } from '@maple/platform';
import type { AppConfig, Tx } from '@maple/platform';
import type { Signer } from '../signing/signing-key';
import { auditBackupRun } from './backup-audit';
import { asManifest, buildManifest, mapleVersion, readChains } from './backup-manifest';
import type { BackupManifest } from './backup-manifest';

export type BackupResult = { file: string; bytes: number; manifest: BackupManifest };

export type BackupListing = {
  file: string;
  bytes: number;
  /** 'ok': the key opens it and its manifest authenticates (the dump is checked by verify and restore). */
  status: 'ok' | 'other-key' | 'damaged' | 'unreadable';
  detail?: string;
  manifest?: Pick<BackupManifest, 'createdAt' | 'mapleVersion' | 'totals'> & {
    engine: string;
    latestMigration: string | null;
  };
};

const NAME = /^maple-backup-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z\.mbak$/;
const EXTENSION = '.mbak';

/** maple-backup-2026-12-01T10-30-00-123Z.mbak: sorts by time, and the job reads its age from it. */
export function backupFileName(at: Date): string {
  return `maple-backup-${at.toISOString().replace(/[:.]/g, '-')}${EXTENSION}`;
}

function timeOfName(name: string): number | null {
  const m = NAME.exec(name);
  return m ? Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`) : null;
}

export function requireBackupKey(config: AppConfig): Buffer {
  if (config.backup.encryptionKey) return config.backup.encryptionKey;
  throw new BackupError(
    'BACKUP.KEY_MISSING',
    'BACKUP_ENCRYPTION_KEY is not set: Maple makes and reads only encrypted backups. Make a key with `openssl rand -base64 32`, ' +
      'store it apart from the backups (without it no backup can be restored) and set BACKUP_ENCRYPTION_KEY.',
  );
}

type CreateOptions = { signer?: Signer | null; /** Who asked, for the audit trail (`cli:<user>`, `system:worker`). */ actor?: string };

/**
 * Makes an encrypted backup in BACKUP_DIR: pg_dump (custom format) on a server, PGlite's data
 * folder on the embedded database, with a manifest of every chain head and newest signed
 * checkpoint read in the dump's own snapshot.
 */
export async function createBackup(db: Database, config: AppConfig, opts: CreateOptions = {}): Promise<BackupResult> {
  return create(db, config, opts, null);
}

async function create(
  db: Database,
  config: AppConfig,
  opts: CreateOptions,
  guard: ((tx: Tx) => Promise<void>) | null,
): Promise<BackupResult> {
  const key = requireBackupKey(config);
  await mkdir(config.backup.dir, { recursive: true, mode: 0o700 });
  const version = await mapleVersion();
  const signer = opts.signer ?? null;
  const made = await snapshotDump(
    db,
    config,
    async (tx, facts) => {
      if (guard) await guard(tx);
      const chains = await readChains(tx);
      // A key made up for this process alone (no AUDIT_SIGNING_KEY) is worth recording only if
      // it signed the checkpoints: the API's in-process job on a development machine.
      const known = signer && (!signer.ephemeral || chains.some((c) => c.checkpoint?.keyId === signer.keyId));
      const auditKey = known ? { keyId: signer.keyId, publicKeyPem: signer.publicKeyPem } : null;
      return buildManifest(facts, chains, version, auditKey, new Date());
    },
    async (_facts, manifest, dump) => {
      const file = path.join(config.backup.dir, backupFileName(new Date(manifest.createdAt)));
      const bytes = await writeBackupFile(file, key, manifest, dump);
      return { file, bytes, manifest };
    },
  );
  // After the snapshot's (read-only) transaction: the next backup holds this row.
  await auditBackupRun(db, {
    entityType: 'Backup',
    action: 'CREATE',
    file: made.file,
    actor: opts.actor ?? 'system',
    details: { bytes: made.bytes, createdAt: made.manifest.createdAt, totals: made.manifest.totals, latestMigration: made.manifest.database.latestMigration },
  });
  return made;
}

/** A file argument: a path, a file name in BACKUP_DIR, or `latest` (the newest Maple-named one there). */
export async function resolveBackupFile(config: AppConfig, arg: string): Promise<string> {
  if (arg === 'latest') {
    const [newest] = (await backupFiles(config.backup.dir)).filter((f) => f.at !== null);
    if (!newest) throw new BackupError('BACKUP.NOT_FOUND', `No backup in ${config.backup.dir}.`);
    return newest.file;
  }
  if (arg.includes('/') || arg.includes(path.sep)) return path.resolve(arg);
  const inDir = path.join(config.backup.dir, arg);
  return (await stat(inDir).catch(() => null)) ? inDir : path.resolve(arg);
}

/** Backups in `dir`, newest first (by name: Maple's names carry their time). */
async function backupFiles(dir: string): Promise<{ file: string; name: string; at: number | null }[]> {
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  return names
    .filter((n) => n.endsWith(EXTENSION))
    .sort()
    .reverse()
    .map((name) => ({ file: path.join(dir, name), name, at: timeOfName(name) }));
}

/** Every backup in BACKUP_DIR with what its authenticated manifest says, newest first. */
export async function listBackups(config: AppConfig): Promise<BackupListing[]> {
  const key = requireBackupKey(config);
  const out: BackupListing[] = [];
  for (const { file } of await backupFiles(config.backup.dir)) {
    const bytes = (await stat(file)).size;
    try {
      const opened = await openBackupFile(file, key);
      await opened.close();
      const m = asManifest(opened.manifest);
      out.push({
        file,
        bytes,
        status: 'ok',
        manifest: {
          createdAt: m.createdAt,
          mapleVersion: m.mapleVersion,
          totals: m.totals,
          engine: m.database.engine,
          latestMigration: m.database.latestMigration,
        },
      });
    } catch (e) {
      if (!(e instanceof BackupError)) throw e;
      const status = e.code === 'BACKUP.KEY_MISMATCH' ? 'other-key' : e.code === 'BACKUP.FILE_DAMAGED' ? 'damaged' : 'unreadable';
      out.push({ file, bytes, status, detail: e.message });
    }
  }
  return out;
}

/** The authenticated manifest of a backup file (the dump is not read). */
export async function readBackupManifest(config: AppConfig, file: string): Promise<BackupManifest> {
  const opened = await openBackupFile(file, requireBackupKey(config));
  await opened.close();
  return asManifest(opened.manifest);
}

/**
 * Restores a backup into the configured database, which must be empty (see restoreDump).
 * Every chunk is authenticated before it is used; a damaged file restores nothing.
 */
export async function restoreBackup(config: AppConfig, file: string, actor = 'system'): Promise<BackupManifest> {
  const opened = await openBackupFile(file, requireBackupKey(config));
  let manifest: BackupManifest;
  try {
    manifest = asManifest(opened.manifest);
    await restoreDump(config, manifest.database, opened.body());
  } finally {
    await opened.close();
  }
  // The restored database records its own restore (in AuditLog, not in the chains verify checks).
  const db = await Database.open({ config });
  try {
    await auditBackupRun(db, {
      entityType: 'BackupRestore',
      action: 'CREATE',
      file,
      actor,
      details: { backupCreatedAt: manifest.createdAt, totals: manifest.totals, latestMigration: manifest.database.latestMigration },
    });
  } finally {
    await db.close();
  }
  return manifest;
}

/** Deletes the oldest of Maple's backups in `dir` beyond the newest `keep`; returns their names. */
export async function pruneBackups(dir: string, keep: number): Promise<string[]> {
  const ours = (await backupFiles(dir)).filter((f) => f.at !== null);
  const old = ours.slice(keep);
  for (const f of old) await unlink(f.file);
  return old.map((f) => f.name);
}

class NotDue extends Error {}

// Two-key advisory lock, apart from the chain locks (class 20261125).
const LOCK_CLASS = 20261201;

/**
 * The scheduled job's work: a backup when the newest one in BACKUP_DIR is older than
 * BACKUP_INTERVAL_MINUTES, then pruning to BACKUP_KEEP. Restarts and several workers do not
 * multiply backups: the age check runs under an advisory lock held until the file is written.
 */
export async function runScheduledBackup(db: Database, config: AppConfig, signer: Signer | null, now = new Date()): Promise<string> {
  if (!config.backup.encryptionKey) {
    // No key in production is an operator error that must show up on every run.
    if (config.env === 'production') requireBackupKey(config);
    return 'skipped: BACKUP_ENCRYPTION_KEY is not set, so no backup can be made (it is required in production)';
  }
  const intervalMs = config.backup.intervalMinutes * 60_000;
  // A timer fires a little early or late; a backup made one interval ago is due.
  const slackMs = Math.max(60_000, intervalMs * 0.05);
  let made: BackupResult;
  try {
    made = await create(db, config, { signer, actor: 'system:worker' }, async (tx) => {
      const [{ locked }] = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1::int, 1) AS locked', LOCK_CLASS);
      if (!locked) throw new NotDue('skipped: another process is making a backup');
      const [newest] = (await backupFiles(config.backup.dir)).filter((f) => f.at !== null);
      const age = newest ? now.getTime() - newest.at! : Infinity;
      if (age < intervalMs - slackMs)
        throw new NotDue(`skipped: ${newest.name} is ${Math.round(age / 60_000)} min old; the next backup is due after ${config.backup.intervalMinutes} min`);
    });
  } catch (e) {
    if (e instanceof NotDue) return e.message;
    throw e;
  }
  const removed = await pruneBackups(config.backup.dir, config.backup.keep);
  const { totals } = made.manifest;
  return `wrote ${path.basename(made.file)} (${(made.bytes / 1048576).toFixed(1)} MiB, ${totals.events} events in ${totals.companies} chains)${removed.length ? `; removed ${removed.join(', ')}` : ''}`;
}
