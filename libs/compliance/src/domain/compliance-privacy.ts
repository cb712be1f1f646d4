import type { EventPrivacy, FieldRule } from '@maple/platform';

// Personal data in compliance records, sealed by the platform with the record's own data key
// (the record is its own data subject: its id is the subject id), so the 7-year purge can erase
// it from the events too, not only from the read row. KYC identity data and an AML
// counterparty are personal; OFAC subjects are screened against public lists again and again
// (compliance.rescreen reads their name from the row), so their data stays as it is.

const ofType = (type: string) => (data: unknown) => (data as { type?: string } | null)?.type === type;

export const COMPLIANCE_EVENT_PRIVACY: Record<string, EventPrivacy> = {
  ComplianceRecordCreated: {
    subject: 'recordId',
    // The record (a new random id) is its own subject: no key exists before it.
    freshSubject: () => true,
    fields: [
      { path: 'data.subjectName', field: 'compliance/subjectName', when: ofType('KYC') },
      { path: 'data.dateOfBirth', field: 'compliance/dateOfBirth', when: ofType('KYC') },
      { path: 'data.nationality', field: 'compliance/nationality', when: ofType('KYC') },
      { path: 'data.documentNumber', field: 'compliance/documentNumber', when: ofType('KYC') },
      { path: 'data.counterparty', field: 'compliance/counterparty', when: ofType('AML') },
    ],
  },
};

// Who reads them: the people who act on compliance records; a date of birth or a document
// number is sensitive (a purpose is needed, and the read is logged).
const officers = { COMPLIANCE_OFFICER: 'full', ADMIN: 'full' } as const;
export const COMPLIANCE_FIELD_RULES: Record<string, FieldRule> = {
  'compliance/subjectName': { classification: 'personal', access: { ...officers, ANALYST: 'masked', USER: 'masked' } },
  'compliance/nationality': { classification: 'personal', access: { ...officers, ANALYST: 'full', USER: 'full' } },
  'compliance/counterparty': { classification: 'personal', access: { ...officers, ANALYST: 'full', USER: 'full' } },
  'compliance/dateOfBirth': { classification: 'sensitive', access: officers },
  'compliance/documentNumber': { classification: 'sensitive', access: officers },
};
