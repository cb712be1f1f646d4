import type { Tx } from '../database/database';
import { RebuildError } from './rebuild.errors';
import { catalogPath, constraintsOf, dependentObjects, describeTable, firstDifference, indexesOf, partitionsOf, relationByQualifiedName, relationTree, resolveTable, triggersOf } from './table-catalog';
import type { Relation, TableDescription } from './table-catalog';
import { copyAccess } from './table-access';

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

// LIKE copies columns, defaults, CHECK constraints, storage and comments; everything else
// (keys, indexes, foreign keys, triggers, partitions, then access) is copied one by one below,
// under the original names, so that the twin can take the original's place unchanged.
const LIKE_OPTIONS = 'INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMMENTS INCLUDING COMPRESSION INCLUDING STATISTICS';

/**
 * Fresh copies ("twins") of a set of read tables, in schemas of their own: `<run>` for the
 * tables themselves, `<run>_<n>` for partitions kept in other schemas (AuditLog's in `audit`).
 * A twin has the original's name, so a projection whose SQL names its tables unqualified
 * writes the twin when the run's schema comes first on the search path, and the swap is a
 * move of each twin into the original's schema.
 */
export class ShadowTables {
  private constructor(
    readonly run: string,
    readonly tables: readonly Relation[],
    // Source schema -> the run's schema for it, and the source schema as PostgreSQL quotes it.
    private readonly schemas: Map<string, string>,
    private readonly quoted: Map<string, string>,
    // The search path the projections normally run with; the run's schema goes in front of it.
    private readonly basePath: string,
  ) {}

  /** Resolves the tables (unqualified names, as on the search path) and names the run's schemas. */
  static async plan(tx: Tx, run: string, names: readonly string[]): Promise<ShadowTables> {
    const tables: Relation[] = [];
    for (const name of names) {
      const rel = await resolveTable(tx, name);
      if (!rel) throw new RebuildError('REBUILD.TABLE_NOT_FOUND', `Table "${name}" does not exist (a projection declares it).`, { table: name });
      tables.push(rel);
    }
    const home = new Set(tables.map((t) => t.schema));
    if (home.size > 1) throw new RebuildError('REBUILD.TABLES_IN_SEVERAL_SCHEMAS', `The tables of one rebuild must live in one schema; found ${[...home].join(', ')}.`);
    const schemas = new Map<string, string>([[tables[0].schema, run]]);
    const quoted = new Map<string, string>();
    for (const t of tables) {
      for (const r of await relationTree(tx, t)) {
        if (!schemas.has(r.schema)) schemas.set(r.schema, `${run}_${schemas.size}`);
        quoted.set(r.schema, r.quotedSchema);
      }
    }
    const [{ path }] = await tx.query<{ path: string }>(`SELECT current_setting('search_path') AS path`);
    const shadow = new ShadowTables(run, tables, schemas, quoted, path);
    await shadow.refuseDependents(tx);
    return shadow;
  }

  /** The run's schemas, to record (a crashed run is cleaned up by dropping them). */
  shadowSchemas(): string[] {
    return [...this.schemas.values(), this.retired];
  }

  // Where the replaced tables go at the swap, to be dropped once its locks are released: the
  // swap's commit then unlinks no files, which would keep writers waiting.
  private get retired(): string {
    return `${this.run}_retired`;
  }

  private async refuseDependents(tx: Tx): Promise<void> {
    const oids: string[] = [];
    for (const t of this.tables) oids.push(...(await relationTree(tx, t)).map((r) => r.oid));
    const found = await dependentObjects(tx, oids);
    if (found.length) {
      throw new RebuildError('REBUILD.DEPENDENT_OBJECTS', `${found.join(', ')} depend${found.length === 1 ? 's' : ''} on ${this.tables.map((t) => t.qualified).join(', ')}; a swap would leave ${found.length === 1 ? 'it' : 'them'} on the old table. Drop and recreate ${found.length === 1 ? 'it' : 'them'} around the rebuild.`, { dependents: found });
    }
  }

  /** The search path that makes the projections write the twins. */
  async useTwins(tx: Tx): Promise<void> {
    await tx.query(`SELECT set_config('search_path', $1, true)`, `${this.run}, ${this.basePath}`);
  }

