import { isSealed, matrixRoleOf } from '@maple/platform';
import type { PersonalDataReader, Principal, ReadContext, SealedItem, Tx } from '@maple/platform';
import type { RecordRow } from './list-records.query';

/** Who reads compliance records: personal fields by their rules; sensitive ones only with a purpose (X-Purpose). */
export function complianceReader(p: Principal, req: { ip?: string; headers: Record<string, string | string[] | undefined> }, entityId: string): ReadContext {
  const purpose = req.headers['x-purpose'];
  return {
    viewer: { userId: p.userId, role: matrixRoleOf(p) },
    purpose: typeof purpose === 'string' && purpose.trim() ? purpose.trim().slice(0, 300) : null,
    withoutPurpose: 'withhold',
    entity: { type: 'ComplianceRecord', id: entityId },
    ip: req.ip ?? null,
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 300) : null,
  };
}

/** The rows with their sealed data decrypted as the reader may see it; a value that is not the record's own reads as [unreadable]. */
export async function revealRecords(tx: Tx, reader: PersonalDataReader, ctx: ReadContext, rows: RecordRow[]): Promise<RecordRow[]> {
  const items: SealedItem[] = [];
  const slots: { row: RecordRow; key: string }[] = [];
  for (const row of rows) {
    for (const [key, v] of Object.entries(row.data ?? {})) {
      if (!isSealed(v)) continue;
      items.push({ sealed: v, expect: { subjectId: row.id, field: `compliance/${key}` } });
      slots.push({ row, key });
    }
  }
  if (!items.length) return rows;
  const out = await reader.revealItems(tx, ctx, rows[0].companyId, items);
  const copies = new Map(rows.map((r) => [r, { ...r, data: { ...r.data } }]));
  out.forEach((v, i) => (copies.get(slots[i].row)!.data[slots[i].key] = v));
  return rows.map((r) => copies.get(r)!);
}
