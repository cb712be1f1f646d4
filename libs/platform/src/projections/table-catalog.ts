import type { Database, Tx } from '../database/database';

// What the catalog says about a table, read generically, so that a rebuild can make a twin of
// any read table (the RLS policies, grants and partitions of today's tables and of those to
// come) and prove, before swapping it in, that the twin is defined exactly like the original.
// Definitions are read with search_path = pg_catalog (see `catalogPath`), so every name in them
// is schema-qualified and means the same object wherever the text is used.

/** A table (or partition) by oid, with its schema-qualified name as PostgreSQL quotes it. */
export type Relation = { oid: string; schema: string; name: string; qualified: string; quotedSchema: string; partitioned: boolean; bound: string | null };

export type TableDescription = {
  partitionKey: string | null;
  bound: string | null;
  owner: string;
  rowSecurity: { enabled: boolean; forced: boolean };
  options: string[] | null;
  replicaIdentity: string;
  comment: string | null;
  columns: { name: string; type: string; notNull: boolean; default: string | null; identity: string; generated: string; collation: string | null; comment: string | null }[];
  constraints: { name: string; type: string; def: string; local: boolean }[];
  indexes: { name: string; def: string; constraint: string | null; inherited: boolean }[];
  triggers: { name: string; def: string }[];
  policies: { name: string; permissive: boolean; command: string; roles: string[]; using: string | null; check: string | null }[];
  grants: { grantee: string; privilege: string; grantable: boolean }[] | null;
  columnGrants: { column: string; grantee: string; privilege: string; grantable: boolean }[];
  partitions: ({ schema: string; name: string } & TableDescription)[];
};

const RELATION_COLUMNS = `c.oid::text AS oid, n.nspname AS schema, c.relname AS name, format('%I.%I', n.nspname, c.relname) AS qualified,
  quote_ident(n.nspname) AS "quotedSchema", c.relkind = 'p' AS partitioned, pg_get_expr(c.relpartbound, c.oid) AS bound`;

/** Makes every name in catalog output schema-qualified for the rest of the transaction. */
export async function catalogPath(tx: Tx): Promise<void> {
  await tx.query(`SELECT set_config('search_path', 'pg_catalog', true)`);
}

/** The table an unqualified name means on the current search path, or null. */
export async function resolveTable(tx: Tx, name: string): Promise<Relation | null> {
  const [r] = await tx.query<Relation>(
    `SELECT ${RELATION_COLUMNS} FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = to_regclass(quote_ident($1)) AND c.relkind IN ('r', 'p')`,
    name,
  );
  return r ?? null;
}

/** A table by its schema-qualified (quoted) name, or null. */
export async function relationByQualifiedName(tx: Tx, qualified: string): Promise<Relation | null> {
  const [r] = await tx.query<Relation>(`SELECT ${RELATION_COLUMNS} FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)`, qualified);
  return r ?? null;
}

/** The direct partitions of a partitioned table, by name. */
export async function partitionsOf(tx: Tx, rel: Relation): Promise<Relation[]> {
  if (!rel.partitioned) return [];
  return tx.query<Relation>(
    `SELECT ${RELATION_COLUMNS} FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE i.inhparent = $1::oid AND c.relispartition ORDER BY n.nspname, c.relname`,
    rel.oid,
  );
}

/** The table and all partitions below it, parents before children. */
export async function relationTree(tx: Tx, rel: Relation): Promise<Relation[]> {
  const out = [rel];
  for (const p of await partitionsOf(tx, rel)) out.push(...(await relationTree(tx, p)));
  return out;
}

export async function columnsOf(tx: Tx, rel: Relation): Promise<TableDescription['columns']> {
  return tx.query(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS "notNull",
            pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity::text AS identity, a.attgenerated::text AS generated,
            CASE WHEN a.attcollation <> t.typcollation THEN (SELECT collname::text FROM pg_collation WHERE oid = a.attcollation) END AS collation,
            col_description(a.attrelid, a.attnum) AS comment
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    rel.oid,
  );
}

