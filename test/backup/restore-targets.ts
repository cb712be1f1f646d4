import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import { Database } from '@maple/platform';
import { restoreBackup } from '@maple/audit';
import type { AppConfig } from '@maple/platform';
import type { DatabaseTarget } from '../support/databases';
import { migrationPaths } from '../support/databases';

/** An empty place to restore into: a new database on the server, or a new folder. */
export type RestoreTarget = {
  config: AppConfig;
  /** Opens the restored database, with a superuser channel to tamper with it. */
  open(): Promise<{ db: Database; superuser(sql: string): Promise<Record<string, unknown>[]>; close(): Promise<void> }>;
  drop(): Promise<void>;
};

export async function emptyTarget(target: DatabaseTarget, base: AppConfig): Promise<RestoreTarget> {
  if (target === 'embedded') {
    const parent = await mkdtemp(path.join(os.tmpdir(), 'maple-restore-'));
    const dataDir = path.join(parent, 'data');
    const config: AppConfig = { ...base, database: { ...base.database, url: undefined, migrationUrl: undefined, dataDir } };
    return {
      config,
      async open() {
        const lite = await PGlite.create(dataDir);
        const db = await Database.open({ config, pglite: lite, paths: migrationPaths });
        return {
          db,
          superuser: async (sql) => ((await lite.exec(sql)).at(-1)?.rows as Record<string, unknown>[]) ?? [],
          close: async () => {
            await db.close();
            await lite.close();
          },
        };
      },
      drop: () => rm(parent, { recursive: true, force: true }),
    };
  }
  const admin = process.env.TEST_DATABASE_URL!;
  const name = `maple_r_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const a = new Client({ connectionString: admin });
  await a.connect();
  // From template1: an empty database, as `createdb` makes it (not the migrated test template).
  await a.query(`CREATE DATABASE "${name}"`);
  await a.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  const url = u.toString();
  const config: AppConfig = { ...base, database: { ...base.database, url, migrationUrl: url } };
  return {
    config,
    async open() {
      const db = await Database.open({ config, paths: migrationPaths });
      const su = new Client({ connectionString: url });
      await su.connect();
      return {
        db,
        superuser: async (sql) => {
          // Several statements give one result each; the last one's rows are wanted.
          const r = (await su.query(sql)) as unknown as { rows: Record<string, unknown>[] } | { rows: Record<string, unknown>[] }[];
          return Array.isArray(r) ? (r.at(-1)?.rows ?? []) : r.rows;
        },
        close: async () => {
          await db.close();
          await su.end();
        },
      };
    },
    async drop() {
      const c = new Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

export type Restored = Awaited<ReturnType<RestoreTarget['open']>> & { config: AppConfig };

/** Restores `file` into a new empty target, runs `fn` on the restored database, then drops it. */
export async function withRestored<T>(target: DatabaseTarget, base: AppConfig, file: string, fn: (r: Restored) => Promise<T>): Promise<T> {
  const place = await emptyTarget(target, base);
  try {
    await restoreBackup(place.config, file);
    const restored = await place.open();
    try {
      return await fn({ ...restored, config: place.config });
    } finally {
      await restored.close();
    }
  } finally {
    await place.drop();
  }
}
