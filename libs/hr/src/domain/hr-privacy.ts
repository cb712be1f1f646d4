import type { EventPrivacy, SealedPath } from '@maple/platform';
import { isSealedClass, sealedName } from './hr-fields';
import type { HrField } from './hr-fields';
import { CANDIDATE_FIELDS, EMPLOYEE_CHANGE_FIELDS, EMPLOYEE_FIELDS, REVIEW_FIELDS } from './record-data';
import type { FieldSpec } from './record-data';

// Which paths of which HR events hold personal data, derived from the field classification:
// the platform seals every one of them before the event is stored.

const email = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : null);
// National ids are written with or without separators; the lookup ignores them.
const nationalId = (v: unknown) => (typeof v === 'string' ? v.replace(/[\s.\-/]/g, '').toUpperCase() : null);
const LOOKUPS: Partial<Record<HrField, (v: unknown) => string | null>> = { email, nationalId };

function path(p: string, field: HrField): SealedPath {
  return { path: p, field: sealedName(field), ...(LOOKUPS[field] ? { lookup: LOOKUPS[field] } : {}) };
}

function sealedOf(schema: readonly FieldSpec[], prefix: string): SealedPath[] {
  return schema.filter((f) => isSealedClass(f.name)).map((f) => path(`${prefix}${f.name}`, f.name));
}

export const HR_EVENT_PRIVACY: Record<string, EventPrivacy> = {
  // A candidacy and a direct hire create their person (a new subject id from the shell).
  CandidateApplied: { subject: 'subjectId', fields: sealedOf(CANDIDATE_FIELDS, 'data.'), freshSubject: () => true },
  CandidateAdvanced: { subject: 'subjectId', fields: [path('notes', 'notes')] },
  CandidateRejected: { subject: 'subjectId', fields: [path('decisionReason', 'decisionReason')] },
  CandidateWithdrew: { subject: 'subjectId', fields: [path('decisionReason', 'decisionReason')] },
  EmployeeHired: { subject: 'subjectId', fields: sealedOf(EMPLOYEE_FIELDS, 'data.'), freshSubject: (d) => (d as { candidateRecordId?: unknown }).candidateRecordId === null },
  EmployeeChanged: { subject: 'subjectId', fields: sealedOf(EMPLOYEE_CHANGE_FIELDS, 'changes.') },
  EmployeeLeaveStarted: { subject: 'subjectId', fields: [path('leaveReason', 'leaveReason')] },
  EmployeeTerminated: { subject: 'subjectId', fields: [path('terminationReason', 'terminationReason')] },
  PerformanceReviewDrafted: { subject: 'subjectId', fields: sealedOf(REVIEW_FIELDS, 'data.') },
  PerformanceReviewSubmitted: { subject: 'subjectId', fields: [path('rating', 'rating')] },
  HrAiInsightsRecorded: { subject: 'subjectId', fields: [path('aiInsights', 'aiInsights')] },
  DataSubjectErasureRequested: { subject: 'subjectId', fields: [path('erasureReason', 'erasureReason')] },
};

/** The normalised form of a lookup value, as the blind index keeps it (null: not a lookup field). */
export function lookupForm(field: HrField, value: string): string | null {
  return LOOKUPS[field]?.(value) ?? null;
}
