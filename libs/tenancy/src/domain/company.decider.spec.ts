import { given } from '@maple/platform';
import type { CommandMeta } from '@maple/platform';
import { companyDecider } from './company.decider';
import type { CompanyEvent, CompanyProfile } from './company.events';

const meta: CommandMeta = { commandId: 'c1', now: new Date('2026-11-25T09:00:00Z'), actorId: 'platform-admin', companyId: 'acme', correlationId: 'r1' };
const profile: CompanyProfile = { name: 'Acme Bank', industry: 'Banking', size: 'Enterprise', region: 'EU', complianceLevel: 'Advanced' };
const created: CompanyEvent = { type: 'CompanyCreated', data: { companyId: 'acme', ...profile } };
const deactivated: CompanyEvent = { type: 'CompanyDeactivated', data: { companyId: 'acme', reason: 'contract ended' } };

describe('company decider', () => {
  it('creates a company once', () => {
    given(companyDecider).when({ type: 'CreateCompany', companyId: 'acme', profile, meta }).then([created]);
    given(companyDecider, [created]).when({ type: 'CreateCompany', companyId: 'acme', profile, meta }).thenThrows('TENANCY.COMPANY_ALREADY_EXISTS');
  });

  it('refuses a company without a name', () => {
    given(companyDecider).when({ type: 'CreateCompany', companyId: 'x', profile: { ...profile, name: '  ' }, meta }).thenThrows('TENANCY.COMPANY_INVALID');
  });

  it('records only the fields that really changed', () => {
    given(companyDecider, [created])
      .when({ type: 'UpdateCompany', changes: { name: 'Acme Bank', region: 'US' }, meta })
      .then([{ type: 'CompanyUpdated', data: { companyId: 'acme', changes: { region: 'US' } } }]);
    given(companyDecider, [created]).when({ type: 'UpdateCompany', changes: { name: 'Acme Bank' }, meta }).then([]);
  });

  it('cannot update a company that does not exist', () => {
    given(companyDecider).when({ type: 'UpdateCompany', changes: { region: 'US' }, meta }).thenThrows('TENANCY.COMPANY_NOT_FOUND');
  });

  it('deactivates and reactivates, refusing repeats', () => {
    given(companyDecider, [created]).when({ type: 'DeactivateCompany', reason: 'contract ended', meta }).then([deactivated]);
    given(companyDecider, [created, deactivated]).when({ type: 'DeactivateCompany', reason: null, meta }).thenThrows('TENANCY.TRANSITION_NOT_ALLOWED');
    given(companyDecider, [created, deactivated]).when({ type: 'ReactivateCompany', meta }).then([{ type: 'CompanyReactivated', data: { companyId: 'acme' } }]);
    given(companyDecider, [created]).when({ type: 'ReactivateCompany', meta }).thenThrows('TENANCY.TRANSITION_NOT_ALLOWED');
  });
});
