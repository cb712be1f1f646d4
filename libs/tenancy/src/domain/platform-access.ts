import type { Command, Decider, DomainEvent } from '@maple/platform';

// A platform administrator reading across companies leaves an event (and so an audit row):
// cross-tenant access is never silent.
export type CrossCompanyAccessUsed = DomainEvent<'CrossCompanyAccessUsed', { userId: string; purpose: string; companyId: string | null }>;
export type RecordCrossCompanyAccess = Command<'RecordCrossCompanyAccess'> & { userId: string; purpose: string; companyId: string | null };

export const platformAccessStreamId = (userId: string) => `platform-access-${userId}`;

export const platformAccessDecider: Decider<RecordCrossCompanyAccess, CrossCompanyAccessUsed, null> = {
  initialState: null,
  decide: (cmd) => [{ type: 'CrossCompanyAccessUsed', data: { userId: cmd.userId, purpose: cmd.purpose, companyId: cmd.companyId } }],
  evolve: (s) => s,
};