  private twinOf(rel: Pick<Relation, 'schema' | 'name'>): string {
    const schema = this.schemas.get(rel.schema);
    if (!schema) throw new RebuildError('REBUILD.DEFINITION_CHANGED', `${rel.schema}.${rel.name} was not part of the rebuild when it started; run it again.`);
    return `${q(schema)}.${q(rel.name)}`;
  }

  // A foreign key between two tables of the set points at the other twin.
  private retarget(def: string, references: string | null): string {
    const target = this.tables.find((t) => t.qualified === references);
    return target && references ? def.replace(`REFERENCES ${references}(`, `REFERENCES ${this.twinOf(target)}(`) : def;
  }

  /** Creates the empty twins with their keys, unique indexes, foreign keys, triggers and partitions. */
  async create(tx: Tx): Promise<void> {
    await catalogPath(tx);
    for (const schema of this.shadowSchemas()) await tx.execute(`CREATE SCHEMA ${q(schema)}`);
    const all: Relation[] = [];
    for (const t of this.tables) {
      const key = await partitionKey(tx, t);
      await tx.execute(`CREATE TABLE ${this.twinOf(t)} (LIKE ${t.qualified} ${LIKE_OPTIONS})${key ? ` PARTITION BY ${key}` : ''}`);
      all.push(t, ...(await this.createPartitions(tx, t)));
    }
    for (const rel of all) {
      const local = (await constraintsOf(tx, rel)).filter((c) => c.local);
      // CHECK constraints came with LIKE on the tables; a partition's own ones are copied here.
      for (const c of local.filter((c) => 'pux'.includes(c.type) || (c.type === 'c' && rel.bound !== null))) {
        await tx.execute(`ALTER TABLE ${this.twinOf(rel)} ADD CONSTRAINT ${q(c.name)} ${c.def}`);
      }
      for (const ix of (await indexesOf(tx, rel)).filter((i) => i.unique && !i.constraint && !i.inherited)) await tx.execute(indexSql(ix, rel, this.twinOf(rel)));
    }
    for (const rel of all) {
      for (const c of (await constraintsOf(tx, rel)).filter((c) => c.local && c.type === 'f')) {
        await tx.execute(`ALTER TABLE ${this.twinOf(rel)} ADD CONSTRAINT ${q(c.name)} ${this.retarget(c.def, c.references)}`);
      }
      for (const t of await triggersOf(tx, rel)) await tx.execute(triggerSql(t, rel, this.twinOf(rel)));
      // No autovacuum on a twin until the swap: its lock would stand in the swap's way.
      if (!rel.partitioned) await tx.execute(`ALTER TABLE ${this.twinOf(rel)} SET (autovacuum_enabled = false)`);
    }
  }

  private async createPartitions(tx: Tx, parent: Relation): Promise<Relation[]> {
    const out: Relation[] = [];
    for (const p of await partitionsOf(tx, parent)) {
      const key = await partitionKey(tx, p);
      await tx.execute(`CREATE TABLE ${this.twinOf(p)} PARTITION OF ${this.twinOf(parent)} ${p.bound}${key ? ` PARTITION BY ${key}` : ''}`);
      out.push(p, ...(await this.createPartitions(tx, p)));
    }
    return out;
  }

  /** The other indexes, built once the bulk of the rows is in (faster than row by row). */
  async createSecondaryIndexes(tx: Tx): Promise<void> {
    await catalogPath(tx);
    for (const t of this.tables) {
      for (const rel of await relationTree(tx, t)) {
        for (const ix of (await indexesOf(tx, rel)).filter((i) => !i.unique && !i.inherited)) await tx.execute(indexSql(ix, rel, this.twinOf(rel)));
      }
    }
  }

  /** Refreshes the planner's statistics of the twins before they go live. */
  async analyze(tx: Tx): Promise<void> {
    for (const t of this.tables) await tx.execute(`ANALYZE ${this.twinOf(t)}`);
  }

