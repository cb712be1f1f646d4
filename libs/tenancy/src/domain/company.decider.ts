import type { Command, Decider } from '@maple/platform';
import type { CompanyEvent, CompanyProfile } from './company.events';
import { TenancyError } from './tenancy.errors';

export type CompanyCommand =
  | (Command<'CreateCompany'> & { companyId: string; profile: CompanyProfile })
  | (Command<'UpdateCompany'> & { changes: Partial<CompanyProfile> })
  | (Command<'DeactivateCompany'> & { reason: string | null })
  | (Command<'ReactivateCompany'>);

export type CompanyState = { exists: boolean; companyId: string | null; active: boolean; profile: CompanyProfile | null };

const initialState: CompanyState = { exists: false, companyId: null, active: false, profile: null };

function mustExist(s: CompanyState): CompanyProfile {
  if (!s.exists || !s.profile) throw new TenancyError('TENANCY.COMPANY_NOT_FOUND', 'No such company.');
  return s.profile;
}

function validName(name: string | undefined): void {
  if (name !== undefined && name.trim().length === 0) throw new TenancyError('TENANCY.COMPANY_INVALID', 'A company needs a name.');
}

/** Companies: created, updated, deactivated and reactivated by platform administrators. */
export const companyDecider: Decider<CompanyCommand, CompanyEvent, CompanyState> = {
  initialState,
  decide(cmd, s) {
    switch (cmd.type) {
      case 'CreateCompany':
        if (s.exists) throw new TenancyError('TENANCY.COMPANY_ALREADY_EXISTS', `Company ${cmd.companyId} already exists.`);
        validName(cmd.profile.name);
        return [{ type: 'CompanyCreated', data: { companyId: cmd.companyId, ...cmd.profile } }];
      case 'UpdateCompany': {
        const profile = mustExist(s);
        validName(cmd.changes.name);
        // Only real changes are recorded, so the audit trail shows what actually moved.
        const changes = Object.fromEntries(
          Object.entries(cmd.changes).filter(([k, v]) => v !== undefined && profile[k as keyof CompanyProfile] !== v),
        ) as Partial<CompanyProfile>;
        return Object.keys(changes).length ? [{ type: 'CompanyUpdated', data: { companyId: s.companyId as string, changes } }] : [];
      }
      case 'DeactivateCompany':
        mustExist(s);
        if (!s.active) throw new TenancyError('TENANCY.TRANSITION_NOT_ALLOWED', 'The company is already deactivated.');
        return [{ type: 'CompanyDeactivated', data: { companyId: s.companyId as string, reason: cmd.reason } }];
      case 'ReactivateCompany':
        mustExist(s);
        if (s.active) throw new TenancyError('TENANCY.TRANSITION_NOT_ALLOWED', 'The company is already active.');
        return [{ type: 'CompanyReactivated', data: { companyId: s.companyId as string } }];
      default: {
        const never: never = cmd;
        throw new Error(`unknown command ${(never as Command).type}`);
      }
    }
  },
  evolve(s, e) {
    switch (e.type) {
      case 'CompanyCreated': {
        const { companyId, ...profile } = e.data;
        return { exists: true, companyId, active: true, profile };
      }
      case 'CompanyUpdated':
        return { ...s, profile: { ...(s.profile as CompanyProfile), ...e.data.changes } };
      case 'CompanyDeactivated':
        return { ...s, active: false };
      case 'CompanyReactivated':
        return { ...s, active: true };
      default: {
        const never: never = e;
        return never;
      }
    }
  },
};
