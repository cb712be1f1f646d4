import type { DomainEvent } from '@maple/platform';

// A platform administrator reading across companies leaves an event (and so an audit row):
// cross-tenant access is never silent. It goes into the chain of the company that was read, so
// that company's own auditors see it; a read across all companies goes into the platform chain.
export type CrossCompanyAccessUsed = DomainEvent<'CrossCompanyAccessUsed', { userId: string; purpose: string; companyId: string | null }>;

/** One stream per administrator and company: the event needs no state, so it is appended without a read. */
export const platformAccessStreamId = (userId: string, companyId: string | null) => `platform-access-${userId}-${companyId ?? 'all-companies'}`;

export function crossCompanyAccessUsed(userId: string, purpose: string, companyId: string | null): CrossCompanyAccessUsed {
  return { type: 'CrossCompanyAccessUsed', data: { userId, purpose, companyId } };
}
