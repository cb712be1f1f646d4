import { readFile, readdir, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';

// Prisma's schema engine, compiled to WebAssembly and shipped inside an npm package, so
// migrations work offline and behave exactly like `prisma migrate deploy` (same
// `_prisma_migrations` rows and checksums). The native engine download is never needed.

type WasmSchemaEngine = {
  applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>;
  diff(input: unknown): Promise<{ exitCode: number; stdout: string | null }>;
  diagnoseMigrationHistory(input: unknown): Promise<DiagnoseOutput>;
  free?(): void;
};

type DiagnoseOutput = {
  history: null | { diagnostic: string; unappliedMigrationNames?: string[]; unpersistedMigrationNames?: string[] };
  failedMigrationNames: string[];
  editedMigrationNames: string[];
  hasMigrationsTable: boolean;
};

type EngineModule = {
  SchemaEngine: { new: (opts: unknown, log: (msg: string) => void, adapter: object) => Promise<WasmSchemaEngine> };
};

// Node has WebAssembly; the ES2023 lib we compile against does not declare it.
const wasm = (globalThis as unknown as { WebAssembly: { instantiate(b: Uint8Array, i: object): Promise<{ instance: { exports: Record<string, unknown> } }> } }).WebAssembly;

// Tables made by hand-written SQL (event store, checkpoints, ...) that schema.prisma does not
// model; the engine must neither diff nor drop them.
const NO_FILTER = { externalTables: [] as string[], externalEnums: [] as string[] };
let engineModule: Promise<EngineModule> | undefined;

async function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    const bgPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bg = (await import(bgPath)) as Record<string, unknown> & {
      __wbg_set_wasm(exports: Record<string, unknown>): void;
    };
    const bytes = await readFile(path.join(path.dirname(bgPath), 'schema_engine_bg.wasm'));
    const { instance } = await wasm.instantiate(bytes, { './schema_engine_bg.js': bg });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bg as unknown as EngineModule;
  })();
  return engineModule;
}

export type MigrationPaths = { schemaFile: string; migrationsDir: string };

async function filtersFor(paths: MigrationPaths) {
  const file = path.join(path.dirname(paths.schemaFile), 'external-tables.json');
  const external = JSON.parse(await readFile(file, 'utf8').catch(() => '[]')) as string[];
  return { ...NO_FILTER, externalTables: external };
}

export function defaultMigrationPaths(root = process.cwd()): MigrationPaths {
  return {
    schemaFile: path.join(root, 'prisma', 'schema.prisma'),
    migrationsDir: path.join(root, 'prisma', 'migrations'),
  };
}

/** Reads `prisma/migrations/*` into the shape the engine expects. */
export async function loadMigrationList(migrationsDir: string) {
  const dirs = (await readdir(migrationsDir, { withFileTypes: true }).catch(() => []))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const lockPath = path.join(migrationsDir, 'migration_lock.toml');
  const lock = await readFile(lockPath, 'utf8').catch(() => null);
  return {
    baseDir: migrationsDir,
    lockfile: { path: 'migration_lock.toml', content: lock },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      dirs.map(async (name) => ({
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: await readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8').then(
            (ok) => ({ tag: 'ok', value: ok }),
            (e: Error) => ({ tag: 'error', value: e.message }),
          ),
        },
      })),
    ),
  };
}

async function withEngine<T>(
  adapter: SqlMigrationAwareDriverAdapterFactory,
  schemaFile: string,
  fn: (engine: WasmSchemaEngine) => Promise<T>,
): Promise<T> {
  const mod = await loadEngineModule();
  const datamodel = await readFile(schemaFile, 'utf8');
  const engine = await mod.SchemaEngine.new(
    { datamodels: [[path.basename(schemaFile), datamodel]] },
    () => undefined,
    bindMigrationAwareSqlAdapterFactory(adapter),
  );
  try {
    return await fn(engine);
  } finally {
    engine.free?.();
    await (adapter as ClosableFactory).close?.();
  }
}

/** Applies pending migrations; returns the names applied (empty when up to date). */
export async function applyMigrations(
  adapter: SqlMigrationAwareDriverAdapterFactory,
  paths: MigrationPaths = defaultMigrationPaths(),
): Promise<string[]> {
  const migrationsList = await loadMigrationList(paths.migrationsDir);
  return withEngine(adapter, paths.schemaFile, async (engine) => {
    const out = await engine.applyMigrations({ migrationsList, filters: await filtersFor(paths) });
    return out.appliedMigrationNames;
  });
}

export type MigrationStatus = {
  pending: string[];
  failed: string[];
  edited: string[];
  unknownInDatabase: string[];
};

