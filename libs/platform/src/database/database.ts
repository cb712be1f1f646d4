import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { Pool } from 'pg';
import type { AppConfig } from '../config/config';
import { PrismaClient } from './generated/client';
import type { Prisma } from './generated/client';
import { capturingFactory, driverQuery, withCapture } from './driver-transaction';
import { runPgTransaction, transactionOpening } from './pg-transaction';
import type { OpeningStatement, SqlTx } from './pg-transaction';
import type { CapturedTx } from './driver-transaction';
import { compareMigrations, readMigrationFiles } from './migration-files';
import type { AppliedMigration, MigrationCheck } from './migration-files';
import { applyMigrations, defaultMigrationPaths, pgliteMigrationAdapter, postgresMigrationAdapter } from './schema-engine';
import type { MigrationPaths } from './schema-engine';
import { openEmbeddedFolder } from './embedded-folder';
import type { EmbeddedAccess, EmbeddedOwner } from './embedded-folder';

/** The role the application runs as for a company: owns no table, has no BYPASSRLS (created by a migration). */
export const APP_ROLE = 'maple_app';

/**
 * The role of cross-company work (platform administration, jobs, projections): maple_app's
 * privileges and every company's rows. A transaction becomes it with SET LOCAL ROLE; no setting
 * can widen what maple_app sees.
 */
export const SYSTEM_ROLE = 'maple_system';

export type DatabaseKind = 'postgres' | 'embedded';

/**
 * Who a transaction runs for. Row-level security reads `app.company_id` under the role
 * maple_app; `allCompanies` runs the transaction as maple_system, the explicit path for system
 * processes (projection daemon, jobs) and platform administration.
 */
export type DbScope = { companyId?: string | null; allCompanies?: boolean };

/** A transaction: raw SQL with $1..$n parameters (see pg-transaction.ts). */
export type Tx = SqlTx;

/** A transaction that can also use Prisma's typed client (query handlers that read with Prisma). */
export type PrismaTx = SqlTx & { prisma: Prisma.TransactionClient };

export type PoolStats = { total: number; idle: number; waiting: number; max: number };

export type OpenOptions = {
  config: AppConfig;
  /** Apply pending migrations before use (always true for a brand-new embedded database). */
  migrate?: boolean;
  paths?: MigrationPaths;
  /** An already open PGlite (tests use in-memory ones). */
  pglite?: PGlite;
  /** How to treat a data folder that another process owns (default: as the entry point set it). */
  embedded?: EmbeddedAccess;
};

export class DatabaseUnavailableError extends Error {
  readonly code = 'DATABASE_UNAVAILABLE';
}

/**
 * One code path over two databases: a PostgreSQL server through `pg` + @prisma/adapter-pg,
 * or embedded PostgreSQL (PGlite, WASM) through pglite-prisma-adapter.
 */
export class Database {
  private constructor(
    readonly kind: DatabaseKind,
    // Not public: a query through the client outside `transaction` would run as the login role,
    // with no tenant scope. Typed reads get it through `prismaTransaction`.
    private readonly prisma: PrismaClient,
    private readonly migrationAdapter: () => SqlMigrationAwareDriverAdapterFactory,
    private readonly pool: Pool | undefined,
    private readonly pglite: PGlite | undefined,
    private readonly ownsPglite: boolean,
    readonly paths: MigrationPaths,
    private readonly poolMax: number,
  ) {}

  /** Set when this process owns an embedded data folder: its lock, and the socket serving it to other processes. */
  embedded: EmbeddedOwner | undefined;

