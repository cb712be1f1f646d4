import { MARKERS, accessLevel, isSealed, maskValue } from '@maple/platform';
import type { AccessLevel, MatrixRole, PersonalDataReader, ReadContext, Relation, SealedItem, Tx } from '@maple/platform';
import { HR_FIELDS, sealedName } from '../domain/hr-fields';
import type { HrField } from '../domain/hr-fields';
import type { HrRecordRow } from './hr-records.query';
import { effectiveChanges, relationsOf } from './hr-records.query';

/** An HR record as a viewer gets it: each field at the level the matrix gives them, hidden ones left out. */
export type HrRecordView = {
  id: string;
  type: string;
  status: string;
  subjectId: string;
  userId: string | null;
  data: Record<string, unknown>;
  aiInsights?: { modelVersion: string; recordedAt: string; insights: unknown };
  state: Record<string, unknown>;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
};

export type ViewRequest = Omit<ReadContext, 'relations' | 'entity' | 'levels'> & { asOf: string; levels?: ReadContext['levels'] };

// State keys that show a field's content, and so take that field's level.
const STATE_FIELDS: Record<string, HrField> = { leave: 'leaveType', managerRecordId: 'managerRecordId', terminatedOn: 'terminationType' };

/** Relations (SELF, MANAGER) of the viewer to each subject, as the platform's relation resolvers return them. */
export async function hrRelations(tx: Tx, viewerUserId: string, companyId: string, subjectIds: readonly string[], asOf = today()): Promise<Map<string, Relation[]>> {
  const out = new Map<string, Relation[]>();
  if (!subjectIds.length) return out;
  for (const r of await relationsOf(tx, companyId, viewerUserId, subjectIds, asOf)) {
    const rel: Relation[] = [...(r.self ? (['SELF'] as const) : []), ...(r.manager ? (['MANAGER'] as const) : [])];
    if (rel.length) out.set(r.subject_id, rel);
  }
  return out;
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * Presents HR rows to one viewer: employee changes in effect by `asOf` overlaid, every field at
 * the matrix's level (personal values decrypted by the platform reader, which needs a purpose
 * for sensitive ones and logs them), hidden fields left out.
 */
export async function presentRecords(tx: Tx, reader: PersonalDataReader, req: ViewRequest, rows: readonly HrRecordRow[]): Promise<HrRecordView[]> {
  if (!rows.length) return [];
  const companyId = rows[0].companyId;
  const role: MatrixRole = req.viewer.role;
  const relations = await hrRelations(tx, req.viewer.userId, companyId, [...new Set(rows.map((r) => r.subjectId))], req.asOf);
  const changes = await effectiveChanges(tx, companyId, rows.filter((r) => r.type === 'employee').map((r) => r.id), req.asOf);
  const all = req.levels === 'all' || Boolean(req.breakGlass);
  const levelOf = (field: HrField, subjectId: string): AccessLevel => (all ? 'full' : accessLevel(HR_FIELDS[field], { role, relations: relations.get(subjectId) ?? [] }));

  const items: SealedItem[] = [];
  const slots: { row: number; put: (v: unknown) => void }[] = [];
  const views = rows.map((r, i) => {
    const view: HrRecordView = {
      id: r.id,
      type: r.type,
      status: r.status,
      subjectId: r.subjectId,
      userId: r.userId,
      data: {},
      state: {},
      createdBy: r.createdBy,
      createdAt: new Date(r.createdAt).toISOString(),
      updatedAt: new Date(r.updatedAt).toISOString(),
    };
    const data = { ...r.data, ...(changes.get(r.id) ?? {}) };
    if (r.type === 'employee' && changes.get(r.id)?.managerRecordId === undefined && r.state.managerRecordId) data.managerRecordId = r.state.managerRecordId;
    for (const [key, value] of Object.entries(data)) {
      if (!(key in HR_FIELDS)) continue;
      const level = levelOf(key as HrField, r.subjectId);
      if (level === 'hidden') continue;
      if (isSealed(value)) {
        items.push({ sealed: value, expect: { subjectId: r.subjectId, field: sealedName(key as HrField) } });
        slots.push({ row: i, put: (v) => (view.data[key] = v) });
      } else {
        view.data[key] = level === 'masked' && value !== MARKERS.erased ? maskValue(HR_FIELDS[key as HrField], value) : value;
      }
    }
    for (const [key, value] of Object.entries(r.state)) {
      const field = STATE_FIELDS[key];
      if (field && levelOf(field, r.subjectId) === 'hidden') continue;
      view.state[key] = value;
    }
    if (r.aiInsights && levelOf('aiInsights', r.subjectId) !== 'hidden') {
      const ai = { modelVersion: r.aiInsights.modelVersion, recordedAt: r.aiInsights.recordedAt, insights: r.aiInsights.insights };
      view.aiInsights = ai;
      if (isSealed(ai.insights)) {
        items.push({ sealed: ai.insights, expect: { subjectId: r.subjectId, field: sealedName('aiInsights') } });
        slots.push({ row: i, put: (v) => (ai.insights = v) });
      }
    }
    return view;
  });
  if (items.length) {
    const entity = rows.length === 1 ? { type: 'HRRecord', id: rows[0].id } : { type: 'HRRecord', id: `list:${rows.length}` };
    const out = await reader.revealItems(tx, { ...req, relations, entity }, companyId, items);
    out.forEach((v, k) => slots[k].put(v));
  }
  return views;
}
