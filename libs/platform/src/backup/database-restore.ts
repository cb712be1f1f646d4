import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import type { AppConfig } from '../config/config';
import type { DatabaseKind } from '../database/database';
import { BackupError } from './backup.errors';
import type { DatabaseFacts } from './database-dump';
import { exited, findPgTool, firstError, libpqTarget, stderrOf } from './pg-tools';

// Anything a user could have created: relations, functions and schemas outside the system ones.
const USER_OBJECTS = `
  SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
  UNION ALL
  SELECT n.nspname || '.' || p.proname || '()' FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
  UNION ALL
  SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('public', 'information_schema') AND nspname NOT LIKE 'pg\\_%'`;

const SAFE_ROLE = /^maple_[a-z0-9_]{1,50}$/;

export function targetEngine(config: AppConfig): DatabaseKind {
  return config.database.url ? 'postgres' : 'embedded';
}

function describeTarget(config: AppConfig): string {
  if (!config.database.url) return `the embedded database folder ${config.database.dataDir}`;
  const u = new URL(config.database.url);
  return `database ${u.pathname.slice(1)} on ${u.hostname}:${u.port || 5432}`;
}

/**
 * Restores a dump into the configured database, which must be empty: a PostgreSQL database
 * with no tables, functions or schemas of its own (DATABASE_URL), or a missing or empty folder
 * (DATA_DIR). The dump streams into one pg_restore transaction: a chunk that fails to
 * authenticate, or any error, rolls everything back and the target is left empty. On a server
 * the restored database is analyzed before it is handed back.
 */
export async function restoreDump(config: AppConfig, facts: DatabaseFacts, dump: AsyncIterable<Buffer>): Promise<void> {
  const engine = targetEngine(config);
  if (facts.engine !== engine)
    throw new BackupError(
      'BACKUP.ENGINE_MISMATCH',
      facts.engine === 'postgres'
        ? 'This backup is of a PostgreSQL server (pg_dump): restore it with DATABASE_URL set to an empty database.'
        : 'This backup is of the embedded database: restore it with DATABASE_URL unset and DATA_DIR naming a new folder.',
    );
  if (engine === 'embedded') return restoreEmbedded(config.database.dataDir, dump);
  return restorePostgres(config, facts, dump);
}

async function restorePostgres(config: AppConfig, facts: DatabaseFacts, dump: AsyncIterable<Buffer>): Promise<void> {
  const url = config.database.migrationUrl ?? config.database.url!;
  const client = new Client({ connectionString: url, connectionTimeoutMillis: config.database.acquireTimeoutMs });
  let serverMajor: number;
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(USER_OBJECTS);
    if (rows.length)
      throw new BackupError(
        'BACKUP.TARGET_NOT_EMPTY',
        `${describeTarget(config)} is not empty (${rows.length} objects, e.g. ${rows
          .slice(0, 3)
          .map((r) => r.name)
          .join(', ')}): a backup is restored only into an empty database (createdb a new one).`,
      );
    const { rows: v } = await client.query<{ n: string }>(`SELECT current_setting('server_version_num') AS n`);
    serverMajor = Math.floor(Number(v[0].n) / 10000);
    // Roles are cluster-wide, so a dump does not carry them; its grants and policies name them.
    // Only Maple's own roles are made (NOLOGIN, no password); login roles stay the operator's.
    const roles = facts.roles.filter((r) => SAFE_ROLE.test(r.name));
    for (const role of roles) {
      const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role.name]);
      if (exists.rowCount === 0)
        await client.query(`CREATE ROLE ${client.escapeIdentifier(role.name)} NOLOGIN${role.bypassRls ? ' BYPASSRLS' : ' NOBYPASSRLS'}`);
    }
    for (const role of roles)
      for (const parent of (role.memberOf ?? []).filter((p) => SAFE_ROLE.test(p))) {
        const member = await client.query('SELECT pg_has_role($1, $2, $3) AS yes', [role.name, parent, 'MEMBER']);
        if (!member.rows[0].yes) await client.query(`GRANT ${client.escapeIdentifier(parent)} TO ${client.escapeIdentifier(role.name)}`);
      }
  } finally {
    await client.end();
  }
  const dumpMajor = Number(/^(\d+)/.exec(facts.serverVersion)?.[1] ?? 0);
  const bin = await findPgTool('pg_restore', config.backup.pgBinDir, Math.max(serverMajor, dumpMajor));
  const target = await libpqTarget(url);
  const child = spawn(bin, ['--single-transaction', '--exit-on-error', '--no-password', `--dbname=${target.dbname}`], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const stderr = stderrOf(child);
  const done = exited(child);
  // pg_restore may stop reading (it failed); its error, not EPIPE, is what to report.
  child.stdin.on('error', () => undefined);
  let fed: unknown;
  try {
    for await (const chunk of dump) {
      if (!child.stdin.write(chunk)) {
        const stopped = await Promise.race([once(child.stdin, 'drain').then(() => false), done.then(() => true)]);
        if (stopped) break;
      }
    }
    child.stdin.end();
  } catch (e) {
    fed = e;
    child.kill('SIGTERM');
  }
  const code = await done;
  await target.cleanup();
  if (fed) throw fed;
  if (code !== 0)
    throw new BackupError('BACKUP.RESTORE_FAILED', `pg_restore failed, nothing was restored: ${firstError(stderr(), 'pg_restore')}.`);
  // A dump carries no planner statistics. Without them the first chain verification (and every
  // company-scoped query) sorts whole tables instead of walking the indexes.
  const analyze = new Client({ connectionString: url, connectionTimeoutMillis: config.database.acquireTimeoutMs });
  await analyze.connect();
  try {
    await analyze.query('ANALYZE');
  } finally {
    await analyze.end();
  }
}

async function restoreEmbedded(dir: string, dump: AsyncIterable<Buffer>): Promise<void> {
  const existing = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (existing?.length)
    throw new BackupError(
      'BACKUP.TARGET_NOT_EMPTY',
      `The embedded database folder ${dir} is not empty (${existing.length} entries): a backup is restored only into a new or empty folder (set DATA_DIR).`,
    );
  // PGlite loads a data folder from a Blob: the whole (compressed) dump is read, and so fully
  // authenticated, before anything is written.
  const parts: Buffer[] = [];
  for await (const chunk of dump) parts.push(chunk);
  await mkdir(dir, { recursive: true });
  try {
    const lite = await PGlite.create(dir, { loadDataDir: new Blob(parts) });
    await lite.query('SELECT 1');
    await lite.close();
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    if (existing) await mkdir(dir, { recursive: true });
    throw new BackupError('BACKUP.RESTORE_FAILED', `The embedded database could not be loaded from the backup: ${String((e as Error).message).split('\n')[0]}.`);
  }
}