  static async open(opts: OpenOptions): Promise<Database> {
    const { config } = opts;
    const paths = opts.paths ?? defaultMigrationPaths();
    const url = config.database.url;
    let db: Database;
    if (url) {
      const pool = new Pool({
        connectionString: url,
        max: config.database.poolSize,
        connectionTimeoutMillis: config.database.acquireTimeoutMs,
        idleTimeoutMillis: 30_000,
      });
      // An idle client's network error must not crash the process; the next checkout reconnects.
      pool.on('error', () => undefined);
      const prisma = new PrismaClient({ adapter: capturingFactory(new PrismaPg(pool), 'pg') });
      const migrationUrl = config.database.migrationUrl ?? url;
      db = new Database('postgres', prisma, () => postgresMigrationAdapter(migrationUrl), pool, undefined, false, paths, config.database.poolSize);
      try {
        await db.ping();
      } catch (e) {
        await db.close();
        throw new DatabaseUnavailableError(`cannot reach ${describeUrl(url)}: ${connectionFailure(e)}`);
      }
    } else {
      let pg = opts.pglite;
      let owner: EmbeddedOwner | undefined;
      if (!pg) {
        // One owner per folder (embedded-folder.ts): another process's folder is refused, or used
        // through that process's socket like any PostgreSQL server.
        const opened = await openEmbeddedFolder(config.database.dataDir, opts.embedded);
        if (opened.kind === 'client') return Database.open({ ...opts, config: { ...config, database: { ...config.database, url: opened.url } } });
        pg = opened.pglite;
        owner = opened.owner;
      }
      const lite = pg;
      const prisma = new PrismaClient({ adapter: capturingFactory(new PrismaPGlite(lite), 'pglite') });
      db = new Database('embedded', prisma, () => pgliteMigrationAdapter(lite), undefined, lite, !opts.pglite, paths, 1);
      db.embedded = owner;
    }
    try {
      if (opts.migrate) await db.migrate();
      if (db.pglite) await db.embedded?.serve(db.pglite);
    } catch (e) {
      // An owner that cannot start gives the folder up at once, not only when the process exits.
      if (db.embedded) await db.close();
      throw e;
    }
    return db;
  }

  /** Applies pending migrations with Prisma's schema engine; returns their names. */
  async migrate(): Promise<string[]> {
    const check = await this.migrationCheck();
    if (check.pending.length === 0 && check.failed.length === 0) return [];
    return applyMigrations(this.migrationAdapter(), this.paths);
  }

  async migrationCheck(): Promise<MigrationCheck> {
    const files = await readMigrationFiles(this.paths.migrationsDir);
    const exists = await this.prisma.$queryRawUnsafe<{ t: string | null }[]>(
      `SELECT to_regclass('public._prisma_migrations')::text AS t`,
    );
    const applied = exists[0]?.t
      ? await this.prisma.$queryRawUnsafe<AppliedMigration[]>(
          'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations',
        )
      : [];
    return compareMigrations(files, applied);
  }

  async ping(): Promise<void> {
    // Straight to the pool on PostgreSQL: Prisma would wrap a refused connection as a bare P2010.
    if (this.pool) await this.pool.query('SELECT 1');
    else await this.prisma.$queryRawUnsafe('SELECT 1');
  }

