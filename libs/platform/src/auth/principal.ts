export const ROLES = ['ADMIN', 'USER', 'COMPLIANCE_OFFICER', 'HR_MANAGER', 'ANALYST', 'VIEWER'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, taken from a verified access token only (never from a header or body). */
export type Principal = {
  userId: string;
  /** null only for platform administrators. */
  companyId: string | null;
  role: Role;
  /** The access token's id. */
  jti: string;
};

/** A platform administrator is an ADMIN that belongs to no company. */
export function isPlatformAdmin(p: Pick<Principal, 'role' | 'companyId'>): boolean {
  return p.role === 'ADMIN' && p.companyId === null;
}

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}
