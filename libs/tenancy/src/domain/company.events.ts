import type { DomainEvent } from '@maple/platform';

export const COMPANY_SIZES = ['SMB', 'Mid-Market', 'Enterprise'] as const;
export const COMPLIANCE_LEVELS = ['Basic', 'Advanced', 'Enterprise'] as const;
export type CompanySize = (typeof COMPANY_SIZES)[number];
export type ComplianceLevel = (typeof COMPLIANCE_LEVELS)[number];

export type CompanyProfile = {
  name: string;
  industry: string | null;
  size: CompanySize | null;
  region: string | null;
  complianceLevel: ComplianceLevel | null;
};

export type CompanyCreated = DomainEvent<'CompanyCreated', CompanyProfile & { companyId: string }>;
/** Only the fields that changed. */
export type CompanyUpdated = DomainEvent<'CompanyUpdated', { companyId: string; changes: Partial<CompanyProfile> }>;
export type CompanyDeactivated = DomainEvent<'CompanyDeactivated', { companyId: string; reason: string | null }>;
export type CompanyReactivated = DomainEvent<'CompanyReactivated', { companyId: string }>;

export type CompanyEvent = CompanyCreated | CompanyUpdated | CompanyDeactivated | CompanyReactivated;

export const COMPANY_EVENT_TYPES: CompanyEvent['type'][] = ['CompanyCreated', 'CompanyUpdated', 'CompanyDeactivated', 'CompanyReactivated'];
