import type { Tx } from '../database/database';
import { RebuildError } from './rebuild.errors';
import type { ShadowTables } from './shadow-tables';
import { copyAccess } from './table-access';
import { catalogPath, describeTable, firstDifference, partitionsOf, relationByQualifiedName, relationTree } from './table-catalog';
import type { Relation } from './table-catalog';
import { quoteIdent as q } from './table-ddl';

/** The swap, written out under the preparation's lock, run under the swap's. */
export type SwapScript = { fingerprint: string; statements: string[]; toValidate: { table: string; constraint: string }[] };

/**
 * Makes each twin ready to go live, while writers still run (the caller holds SHARE UPDATE
 * EXCLUSIVE locks on the tables, which let writers through but no DDL): partitions created
 * meanwhile, then the access rules (policies, grants, row-level security) as they are now, and
 * the proof that each twin is defined exactly like its original. Returns the swap itself,
 * written out, so that the part under ACCESS EXCLUSIVE locks is one statement.
 */
export async function prepareSwap(tx: Tx, shadow: ShadowTables): Promise<SwapScript> {
  await catalogPath(tx);
  const tree: Relation[] = [];
  for (const t of shadow.tables) {
    const now = await relationByQualifiedName(tx, t.qualified);
    if (now?.oid !== t.oid) throw new RebuildError('REBUILD.DEFINITION_CHANGED', `${t.qualified} was replaced while the rebuild ran; run it again.`);
    await addMissingPartitions(tx, shadow, t);
    const rels = await relationTree(tx, t);
    // Held from here on, so no autovacuum starts on a twin once its own settings are back.
    await tx.execute(`LOCK TABLE ${rels.map((rel) => shadow.twinOf(rel)).join(', ')} IN SHARE UPDATE EXCLUSIVE MODE`);
    for (const rel of rels) {
      if (!rel.partitioned) await tx.execute(`ALTER TABLE ${shadow.twinOf(rel)} RESET (autovacuum_enabled)`);
      await copyAccess(tx, rel, shadow.twinOf(rel));
      tree.push(rel);
    }
    const live = await describeTable(tx, t);
    const twin = shadow.normalise(await describeTable(tx, (await relationByQualifiedName(tx, shadow.twinOf(t)))!));
    const diff = firstDifference(live, twin);
    if (diff) throw new RebuildError('REBUILD.DEFINITION_CHANGED', `The rebuilt ${t.qualified} would differ from the live one at ${diff}; was it altered during the rebuild? Run it again.`, { table: t.name, at: diff });
  }
  await shadow.refuseDependents(tx);
  // Foreign keys into the set cannot change meanwhile: adding one needs a lock that conflicts.
  const incoming = await incomingForeignKeys(tx, shadow);
  const toValidate = incoming.filter((fk) => !fk.partitioned && !/ NOT VALID$/.test(fk.def)).map((fk) => ({ table: fk.table, constraint: fk.name }));
  const later = (fk: { table: string; name: string }) => toValidate.some((v) => v.table === fk.table && v.constraint === fk.name);
  const stats = await statistics(tx, shadow, tree);
  const statements = [
    ...incoming.map((fk) => `ALTER TABLE ${fk.table} DROP CONSTRAINT ${q(fk.name)}`),
    ...(await ownedSequences(tx, shadow)),
    ...stats.retire,
    ...tree.map((rel) => `ALTER TABLE ${rel.qualified} SET SCHEMA ${q(shadow.retired)}`),
    ...tree.map((rel) => `ALTER TABLE ${shadow.twinOf(rel)} SET SCHEMA ${q(rel.schema)}`),
    // Partitioned tables cannot take a NOT VALID foreign key (PostgreSQL 15 to 17): checked now.
    ...incoming.map((fk) => `ALTER TABLE ${fk.table} ADD CONSTRAINT ${q(fk.name)} ${fk.def}${later(fk) ? ' NOT VALID' : ''}`),
    ...stats.bring,
  ];
  return { fingerprint: await accessFingerprint(tx, shadow), statements, toValidate };
}

/**
 * Swaps the twins in: moves the foreign keys of other tables over, moves the originals out and
 * the twins into their place, in one statement. The caller holds ACCESS EXCLUSIVE locks on the
 * tables and on every table whose foreign keys point at them, and prepared the script in the
 * same transaction; grants, which change without a table lock, are checked again.
 */
export async function runSwap(tx: Tx, shadow: ShadowTables, script: SwapScript): Promise<void> {
  if ((await accessFingerprint(tx, shadow)) !== script.fingerprint) {
    throw new RebuildError('REBUILD.DEFINITION_CHANGED', `Grants or partitions of ${shadow.tables.map((t) => t.qualified).join(', ')} changed during the swap; run the rebuild again.`);
  }
  await tx.execute(`DO $rebuild_swap$ BEGIN\n${script.statements.map((st) => `  ${st};`).join('\n')}\nEND $rebuild_swap$`);
}

/**
 * What the swap locks ACCESS EXCLUSIVE, in the order of the `attempt`-th try: the tables whose
 * foreign keys point into the set, then the set's tables, last declared first. A command locks
 * a referencing table before the one its foreign key checks, and the audit projection reads
 * audit_entity_state before it writes AuditLog; waiting in another order than the writers
 * could only end in a timeout. Each further try rotates the order, for writers that go
 * another way.
 */
