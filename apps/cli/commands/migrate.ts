import { PGlite } from '@electric-sql/pglite';
import { Database, createMigration, describeDatabase, pgliteMigrationAdapter } from '@maple/platform';
import type { CliCommand } from '../main';

export const migrate: CliCommand = {
  usage: 'migrate',
  summary: 'apply pending migrations (records them in _prisma_migrations like prisma migrate deploy)',
  async run(_args, config) {
    const db = await Database.open({ config });
    try {
      const applied = await db.migrate();
      process.stdout.write(
        applied.length ? `Applied ${applied.length} migration(s) to ${describeDatabase(config)}:\n${applied.map((m) => `  ${m}\n`).join('')}` : `${describeDatabase(config)} is up to date.\n`,
      );
      return 0;
    } finally {
      await db.close();
    }
  },
};

export const migration: CliCommand = {
  usage: 'migration <name>',
  summary: 'write the next migration from prisma/schema.prisma (needs no database)',
  async run(args) {
    const name = args.join(' ').trim();
    if (!name) {
      process.stderr.write('Usage: npm run db:migration -- <name>\n');
      return 1;
    }
    // The engine diffs the existing migrations (replayed into an in-memory shadow database) against the schema.
    const dir = await createMigration(pgliteMigrationAdapter(new PGlite()), name);
    process.stdout.write(dir ? `Wrote ${dir}/migration.sql\n` : 'The schema and the migrations agree; nothing to write.\n');
    return 0;
  },
};
