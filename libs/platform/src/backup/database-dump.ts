import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { Client } from 'pg';
import type { AppConfig } from '../config/config';
import type { Database, DatabaseKind, Tx } from '../database/database';
import { BackupError } from './backup.errors';
import { exited, findPgTool, firstError, libpqTarget, stderrOf } from './pg-tools';

/** What a dump is: pg_dump's custom format, or PGlite's data folder as a gzipped tar. */
export type DumpPayload = 'pg_dump-custom' | 'pglite-datadir-tgz';

/** Facts about the dumped database, read in the dump's own snapshot. */
export type DatabaseFacts = {
  engine: DatabaseKind;
  payload: DumpPayload;
  serverVersion: string;
  latestMigration: string | null;
  migrations: number;
  /** Maple's cluster-wide roles and their memberships among them, which a dump does not carry (PostgreSQL only). */
  roles: { name: string; bypassRls: boolean; memberOf: string[] }[];
};

// A dump that outlasts the recovery time objective (4 h) is a failure in itself.
const DUMP_TIMEOUT_MS = 4 * 3600_000;

async function readFacts(tx: Tx, engine: DatabaseKind): Promise<DatabaseFacts> {
  const [v] = await tx.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
  const [m] = await tx.query<{ latest: string | null; n: number }>(
    `SELECT max(migration_name) AS latest, count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  const roles =
    engine === 'postgres'
      ? (
          await tx.query<{ name: string; bypassRls: boolean; memberOf: string }>(
            `SELECT r.rolname AS "name", r.rolbypassrls AS "bypassRls",
                    coalesce((SELECT string_agg(g.rolname, ',' ORDER BY g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                               WHERE m.member = r.oid AND g.rolname LIKE 'maple\\_%'), '') AS "memberOf"
               FROM pg_roles r WHERE r.rolname LIKE 'maple\\_%' ORDER BY r.rolname`,
          )
        ).map((r) => ({ ...r, memberOf: r.memberOf ? r.memberOf.split(',') : [] }))
      : [];
  return {
    engine,
    payload: engine === 'postgres' ? 'pg_dump-custom' : 'pglite-datadir-tgz',
    serverVersion: v.v,
    latestMigration: m.latest,
    migrations: m.n,
    roles,
  };
}

const majorOf = (serverVersion: string) => Number(/^(\d+)/.exec(serverVersion)?.[1] ?? 0);

/**
 * Takes one consistent picture of the database: `describe` (the caller's manifest) and the dump
 * read the very same snapshot, so the manifest states exactly what the dump holds, while writers
 * go on. On PostgreSQL, `describe` runs in a REPEATABLE READ transaction of pg_dump's role whose
 * snapshot pg_dump imports, open until it finishes; on the embedded database, the dump is taken
 * inside the (single) transaction.
 * `write` gets the dump as a stream that throws if the dump failed, even at its very end.
 */
export async function snapshotDump<D, R>(
  db: Database,
  config: AppConfig,
  describe: (tx: Tx, facts: DatabaseFacts) => Promise<D>,
  write: (facts: DatabaseFacts, described: D, dump: AsyncIterable<Uint8Array>) => Promise<R>,
): Promise<R> {
  const scope = { allCompanies: true };
  if (db.kind === 'embedded') {
    return db.transaction(
      async (tx) => {
        const facts = await readFacts(tx, 'embedded');
        const described = await describe(tx, facts);
        const blob = await db.dumpEmbeddedDataDir();
        return write(facts, described, blob.stream() as unknown as AsyncIterable<Uint8Array>);
      },
      scope,
      { timeoutMs: DUMP_TIMEOUT_MS },
    );
  }
  const url = config.database.migrationUrl ?? config.database.url;
  // DATA_DIR's owner (the API) serves the folder to this process over its socket: only the owner
  // can dump the data folder, which its own backup.scheduled job does.
  if (!url)
    throw new BackupError(
      'BACKUP.DUMP_FAILED',
      `The embedded database in ${config.database.dataDir} is open in another process: its backup.scheduled job makes the backups (give it BACKUP_ENCRYPTION_KEY), or stop it and run backup create.`,
    );
  // The snapshot's transaction runs as pg_dump's own role (DATABASE_MIGRATION_URL), which must
  // read every row anyway; row_security = off makes a role that cannot fail loudly instead of
  // reading a filtered manifest.
  const client = new Client({ connectionString: url, connectionTimeoutMillis: config.database.acquireTimeoutMs });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    await client.query('SET LOCAL row_security = off');
    const { rows } = await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
    const tx: Tx = {
      query: async <T>(sql: string, ...params: unknown[]) => (await client.query({ text: sql, values: params })).rows as T[],
      execute: async (sql: string, ...params: unknown[]) => (await client.query({ text: sql, values: params })).rowCount ?? 0,
    };
    const facts = await readFacts(tx, 'postgres');
    const described = await describe(tx, facts);
    const bin = await findPgTool('pg_dump', config.backup.pgBinDir, majorOf(facts.serverVersion));
    const target = await libpqTarget(url);
    try {
      const child = spawn(bin, ['--format=custom', `--snapshot=${rows[0].id}`, '--no-password', `--dbname=${target.dbname}`], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const result = await write(facts, described, checkedOutput(child));
      await client.query('COMMIT');
      return result;
    } finally {
      await target.cleanup();
    }
  } catch (e) {
    if (/row-level security/.test(String((e as Error).message)))
      throw new BackupError('BACKUP.DUMP_FAILED', `The backup role cannot read past row-level security.${RLS_HINT}`);
    throw e;
  } finally {
    await client.end().catch(() => undefined);
  }
}

// pg_dump's stdout, then its exit status: a dump that fails half-way must not end like a
// complete one, or the writer would seal a truncated dump as a good backup.
async function* checkedOutput(child: ChildProcess): AsyncGenerator<Uint8Array> {
  const stderr = stderrOf(child);
  const done = exited(child);
  let finished = false;
  try {
    for await (const piece of child.stdout as Readable) yield piece as Uint8Array;
    const code = await done;
    finished = true;
    if (code !== 0) throw dumpFailed(stderr());
  } finally {
    if (!finished) {
      child.kill('SIGTERM');
      await done;
    }
  }
}

const RLS_HINT = ' pg_dump connects with DATABASE_MIGRATION_URL (else DATABASE_URL): that role must be a superuser or have BYPASSRLS.';

function dumpFailed(stderr: string): BackupError {
  const why = firstError(stderr, 'pg_dump');
  const hint = /row-level security/.test(why) ? RLS_HINT : '';
  return new BackupError('BACKUP.DUMP_FAILED', `pg_dump failed: ${why}.${hint}`);
}
