import { randomBytes, randomUUID } from 'node:crypto';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import { applyMigrations, pgliteMigrationAdapter, postgresMigrationAdapter } from '@maple/platform';
import { databaseTargets, migrationPaths } from '../support/databases';
import type { DatabaseTarget } from '../support/databases';

// Migration 20261201030000_user_credentials on a database as it finds it: hashes in
// User.password and in version-1 events, sign-in attempts on the user streams, hashes in the
// audit projection's running state.

const MIGRATION = '20261201030000_user_credentials';
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$bGVnYWN5c2FsdA$bGVnYWN5aGFzaGxlZ2FjeWhhc2g';

type Sql = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;
type Legacy = { sql: Sql; migrateRest(): Promise<string[]>; close(): Promise<void> };

/** A database with every migration before this one applied, as production has it today. */
async function legacyDatabase(target: DatabaseTarget): Promise<Legacy> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'maple-legacy-'));
  for (const name of await readdir(migrationPaths.migrationsDir)) {
    if (name.localeCompare(MIGRATION) < 0 || name === 'migration_lock.toml') await cp(path.join(migrationPaths.migrationsDir, name), path.join(dir, name), { recursive: true });
  }
  const before = { ...migrationPaths, migrationsDir: dir };
  if (target === 'embedded') {
    const lite = new PGlite();
    await applyMigrations(pgliteMigrationAdapter(lite), before);
    return {
      sql: async (sql, params) => (await lite.query<Record<string, unknown>>(sql, params ?? [])).rows,
      migrateRest: () => applyMigrations(pgliteMigrationAdapter(lite), migrationPaths),
      close: async () => {
        await lite.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const base = process.env.TEST_DATABASE_URL as string;
  const name = `maple_t_legacy_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const u = new URL(base);
  u.pathname = `/${name}`;
  await applyMigrations(postgresMigrationAdapter(u.toString()), before);
  const client = new Client({ connectionString: u.toString() });
  await client.connect();
  return {
    sql: async (sql, params) => (await client.query(sql, params)).rows,
    migrateRest: () => applyMigrations(postgresMigrationAdapter(u.toString()), migrationPaths),
    close: async () => {
      await client.end();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

for (const target of databaseTargets()) {
  describe(`identity: the credentials migration [${target}]`, () => {
    let db: Legacy;
    const company = `co-${randomUUID()}`;
    const ids = { plain: randomUUID(), locked: randomUUID(), failing: randomUUID(), unlocked: randomUUID() };
    const at = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
    const lockedUntil = at(10);

    const append = (userId: string, events: { type: string; data: Record<string, unknown> }[]) =>
      db.sql(`SELECT 1 FROM events_append($1, 'User', $2, NULL, $3::jsonb)`, [
        `user-${userId}`,
        company,
        JSON.stringify(events.map((e) => ({ eventId: randomUUID(), type: e.type, schemaVersion: 1, data: e.data, metadata: { actorId: userId, companyId: company, schemaVersion: 1 } }))),
      ]);
    const failed = (userId: string, n: number, reason = 'BAD_PASSWORD') => ({ type: 'SignInFailed', data: { userId, reason, failedAttempts: n } });

    beforeAll(async () => {
      db = await legacyDatabase(target);
      await db.sql(`INSERT INTO "Company" (id, name, "updatedAt") VALUES ($1, 'Legacy', now())`, [company]);
      for (const [key, id] of Object.entries(ids)) {
        await db.sql(`INSERT INTO "User" (id, email, password, role, "companyId", "updatedAt") VALUES ($1, $2, $3, 'USER', $4, now())`, [id, `${key}@legacy.test`, HASH, company]);
        await append(id, [{ type: 'UserRegistered', data: { userId: id, email: `${key}@legacy.test`, name: null, role: 'USER', companyId: company, passwordHash: HASH } }]);
      }
      await append(ids.locked, [failed(ids.locked, 9), failed(ids.locked, 10), { type: 'UserLockedOut', data: { userId: ids.locked, until: lockedUntil, failedAttempts: 10 } }, failed(ids.locked, 0, 'LOCKED')]);
      await append(ids.failing, [{ type: 'UserSignedIn', data: { userId: ids.failing, at: at(-5) } }, failed(ids.failing, 1), failed(ids.failing, 2), failed(ids.failing, 3)]);
      await append(ids.unlocked, [{ type: 'UserLockedOut', data: { userId: ids.unlocked, until: lockedUntil, failedAttempts: 10 } }, { type: 'PasswordChanged', data: { userId: ids.unlocked, passwordHash: HASH } }]);
      await db.sql(`INSERT INTO audit_entity_state (stream_id, company_id, version, state) VALUES ($1, $2, 1, $3::jsonb)`, [`user-${ids.plain}`, company, JSON.stringify({ userId: ids.plain, role: 'USER', passwordHash: HASH })]);
      expect(await db.migrateRest()).toContain(MIGRATION);
    });
    afterAll(async () => {
      await db?.close();
    });

    it('moves every hash from User.password to user_credentials and leaves the column empty for good', async () => {
      const creds = await db.sql(`SELECT user_id, company_id, password_hash FROM user_credentials ORDER BY user_id`);
      expect(creds).toEqual(Object.values(ids).sort().map((id) => ({ user_id: id, company_id: company, password_hash: HASH })));
      expect(await db.sql(`SELECT count(*)::int AS n FROM "User" WHERE password IS NOT NULL`)).toEqual([{ n: 0 }]);
      await expect(db.sql(`UPDATE "User" SET password = $1 WHERE id = $2`, [HASH, ids.plain])).rejects.toThrow(/User_password_not_stored/);
    });

    it("carries each user's failure count and lock over from the old sign-in events", async () => {
      const rows = await db.sql(`SELECT user_id, failed_attempts, locked_until FROM user_credentials`);
      const state = Object.fromEntries(rows.map((r) => [r.user_id, { failed: Number(r.failed_attempts), locked: r.locked_until === null ? null : new Date(r.locked_until as string).toISOString() }]));
      expect(state[ids.locked]).toEqual({ failed: 0, locked: lockedUntil });
      expect(state[ids.failing]).toEqual({ failed: 3, locked: null });
      // A password change after the lockout ended it.
      expect(state[ids.unlocked]).toEqual({ failed: 0, locked: null });
      expect(state[ids.plain]).toEqual({ failed: 0, locked: null });
    });

    it("removes the hashes from the audit projection's running state, and edits no stored event", async () => {
      const [s] = await db.sql(`SELECT state FROM audit_entity_state WHERE stream_id = $1`, [`user-${ids.plain}`]);
      expect(s.state).toEqual({ userId: ids.plain, role: 'USER' });
      const [e] = await db.sql(`SELECT data->>'passwordHash' AS hash FROM events WHERE stream_id = $1 AND version = 1`, [`user-${ids.plain}`]);
      expect(e.hash).toBe(HASH);
    });
  });
}
