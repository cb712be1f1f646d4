import type { Principal, Role } from './principal';
import { isPlatformAdmin } from './principal';

// THE role -> permission matrix. The guard reads only this; libs/identity/README.md shows it
// as a table (keep both in step; test/security/permissions.spec.ts compares them).
export const PERMISSIONS = [
  'self:read',
  'self:manage',
  'users:read',
  'users:manage',
  'users:provision',
  'companies:read',
  'companies:manage',
  'audit:read',
  'audit:verify',
  'compliance:read',
  'compliance:write',
  'hr:read',
  'hr:write',
  'hr:self:read',
  'hr:review',
  'hr:erasure-request',
  'hr:erasure-approve',
  'hr:subject-export',
  'hr:retention',
  'hr:break-glass',
  'workflows:read',
  'workflows:write',
  'ai:read',
  'ai:manage',
  'ai:approve',
  'ai:predict',
  'ai:oversee',
  'analytics:read',
  'analytics:write',
  'billing:read',
  'billing:manage',
  'platform:monitor',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** A role as the matrix sees it: a company-less ADMIN is the platform administrator. */
export type MatrixRole = Role | 'PLATFORM_ADMIN';

const SELF: Permission[] = ['self:read', 'self:manage'];
// Everyone in a company may be an employee: their own HR record, and reviews of the people they manage.
const HR_SELF: Permission[] = ['hr:self:read', 'hr:review'];

export const ROLE_PERMISSIONS: Record<MatrixRole, readonly Permission[]> = {
  // Platform administrators run the platform (companies, their first admins, audit) but do not
  // work inside a company's compliance or HR data.
  PLATFORM_ADMIN: [...SELF, 'users:provision', 'companies:read', 'companies:manage', 'audit:read', 'audit:verify', 'billing:read', 'billing:manage', 'platform:monitor', 'ai:read', 'ai:manage', 'ai:approve'],
  // HR personal data: an HR manager asks for an erasure, an administrator approves it; only an
  // administrator may break the glass (every field, logged and flagged).
  ADMIN: [...SELF, ...HR_SELF, 'users:read', 'users:manage', 'companies:read', 'audit:read', 'audit:verify', 'compliance:read', 'compliance:write', 'hr:read', 'hr:write', 'hr:erasure-approve', 'hr:break-glass', 'workflows:read', 'workflows:write', 'ai:read', 'ai:manage', 'ai:approve', 'ai:predict', 'ai:oversee', 'analytics:read', 'analytics:write', 'billing:read'],
  COMPLIANCE_OFFICER: [...SELF, ...HR_SELF, 'companies:read', 'audit:read', 'audit:verify', 'compliance:read', 'compliance:write', 'workflows:read', 'workflows:write', 'ai:read', 'ai:approve', 'ai:predict', 'ai:oversee', 'analytics:read'],
  HR_MANAGER: [...SELF, ...HR_SELF, 'companies:read', 'hr:read', 'hr:write', 'hr:erasure-request', 'hr:subject-export', 'hr:retention', 'workflows:read', 'workflows:write', 'ai:read', 'ai:predict', 'analytics:read'],
  ANALYST: [...SELF, ...HR_SELF, 'companies:read', 'compliance:read', 'hr:read', 'workflows:read', 'ai:read', 'ai:manage', 'ai:predict', 'analytics:read', 'analytics:write'],
  USER: [...SELF, ...HR_SELF, 'companies:read', 'compliance:read', 'workflows:read', 'workflows:write', 'ai:read', 'ai:predict', 'analytics:read'],
  // Read-only: no write permission beyond managing their own session and password.
  VIEWER: [...SELF, 'hr:self:read', 'companies:read', 'compliance:read', 'hr:read', 'workflows:read', 'ai:read', 'analytics:read'],
};

export function matrixRoleOf(p: Pick<Principal, 'role' | 'companyId'>): MatrixRole {
  return isPlatformAdmin(p) ? 'PLATFORM_ADMIN' : p.role;
}

/** True when the principal holds every one of the permissions. */
export function hasPermissions(p: Pick<Principal, 'role' | 'companyId'>, required: readonly Permission[]): boolean {
  const granted = ROLE_PERMISSIONS[matrixRoleOf(p)];
  return required.every((r) => granted.includes(r));
}

/** Permissions only the platform administrator holds (its routes are closed to company users). */
export function platformOnly(perm: Permission): boolean {
  return (Object.keys(ROLE_PERMISSIONS) as MatrixRole[]).every((r) => (r === 'PLATFORM_ADMIN') === ROLE_PERMISSIONS[r].includes(perm));
}
