import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

export type MigrationFile = { name: string; checksum: string };

// Prisma records sha256(migration.sql) in _prisma_migrations.checksum; reading the folder
// and that table is enough to know whether anything is pending, without loading the
// (slow to start) schema engine on every boot.
export async function readMigrationFiles(migrationsDir: string): Promise<MigrationFile[]> {
  const dirs = (await readdir(migrationsDir, { withFileTypes: true }).catch(() => []))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  return Promise.all(
    dirs.map(async (name) => ({
      name,
      checksum: createHash('sha256')
        .update(await readFile(path.join(migrationsDir, name, 'migration.sql')))
        .digest('hex'),
    })),
  );
}

export type AppliedMigration = { migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null };

export type MigrationCheck = { pending: string[]; failed: string[]; edited: string[] };

export function compareMigrations(files: MigrationFile[], applied: AppliedMigration[]): MigrationCheck {
  const done = new Map(applied.filter((a) => a.rolled_back_at === null).map((a) => [a.migration_name, a]));
  return {
    pending: files.filter((f) => !done.has(f.name)).map((f) => f.name),
    failed: [...done.values()].filter((a) => a.finished_at === null).map((a) => a.migration_name),
    edited: files.filter((f) => done.has(f.name) && done.get(f.name)!.checksum !== f.checksum).map((f) => f.name),
  };
}