  /** Rows only in the live table and only in its twin (the tables are locked by the caller). */
  async differences(tx: Tx): Promise<Record<string, { onlyLive: number; onlyRebuilt: number }>> {
    const out: Record<string, { onlyLive: number; onlyRebuilt: number }> = {};
    for (const t of this.tables) {
      const twin = this.twinOf(t);
      const count = async (a: string, b: string) =>
        Number((await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT r::text FROM ${a} r EXCEPT ALL SELECT r::text FROM ${b} r) d`))[0].n);
      out[t.name] = { onlyLive: await count(t.qualified, twin), onlyRebuilt: await count(twin, t.qualified) };
    }
    return out;
  }

  /**
   * Makes each twin ready to go live, while writers still run (the caller holds SHARE UPDATE
   * EXCLUSIVE locks on the tables, which let writers through but no DDL): partitions created
   * meanwhile, then the access rules (policies, grants, row-level security) as they are now, and
   * the proof that each twin is defined exactly like its original. Returns the swap itself,
   * written out, so that the part under ACCESS EXCLUSIVE locks is one statement.
   */
  async prepareSwap(tx: Tx): Promise<SwapScript> {
    await catalogPath(tx);
    const tree: Relation[] = [];
    for (const t of this.tables) {
      const now = await resolveQualified(tx, t);
      if (now?.oid !== t.oid) throw new RebuildError('REBUILD.DEFINITION_CHANGED', `${t.qualified} was replaced while the rebuild ran; run it again.`);
      await this.addMissingPartitions(tx, t);
      const rels = await relationTree(tx, t);
      // Held from here on, so no autovacuum starts on a twin once its own settings are back.
      await tx.execute(`LOCK TABLE ${rels.map((rel) => this.twinOf(rel)).join(', ')} IN SHARE UPDATE EXCLUSIVE MODE`);
      for (const rel of rels) {
        if (!rel.partitioned) await tx.execute(`ALTER TABLE ${this.twinOf(rel)} RESET (autovacuum_enabled)`);
        await copyAccess(tx, rel, this.twinOf(rel));
        tree.push(rel);
      }
      const live = await describeTable(tx, t);
      const twin = this.normalise(await describeTable(tx, (await resolveQualified(tx, { qualified: this.twinOf(t) }))!));
      const diff = firstDifference(live, twin);
      if (diff) throw new RebuildError('REBUILD.DEFINITION_CHANGED', `The rebuilt ${t.qualified} would differ from the live one at ${diff}; was it altered during the rebuild? Run it again.`, { table: t.name, at: diff });
    }
    await this.refuseDependents(tx);
    // Foreign keys into the set cannot change meanwhile: adding one needs a lock that conflicts.
    const incoming = await this.incomingForeignKeys(tx);
    const toValidate = incoming.filter((fk) => !fk.partitioned && !/ NOT VALID$/.test(fk.def)).map((fk) => ({ table: fk.table, constraint: fk.name }));
    const retired = q(this.retired);
    const stats = await this.statistics(tx, tree);
    const statements = [
      ...incoming.map((fk) => `ALTER TABLE ${fk.table} DROP CONSTRAINT ${q(fk.name)}`),
      ...(await this.ownedSequences(tx)),
      ...stats.retire,
      ...tree.map((rel) => `ALTER TABLE ${rel.qualified} SET SCHEMA ${retired}`),
      ...tree.map((rel) => `ALTER TABLE ${this.twinOf(rel)} SET SCHEMA ${q(rel.schema)}`),
      // Partitioned tables cannot take a NOT VALID foreign key (PostgreSQL 15 to 17): checked now.
      ...incoming.map((fk) => `ALTER TABLE ${fk.table} ADD CONSTRAINT ${q(fk.name)} ${fk.def}${toValidate.some((v) => v.table === fk.table && v.constraint === fk.name) ? ' NOT VALID' : ''}`),
      ...stats.bring,
    ];
    return { fingerprint: await this.accessFingerprint(tx), statements, toValidate };
  }

  // The partition trees and every grant in them, in one value.
  private async accessFingerprint(tx: Tx): Promise<string> {
    const [r] = await tx.query<{ f: string | null }>(
      `SELECT string_agg(c.oid::text || ':' || coalesce(c.relacl::text, '') || ':' ||
               coalesce((SELECT string_agg(a.attname || '=' || a.attacl::text, ',' ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attacl IS NOT NULL), ''), ';' ORDER BY c.oid) AS f
         FROM pg_class c WHERE c.oid IN (SELECT t.relid FROM unnest($1::oid[]) AS root(oid), pg_partition_tree(root.oid) t)`,
      `{${this.tables.map((t) => t.oid).join(',')}}`,
    );
    return r.f ?? '';
  }

  /**
   * Swaps the twins in: moves the foreign keys of other tables over, drops the originals and
   * moves the twins into their place, in one statement. The caller holds ACCESS EXCLUSIVE locks
   * on the tables and on every table whose foreign keys point at them, and prepared the script
   * in the same transaction; grants, which change without a table lock, are checked again.
   */
  async swap(tx: Tx, script: SwapScript): Promise<void> {
    if ((await this.accessFingerprint(tx)) !== script.fingerprint) {
      throw new RebuildError('REBUILD.DEFINITION_CHANGED', `Grants or partitions of ${this.tables.map((t) => t.qualified).join(', ')} changed during the swap; run the rebuild again.`);
    }
    await tx.execute(`DO $rebuild_swap$ BEGIN\n${script.statements.map((st) => `  ${st};`).join('\n')}\nEND $rebuild_swap$`);
  }

  /** Rows in each table once swapped in (counted after the swap, not under its locks). */
  async liveRowCounts(tx: Tx): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of this.tables) out[t.name] = Number((await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.qualified}`))[0].n);
    return out;
  }

