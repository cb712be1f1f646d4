import { createHmac, randomBytes } from 'node:crypto';
import type { Tx } from '../database/database';
import type { KeyRing } from './key-ring';
import { PrivacyError } from './privacy.errors';

// The key tables (migration 20261201100000_personal_data_keys), all under row-level security:
//   privacy_data_keys   one data key per (company, subject, version), wrapped by a KEK
//   privacy_erasures    tombstones: the subject's key was destroyed; a trigger keeps them forever
//                       and refuses a new key for the subject
//   privacy_index_keys  one HMAC key per company for blind indexes
//   privacy_blind_index keyed digests of lookup fields (never in events)

/** A subject's usable data key, or the fact that it was erased. */
export type SubjectKey = { subjectId: string; erased: true } | { subjectId: string; erased: false; version: number; key: Buffer };

// SQLSTATE raised by the tombstone trigger when a key is created for an erased subject.
const SUBJECT_ERASED_STATE = 'MP001';

export const dataKeyContext = (companyId: string, subjectId: string, version: number) => `mpl-dek|${companyId}|${subjectId}|${version}`;
export const indexKeyContext = (companyId: string) => `mpl-idx|${companyId}`;

function erasedError(e: unknown): never {
  if ((e as { code?: string })?.code === SUBJECT_ERASED_STATE) {
    throw new PrivacyError('PRIVACY.SUBJECT_ERASED', 'This person\'s personal data was erased; nothing personal can be stored for them again.');
  }
  throw e;
}

type KeyRow = { subject_id: string; version: number | null; wrapped: string | null; kek_id: string | null; erased: boolean };

export type BlindIndexEntry = { field: string; digest: Buffer; subjectId: string };

/**
 * The data keys of subjects that must have one (writes): created when missing, refused when
 * erased. The blind-index entries of the same write ride in the same statement: a write that
 * seals personal data costs one statement more than one that does not.
 */
export async function ensureDataKeys(tx: Tx, ring: KeyRing, companyId: string, subjectIds: readonly string[], index: readonly BlindIndexEntry[] = []): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  if (!subjectIds.length) return out;
  // A fresh key is wrapped for every subject; the insert keeps it only where none exists. One
  // statement either way, and the tombstone trigger refuses an erased subject inside it.
  const fresh = subjectIds.map((s) => {
    const key = randomBytes(32);
    return { s, key, ...ring.wrap(key, dataKeyContext(companyId, s, 1)) };
  });
  let rows: (KeyRow & { inserted: boolean })[];
  try {
    rows = await tx.query<KeyRow & { inserted: boolean }>(
      `WITH wanted AS (SELECT * FROM unnest($2::text[], $3::text[], $4::text[]) AS w(subject_id, wrapped, kek_id)),
       ins AS (INSERT INTO privacy_data_keys (company_id, subject_id, version, wrapped_key, kek_id)
               SELECT $1, subject_id, 1, decode(wrapped, 'base64'), kek_id FROM wanted
               ON CONFLICT (company_id, subject_id, version) DO NOTHING RETURNING subject_id),
       idx AS (INSERT INTO privacy_blind_index (company_id, field, digest, subject_id)
               SELECT $1, f, decode(d, 'base64'), s FROM unnest($5::text[], $6::text[], $7::text[]) AS x(f, d, s)
               ON CONFLICT DO NOTHING RETURNING 1)
       SELECT subject_id, NULL::int AS version, NULL::text AS wrapped, NULL::text AS kek_id, false AS erased, true AS inserted FROM ins
       UNION ALL
       SELECT k.subject_id, k.version, encode(k.wrapped_key, 'base64'), k.kek_id, false, false
         FROM privacy_data_keys k JOIN wanted w ON w.subject_id = k.subject_id
        WHERE k.company_id = $1 AND k.version = 1`,
      companyId,
      fresh.map((f) => f.s),
      fresh.map((f) => f.wrapped.toString('base64')),
      fresh.map((f) => f.kekId),
      index.map((e) => e.field),
      index.map((e) => e.digest.toString('base64')),
      index.map((e) => e.subjectId),
    );
  } catch (e) {
    erasedError(e);
  }
  for (const r of rows) {
    if (r.inserted) out.set(r.subject_id, fresh.find((f) => f.s === r.subject_id)!.key);
    else out.set(r.subject_id, ring.unwrap(Buffer.from(r.wrapped ?? '', 'base64'), r.kek_id ?? '', dataKeyContext(companyId, r.subject_id, r.version ?? 1)));
  }
  // Created by a transaction that committed while this statement ran: not in its snapshot, read now.
  const late = subjectIds.filter((s) => !out.has(s));
  if (late.length) for (const k of await loadDataKeys(tx, ring, companyId, late)) if (!k.erased) out.set(k.subjectId, k.key);
  return out;
}