export async function swapLockOrder(tx: Tx, shadow: ShadowTables, attempt: number): Promise<string[]> {
  const referencing = (await incomingForeignKeys(tx, shadow)).map((f) => f.table).filter((t, i, all) => all.indexOf(t) === i);
  const order = [...referencing, ...shadow.tables.map((t) => t.qualified).reverse()];
  const shift = (attempt - 1) % order.length;
  return [...order.slice(shift), ...order.slice(0, shift)];
}

/**
 * After the swap: drops the replaced tables (RESTRICT: should anything have come to depend on
 * them meanwhile, they stay, and the error says what) and the run's empty schemas.
 */
export async function dropRetired(tx: Tx, shadow: ShadowTables): Promise<void> {
  const old = await tx.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition`,
    shadow.retired,
  );
  if (old.length) await tx.execute(`DROP TABLE ${old.map((o) => o.name).join(', ')} RESTRICT`);
  for (const schema of shadow.shadowSchemas()) await tx.execute(`DROP SCHEMA ${q(schema)} RESTRICT`);
}

// Partitions created while the rebuild ran (the monthly AuditLog ones) get their twin now. If
// rows for the new partition's range already sit in the twin's default partition, creating it
// fails and the rebuild stops (the live tables untouched): run it again.
async function addMissingPartitions(tx: Tx, shadow: ShadowTables, parent: Relation): Promise<void> {
  for (const p of await partitionsOf(tx, parent)) {
    if (!(await relationByQualifiedName(tx, shadow.twinOf(p)))) await shadow.createPartition(tx, p, parent);
    await addMissingPartitions(tx, shadow, p);
  }
}

const oidArray = (rels: readonly Relation[]) => `{${rels.map((r) => r.oid).join(',')}}`;

async function treeOf(tx: Tx, shadow: ShadowTables): Promise<Relation[]> {
  const out: Relation[] = [];
  for (const t of shadow.tables) out.push(...(await relationTree(tx, t)));
  return out;
}

async function incomingForeignKeys(tx: Tx, shadow: ShadowTables): Promise<{ table: string; name: string; def: string; partitioned: boolean }[]> {
  return tx.query(
    `SELECT format('%I.%I', n.nspname, r.relname) AS table, c.conname AS name, pg_get_constraintdef(c.oid) AS def, r.relkind = 'p' AS partitioned
       FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
      WHERE c.contype = 'f' AND c.conparentid = 0 AND c.confrelid = ANY ($1::oid[]) AND NOT (c.conrelid = ANY ($2::oid[]))
      ORDER BY 1, 2`,
    oidArray(shadow.tables),
    oidArray(await treeOf(tx, shadow)),
  );
}

// The partition trees and every grant in them, in one value.
async function accessFingerprint(tx: Tx, shadow: ShadowTables): Promise<string> {
  const [r] = await tx.query<{ f: string | null }>(
    `SELECT string_agg(c.oid::text || ':' || coalesce(c.relacl::text, '') || ':' ||
             coalesce((SELECT string_agg(a.attname || '=' || a.attacl::text, ',' ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attacl IS NOT NULL), ''), ';' ORDER BY c.oid) AS f
       FROM pg_class c WHERE c.oid IN (SELECT t.relid FROM unnest($1::oid[]) AS root(oid), pg_partition_tree(root.oid) t)`,
    oidArray(shadow.tables),
  );
  return r.f ?? '';
}

// A serial column's sequence belongs to the original and would go with it, though the twin's
// default uses it too.
async function ownedSequences(tx: Tx, shadow: ShadowTables): Promise<string[]> {
  const out: string[] = [];
  for (const t of shadow.tables) {
    const owned = await tx.query<{ seq: string; col: string }>(
      `SELECT format('%I.%I', sn.nspname, s.relname) AS seq, a.attname AS col
         FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_namespace sn ON sn.oid = s.relnamespace
         JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE d.classid = 'pg_class'::regclass AND d.refobjid = $1::oid AND d.deptype = 'a'`,
      t.oid,
    );
    out.push(...owned.map((o) => `ALTER SEQUENCE ${o.seq} OWNED BY ${shadow.twinOf(t)}.${q(o.col)}`));
  }
  return out;
}

// Extended statistics stay in their schema when their table moves: the original's go with it
// to the retired schema, the twin's (copied by LIKE) to the original's schema.
async function statistics(tx: Tx, shadow: ShadowTables, tree: readonly Relation[]): Promise<{ retire: string[]; bring: string[] }> {
  const pairs = shadow.schemaPairs();
  const stats = await tx.query<{ name: string; table: string }>(
    `SELECT format('%I.%I', n.nspname, s.stxname) AS name, s.stxrelid::text AS table FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace
      WHERE s.stxrelid = ANY ($1::oid[]) OR n.nspname = ANY ($2::text[])`,
    oidArray(tree),
    `{${pairs.map(([, run]) => run).join(',')}}`,
  );
  const live = new Set(tree.map((r) => r.oid));
  const sourceOf = (name: string) => pairs.find(([, run]) => name.startsWith(`${run}.`))?.[0];
  return {
    retire: stats.filter((st) => live.has(st.table)).map((st) => `ALTER STATISTICS ${st.name} SET SCHEMA ${q(shadow.retired)}`),
    bring: stats.filter((st) => !live.has(st.table) && sourceOf(st.name)).map((st) => `ALTER STATISTICS ${st.name} SET SCHEMA ${q(sourceOf(st.name)!)}`),
  };
}
