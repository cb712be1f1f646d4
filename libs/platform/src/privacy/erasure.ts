import type { Database } from '../database/database';
import type { DomainEvent } from '../event-store/event.types';
import { destroySubjectKey } from './data-keys';
import { isSubjectId } from './sealed-value';

/**
 * A data subject's personal data was erased: the data key is gone (crypto-shredding), so every
 * sealed value of theirs, in events, read tables, backups and exports, can no longer be read.
 * The event holds no personal data, only who and why.
 */
export type DataSubjectErased = DomainEvent<
  'DataSubjectErased',
  { subjectId: string; reason: string; requestedBy: string | null; approvedBy: string | null }
>;

/** A subject whose key was destroyed, as kept in privacy_erasures (and in an erasure ledger). */
export type ErasureTombstone = { companyId: string; subjectId: string; erasedAt: string; reason: string };

export type ReapplyReport = { tombstones: number; tombstonesRestored: number; keysDestroyed: number };

/** Every erasure the database knows: its tombstones and its DataSubjectErased events. */
export async function listErasures(db: Database): Promise<ErasureTombstone[]> {
  return db.transaction(
    (tx) =>
      tx.query<ErasureTombstone>(
        `SELECT company_id AS "companyId", subject_id AS "subjectId", to_char(erased_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "erasedAt", reason
           FROM privacy_erasures
         UNION
         SELECT e.company_id, e.data->>'subjectId', to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), e.type
           FROM events e
          WHERE e.type = 'DataSubjectErased' AND e.company_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM privacy_erasures t WHERE t.company_id = e.company_id AND t.subject_id = e.data->>'subjectId')
         ORDER BY 3, 1, 2`,
      ),
    { allCompanies: true },
  );
}

/**
 * After a restore: erases again every subject erased since the backup was taken. A backup made
 * before an erasure still holds the subject's key; restoring it would make their data readable
 * again. This destroys those keys and puts the tombstones back (after which the database refuses
 * to create the keys again), for every erasure in `ledger` (kept outside the backup, see
 * `listErasures`) and for every DataSubjectErased event the restored database itself holds.
 * Idempotent: run it after every restore.
 */
export async function reapplyErasures(db: Database, ledger: readonly ErasureTombstone[] = []): Promise<ReapplyReport> {
  const known = await listErasures(db);
  const all = new Map<string, ErasureTombstone>();
  for (const t of [...known, ...ledger]) if (t.companyId && isSubjectId(t.subjectId)) all.set(`${t.companyId}\u0000${t.subjectId}`, t);
  let restored = 0;
  let destroyed = 0;
  for (const t of all.values()) {
    await db.transaction(
      async (tx) => {
        const [had] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM privacy_erasures WHERE company_id = $1 AND subject_id = $2`, t.companyId, t.subjectId);
        if (!had.n) restored++;
        if (await destroySubjectKey(tx, t.companyId, t.subjectId, null, t.reason || 'reapplied after restore')) destroyed++;
      },
      { companyId: t.companyId },
    );
  }
  return { tombstones: all.size, tombstonesRestored: restored, keysDestroyed: destroyed };
}
