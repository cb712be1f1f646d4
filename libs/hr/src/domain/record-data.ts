import { SEALED_PREFIX } from '@maple/platform';
import { HrError } from './hr.errors';
import type { HrField } from './hr-fields';

// The `data` of each HR record type and of each change, validated field by field (as
// compliance's record data is). An unknown field is refused; every field has a classification
// in hr-fields.ts (a test fails when one has none).

type Check = (v: unknown) => string | null;
export type FieldSpec = { name: HrField; required: boolean; check: Check };

const text =
  (max = 300): Check =>
  (v) =>
    typeof v === 'string' && v.trim().length > 0 && v.length <= max && !v.startsWith(SEALED_PREFIX) ? null : `must be a non-empty text of at most ${max} characters`;
const oneOf =
  (values: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? null : `must be one of ${values.join(', ')}`;
export const isoDate: Check = (v) => {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return 'must be a date YYYY-MM-DD';
  const d = new Date(`${v}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v ? 'must be a real calendar date' : null;
};
const email: Check = (v) => (typeof v === 'string' && v.length <= 254 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? null : 'must be an e-mail address');
const phone: Check = (v) => (typeof v === 'string' && /^\+?[0-9 ()./-]{6,32}$/.test(v) ? null : 'must be a phone number');
// Money is a decimal string, never a float.
const amount: Check = (v) => (typeof v === 'string' && /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/.test(v) ? null : 'must be a decimal amount as text, like "91000.00"');
const currency: Check = (v) => (typeof v === 'string' && /^[A-Z]{3}$/.test(v) ? null : 'must be an ISO 4217 code such as EUR');
const recordId: Check = (v) => (typeof v === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(v) ? null : 'must be a record id');
const rating: Check = (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 5 ? null : 'must be a whole number from 1 to 5');

export const CANDIDATE_FIELDS: FieldSpec[] = [
  { name: 'fullName', required: true, check: text(200) },
  { name: 'email', required: true, check: email },
  { name: 'phone', required: false, check: phone },
  { name: 'appliedFor', required: true, check: text(200) },
  { name: 'source', required: false, check: oneOf(['website', 'referral', 'agency', 'job-board', 'internal', 'other']) },
  { name: 'resumeSummary', required: false, check: text(4000) },
  { name: 'expectedSalary', required: false, check: amount },
];

export const EMPLOYEE_FIELDS: FieldSpec[] = [
  { name: 'fullName', required: true, check: text(200) },
  { name: 'email', required: true, check: email },
  { name: 'phone', required: false, check: phone },
  { name: 'address', required: false, check: text(500) },
  { name: 'dateOfBirth', required: false, check: isoDate },
  { name: 'nationalId', required: false, check: text(64) },
  { name: 'bankAccount', required: false, check: text(64) },
  { name: 'position', required: true, check: text(200) },
  { name: 'department', required: true, check: text(200) },
  { name: 'employmentType', required: true, check: oneOf(['full-time', 'part-time', 'contractor', 'intern']) },
  { name: 'salary', required: true, check: amount },
  { name: 'currency', required: true, check: currency },
  { name: 'startDate', required: true, check: isoDate },
];

/** What an employee change may change (each with an effective date). */
export const EMPLOYEE_CHANGE_FIELDS: FieldSpec[] = [
  { name: 'position', required: false, check: text(200) },
  { name: 'department', required: false, check: text(200) },
  { name: 'managerRecordId', required: false, check: recordId },
  { name: 'salary', required: false, check: amount },
];

export const LEAVE_FIELDS: FieldSpec[] = [
  { name: 'leaveType', required: true, check: oneOf(['vacation', 'sick', 'parental', 'unpaid', 'other']) },
  { name: 'leaveReason', required: false, check: text(2000) },
];

export const TERMINATION_FIELDS: FieldSpec[] = [
  { name: 'terminationType', required: true, check: oneOf(['resignation', 'dismissal', 'end-of-contract', 'retirement', 'other']) },
  { name: 'terminationReason', required: false, check: text(2000) },
];

export const REVIEW_FIELDS: FieldSpec[] = [
  { name: 'period', required: true, check: text(40) },
  { name: 'reviewSummary', required: true, check: text(8000) },
  { name: 'reviewGoals', required: false, check: text(8000) },
];

export const RATING_FIELDS: FieldSpec[] = [{ name: 'rating', required: true, check: rating }];

/** Every schema, by what it describes (the classification test walks them all). */
export const HR_SCHEMAS: Record<string, FieldSpec[]> = {
  candidate: CANDIDATE_FIELDS,
  employee: EMPLOYEE_FIELDS,
  'employee-change': EMPLOYEE_CHANGE_FIELDS,
  leave: LEAVE_FIELDS,
  termination: TERMINATION_FIELDS,
  performance: REVIEW_FIELDS,
  rating: RATING_FIELDS,
};

/** Validates `data` against a schema; an unknown field, a missing or a malformed one is refused by name. */
export function validateData(schema: readonly FieldSpec[], data: unknown, what: string, opts: { atLeastOne?: boolean } = {}): Record<string, unknown> {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new HrError('HR.DATA_INVALID', 'data must be an object', { field: 'data' });
  const obj = data as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!schema.some((f) => f.name === key)) throw new HrError('HR.DATA_INVALID', `data.${key} is not a field of ${what}`, { field: `data.${key}` });
  }
  const out: Record<string, unknown> = {};
  for (const f of schema) {
    const v = obj[f.name];
    if (v === undefined || v === null) {
      if (f.required) throw new HrError('HR.DATA_INVALID', `data.${f.name} is required for ${what}`, { field: `data.${f.name}` });
      continue;
    }
    const problem = f.check(v);
    if (problem) throw new HrError('HR.DATA_INVALID', `data.${f.name} ${problem}`, { field: `data.${f.name}` });
    out[f.name] = v;
  }
  if (opts.atLeastOne && !Object.keys(out).length) throw new HrError('HR.DATA_INVALID', `${what} must change at least one field`, { field: 'data' });
  return out;
}

export function validateDate(v: unknown, field: string): string {
  const problem = isoDate(v);
  if (problem) throw new HrError('HR.DATA_INVALID', `${field} ${problem}`, { field });
  return v as string;
}