/** Constraints; `local` is false for those a partition inherits from its parent. */
export async function constraintsOf(tx: Tx, rel: Relation): Promise<(TableDescription['constraints'][number] & { oid: string; references: string | null })[]> {
  return tx.query(
    `SELECT c.oid::text AS oid, c.conname AS name, c.contype::text AS type, pg_get_constraintdef(c.oid) AS def,
            (c.conparentid = 0 AND c.conislocal) AS local,
            CASE WHEN c.confrelid <> 0 THEN (SELECT format('%I.%I', n.nspname, r.relname) FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace WHERE r.oid = c.confrelid) END AS "references"
       FROM pg_constraint c WHERE c.conrelid = $1::oid ORDER BY c.conname`,
    rel.oid,
  );
}

/** Indexes; `inherited` ones are a partition's part of an index on its parent. */
export async function indexesOf(tx: Tx, rel: Relation): Promise<(TableDescription['indexes'][number] & { unique: boolean; only: boolean })[]> {
  return tx.query(
    `SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def, i.indisunique AS unique, ic.relkind = 'I' AS only,
            (SELECT con.conname FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')) AS constraint,
            EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid) AS inherited
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = $1::oid ORDER BY ic.relname`,
    rel.oid,
  );
}

/** User triggers declared on this table (not the FK machinery, not clones of a parent's). */
export async function triggersOf(tx: Tx, rel: Relation): Promise<TableDescription['triggers']> {
  return tx.query(`SELECT t.tgname AS name, pg_get_triggerdef(t.oid) AS def FROM pg_trigger t WHERE t.tgrelid = $1::oid AND NOT t.tgisinternal AND t.tgparentid = 0 ORDER BY t.tgname`, rel.oid);
}

export async function policiesOf(tx: Tx, rel: Relation): Promise<TableDescription['policies']> {
  return tx.query(
    `SELECT p.polname AS name, p.polpermissive AS permissive,
            CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,
            CASE WHEN p.polroles = '{0}' THEN ARRAY['public'] ELSE ARRAY(SELECT quote_ident(r.rolname) FROM pg_roles r WHERE r.oid = ANY (p.polroles) ORDER BY r.rolname) END AS roles,
            pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS check
       FROM pg_policy p WHERE p.polrelid = $1::oid ORDER BY p.polname`,
    rel.oid,
  );
}

const GRANTEE = `CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(x.grantee)) END`;

/** Table privileges; null while the table still has its default (owner-only) privileges. */
export async function grantsOf(tx: Tx, rel: Relation): Promise<TableDescription['grants']> {
  const [{ explicit }] = await tx.query<{ explicit: boolean }>(`SELECT relacl IS NOT NULL AS explicit FROM pg_class WHERE oid = $1::oid`, rel.oid);
  if (!explicit) return null;
  return tx.query(
    `SELECT ${GRANTEE} AS grantee, x.privilege_type AS privilege, x.is_grantable AS grantable
       FROM pg_class c, aclexplode(c.relacl) x WHERE c.oid = $1::oid ORDER BY 1, 2`,
    rel.oid,
  );
}

export async function columnGrantsOf(tx: Tx, rel: Relation): Promise<TableDescription['columnGrants']> {
  return tx.query(
    `SELECT a.attname AS column, ${GRANTEE} AS grantee, x.privilege_type AS privilege, x.is_grantable AS grantable
       FROM pg_attribute a, aclexplode(a.attacl) x WHERE a.attrelid = $1::oid AND a.attacl IS NOT NULL AND NOT a.attisdropped ORDER BY 1, 2, 3`,
    rel.oid,
  );
}

