import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@maple/platform';
import type { Tx } from '@maple/platform';
import { AiError } from '../domain/ai.errors';

export type VersionRow = {
  id: string; modelId: string | null; name: string; version: string; type: string; status: string; riskTier: string | null; performance: unknown; configuration: unknown;
  artifactDigest: string | null; lineage: unknown; modelCard: unknown; validation: unknown; approvals: unknown; createdBy: string | null; createdAt: Date; updatedAt: Date;
};

const VERSION_COLUMNS = `id, "modelId", name, version, type, status, "riskTier", performance, configuration, "artifactDigest", lineage, "modelCard", validation, approvals, "createdBy", "createdAt", "updatedAt"`;

// What a company may see: its own models, and global ones it accepted (an acceptance row).
const VISIBLE = `(m.company_id = $1 OR (m.company_id IS NULL AND EXISTS (SELECT 1 FROM ai_acceptances a WHERE a.company_id = $1 AND a.model_id = m.model_id)))`;

/** Registry reads, in the reader's scope (a company, or the platform for global models). */
@Injectable()
export class AiRegistryReads {
  constructor(@Inject(Database) private readonly db: Database) {}

  private scope(companyId: string | null) {
    return companyId === null ? { allCompanies: true } : { companyId };
  }

  /** Versions of the reader's models (GET /ai/models). */
  listVersions(companyId: string | null): Promise<VersionRow[]> {
    return this.db.transaction((tx) => {
      if (companyId === null) return tx.query<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM "AIModel" WHERE "companyId" IS NULL ORDER BY name, "createdAt"`);
      return tx.query<VersionRow>(
        `SELECT ${VERSION_COLUMNS} FROM "AIModel" v WHERE v."companyId" = $1
            OR (v."companyId" IS NULL AND EXISTS (SELECT 1 FROM ai_acceptances a WHERE a.company_id = $1 AND a.version_id = v.id))
          ORDER BY name, "createdAt"`,
        companyId,
      );
    }, this.scope(companyId));
  }

  /** One model: versions, deployment, aliases and their history, stop and drift flags. */
  model(companyId: string | null, modelId: string): Promise<Record<string, unknown>> {
    return this.db.transaction(async (tx) => {
      const m = await this.visibleModel(tx, companyId, modelId);
      const versions = await tx.query<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM "AIModel" WHERE "modelId" = $1 ORDER BY "createdAt", id`, modelId);
      const aliasHistory = await tx.query(
        `SELECT alias, version_id AS "versionId", previous_version_id AS "previousVersionId", moved_by AS "movedBy", moved_at AS "movedAt" FROM ai_alias_history WHERE model_id = $1 ORDER BY position`,
        modelId,
      );
      const accepted = companyId === null ? [] : await tx.query<{ versionId: string }>(`SELECT version_id AS "versionId", accepted_at AS "acceptedAt" FROM ai_acceptances WHERE company_id = $1 AND model_id = $2 ORDER BY accepted_at`, companyId, modelId);
      return { ...m, versions, aliasHistory, ...(m.global ? { acceptances: accepted } : {}) };
    }, this.scope(companyId));
  }

  private async visibleModel(tx: Tx, companyId: string | null, modelId: string): Promise<Record<string, unknown> & { global: boolean }> {
    const sql = `SELECT m.model_id AS id, m.name, m.type, m.company_id IS NULL AS global, m.deployed_version_id AS "deployedVersionId", m.aliases, m.stopped, m.drift, m.created_by AS "createdBy", m.created_at AS "createdAt", m.updated_at AS "updatedAt"
                   FROM ai_models m WHERE m.model_id = $2 AND ${companyId === null ? 'm.company_id IS NULL AND $1::text IS NULL' : VISIBLE}`;
    const [m] = await tx.query<Record<string, unknown> & { global: boolean }>(sql, companyId, modelId);
    if (!m) throw new AiError('AI.MODEL_NOT_FOUND', 'No such model.', { modelId });
    return m;
  }

  /** Global models with their deployed version and its model card: what a company may accept. */
  globalCatalog(companyId: string | null): Promise<Record<string, unknown>[]> {
    return this.db.transaction(
      (tx) =>
        tx.query(
          `SELECT m.model_id AS id, m.name, m.type, m.deployed_version_id AS "deployedVersionId", v.version, v."riskTier", v."modelCard", v."artifactDigest", v.performance
             FROM ai_models m LEFT JOIN "AIModel" v ON v.id = m.deployed_version_id WHERE m.company_id IS NULL ORDER BY m.name`,
        ),
      this.scope(companyId),
    );
  }
}
