import type { DbScope } from '../database/database';
import { DomainError } from '../http/problem';
import type { Principal } from './principal';
import { isPlatformAdmin } from './principal';

/**
 * The database scope of a request: the company of the verified token, nothing else. A
 * platform administrator gets an empty company here (sees no tenant rows); crossing companies
 * needs crossCompanyScope, an explicit and audited path.
 */
export function tenantScope(p: Principal): DbScope {
  return { companyId: p.companyId ?? '' };
}

/** All companies, for platform administrators only. Callers must record the access (see tenancy). */
export function crossCompanyScope(p: Principal): DbScope {
  if (!isPlatformAdmin(p)) throw new DomainError('AUTH.FORBIDDEN', 'Only platform administrators may work across companies.');
  return { allCompanies: true };
}
