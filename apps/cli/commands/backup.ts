import { readFile, readdir } from 'node:fs/promises';
import { BackupError, Database, describeDatabase } from '@maple/platform';
import type { AppConfig } from '@maple/platform';
import { createBackup, listBackups, loadSigner, readBackupManifest, resolveBackupFile, restoreBackup, verifyRestore } from '@maple/audit';
import type { BackupManifest, Signer } from '@maple/audit';
import type { CliCommand } from '../main';

const USAGE = `backup create                          an encrypted backup in BACKUP_DIR
  backup list                            the backups in BACKUP_DIR, newest first
  backup restore <file|name|latest>      into the configured database, which must be empty
  backup verify <file|name|latest> [--public-key <pem>] [--allow-newer]
                                         recompute every chain of the configured (restored)
                                         database and compare it with the backup's manifest;
                                         --allow-newer after point-in-time recovery`;

const warn = (m: string) => process.stderr.write(`warning: ${m}\n`);
const out = (m: string) => process.stdout.write(`${m}\n`);
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

function summary(m: BackupManifest): string {
  return `made ${m.createdAt} by Maple ${m.mapleVersion} (${m.database.engine}, PostgreSQL ${m.database.serverVersion}, migration ${m.database.latestMigration ?? 'none'}): ${m.totals.events} events in ${m.totals.companies} chains`;
}

async function withDb<T>(config: AppConfig, migrate: boolean, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await Database.open({ config, migrate });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

// Whose key proves the checkpoints: the auditor's own copy first; the configured signing key;
// only then the key the backup itself names, which is as trustworthy as the backup key.
async function checkpointKey(pemFile: string | undefined, manifest: BackupManifest, signer: Signer): Promise<string> {
  if (pemFile) return readFile(pemFile, 'utf8');
  if (!signer.ephemeral) return signer.publicKeyPem;
  if (manifest.auditKey) {
    warn(`AUDIT_SIGNING_KEY is not set: checkpoint signatures are checked against key ${manifest.auditKey.keyId} named by the backup itself; pass --public-key for an independent check.`);
    return manifest.auditKey.publicKeyPem;
  }
  return signer.publicKeyPem;
}

async function create(config: AppConfig): Promise<number> {
  // Only to name the checkpoints' key in the manifest: no warning about an ephemeral one.
  const signer = loadSigner(config.audit.signingKey);
  const r = await withDb(config, config.database.migrateOnStart, (db) => createBackup(db, config, { signer, actor: `cli:${config.cli.operator}` }));
  out(`wrote ${r.file} (${mib(r.bytes)}), ${summary(r.manifest)}`);
  return 0;
}

async function list(config: AppConfig): Promise<number> {
  const rows = await listBackups(config);
  if (!rows.length) out(`no backups in ${config.backup.dir}`);
  for (const r of rows) {
    const m = r.manifest;
    out(
      m
        ? `${r.file}  ${mib(r.bytes)}  ${m.createdAt}  ${m.engine}  Maple ${m.mapleVersion}  migration ${m.latestMigration ?? 'none'}  ${m.totals.events} events / ${m.totals.companies} chains`
        : `${r.file}  ${mib(r.bytes)}  ${r.status.toUpperCase()}: ${r.detail ?? ''}`,
    );
  }
  return 0;
}

async function restore(config: AppConfig, arg: string): Promise<number> {
  const file = await resolveBackupFile(config, arg);
  const started = Date.now();
  const m = await restoreBackup(config, file, `cli:${config.cli.operator}`);
  out(`restored ${file} into ${describeDatabase(config)} in ${((Date.now() - started) / 1000).toFixed(1)} s; the backup was ${summary(m)}`);
  out(`next: npm run cli -- backup verify ${arg}   (then npm run cli -- migrate if this Maple is newer than the backup)`);
  return 0;
}

async function verify(config: AppConfig, arg: string, pemFile: string | undefined, allowNewer: boolean): Promise<number> {
  const file = await resolveBackupFile(config, arg);
  // Opening a missing folder would make a new, empty embedded database: there is nothing to verify.
  if (!config.database.url && !(await readdir(config.database.dataDir).catch(() => [])).length)
    throw new BackupError('BACKUP.NOTHING_RESTORED', `${config.database.dataDir} holds no embedded database: restore the backup into it first.`);
  const signer = loadSigner(config.audit.signingKey);
  // The manifest is read first only to pick the checkpoint key; verifyRestore authenticates everything.
  const pem = await checkpointKey(pemFile, await readBackupManifest(config, file), signer);
  const r = await withDb(config, false, (db) => verifyRestore(db, config, file, pem, { allowNewer, actor: `cli:${config.cli.operator}` }));
  out(`backup ${file}: ${mib(r.fileBytes)} of dump authenticated; ${summary(r.manifest)}`);
  const bad = new Map(r.problems.map((p) => [p.companyId, p]));
  for (const c of r.chains) {
    const p = bad.get(c.companyId);
    out(
      p
        ? `  ${c.companyId}: INVALID at position ${p.position}: ${p.reason}`
        : `  ${c.companyId}: ${c.events} events, head at position ${c.head.position}${c.checkpointPosition ? `, signed checkpoint at ${c.checkpointPosition}` : ''}: ok`,
    );
  }
  for (const p of r.problems) if (!r.chains.some((c) => c.companyId === p.companyId)) out(`  ${p.companyId}: INVALID at position ${p.position}: ${p.reason}`);
  out(r.valid ? `verified: all ${r.chains.length} chains match the backup` : `verify FAILED: ${r.problems.length} chain(s) do not match the backup`);
  return r.valid ? 0 : 2;
}

export const backup: CliCommand = {
  usage: 'backup <create|list|restore|verify>',
  summary: 'encrypted backups, restore into an empty database, the restore drill',
  async run(args, config) {
    const [action, target, ...rest] = args;
    const pemAt = rest.indexOf('--public-key');
    const pemFile = pemAt >= 0 ? rest[pemAt + 1] : undefined;
    try {
      if (action === 'create') return await create(config);
      if (action === 'list') return await list(config);
      if (action === 'restore' && target) return await restore(config, target);
      if (action === 'verify' && target) return await verify(config, target, pemFile, rest.includes('--allow-newer'));
    } catch (e) {
      if (e instanceof BackupError) {
        process.stderr.write(`backup ${action}: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
    process.stderr.write(`Usage:\n  ${USAGE}\n`);
    return 1;
  },
};