/** The data keys of subjects for reading: erased subjects say so; a subject with no key has nothing sealed. */
export async function loadDataKeys(tx: Tx, ring: KeyRing, companyId: string, subjectIds: readonly string[]): Promise<SubjectKey[]> {
  if (!subjectIds.length) return [];
  const rows = await tx.query<KeyRow>(
    `SELECT w.s AS subject_id, k.version, encode(k.wrapped_key, 'base64') AS wrapped, k.kek_id, (e.subject_id IS NOT NULL) AS erased
       FROM unnest($2::text[]) AS w(s)
       LEFT JOIN privacy_data_keys k ON k.company_id = $1 AND k.subject_id = w.s AND k.version = 1
       LEFT JOIN privacy_erasures e ON e.company_id = $1 AND e.subject_id = w.s`,
    companyId,
    [...subjectIds],
  );
  const keys: SubjectKey[] = [];
  for (const r of rows) {
    if (r.erased) keys.push({ subjectId: r.subject_id, erased: true });
    else if (r.wrapped && r.kek_id) keys.push({ subjectId: r.subject_id, erased: false, version: r.version ?? 1, key: ring.unwrap(Buffer.from(r.wrapped, 'base64'), r.kek_id, dataKeyContext(companyId, r.subject_id, r.version ?? 1)) });
  }
  return keys;
}

/**
 * Crypto-shredding: the tombstone first (the key delete trigger insists on it), then the key and
 * the subject's blind-index entries. Returns whether a key existed.
 */
export async function destroySubjectKey(tx: Tx, companyId: string, subjectId: string, eventId: string | null, reason: string): Promise<boolean> {
  await tx.execute(
    `INSERT INTO privacy_erasures (company_id, subject_id, event_id, reason) VALUES ($1, $2, $3::uuid, $4) ON CONFLICT (company_id, subject_id) DO NOTHING`,
    companyId,
    subjectId,
    eventId,
    reason,
  );
  const n = await tx.execute(`DELETE FROM privacy_data_keys WHERE company_id = $1 AND subject_id = $2`, companyId, subjectId);
  await tx.execute(`DELETE FROM privacy_blind_index WHERE company_id = $1 AND subject_id = $2`, companyId, subjectId);
  return n > 0;
}

/** The company's blind-index key, created on first use (`created`: by this transaction, not committed yet). */
export async function indexKey(tx: Tx, ring: KeyRing, companyId: string): Promise<{ key: Buffer; created: boolean }> {
  const key = randomBytes(32);
  const w = ring.wrap(key, indexKeyContext(companyId));
  const [row] = await tx.query<{ wrapped: string | null; kek_id: string | null; created: boolean }>(
    `WITH ins AS (INSERT INTO privacy_index_keys (company_id, wrapped_key, kek_id) VALUES ($1, decode($2, 'base64'), $3)
                  ON CONFLICT (company_id) DO NOTHING RETURNING company_id)
     SELECT NULL::text AS wrapped, NULL::text AS kek_id, true AS created FROM ins
     UNION ALL SELECT encode(wrapped_key, 'base64'), kek_id, false FROM privacy_index_keys WHERE company_id = $1`,
    companyId,
    w.wrapped.toString('base64'),
    w.kekId,
  );
  if (row?.created) return { key, created: true };
  // Existing, or created by a transaction that committed while this statement ran: read it.
  const [r] = row?.wrapped ? [row] : await tx.query<{ wrapped: string; kek_id: string }>(`SELECT encode(wrapped_key, 'base64') AS wrapped, kek_id FROM privacy_index_keys WHERE company_id = $1`, companyId);
  return { key: ring.unwrap(Buffer.from(r.wrapped!, 'base64'), r.kek_id!, indexKeyContext(companyId)), created: false };
}

/** HMAC-SHA256 of a normalised value under the company's index key, bound to the field name. */
export function blindDigest(key: Buffer, field: string, normalised: string): Buffer {
  return createHmac('sha256', key).update(`${field}\u0000${normalised}`, 'utf8').digest();
}

export async function findByDigest(tx: Tx, companyId: string, field: string, digest: Buffer): Promise<string[]> {
  const rows = await tx.query<{ subject_id: string }>(
    `SELECT subject_id FROM privacy_blind_index WHERE company_id = $1 AND field = $2 AND digest = decode($3, 'base64') ORDER BY subject_id`,
    companyId,
    field,
    digest.toString('base64'),
  );
  return rows.map((r) => r.subject_id);
}
