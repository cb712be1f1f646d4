import type { Tx } from '../database/database';
import { RebuildError } from './rebuild.errors';
import type { Relation } from './table-catalog';

// DDL for a twin, written from the catalog's own definitions of the original.

/** An identifier, always quoted (names come from the catalog, never from a user). */
export const quoteIdent = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

// LIKE copies columns, defaults, CHECK constraints, storage and comments; everything else
// (keys, indexes, foreign keys, triggers, partitions, then access) is copied one by one, under
// the original names, so that the twin can take the original's place unchanged.
export const LIKE_OPTIONS = 'INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMMENTS INCLUDING COMPRESSION INCLUDING STATISTICS';

export async function partitionKey(tx: Tx, rel: Relation): Promise<string | null> {
  if (!rel.partitioned) return null;
  const [r] = await tx.query<{ key: string }>(`SELECT pg_get_partkeydef($1::oid) AS key`, rel.oid);
  return r.key;
}

// pg_get_indexdef: CREATE [UNIQUE] INDEX <name> ON [ONLY] <table> USING <method> (<columns>) ...
export function indexSql(ix: { name: string; def: string; unique: boolean; only: boolean }, rel: Relation, target: string): string {
  const on = ` ON ${ix.only ? 'ONLY ' : ''}${rel.qualified} USING `;
  const at = ix.def.indexOf(on);
  if (at < 0) throw new RebuildError('REBUILD.DEFINITION_UNREADABLE', `Cannot copy index ${ix.name} of ${rel.qualified}.`);
  // Without ONLY: an index on a partitioned twin is built on its partitions too.
  return `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(ix.name)} ON ${target} USING ${ix.def.slice(at + on.length)}`;
}

export function triggerSql(t: { name: string; def: string }, rel: Relation, target: string): string {
  const on = ` ON ${rel.qualified} `;
  if (!t.def.includes(on)) throw new RebuildError('REBUILD.DEFINITION_UNREADABLE', `Cannot copy trigger ${t.name} of ${rel.qualified}.`);
  return t.def.replace(on, ` ON ${target} `);
}
