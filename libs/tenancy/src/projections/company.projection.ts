import type { Projection, StoredEvent, Tx } from '@maple/platform';
import type { CompanyEvent, CompanyProfile } from '../domain/company.events';
import { COMPANY_EVENT_TYPES } from '../domain/company.events';

/** A company's stream; its events belong to the company itself (companyId = the company's id). */
export const companyStreamId = (companyId: string) => `company-${companyId}`;

const COLUMNS: (keyof CompanyProfile)[] = ['name', 'industry', 'size', 'region', 'complianceLevel'];

// Inline: the company exists (and a deactivation bites) in the request that changed it.
export const companyProjection: Projection = {
  name: 'tenancy.companies',
  handles: COMPANY_EVENT_TYPES,
  tables: ['Company'],
  async apply(tx: Tx, stored: StoredEvent): Promise<void> {
    const e = { type: stored.type, data: stored.data } as CompanyEvent;
    switch (e.type) {
      case 'CompanyCreated':
        await tx.execute(
          `INSERT INTO "Company" (id, name, industry, size, region, "complianceLevel", "isActive", "createdAt", "updatedAt")
           VALUES ($1, $2, $3, $4, $5, $6, true, $7, $7) ON CONFLICT (id) DO NOTHING`,
          e.data.companyId,
          e.data.name,
          e.data.industry,
          e.data.size,
          e.data.region,
          e.data.complianceLevel,
          stored.recordedAt,
        );
        return;
      case 'CompanyUpdated': {
        const fields = COLUMNS.filter((c) => c in e.data.changes);
        if (!fields.length) return;
        const sets = fields.map((c, i) => `"${c}" = $${i + 3}`).join(', ');
        await tx.execute(`UPDATE "Company" SET ${sets}, "updatedAt" = $2 WHERE id = $1`, e.data.companyId, stored.recordedAt, ...fields.map((c) => e.data.changes[c] ?? null));
        return;
      }
      case 'CompanyDeactivated':
      case 'CompanyReactivated':
        await tx.execute(`UPDATE "Company" SET "isActive" = $3, "updatedAt" = $2 WHERE id = $1`, e.data.companyId, stored.recordedAt, e.type === 'CompanyReactivated');
        return;
      default: {
        const never: never = e;
        return never;
      }
    }
  },
};
