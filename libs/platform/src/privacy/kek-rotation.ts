import type { Database } from '../database/database';
import { dataKeyContext, indexKeyContext } from './data-keys';
import type { KeyRing } from './key-ring';

export type RotationReport = { kekId: string; dataKeys: number; indexKeys: number };

const BATCH = 500;

/**
 * KEK rotation: rewraps every data key and blind-index key that is not wrapped by the current
 * KEK (the first of PII_KEKS). Only the wrapping changes: the data keys, and so every sealed
 * value in events and tables, stay as they are. Put the new KEK first in PII_KEKS, keep the old
 * one after it until this has run, then remove it. Safe to run again or concurrently.
 */
export async function rotateKek(db: Database, ring: KeyRing): Promise<RotationReport> {
  const current = ring.currentId;
  let dataKeys = 0;
  for (;;) {
    const n = await db.transaction(
      async (tx) => {
        const rows = await tx.query<{ company_id: string; subject_id: string; version: number; wrapped: string; kek_id: string }>(
          `SELECT company_id, subject_id, version, encode(wrapped_key, 'base64') AS wrapped, kek_id FROM privacy_data_keys
            WHERE kek_id <> $1 ORDER BY company_id, subject_id, version LIMIT $2 FOR UPDATE SKIP LOCKED`,
          current,
          BATCH,
        );
        if (!rows.length) return 0;
        const re = rows.map((r) => {
          const ctx = dataKeyContext(r.company_id, r.subject_id, r.version);
          return { ...r, ...ring.wrap(ring.unwrap(Buffer.from(r.wrapped, 'base64'), r.kek_id, ctx), ctx) };
        });
        await tx.execute(
          `UPDATE privacy_data_keys k SET wrapped_key = decode(x.w, 'base64'), kek_id = x.kek, rewrapped_at = now()
             FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[]) AS x(c, s, v, w, kek)
            WHERE k.company_id = x.c AND k.subject_id = x.s AND k.version = x.v`,
          re.map((r) => r.company_id),
          re.map((r) => r.subject_id),
          re.map((r) => r.version),
          re.map((r) => r.wrapped.toString('base64')),
          re.map((r) => r.kekId),
        );
        return rows.length;
      },
      { allCompanies: true },
    );
    dataKeys += n;
    if (n < BATCH) break;
  }
  const indexKeys = await db.transaction(
    async (tx) => {
      const rows = await tx.query<{ company_id: string; wrapped: string; kek_id: string }>(
        `SELECT company_id, encode(wrapped_key, 'base64') AS wrapped, kek_id FROM privacy_index_keys WHERE kek_id <> $1 FOR UPDATE`,
        current,
      );
      for (const r of rows) {
        const ctx = indexKeyContext(r.company_id);
        const w = ring.wrap(ring.unwrap(Buffer.from(r.wrapped, 'base64'), r.kek_id, ctx), ctx);
        await tx.execute(`UPDATE privacy_index_keys SET wrapped_key = decode($2, 'base64'), kek_id = $3, rewrapped_at = now() WHERE company_id = $1`, r.company_id, w.wrapped.toString('base64'), w.kekId);
      }
      return rows.length;
    },
    { allCompanies: true },
  );
  return { kekId: current, dataKeys, indexKeys };
}
