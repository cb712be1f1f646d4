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

/** What sign-in needs about an account: found by e-mail across companies. */
export type Credentials = { id: string; companyId: string | null; role: Role; password: string; companyActive: boolean | null };

const COLUMNS = `id, email, name, role::text AS role, "isActive", "lastLoginAt", "companyId", "subscriptionId", "createdAt", "updatedAt", "createdBy", "updatedBy"`;
const iso = (v: unknown) => (v == null ? null : new Date(v as string).toISOString());

function view(r: Record<string, unknown>): UserView {
  return { ...(r as UserView), lastLoginAt: iso(r.lastLoginAt), createdAt: iso(r.createdAt) as string, updatedAt: iso(r.updatedAt) as string };
}

/** Reads of the User table through a row-level-security scope (the password column never leaves). */
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

  // Sign-in and the e-mail uniqueness check precede any tenant: the all-companies path, on
  // purpose, reading only what the caller needs.
  async credentialsByEmail(email: string): Promise<Credentials | null> {
    const rows = await this.db.transaction(
      (tx) =>
        tx.query<Credentials>(
          `SELECT u.id, u."companyId", u.role::text AS role, u.password, c."isActive" AS "companyActive"
           FROM "User" u LEFT JOIN "Company" c ON c.id = u."companyId" WHERE lower(u.email) = lower($1)`,
          email,
        ),
      { allCompanies: true },
    );
    return rows[0] ?? null;
  }

  async credentialsById(id: string): Promise<Credentials & { isActive: boolean } | null> {
    const rows = await this.db.transaction(
      (tx) =>
        tx.query<Credentials & { isActive: boolean }>(
          `SELECT u.id, u."companyId", u.role::text AS role, u.password, u."isActive", c."isActive" AS "companyActive"
           FROM "User" u LEFT JOIN "Company" c ON c.id = u."companyId" WHERE u.id = $1`,
          id,
        ),
      { allCompanies: true },
    );
    return rows[0] ?? null;
  }

  async platformAdminExists(): Promise<boolean> {
    const rows = await this.db.transaction((tx) => tx.query(`SELECT 1 FROM "User" WHERE role = 'ADMIN' AND "companyId" IS NULL LIMIT 1`), { allCompanies: true });
    return rows.length > 0;
  }
}
