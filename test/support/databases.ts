import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import { Database, loadConfig } from '@maple/platform';
import type { AppConfig } from '@maple/platform';

export type DatabaseTarget = 'embedded' | 'postgres';

export type TestDatabase = {
  target: DatabaseTarget;
  db: Database;
  config: AppConfig;
  /** Connection URL of this test's own PostgreSQL database (postgres target only). */
  url?: string;
  /** Runs SQL as the owner/superuser, bypassing the application role (to simulate tampering). */
  superuser(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
};

export const repoRoot = path.resolve(__dirname, '..', '..');
export const migrationPaths = {
  schemaFile: path.join(repoRoot, 'prisma', 'schema.prisma'),
  migrationsDir: path.join(repoRoot, 'prisma', 'migrations'),
};

/** Embedded always; the PostgreSQL server too when TEST_DATABASE_URL is set (CI sets it). */
export function databaseTargets(): DatabaseTarget[] {
  return process.env.TEST_DATABASE_URL ? ['embedded', 'postgres'] : ['embedded'];
}

/** A fresh, migrated database of its own for one test file: nothing is shared between files. */
export async function openTestDatabase(target: DatabaseTarget, overrides: Record<string, string> = {}): Promise<TestDatabase> {
  if (target === 'embedded') {
    const dumpFile = process.env.MAPLE_TEST_PGLITE_DUMP;
    const lite = dumpFile ? await PGlite.create({ loadDataDir: new Blob([await readFile(dumpFile)]) }) : new PGlite();
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...overrides });
    const db = await Database.open({ config, pglite: lite, paths: migrationPaths, migrate: !dumpFile });
    return {
      target,
      db,
      config,
      // exec runs several statements (no parameters); query runs one with parameters.
      superuser: async (sql, params) =>
        params?.length ? (await lite.query<Record<string, unknown>>(sql, params)).rows : ((await lite.exec(sql)).at(-1)?.rows as Record<string, unknown>[]) ?? [],
      close: async () => {
        await db.close();
        await lite.close();
      },
    };
  }
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  const name = `maple_t_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  const template = process.env.MAPLE_TEST_PG_TEMPLATE;
  await admin.query(template ? `CREATE DATABASE "${name}" TEMPLATE "${template}"` : `CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  const url = u.toString();
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: url, DB_POOL_SIZE: '20', ...overrides });
  const db = await Database.open({ config, paths: migrationPaths, migrate: !template });
  const su = new Client({ connectionString: url });
  await su.connect();
  return {
    target,
    db,
    config,
    url,
    superuser: async (sql, params) => (await su.query(sql, params as unknown[])).rows,
    close: async () => {
      await db.close();
      await su.end();
      const a = new Client({ connectionString: base });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    },
  };
}

/**
 * Runs a suite once per database target, each with its own fresh database (configured with
 * `overrides` on top of the test defaults):
 *   describeEachDatabase('event store', (ctx) => { it('...', async () => ctx().db ...) })
 * `target` lets a test that one database cannot run skip there explicitly:
 *   (target === 'postgres' ? it : it.skip)('...', ...)  -- reported as skipped, never as a pass.
 */
export function describeEachDatabase(title: string, body: (ctx: () => TestDatabase, target: DatabaseTarget) => void, overrides: Record<string, string> = {}): void {
  for (const target of databaseTargets()) {
    describe(`${title} [${target}]`, () => {
      let t: TestDatabase | undefined;
      beforeAll(async () => {
        t = await openTestDatabase(target, overrides);
      });
      afterAll(async () => {
        await t?.close();
      });
      body(() => {
        if (!t) throw new Error('test database not open');
        return t;
      }, target);
    });
  }
}

/** `it` on the PostgreSQL server, `it.skip` on the embedded database (one transaction at a time there). */
export function onServer(target: DatabaseTarget): jest.It {
  return target === 'postgres' ? it : it.skip;
}
