import type { AccessLevel, Audience, Classification, FieldRule } from '@maple/platform';

// THE field-access matrix of HR data: every field any HR record or event holds, its
// classification, and what each audience sees of it. Audiences are roles and relations to the
// person the data is about (SELF: the person; MANAGER: their current manager). A viewer gets the
// widest level among their role and relations; an audience not named sees nothing (deny by
// default). libs/hr/README.md shows this table; test/hr/field-matrix.spec.ts holds both equal.
//
// Personal and sensitive values are sealed before they reach an event or a row (the platform's
// privacy machinery), and reading a sensitive one needs a purpose and leaves an audit VIEW row.

export const MATRIX_AUDIENCES = ['HR_MANAGER', 'ADMIN', 'MANAGER', 'SELF', 'ANALYST', 'VIEWER'] as const satisfies readonly Audience[];

const F: AccessLevel = 'full';
const M: AccessLevel = 'masked';
const H: AccessLevel = 'hidden';

// Columns in MATRIX_AUDIENCES order.
function rule(classification: Classification, levels: [AccessLevel, AccessLevel, AccessLevel, AccessLevel, AccessLevel, AccessLevel]): FieldRule {
  const access: Partial<Record<Audience, AccessLevel>> = {};
  MATRIX_AUDIENCES.forEach((a, i) => {
    if (levels[i] !== H) access[a] = levels[i];
  });
  return { classification, access };
}

export const HR_FIELDS = {
  // Who the person is.
  fullName: rule('personal', [F, F, F, F, H, H]),
  email: rule('personal', [F, F, F, F, H, H]),
  phone: rule('personal', [F, F, H, F, H, H]),
  address: rule('personal', [F, M, H, F, H, H]),
  dateOfBirth: rule('sensitive', [F, H, H, F, H, H]),
  // An employee sees their own national id and bank account masked (last 4 characters).
  nationalId: rule('sensitive', [F, M, H, M, H, H]),
  bankAccount: rule('sensitive', [F, M, H, M, H, H]),
  // HR managers and administrators see salaries; so does the employee, of their own.
  salary: rule('sensitive', [F, F, H, F, H, H]),
  expectedSalary: rule('sensitive', [F, F, H, H, H, H]),
  // Recruiting.
  appliedFor: rule('public', [F, F, F, F, F, F]),
  source: rule('internal', [F, F, H, H, F, H]),
  resumeSummary: rule('personal', [F, F, H, H, H, H]),
  notes: rule('personal', [F, H, H, H, H, H]),
  decisionReason: rule('personal', [F, F, H, H, H, H]),
  // Employment.
  position: rule('internal', [F, F, F, F, F, F]),
  department: rule('internal', [F, F, F, F, F, F]),
  employmentType: rule('internal', [F, F, F, F, F, H]),
  currency: rule('internal', [F, F, H, F, F, H]),
  startDate: rule('internal', [F, F, F, F, F, F]),
  managerRecordId: rule('internal', [F, F, F, F, F, H]),
  leaveType: rule('internal', [F, F, F, F, H, H]),
  // Health and other leave reasons are sensitive: HR and the person only.
  leaveReason: rule('sensitive', [F, H, H, F, H, H]),
  terminationType: rule('internal', [F, F, F, F, F, H]),
  terminationReason: rule('personal', [F, F, H, F, H, H]),
  // Performance.
  period: rule('internal', [F, F, F, F, F, H]),
  reviewSummary: rule('personal', [F, F, F, F, H, H]),
  reviewGoals: rule('personal', [F, F, F, F, H, H]),
  rating: rule('personal', [F, F, F, F, H, H]),
  // What an AI model read into a person's data is that person's data.
  aiInsights: rule('personal', [F, F, H, H, H, H]),
  erasureReason: rule('personal', [F, F, H, H, H, H]),
} satisfies Record<string, FieldRule>;

export type HrField = keyof typeof HR_FIELDS;

export const HR_FIELD_NAMES = Object.keys(HR_FIELDS) as HrField[];

/** The sealed name of an HR field everywhere it is stored: `hr/<field>`. */
export const sealedName = (field: HrField): string => `hr/${field}`;

export function isSealedClass(field: HrField): boolean {
  const c = HR_FIELDS[field].classification;
  return c === 'personal' || c === 'sensitive';
}

/** The rules as the platform's registry takes them (keyed by sealed name). */
export function hrFieldRules(): Record<string, FieldRule> {
  return Object.fromEntries(HR_FIELD_NAMES.map((f) => [sealedName(f), HR_FIELDS[f]]));
}
