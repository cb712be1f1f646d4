import type { Projection, StoredEvent, Tx } from '@maple/platform';
import type { ModelEvent, VersionSpec } from '../domain/model.events';
import { MODEL_EVENT_TYPES } from '../domain/model.events';

export const modelStreamId = (modelId: string) => `ai-model-${modelId}`;
export const modelIdOf = (streamId: string) => streamId.replace(/^ai-model-/, '');

/**
 * The registry's read side, inline: ai_models (one row per model: deployment, aliases, stop,
 * drift), AIModel (the seed's table, one row per version) and ai_alias_history.
 */
export const registryProjection: Projection & { tables: readonly string[] } = {
  name: 'ai.registry',
  handles: MODEL_EVENT_TYPES,
  tables: ['ai_models', 'AIModel', 'ai_alias_history'],
  async apply(tx: Tx, stored: StoredEvent): Promise<void> {
    const e = { type: stored.type, data: stored.data } as ModelEvent;
    const modelId = modelIdOf(stored.streamId);
    const at = stored.recordedAt;
    const model = (set: string, ...params: unknown[]) => tx.execute(`UPDATE ai_models SET ${set}, updated_at = $2 WHERE model_id = $1`, modelId, at, ...params);
    const version = (set: string, versionId: string, ...params: unknown[]) => tx.execute(`UPDATE "AIModel" SET ${set}, "updatedAt" = $2 WHERE id = $1`, versionId, at, ...params);
    const insertVersion = async (versionId: string, spec: VersionSpec, status: string, by: string) => {
      const [m] = await tx.query<{ name: string; type: string; company_id: string | null }>(`SELECT name, type, company_id FROM ai_models WHERE model_id = $1`, modelId);
      await tx.execute(
        `INSERT INTO "AIModel" (id, name, version, type, status, performance, configuration, "companyId", "createdAt", "updatedAt", "modelId", "riskTier", "artifactDigest", lineage, "modelCard", validation, approvals, "createdBy")
         VALUES ($1, $2, $3, $4, $5, NULL, $6::jsonb, $7, $8, $8, $9, $10, $11, $12::jsonb, $13::jsonb, NULL, '[]'::jsonb, $14) ON CONFLICT (id) DO NOTHING`,
        versionId, m?.name ?? '', spec.version, m?.type ?? '', status, JSON.stringify(spec.configuration), m?.company_id ?? null, at, modelId, spec.riskTier, spec.artifactDigest, JSON.stringify(spec.lineage), spec.modelCard ? JSON.stringify(spec.modelCard) : null, by,
      );
    };
    switch (e.type) {
      case 'AiModelRegistered':
        await tx.execute(
          `INSERT INTO ai_models (model_id, company_id, name, type, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (model_id) DO NOTHING`,
          modelId, e.data.companyId, e.data.name, e.data.type, e.data.by, at,
        );
        return;
      case 'AiModelVersionRegistered':
        await insertVersion(e.data.versionId, e.data.spec, 'training', e.data.by);
        return;
      case 'AiBuiltinVersionInstalled':
        await insertVersion(e.data.versionId, e.data.spec, 'deployed', 'maple');
        await model(`deployed_version_id = $3`, e.data.versionId);
        return;
      case 'AiModelVersionAmended':
        await version(`configuration = $3::jsonb, "modelCard" = $4::jsonb, "artifactDigest" = $5`, e.data.versionId, JSON.stringify(e.data.spec.configuration), e.data.spec.modelCard ? JSON.stringify(e.data.spec.modelCard) : null, e.data.spec.artifactDigest);
        return;
      case 'AiModelVersionValidated':
        await version(`status = 'validated', performance = $3::jsonb, validation = $4::jsonb`, e.data.versionId, JSON.stringify(e.data.report.metrics), JSON.stringify({ ...e.data.report, thresholds: e.data.thresholds, by: e.data.by, at: at.toISOString() }));
        return;
      case 'AiModelVersionApprovalRecorded':
        await version(`approvals = approvals || jsonb_build_array(jsonb_build_object('by', $3::text, 'at', $4::text))`, e.data.versionId, e.data.by, at.toISOString());
        return;
      case 'AiModelVersionApproved':
        await version(`status = 'approved', approvals = approvals || jsonb_build_array(jsonb_build_object('by', $3::text, 'at', $4::text))`, e.data.versionId, e.data.by, at.toISOString());
        return;
      case 'AiModelVersionDeployed':
        if (e.data.retiredVersionId) await version(`status = 'retired'`, e.data.retiredVersionId);
        await version(`status = 'deployed'`, e.data.versionId);
        await model(`deployed_version_id = $3, drift = NULL`, e.data.versionId);
        return;
      case 'AiModelVersionArchived':
        await version(`status = 'archived'`, e.data.versionId);
        await model(
          `deployed_version_id = CASE WHEN deployed_version_id = $3 THEN NULL ELSE deployed_version_id END,
           aliases = (SELECT coalesce(jsonb_object_agg(k, v), '{}'::jsonb) FROM jsonb_each(aliases) AS a(k, v) WHERE v <> to_jsonb($3::text))`,
          e.data.versionId,
        );
        return;
      case 'AiModelAliasMoved': {
        await model(`aliases = aliases || jsonb_build_object($3::text, $4::text)`, e.data.alias, e.data.versionId);
        const [m] = await tx.query<{ company_id: string | null }>(`SELECT company_id FROM ai_models WHERE model_id = $1`, modelId);
        await tx.execute(
          `INSERT INTO ai_alias_history (company_id, model_id, alias, version_id, previous_version_id, moved_by, moved_at, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
          m?.company_id ?? null, modelId, e.data.alias, e.data.versionId, e.data.previousVersionId, e.data.by, at, stored.position,
        );
        return;
      }
      case 'AiModelStopped':
        await model(`stopped = jsonb_build_object('reason', $3::text, 'by', $4::text, 'at', $5::text)`, e.data.reason, e.data.by, at.toISOString());
        return;
      case 'AiModelResumed':
        await model(`stopped = NULL`);
        return;
      case 'AiModelDriftFlagged':
        await model(`drift = $3::jsonb`, JSON.stringify({ ...e.data, flaggedAt: at.toISOString() }));
        return;
      default: {
        const unknown: never = e;
        return unknown;
      }
    }
  },
};