  /**
   * Runs `fn` in one transaction as the application role, scoped to a company for
   * row-level security. Both settings are transaction-local (SET LOCAL / set_config(..., true)),
   * so nothing leaks to the next user of a pooled connection (and PgBouncer in transaction mode is safe).
   * On PostgreSQL this is a plain `pg` transaction whose opening rides with its first statement;
   * on the embedded database, Prisma's transaction on the single PGlite connection.
   */
  async transaction<T>(fn: (tx: Tx) => Promise<T>, scope: DbScope = {}, options: { timeoutMs?: number } = {}): Promise<T> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS;
    if (this.pool) return runPgTransaction(this.pool, scopeOpening(scope, timeoutMs), fn, timeoutMs);
    return this.prismaTransaction(fn, scope, options);
  }

  /** `transaction` with Prisma's typed client on the same connection, for query handlers that read with Prisma. */
  async prismaTransaction<T>(fn: (tx: PrismaTx) => Promise<T>, scope: DbScope = {}, options: { timeoutMs?: number } = {}): Promise<T> {
    return withCapture((driver) =>
      this.prisma.$transaction(
        async (p) => {
          const tx = wrapTx(p, driver());
          await tx.execute(scopeSettings, scope.allCompanies ? SYSTEM_ROLE : APP_ROLE, scope.allCompanies ? '' : (scope.companyId ?? ''));
          return fn(tx);
        },
        { timeout: options.timeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS, maxWait: 10_000 },
      ),
    );
  }

  /** A transaction as the connecting (owner) role: migrations, maintenance, test set-up only. */
  async ownerTransaction<T>(fn: (tx: Tx) => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T> {
    // The owner passes the tenant policies (app_can_access names it): maintenance spans companies.
    const timeoutMs = options.timeoutMs ?? 120_000;
    if (this.pool) return runPgTransaction(this.pool, transactionOpening({}, timeoutMs), fn, timeoutMs);
    return withCapture((driver) => this.prisma.$transaction(async (p) => fn(wrapTx(p, driver())), { timeout: timeoutMs, maxWait: 10_000 }));
  }

  /**
   * Who the server login is, for the production boot check: a superuser or a BYPASSRLS login
   * would make every policy void the moment a transaction failed to switch roles.
   */
  async loginRole(): Promise<{ name: string; superuser: boolean; bypassRls: boolean }> {
    const [r] = await this.prisma.$queryRawUnsafe<{ name: string; superuser: boolean; bypass: boolean }[]>(
      `SELECT rolname::text AS name, rolsuper AS superuser, rolbypassrls AS bypass FROM pg_roles WHERE rolname = session_user`,
    );
    return { name: r.name, superuser: r.superuser, bypassRls: r.bypass };
  }

  /**
   * On the embedded database, one statement (with parameters) or one parameterless script
   * (several statements) in an owner transaction of its own, queued behind the application's
   * transactions on the single connection. pg-boss on PGlite runs through it (jobs/embedded-queue-db.ts).
   */
  async embeddedScript(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
    if (this.kind !== 'embedded') throw new Error('embeddedScript is for the embedded database');
    return withCapture((driver) =>
      this.prisma.$transaction(
        async () => {
          const tx = driver().client as unknown as { query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>; exec(sql: string): Promise<{ rows: unknown[] }[]> };
          if (values?.length) return { rows: (await tx.query(text, values)).rows };
          const results = await tx.exec(text);
          return { rows: [...results].reverse().find((r) => r.rows.length)?.rows ?? [] };
        },
        { timeout: 120_000, maxWait: 30_000 },
      ),
    );
  }

  poolStats(): PoolStats {
    if (!this.pool) return { total: 1, idle: 1, waiting: 0, max: 1 };
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount, max: this.poolMax };
  }

  // ---- Backup hook (libs/platform/src/backup) ----
  /**
   * The embedded database's data folder as a gzipped tar (PGlite's dumpDataDir). It waits for the
   * statement in flight only, and PGlite runs one transaction at a time: called inside a
   * transaction, it dumps exactly the state that transaction reads.
   */
  async dumpEmbeddedDataDir(): Promise<Blob> {
    if (!this.pglite) throw new Error('dumpEmbeddedDataDir needs the embedded database');
    return this.pglite.dumpDataDir('gzip');
  }

  async close(): Promise<void> {
    await this.embedded?.stopServing();
    await this.prisma.$disconnect().catch(() => undefined);
    if (this.pool && !this.pool.ended) await this.pool.end().catch(() => undefined);
    if (this.pglite && this.ownsPglite && !this.pglite.closed) await this.pglite.close().catch(() => undefined);
    this.embedded?.release();
  }
}

/** How long `transaction` lets a transaction run unless told otherwise. */
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 30_000;

const scopeSettings = `SELECT set_config('role', $1, true), set_config('app.company_id', $2, true)`;

/** The opening of a scoped transaction on PostgreSQL: the role and the company, transaction-local. */
export function scopeOpening(scope: DbScope, timeoutMs = DEFAULT_TRANSACTION_TIMEOUT_MS): OpeningStatement[] {
  return transactionOpening(
    { role: scope.allCompanies ? SYSTEM_ROLE : APP_ROLE, 'app.company_id': scope.allCompanies ? '' : (scope.companyId ?? '') },
    timeoutMs,
  );
}

// Raw SQL goes straight to the driver connection of Prisma's transaction (see driver-transaction.ts).
function wrapTx(p: Prisma.TransactionClient, driver: CapturedTx): PrismaTx {
  return {
    prisma: p,
    query: async <T>(sql: string, ...params: unknown[]) => (await driverQuery<T>(driver, sql, params)).rows,
    execute: async (sql: string, ...params: unknown[]) => (await driverQuery(driver, sql, params)).count,
  };
}

export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

// pg reports a refused connection as an AggregateError with an empty message; say what happened.
function connectionFailure(e: unknown): string {
  const err = e as { code?: string; message?: string; errors?: { code?: string }[] };
  const code = err.code ?? err.errors?.[0]?.code;
  const first = (err.message ?? '').split('\n')[0];
  if (code === 'ECONNREFUSED') return 'connection refused (is PostgreSQL running?)';
  if (code === 'ENOTFOUND') return 'host not found';
  return first || code || 'unknown error';
}
