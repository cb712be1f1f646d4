import type { Tx } from '../database/database';
import { RebuildError } from './rebuild.errors';
import { catalogPath, constraintsOf, dependentObjects, indexesOf, partitionsOf, relationTree, resolveTable, triggersOf } from './table-catalog';
import type { Relation, TableDescription } from './table-catalog';
import { LIKE_OPTIONS, indexSql, partitionKey, quoteIdent as q, triggerSql } from './table-ddl';

/**
 * Fresh copies ("twins") of a set of read tables, in schemas of their own: `<run>` for the
 * tables themselves, `<run>_<n>` for partitions kept in other schemas (AuditLog's in `audit`).
 * A twin has the original's name, so a projection whose SQL names its tables unqualified
 * writes the twin when the run's schema comes first on the search path, and the swap is a
 * move of each twin into the original's schema (see swap-script.ts).
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
  get retired(): string {
    return `${this.run}_retired`;
  }

  async refuseDependents(tx: Tx): Promise<void> {
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

  /** The twin's schema-qualified name (for a partition too, by its original's schema and name). */
  twinOf(rel: Pick<Relation, 'schema' | 'name'>): string {
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
      await this.createPartition(tx, p, parent);
      out.push(p, ...(await this.createPartitions(tx, p)));
    }
    return out;
  }

  /** The twin of partition `p`, attached to the twin of `parent` with the same bounds. */
  async createPartition(tx: Tx, p: Relation, parent: Relation): Promise<void> {
    const key = await partitionKey(tx, p);
    await tx.execute(`CREATE TABLE ${this.twinOf(p)} PARTITION OF ${this.twinOf(parent)} ${p.bound}${key ? ` PARTITION BY ${key}` : ''}`);
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

  /** Rows in each table once swapped in (counted after the swap, not under its locks). */
  async liveRowCounts(tx: Tx): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of this.tables) out[t.name] = Number((await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.qualified}`))[0].n);
    return out;
  }

  /** Drops the run's schemas and whatever is in them (a failed or abandoned run). */
  static async discard(tx: Tx, schemas: readonly string[]): Promise<void> {
    for (const s of schemas) await tx.execute(`DROP SCHEMA IF EXISTS ${q(s)} CASCADE`);
  }

  /** Pairs of (original schema, the run's schema for it). */
  schemaPairs(): [string, string][] {
    return [...this.schemas.entries()];
  }

  /** A twin's description in its original's terms: the run's schema names replaced. */
  normalise(d: TableDescription): TableDescription {
    let text = JSON.stringify(d);
    // Longest first: `<run>_1` before `<run>`.
    const pairs = [...this.schemas.entries()].sort((a, b) => b[1].length - a[1].length);
    for (const [source, shadow] of pairs) {
      text = text.split(`${shadow}.`).join(`${this.quoted.get(source) ?? source}.`).split(`"${shadow}"`).join(`"${source}"`);
    }
    return JSON.parse(text) as TableDescription;
  }

}

