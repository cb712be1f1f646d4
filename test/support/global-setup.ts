import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
// globalSetup runs outside jest's module mapper (no @maple alias, no .js -> .ts), so it uses
// the schema engine directly rather than the Prisma Client.
import { applyMigrations, pgliteMigrationAdapter, postgresMigrationAdapter } from '../../libs/platform/src/database/schema-engine';
import { readMigrationFiles } from '../../libs/platform/src/database/migration-files';

// Migrating through Prisma's schema engine takes seconds, so it runs once per test run:
// an embedded database is migrated and dumped to a file each test file loads, and on the
// PostgreSQL server a template database is migrated that each test file clones.
export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..');
  const files = await readMigrationFiles(path.join(root, 'prisma', 'migrations'));
  const fingerprint = createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 12);
  const paths = { schemaFile: path.join(root, 'prisma', 'schema.prisma'), migrationsDir: path.join(root, 'prisma', 'migrations') };

  const lite = new PGlite();
  await applyMigrations(pgliteMigrationAdapter(lite), paths);
  const dump = await lite.dumpDataDir('none');
  const dumpFile = path.join(os.tmpdir(), `maple-test-${fingerprint}-${process.pid}.tar`);
  await writeFile(dumpFile, Buffer.from(await dump.arrayBuffer()));
  await lite.close();
  process.env.MAPLE_TEST_PGLITE_DUMP = dumpFile;

  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const template = `maple_tpl_${fingerprint}`;
    const admin = new Client({ connectionString: url });
    await admin.connect();
    try {
      // Two test runs on one server must not build the same template at once.
      await admin.query('SELECT pg_advisory_lock(774411)');
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
      if (exists.rowCount === 0) {
        // A run that died half-way leaves its unfinished template behind: start it again.
        await admin.query(`DROP DATABASE IF EXISTS "${template}_building" WITH (FORCE)`);
        await admin.query(`CREATE DATABASE "${template}_building"`);
        const u = new URL(url);
        u.pathname = `/${template}_building`;
        await applyMigrations(postgresMigrationAdapter(u.toString()), paths);
        await admin.query(`ALTER DATABASE "${template}_building" RENAME TO "${template}"`);
      }
      await admin.query('SELECT pg_advisory_unlock(774411)');
    } finally {
      await admin.end();
    }
    process.env.MAPLE_TEST_PG_TEMPLATE = template;
  }
}
