import { isCalendarDate } from '@maple/platform';
import { ComplianceError } from './compliance.errors';

// Each record type has a schema for `data`; a bad field is refused with its name.
export type KycData = { subjectName: string; dateOfBirth: string; nationality: string; documentType: 'passport' | 'national_id' | 'driving_licence' | 'residence_permit'; documentNumber: string };
export type AmlData = { counterparty: string; amount: string; currency: string; country: string; channel: 'wire' | 'card' | 'cash' | 'crypto' | 'cheque' | 'ach' };
export type OfacData = { name: string; entityType: 'person' | 'business' | 'vessel' | 'aircraft'; country?: string; dateOfBirth?: string };

type Field = { name: string; required: boolean; check: (v: unknown) => string | null };

const text = (max = 300) => (v: unknown) => (typeof v === 'string' && v.trim().length > 0 && v.length <= max ? null : `must be a non-empty text of at most ${max} characters`);
const oneOf = (values: readonly string[]) => (v: unknown) => (typeof v === 'string' && values.includes(v) ? null : `must be one of ${values.join(', ')}`);
const isoDate = (v: unknown) => (isCalendarDate(v) ? null : 'must be a real calendar date YYYY-MM-DD');
const country = (v: unknown) => (typeof v === 'string' && /^[A-Za-z][A-Za-z .'-]{1,59}$/.test(v) ? null : 'must be a country name or ISO code');
const currency = (v: unknown) => (typeof v === 'string' && /^[A-Z]{3}$/.test(v) ? null : 'must be an ISO 4217 code such as EUR');
// Amounts are decimal strings: money is never a float.
const amount = (v: unknown) => (typeof v === 'string' && /^(0|[1-9]\d{0,14})(\.\d{1,2})?$/.test(v) ? null : 'must be a decimal amount as text, like "12500.00"');

export const RECORD_SCHEMAS: Record<string, Field[]> = {
  KYC: [
    { name: 'subjectName', required: true, check: text() },
    { name: 'dateOfBirth', required: true, check: isoDate },
    { name: 'nationality', required: true, check: country },
    { name: 'documentType', required: true, check: oneOf(['passport', 'national_id', 'driving_licence', 'residence_permit']) },
    { name: 'documentNumber', required: true, check: text(64) },
  ],
  AML: [
    { name: 'counterparty', required: true, check: text() },
    { name: 'amount', required: true, check: amount },
    { name: 'currency', required: true, check: currency },
    { name: 'country', required: true, check: country },
    { name: 'channel', required: true, check: oneOf(['wire', 'card', 'cash', 'crypto', 'cheque', 'ach']) },
  ],
  OFAC: [
    { name: 'name', required: true, check: text() },
    { name: 'entityType', required: true, check: oneOf(['person', 'business', 'vessel', 'aircraft']) },
    { name: 'country', required: false, check: country },
    { name: 'dateOfBirth', required: false, check: isoDate },
  ],
};

export const RECORD_TYPES = Object.keys(RECORD_SCHEMAS);

// Metadata keys the server writes (the risk assessment, screening evidence, reviews, re-screening
// state). A client that sent them could pose as a reviewer or, with `lastScreening`, keep its
// record out of the next re-screening, so they are refused rather than merged.
export const SERVER_METADATA_KEYS = ['risk', 'screening', 'correctsRecordId', 'approvals', 'decisionReason', 'flagReason', 'lastScreening', 'openHits'] as const;

/** Client metadata is free-form, except for the keys only the server may set. */
export function validateClientMetadata(metadata: Record<string, unknown> | null | undefined): void {
  for (const key of SERVER_METADATA_KEYS) {
    if (metadata && Object.hasOwn(metadata, key)) {
      throw new ComplianceError('COMPLIANCE.METADATA_INVALID', `metadata.${key} is set by the server and cannot be sent`, { field: `metadata.${key}` });
    }
  }
}

/** Validates `data` for its type; unknown fields are refused too (nothing unchecked is stored). */
export function validateRecordData(type: string, data: unknown): Record<string, unknown> {
  const schema = RECORD_SCHEMAS[type];
  if (!schema) throw new ComplianceError('COMPLIANCE.TYPE_INVALID', `type must be one of ${RECORD_TYPES.join(', ')}`, { field: 'type' });
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new ComplianceError('COMPLIANCE.DATA_INVALID', 'data must be an object', { field: 'data' });
  const obj = data as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!schema.some((f) => f.name === key)) throw new ComplianceError('COMPLIANCE.DATA_INVALID', `data.${key} is not a field of ${type} records`, { field: `data.${key}` });
  }
  for (const f of schema) {
    const v = obj[f.name];
    if (v === undefined || v === null) {
      if (f.required) throw new ComplianceError('COMPLIANCE.DATA_INVALID', `data.${f.name} is required for ${type} records`, { field: `data.${f.name}` });
      continue;
    }
    const problem = f.check(v);
    if (problem) throw new ComplianceError('COMPLIANCE.DATA_INVALID', `data.${f.name} ${problem}`, { field: `data.${f.name}` });
  }
  return obj;
}
