import type { Tx } from '@maple/platform';
import { HrError } from '../domain/hr.errors';

/** An HRRecord row as stored: personal values in `data` and `aiInsights` are sealed. */
export type HrRecordRow = {
  id: string;
  type: 'candidate' | 'employee' | 'performance';
  status: string;
  data: Record<string, unknown>;
  aiInsights: { modelVersion: string; insights: unknown; recordedAt: string; recordedBy: string } | null;
  companyId: string;
  subjectId: string;
  userId: string | null;
  state: Record<string, unknown>;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
};

export type ListFilter = { type?: string; status?: string; subjectId?: string; limit?: number; cursor?: string };

const COLUMNS = `id, type, status, data, "aiInsights", "companyId", "subjectId", "userId", coalesce(state, '{}'::jsonb) AS state, "createdBy", "createdAt", "updatedAt"`;
const R_COLUMNS = `r.id, r.type, r.status, r.data, r."aiInsights", r."companyId", r."subjectId", r."userId", coalesce(r.state, '{}'::jsonb) AS state, r."createdBy", r."createdAt", r."updatedAt"`;

function decodeCursor(cursor: string): [string, string] {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (Number.isNaN(new Date(at).getTime()) || typeof id !== 'string') throw new Error('bad');
    return [at, id];
  } catch {
    throw new HrError('HR.CURSOR_INVALID', 'cursor is not one this API returned');
  }
}

const encodeCursor = (r: HrRecordRow) => Buffer.from(JSON.stringify([new Date(r.createdAt).toISOString(), r.id])).toString('base64url');

/** The company's records, newest first, keyset-paginated on (createdAt, id). */
export async function listHrRecords(tx: Tx, companyId: string, f: ListFilter): Promise<{ items: HrRecordRow[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(f.limit ?? 50, 1), 200);
  const [cAt, cId] = f.cursor ? decodeCursor(f.cursor) : [null, null];
  const rows = await tx.query<HrRecordRow>(
    `SELECT ${COLUMNS} FROM "HRRecord"
      WHERE "companyId" = $1 AND ($2::text IS NULL OR type = $2) AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR "subjectId" = $4)
        AND ($5::timestamp IS NULL OR ("createdAt", id) < ($5::timestamp, $6::text))
      ORDER BY "createdAt" DESC, id DESC LIMIT $7`,
    companyId,
    f.type ?? null,
    f.status ?? null,
    f.subjectId ?? null,
    cAt ? cAt.replace('Z', '') : null,
    cId,
    limit + 1,
  );
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]) : null };
}

export async function getHrRecord(tx: Tx, companyId: string, id: string): Promise<HrRecordRow | null> {
  const [row] = await tx.query<HrRecordRow>(`SELECT ${COLUMNS} FROM "HRRecord" WHERE id = $1 AND "companyId" = $2`, id, companyId);
  return row ?? null;
}

/** The records of a set of subjects, or of users (the viewer's own records), oldest first. */
export async function recordsOf(tx: Tx, companyId: string, by: { subjectIds?: readonly string[]; userId?: string }): Promise<HrRecordRow[]> {
  return tx.query<HrRecordRow>(
    `SELECT ${COLUMNS} FROM "HRRecord" WHERE "companyId" = $1 AND ("subjectId" = ANY($2::text[]) OR ($3::text IS NOT NULL AND "userId" = $3)) ORDER BY "createdAt", id`,
    companyId,
    [...(by.subjectIds ?? [])],
    by.userId ?? null,
  );
}

// The current manager of an employee record: the latest manager change in effect by the date,
// else the manager it was hired with.
const CURRENT_MANAGER = `coalesce((SELECT c.value #>> '{}' FROM hr_employee_changes c WHERE c.company_id = r."companyId" AND c.record_id = r.id AND c.field = 'managerRecordId'
  AND c.effective_date <= $3::date ORDER BY c.effective_date DESC, c.position DESC LIMIT 1), r.state->>'managerRecordId')`;

/** Employee records whose current manager is the employee record of `userId`. */
export async function directReports(tx: Tx, companyId: string, userId: string, asOf: string): Promise<HrRecordRow[]> {
  return tx.query<HrRecordRow>(
    `SELECT ${R_COLUMNS} FROM "HRRecord" r
      WHERE r."companyId" = $1 AND r.type = 'employee' AND r.status <> 'terminated'
        AND ${CURRENT_MANAGER} IN (SELECT m.id FROM "HRRecord" m WHERE m."companyId" = $1 AND m.type = 'employee' AND m."userId" = $2)
      ORDER BY r."createdAt", r.id`,
    companyId,
    userId,
    asOf,
  );
}

/** For each subject: whether `userId` is the person (SELF) or their current manager (MANAGER). */
export async function relationsOf(tx: Tx, companyId: string, userId: string, subjectIds: readonly string[], asOf: string): Promise<{ subject_id: string; self: boolean; manager: boolean }[]> {
  return tx.query(
    `SELECT r."subjectId" AS subject_id, bool_or(r."userId" IS NOT NULL AND r."userId" = $2) AS self,
            bool_or(${CURRENT_MANAGER} IN (SELECT m.id FROM "HRRecord" m WHERE m."companyId" = $1 AND m.type = 'employee' AND m."userId" = $2)) AS manager
       FROM "HRRecord" r
      WHERE r."companyId" = $1 AND r.type = 'employee' AND r."subjectId" = ANY($4::text[])
      GROUP BY r."subjectId"`,
    companyId,
    userId,
    asOf,
    [...subjectIds],
  );
}

/** Each employee's changes in effect by `asOf`: the latest value per field. */
export async function effectiveChanges(tx: Tx, companyId: string, recordIds: readonly string[], asOf: string): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  if (!recordIds.length) return out;
  const rows = await tx.query<{ record_id: string; field: string; value: unknown; effective_date: string }>(
    `SELECT DISTINCT ON (record_id, field) record_id, field, value, effective_date::text AS effective_date FROM hr_employee_changes
      WHERE company_id = $1 AND record_id = ANY($2::text[]) AND effective_date <= $3::date
      ORDER BY record_id, field, effective_date DESC, position DESC`,
    companyId,
    [...recordIds],
    asOf,
  );
  for (const r of rows) {
    const o = out.get(r.record_id) ?? {};
    o[r.field] = r.value;
    out.set(r.record_id, o);
  }
  return out;
}

/** Upcoming changes (effective after `asOf`), for HR: field names and dates only. */
export async function scheduledChanges(tx: Tx, companyId: string, recordId: string, asOf: string): Promise<{ field: string; effectiveDate: string }[]> {
  return tx.query(
    `SELECT field, effective_date::text AS "effectiveDate" FROM hr_employee_changes WHERE company_id = $1 AND record_id = $2 AND effective_date > $3::date ORDER BY effective_date, position`,
    companyId,
    recordId,
    asOf,
  );
}