  /**
   * After the swap: drops the replaced tables (RESTRICT: should anything have come to depend on
   * them meanwhile, they stay, and the error says what) and the run's empty schemas.
   */
  async dropRetired(tx: Tx): Promise<void> {
    const old = await tx.query<{ name: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition`,
      this.retired,
    );
    if (old.length) await tx.execute(`DROP TABLE ${old.map((o) => o.name).join(', ')} RESTRICT`);
    for (const schema of this.shadowSchemas()) await tx.execute(`DROP SCHEMA ${q(schema)} RESTRICT`);
  }

  /** Drops the run's schemas and whatever is in them (a failed or abandoned run). */
  static async discard(tx: Tx, schemas: readonly string[]): Promise<void> {
    for (const s of schemas) await tx.execute(`DROP SCHEMA IF EXISTS ${q(s)} CASCADE`);
  }

  // Partitions created while the rebuild ran (the monthly AuditLog ones) get their twin now. If
  // rows for the new partition's range already sit in the twin's default partition, creating it
  // fails and the rebuild stops (the live tables untouched): run it again.
  private async addMissingPartitions(tx: Tx, parent: Relation): Promise<void> {
    for (const p of await partitionsOf(tx, parent)) {
      const twin = await resolveQualified(tx, { qualified: this.twinOf(p) });
      if (!twin) {
        const key = await partitionKey(tx, p);
        await tx.execute(`CREATE TABLE ${this.twinOf(p)} PARTITION OF ${this.twinOf(parent)} ${p.bound}${key ? ` PARTITION BY ${key}` : ''}`);
      }
      await this.addMissingPartitions(tx, p);
    }
  }

  private normalise(d: TableDescription): TableDescription {
    let text = JSON.stringify(d);
    // Longest first: `<run>_1` before `<run>`.
    const pairs = [...this.schemas.entries()].sort((a, b) => b[1].length - a[1].length);
    for (const [source, shadow] of pairs) {
      text = text.split(`${shadow}.`).join(`${this.quoted.get(source) ?? source}.`).split(`"${shadow}"`).join(`"${source}"`);
    }
    return JSON.parse(text) as TableDescription;
  }

  private async incomingForeignKeys(tx: Tx): Promise<{ table: string; name: string; def: string; partitioned: boolean }[]> {
    return tx.query(
      `SELECT format('%I.%I', n.nspname, r.relname) AS table, c.conname AS name, pg_get_constraintdef(c.oid) AS def, r.relkind = 'p' AS partitioned
         FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
        WHERE c.contype = 'f' AND c.conparentid = 0 AND c.confrelid = ANY ($1::oid[]) AND NOT (c.conrelid = ANY ($2::oid[]))
        ORDER BY 1, 2`,
      `{${this.tables.map((t) => t.oid).join(',')}}`,
      `{${(await this.allRelations(tx)).map((r) => r.oid).join(',')}}`,
    );
  }

  /**
   * What the swap locks ACCESS EXCLUSIVE, in the order of the `attempt`-th try: the tables whose
   * foreign keys point into the set, then the set's tables, last declared first. A command locks
   * a referencing table before the one its foreign key checks, and the audit projection reads
   * audit_entity_state before it writes AuditLog; waiting in another order than the writers
   * could only end in a timeout. Each further try rotates the order, for writers that go
   * another way.
   */
  async swapLockOrder(tx: Tx, attempt: number): Promise<string[]> {
    const referencing = (await this.incomingForeignKeys(tx)).map((f) => f.table).filter((t, i, all) => all.indexOf(t) === i);
    const order = [...referencing, ...this.tables.map((t) => t.qualified).reverse()];
    const shift = (attempt - 1) % order.length;
    return [...order.slice(shift), ...order.slice(0, shift)];
  }

  private async allRelations(tx: Tx): Promise<Relation[]> {
    const out: Relation[] = [];
    for (const t of this.tables) out.push(...(await relationTree(tx, t)));
    return out;
  }

  // A serial column's sequence belongs to the original and would be dropped with it, though the
  // twin's default uses it too.
  private async ownedSequences(tx: Tx): Promise<string[]> {
    const out: string[] = [];
    for (const t of this.tables) {
      const owned = await tx.query<{ seq: string; col: string }>(
        `SELECT format('%I.%I', sn.nspname, s.relname) AS seq, a.attname AS col
           FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_namespace sn ON sn.oid = s.relnamespace
           JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
          WHERE d.classid = 'pg_class'::regclass AND d.refobjid = $1::oid AND d.deptype = 'a'`,
        t.oid,
      );
      out.push(...owned.map((o) => `ALTER SEQUENCE ${o.seq} OWNED BY ${this.twinOf(t)}.${q(o.col)}`));
    }
    return out;
  }

  // Extended statistics stay in their schema when their table moves: the original's go with it
  // to the retired schema, the twin's (copied by LIKE) to the original's schema.
  private async statistics(tx: Tx, tree: readonly Relation[]): Promise<{ retire: string[]; bring: string[] }> {
    const stats = await tx.query<{ name: string; table: string }>(
      `SELECT format('%I.%I', n.nspname, s.stxname) AS name, s.stxrelid::text AS table FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace
        WHERE s.stxrelid IN (SELECT unnest($1::oid[])) OR n.nspname = ANY ($2::text[])`,
      `{${tree.map((r) => r.oid).join(',')}}`,
      `{${[...this.schemas.values()].join(',')}}`,
    );
    const live = new Set(tree.map((r) => r.oid));
    const sourceOf = (name: string) => [...this.schemas.entries()].find(([, shadow]) => name.startsWith(`${shadow}.`))?.[0];
    return {
      retire: stats.filter((st) => live.has(st.table)).map((st) => `ALTER STATISTICS ${st.name} SET SCHEMA ${q(this.retired)}`),
      bring: stats.filter((st) => !live.has(st.table) && sourceOf(st.name)).map((st) => `ALTER STATISTICS ${st.name} SET SCHEMA ${q(sourceOf(st.name)!)}`),
    };
  }
}

/** The swap, written out under the preparation's lock, run under the swap's. */
export type SwapScript = { fingerprint: string; statements: string[]; toValidate: { table: string; constraint: string }[] };

async function partitionKey(tx: Tx, rel: Relation): Promise<string | null> {
  if (!rel.partitioned) return null;
  const [r] = await tx.query<{ key: string }>(`SELECT pg_get_partkeydef($1::oid) AS key`, rel.oid);
  return r.key;
}

const resolveQualified = (tx: Tx, rel: Pick<Relation, 'qualified'>) => relationByQualifiedName(tx, rel.qualified);

// pg_get_indexdef: CREATE [UNIQUE] INDEX <name> ON [ONLY] <table> USING <method> (<columns>) ...
function indexSql(ix: { name: string; def: string; unique: boolean; only: boolean }, rel: Relation, target: string): string {
  const on = ` ON ${ix.only ? 'ONLY ' : ''}${rel.qualified} USING `;
  const at = ix.def.indexOf(on);
  if (at < 0) throw new RebuildError('REBUILD.DEFINITION_UNREADABLE', `Cannot copy index ${ix.name} of ${rel.qualified}.`);
  // Without ONLY: an index on a partitioned twin is built on its partitions too.
  return `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${q(ix.name)} ON ${target} USING ${ix.def.slice(at + on.length)}`;
}

function triggerSql(t: { name: string; def: string }, rel: Relation, target: string): string {
  const on = ` ON ${rel.qualified} `;
  if (!t.def.includes(on)) throw new RebuildError('REBUILD.DEFINITION_UNREADABLE', `Cannot copy trigger ${t.name} of ${rel.qualified}.`);
  return t.def.replace(on, ` ON ${target} `);
}