export async function tableSettingsOf(tx: Tx, rel: Relation) {
  const [r] = await tx.query<{
    partitionKey: string | null;
    owner: string;
    enabled: boolean;
    forced: boolean;
    options: string[] | null;
    replicaIdentity: string;
    comment: string | null;
  }>(
    `SELECT CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS "partitionKey", quote_ident(pg_get_userbyid(c.relowner)) AS owner,
            c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced, c.reloptions AS options, c.relreplident::text AS "replicaIdentity",
            obj_description(c.oid, 'pg_class') AS comment
       FROM pg_class c WHERE c.oid = $1::oid`,
    rel.oid,
  );
  return r;
}

/** Everything a twin must share with the table, partitions included; names stay qualified. */
export async function describeTable(tx: Tx, rel: Relation): Promise<TableDescription> {
  const s = await tableSettingsOf(tx, rel);
  const partitions: TableDescription['partitions'] = [];
  for (const p of await partitionsOf(tx, rel)) partitions.push({ schema: p.schema, name: p.name, ...(await describeTable(tx, p)) });
  return {
    partitionKey: s.partitionKey,
    bound: rel.bound,
    owner: s.owner,
    rowSecurity: { enabled: s.enabled, forced: s.forced },
    options: s.options,
    replicaIdentity: s.replicaIdentity,
    comment: s.comment,
    columns: await columnsOf(tx, rel),
    constraints: (await constraintsOf(tx, rel)).map(({ name, type, def, local }) => ({ name, type, def, local })),
    indexes: (await indexesOf(tx, rel)).map(({ name, def, constraint, inherited }) => ({ name, def, constraint, inherited })),
    triggers: await triggersOf(tx, rel),
    policies: await policiesOf(tx, rel),
    grants: await grantsOf(tx, rel),
    columnGrants: await columnGrantsOf(tx, rel),
    partitions,
  };
}

/**
 * Objects outside the tables that would silently follow them when they are swapped out, and be
 * lost when they are dropped: views and rules, functions with SQL-standard bodies, policies and
 * triggers of other tables, other tables' columns of their row type. Foreign keys are not in
 * the list (the swap moves them over).
 */
export async function dependentObjects(tx: Tx, oids: readonly string[]): Promise<string[]> {
  const rows = await tx.query<{ what: string }>(
    `WITH tree AS (SELECT unnest($1::oid[]) AS oid), types AS (SELECT reltype AS oid FROM pg_class WHERE oid IN (SELECT oid FROM tree))
     SELECT DISTINCT pg_describe_object(d.classid, d.objid, 0) AS what
       FROM pg_depend d
      WHERE d.deptype = 'n'
        AND ((d.refclassid = 'pg_class'::regclass AND d.refobjid IN (SELECT oid FROM tree)) OR (d.refclassid = 'pg_type'::regclass AND d.refobjid IN (SELECT oid FROM types)))
        AND (d.classid IN ('pg_rewrite'::regclass, 'pg_proc'::regclass)
          OR (d.classid = 'pg_policy'::regclass AND (SELECT polrelid FROM pg_policy WHERE oid = d.objid) NOT IN (SELECT oid FROM tree))
          OR (d.classid = 'pg_trigger'::regclass AND (SELECT tgrelid FROM pg_trigger WHERE oid = d.objid) NOT IN (SELECT oid FROM tree))
          OR (d.classid = 'pg_class'::regclass AND d.objid NOT IN (SELECT oid FROM tree)))
      ORDER BY 1`,
    `{${oids.join(',')}}`,
  );
  return rows.map((r) => r.what);
}

/** The first place where two descriptions differ, as a path ('indexes[2].def'), or null. */
export function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  if (a === b) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return path || '(root)';
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    const d = firstDifference(ao[k], bo[k], path ? `${path}.${k}` : k);
    if (d) return d;
  }
  return null;
}

/** The description of a read table by its unqualified name (operators' checks and tests). */
export async function describeReadTable(db: Database, name: string): Promise<TableDescription> {
  return db.ownerTransaction(async (tx) => {
    const rel = await resolveTable(tx, name);
    if (!rel) throw new Error(`table ${name} does not exist`);
    await catalogPath(tx);
    return describeTable(tx, rel);
  });
}
