import { DomainError } from '@maple/platform';
import type { Tx } from '@maple/platform';

export type ListRecordsFilter = {
  type?: string;
  status?: string;
  riskMin?: number;
  riskMax?: number;
  from?: Date;
  to?: Date;
  limit?: number;
  cursor?: string;
};

export type RecordRow = {
  id: string;
  type: string;
  status: string;
  riskScore: number | null;
  data: Record<string, unknown>;
  metadata: Record<string, unknown> | null;
  companyId: string;
  createdBy: string;
  reviewedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
};

// Newest first, keyset-paginated on (createdAt, id): the composite index
// (companyId, status, createdAt) serves the common "open items of my company" query, and
// naming the company prunes the hash partitions to one.
export const LIST_RECORDS_SQL = `
  SELECT id, type, status, "riskScore", data, metadata, "companyId", "createdBy", "reviewedBy", "createdAt", "updatedAt"
    FROM "ComplianceRecord"
   WHERE "companyId" = $1
     AND ($2::text IS NULL OR status = $2)
     AND ($3::text IS NULL OR type = $3)
     AND ($4::int IS NULL OR "riskScore" >= $4)
     AND ($5::int IS NULL OR "riskScore" <= $5)
     AND ($6::timestamp IS NULL OR "createdAt" >= $6)
     AND ($7::timestamp IS NULL OR "createdAt" < $7)
     AND ($8::timestamp IS NULL OR ("createdAt", id) < ($8::timestamp, $9::text))
   ORDER BY "createdAt" DESC, id DESC
   LIMIT $10`;

export function encodeCursor(row: Pick<RecordRow, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([new Date(row.createdAt).toISOString(), row.id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (Number.isNaN(new Date(at).getTime()) || typeof id !== 'string') throw new Error('bad');
    return [at, id];
  } catch {
    throw new DomainError('COMPLIANCE.CURSOR_INVALID', 'cursor is not one this API returned');
  }
}

export function listRecordsParams(companyId: string, f: ListRecordsFilter): unknown[] {
  const [cAt, cId] = f.cursor ? decodeCursor(f.cursor) : [null, null];
  // createdAt is timestamp(3) without time zone, written in UTC.
  const ts = (d?: Date) => (d ? d.toISOString().replace('Z', '') : null);
  return [companyId, f.status ?? null, f.type ?? null, f.riskMin ?? null, f.riskMax ?? null, ts(f.from), ts(f.to), cAt ? cAt.replace('Z', '') : null, cId, Math.min(Math.max(f.limit ?? 50, 1), 200)];
}

export async function listRecords(tx: Tx, companyId: string, f: ListRecordsFilter): Promise<{ items: RecordRow[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(f.limit ?? 50, 1), 200);
  const rows = await tx.query<RecordRow>(LIST_RECORDS_SQL, ...listRecordsParams(companyId, { ...f, limit: limit + 1 }));
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]) : null };
}

export async function getRecord(tx: Tx, companyId: string, id: string): Promise<RecordRow | null> {
  const [row] = await tx.query<RecordRow>(
    `SELECT id, type, status, "riskScore", data, metadata, "companyId", "createdBy", "reviewedBy", "createdAt", "updatedAt" FROM "ComplianceRecord" WHERE id = $1 AND "companyId" = $2`,
    id,
    companyId,
  );
  return row ?? null;
}
