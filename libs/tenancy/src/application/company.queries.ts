import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@maple/platform';
import type { DbScope } from '@maple/platform';
import { TenancyError } from '../domain/tenancy.errors';

export type CompanyView = {
  id: string;
  name: string;
  industry: string | null;
  size: string | null;
  region: string | null;
  complianceLevel: string | null;
  isActive: boolean;
  createdAt: string;
  updatedAt: string;
};

const COLUMNS = `id, name, industry, size, region, "complianceLevel", "isActive", "createdAt", "updatedAt"`;

function view(r: Record<string, unknown>): CompanyView {
  return { ...(r as CompanyView), createdAt: new Date(r.createdAt as string).toISOString(), updatedAt: new Date(r.updatedAt as string).toISOString() };
}

/** Reads of the Company table, always through a row-level-security scope. */
@Injectable()
export class CompanyQueries {
  constructor(@Inject(Database) private readonly db: Database) {}

  async get(scope: DbScope, id: string): Promise<CompanyView> {
    const rows = await this.db.transaction((tx) => tx.query(`SELECT ${COLUMNS} FROM "Company" WHERE id = $1`, id), scope);
    // Another company's id and a missing one look the same: 404, never a hint it exists.
    if (!rows[0]) throw new TenancyError('TENANCY.COMPANY_NOT_FOUND', 'No such company.');
    return view(rows[0]);
  }

  async list(scope: DbScope, limit: number, offset: number): Promise<{ items: CompanyView[]; total: number }> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query(`SELECT ${COLUMNS} FROM "Company" ORDER BY name, id LIMIT $1 OFFSET $2`, limit, offset);
      const [{ n }] = await tx.query<{ n: string }>(`SELECT count(*)::text AS n FROM "Company"`);
      return { items: rows.map(view), total: Number(n) };
    }, scope);
  }

  /** Whether a company may be worked for (sign-in, token refresh). */
  async isActive(companyId: string): Promise<boolean> {
    const rows = await this.db.transaction((tx) => tx.query<{ isActive: boolean }>(`SELECT "isActive" FROM "Company" WHERE id = $1`, companyId), { companyId });
    return rows[0]?.isActive === true;
  }
}
