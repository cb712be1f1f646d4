/** Tenancy: companies (created, updated, deactivated by platform administrators) and cross-company access records. */
export { TenancyModule } from './tenancy.module';
export { CompanyCommands } from './application/company.commands';
export { CompanyQueries } from './application/company.queries';
export type { CompanyView } from './application/company.queries';
export { TenancyError } from './domain/tenancy.errors';
export type { TenancyErrorCode } from './domain/tenancy.errors';
export { companyDecider } from './domain/company.decider';
export type { CompanyCommand, CompanyState } from './domain/company.decider';
export { COMPANY_SIZES, COMPLIANCE_LEVELS, COMPANY_EVENT_TYPES } from './domain/company.events';
export type { CompanyEvent, CompanyProfile, CompanySize, ComplianceLevel } from './domain/company.events';
export type { CrossCompanyAccessUsed } from './domain/platform-access';
export { companyProjection, companyStreamId } from './projections/company.projection';
