import type { Tx } from '../database/database';
import { columnGrantsOf, grantsOf, policiesOf, tableSettingsOf } from './table-catalog';
import type { Relation } from './table-catalog';

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/**
 * Gives `target` the access rules `live` has right now: owner, row-level security and its
 * policies, table and column grants, storage options, replica identity and comment. Copied at
 * swap time, under the swap's locks, so a policy rewritten while the rebuild ran is the one
 * that goes live (the comparison after this proves the copy complete).
 */
export async function copyAccess(tx: Tx, live: Relation, target: string): Promise<void> {
  const s = await tableSettingsOf(tx, live);
  const [{ owner }] = await tx.query<{ owner: string }>(`SELECT quote_ident(pg_get_userbyid(relowner)) AS owner FROM pg_class WHERE oid = to_regclass($1)`, target);
  if (owner !== s.owner) await tx.execute(`ALTER TABLE ${target} OWNER TO ${s.owner}`);
  if (s.enabled) await tx.execute(`ALTER TABLE ${target} ENABLE ROW LEVEL SECURITY`);
  if (s.forced) await tx.execute(`ALTER TABLE ${target} FORCE ROW LEVEL SECURITY`);
  for (const p of await policiesOf(tx, live)) {
    await tx.execute(
      `CREATE POLICY ${q(p.name)} ON ${target} AS ${p.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${p.command} TO ${p.roles.join(', ')}` +
        (p.using ? ` USING (${p.using})` : '') +
        (p.check ? ` WITH CHECK (${p.check})` : ''),
    );
  }
  const grants = await grantsOf(tx, live);
  if (grants) {
    // Makes the twin's privileges explicit (the owner's), then adds the others' one by one.
    await tx.execute(`REVOKE ALL ON TABLE ${target} FROM PUBLIC`);
    for (const g of grants.filter((g) => g.grantee !== s.owner)) {
      await tx.execute(`GRANT ${g.privilege} ON TABLE ${target} TO ${g.grantee}${g.grantable ? ' WITH GRANT OPTION' : ''}`);
    }
  }
  for (const g of await columnGrantsOf(tx, live)) {
    await tx.execute(`GRANT ${g.privilege} (${q(g.column)}) ON TABLE ${target} TO ${g.grantee}${g.grantable ? ' WITH GRANT OPTION' : ''}`);
  }
  if (s.options?.length) await tx.execute(`ALTER TABLE ${target} SET (${s.options.join(', ')})`);
  if (s.replicaIdentity === 'f') await tx.execute(`ALTER TABLE ${target} REPLICA IDENTITY FULL`);
  if (s.replicaIdentity === 'n') await tx.execute(`ALTER TABLE ${target} REPLICA IDENTITY NOTHING`);
  if (s.replicaIdentity === 'i') {
    const [ix] = await tx.query<{ name: string }>(`SELECT quote_ident(c.relname) AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::oid AND i.indisreplident`, live.oid);
    if (ix) await tx.execute(`ALTER TABLE ${target} REPLICA IDENTITY USING INDEX ${ix.name}`);
  }
  if (s.comment !== null) {
    const [{ sql }] = await tx.query<{ sql: string }>(`SELECT format('COMMENT ON TABLE %s IS %L', $1::text, $2::text) AS sql`, target, s.comment);
    await tx.execute(sql);
  }
}