export async function migrationStatus(
  adapter: SqlMigrationAwareDriverAdapterFactory,
  paths: MigrationPaths = defaultMigrationPaths(),
): Promise<MigrationStatus> {
  const migrationsList = await loadMigrationList(paths.migrationsDir);
  return withEngine(adapter, paths.schemaFile, async (engine) => {
    const d = await engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters: await filtersFor(paths) });
    const h = d.history;
    const all = migrationsList.migrationDirectories.map((m) => m.path);
    return {
      pending: !d.hasMigrationsTable ? all : (h?.unappliedMigrationNames ?? []),
      failed: d.failedMigrationNames,
      edited: d.editedMigrationNames,
      unknownInDatabase: h?.unpersistedMigrationNames ?? [],
    };
  });
}

/**
 * The SQL that takes a database built from the existing migrations to the schema file.
 * Empty when the two agree. Needs a shadow database from the adapter (PGlite in memory
 * gives one for free).
 */
export async function diffMigrationsToSchema(
  adapter: SqlMigrationAwareDriverAdapterFactory,
  paths: MigrationPaths = defaultMigrationPaths(),
): Promise<string> {
  const migrationsList = await loadMigrationList(paths.migrationsDir);
  const content = await readFile(paths.schemaFile, 'utf8');
  return withEngine(adapter, paths.schemaFile, async (engine) => {
    const out = await engine.diff({
      // With no migration yet the engine cannot tell the connector, so start from empty.
      from: migrationsList.migrationDirectories.length ? { tag: 'migrations', ...migrationsList } : { tag: 'empty' },
      to: { tag: 'schemaDatamodel', files: [{ path: paths.schemaFile, content }] },
      script: true,
      exitCode: null,
      filters: await filtersFor(paths),
    });
    return (out.stdout ?? '').trim();
  });
}

/** Writes the next migration (timestamped folder) from the schema; null when nothing changed. */
export async function createMigration(
  adapter: SqlMigrationAwareDriverAdapterFactory,
  name: string,
  paths: MigrationPaths = defaultMigrationPaths(),
  now = new Date(),
): Promise<string | null> {
  const sql = await diffMigrationsToSchema(adapter, paths);
  if (isEmptyDiff(sql)) return null;
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'migration';
  const dir = path.join(paths.migrationsDir, `${stamp}_${slug}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'migration.sql'), sql.endsWith('\n') ? sql : sql + '\n');
  const lock = path.join(paths.migrationsDir, 'migration_lock.toml');
  await readFile(lock).catch(() =>
    writeFile(lock, '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n'),
  );
  return dir;
}

export function isEmptyDiff(sql: string): boolean {
  return sql.replace(/--.*$/gm, '').trim().length === 0;
}

type ScriptRunner = { underlyingDriver(): { query(sql: string): Promise<unknown> }; onError(e: unknown): never };

// @prisma/adapter-pg runs a migration script by splitting it on ";", which breaks any
// dollar-quoted body (functions, triggers, DO blocks: our RLS and append-only guards).
// The native engine sends the script whole; so do we. A multi-statement simple query is
// one implicit transaction in PostgreSQL, so a failing migration leaves nothing half-applied.
function wholeScript(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const runner = adapter as unknown as ScriptRunner;
  adapter.executeScript = async (script: string) => {
    try {
      await runner.underlyingDriver().query(script);
    } catch (e) {
      runner.onError(e);
    }
  };
  return adapter;
}

type PgliteQueryable = { client: { exec(sql: string): Promise<unknown> }; onError(e: unknown): never };

// pglite-prisma-adapter starts a script without awaiting it, so the engine carries on before
// the SQL ran and a failing script crashes the process instead of failing the migration.
function awaitedScript(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const runner = adapter as unknown as PgliteQueryable;
  adapter.executeScript = async (script: string) => {
    try {
      await runner.client.exec(script);
    } catch (e) {
      runner.onError(e);
    }
  };
  return adapter;
}

/** A migration-capable adapter for an embedded PGlite database (its shadow database is in memory). */
export function pgliteMigrationAdapter(lite: PGlite): SqlMigrationAwareDriverAdapterFactory {
  const inner = new PrismaPGlite(lite);
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => awaitedScript(await inner.connect()),
    connectToShadowDb: async () => awaitedScript(await inner.connectToShadowDb()),
  };
}

type ClosableFactory = SqlMigrationAwareDriverAdapterFactory & { close?(): Promise<void> };

/** A migration-capable adapter for a PostgreSQL server URL; its pool closes when the engine is done. */
export function postgresMigrationAdapter(connectionString: string): ClosableFactory {
  const pool = new Pool({ connectionString, max: 2 });
  pool.on('error', () => undefined);
  const inner = new PrismaPg(pool);
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => wholeScript(await inner.connect()),
    connectToShadowDb: async () => wholeScript(await inner.connectToShadowDb()),
    close: () => pool.end(),
  };
}
