import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@maple/platform';
import type { DbScope, Role } from '@maple/platform';
import { IdentityError } from '../domain/identity.errors';

export type UserView = {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  isActive: boolean;
  lastLoginAt: string | null;
  companyId: string | null;
  subscriptionId: string | null;
  createdAt: string;
  updatedAt: string;
  createdBy: string | null;
  updatedBy: string | null;
};

const COLUMNS = `id, email, name, role::text AS role, "isActive", "lastLoginAt", "companyId", "subscriptionId", "createdAt", "updatedAt", "createdBy", "updatedBy"`;
const iso = (v: unknown) => (v == null ? null : new Date(v as string).toISOString());

function view(r: Record<string, unknown>): UserView {
  return { ...(r as UserView), lastLoginAt: iso(r.lastLoginAt), createdAt: iso(r.createdAt) as string, updatedAt: iso(r.updatedAt) as string };
}

/** Reads of the User table through a row-level-security scope (credentials are not in it; see credentials.ts). */
@Injectable()
export class UserQueries {
  constructor(@Inject(Database) private readonly db: Database) {}

  async get(scope: DbScope, id: string): Promise<UserView> {
    const rows = await this.db.transaction((tx) => tx.query(`SELECT ${COLUMNS} FROM "User" WHERE id = $1`, id), scope);
    if (!rows[0]) throw new IdentityError('IDENTITY.USER_NOT_FOUND', 'No such user.');
    return view(rows[0]);
  }

  async list(scope: DbScope, limit: number, offset: number): Promise<{ items: UserView[]; total: number }> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query(`SELECT ${COLUMNS} FROM "User" ORDER BY email LIMIT $1 OFFSET $2`, limit, offset);
      const [{ n }] = await tx.query<{ n: string }>(`SELECT count(*)::text AS n FROM "User"`);
      return { items: rows.map(view), total: Number(n) };
    }, scope);
  }

  async platformAdminExists(): Promise<boolean> {
    const rows = await this.db.transaction((tx) => tx.query(`SELECT 1 FROM "User" WHERE role = 'ADMIN' AND "companyId" IS NULL LIMIT 1`), { allCompanies: true });
    return rows.length > 0;
  }
}
