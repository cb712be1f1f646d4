import type { MatrixRole } from './permissions';
import { matrixRoleOf } from './permissions';
import type { Principal } from './principal';

// Column-level security (the seed's "role-based field access"), in ONE place. A field listed
// here leaves the API only for the roles named; every other field of the resource is open to
// whoever may read the resource at all (the permission matrix decides that). HR records are
// field by field under the HR field matrix instead (libs/hr/src/domain/hr-fields.ts), with
// relations and masking, applied where personal data is decrypted.
const EVERYONE_BUT_VIEWER: MatrixRole[] = ['PLATFORM_ADMIN', 'ADMIN', 'COMPLIANCE_OFFICER', 'HR_MANAGER', 'ANALYST', 'USER'];

export const FIELD_POLICY = {
  // Risk data and the screening payload are for people who act on them, never for viewers.
  ComplianceRecord: { riskScore: EVERYONE_BUT_VIEWER, data: EVERYONE_BUT_VIEWER, metadata: EVERYONE_BUT_VIEWER },
  // Credentials never leave the server, whoever asks.
  User: { password: [] },
} satisfies Record<string, Record<string, MatrixRole[]>>;

export type PolicedResource = keyof typeof FIELD_POLICY;

function allowed(resource: PolicedResource, field: string, role: MatrixRole): boolean {
  const rules = FIELD_POLICY[resource] as Record<string, MatrixRole[]>;
  const roles = rules[field];
  return roles === undefined || roles.includes(role);
}

function filterOne(resource: PolicedResource, role: MatrixRole, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => allowed(resource, k, role)));
}

/**
 * Filters a response body for a caller: one object, an array of them, or a page `{ items: [...] }`.
 * Applied by FieldPolicyInterceptor to routes marked @FieldPolicy(resource).
 */
export function applyFieldPolicy(resource: PolicedResource, who: Pick<Principal, 'role' | 'companyId'>, body: unknown): unknown {
  const role = matrixRoleOf(who);
  if (Array.isArray(body)) return body.map((v) => filterOne(resource, role, v));
  if (body && typeof body === 'object' && Array.isArray((body as { items?: unknown }).items)) {
    const page = body as { items: unknown[] };
    return { ...page, items: page.items.map((v) => filterOne(resource, role, v)) };
  }
  return filterOne(resource, role, body);
}
