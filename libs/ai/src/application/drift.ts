import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, CommandRunner, Database } from '@maple/platform';
import type { AppConfig, CommandMeta } from '@maple/platform';
import { modelDecider } from '../domain/model.decider';
import type { OutputBaseline } from '../domain/model.events';
import { populationStabilityIndex } from '../domain/psi';
import { modelStreamId } from '../projections/registry.projection';

export type DriftResult = { modelId: string; companyId: string; versionId: string; psi: number | null; sample: number; threshold: number; flagged: boolean };

const DAY = 86_400_000;
const MIN_SAMPLE = 30;

/**
 * The daily drift check: for each deployed company model with a validation baseline, the PSI
 * of the last day's outputs (the number at configuration.driftOutput, default "score")
 * against the baseline. Above the threshold (configuration.driftThreshold, else
 * AI_DRIFT_PSI_THRESHOLD_PERMILLE) the model is flagged: AiModelDriftFlagged is the alert.
 */
@Injectable()
export class AiDrift {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(CommandRunner) private readonly runner: CommandRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run(meta: CommandMeta, now = meta.now): Promise<DriftResult[]> {
    const from = new Date(now.getTime() - DAY);
    const models = await this.db.transaction(
      (tx) =>
        tx.query<{ model_id: string; company_id: string; version_id: string; validation: { baseline?: OutputBaseline | null } | null; configuration: Record<string, unknown> }>(
          `SELECT m.model_id, m.company_id, v.id AS version_id, v.validation, v.configuration FROM ai_models m JOIN "AIModel" v ON v.id = m.deployed_version_id WHERE m.company_id IS NOT NULL ORDER BY m.model_id`,
        ),
      { allCompanies: true },
    );
    const out: DriftResult[] = [];
    for (const m of models) {
      const baseline = m.validation?.baseline;
      if (!baseline) continue;
      const field = typeof m.configuration.driftOutput === 'string' ? m.configuration.driftOutput : 'score';
      const configured = m.configuration.driftThreshold;
      const threshold = typeof configured === 'number' && configured > 0 ? configured : this.config.ai.driftPsiThreshold;
      const values = await this.db.transaction(
        (tx) =>
          tx.query<{ v: number }>(
            `SELECT (output->>$3)::float8 AS v FROM ai_predictions WHERE company_id = $1 AND version_id = $2 AND recorded_at >= $4 AND recorded_at < $5 AND jsonb_typeof(output->$3) = 'number'`,
            m.company_id, m.version_id, field, from, now,
          ),
        { companyId: m.company_id },
      );
      const sample = values.length;
      const psi = sample >= MIN_SAMPLE ? populationStabilityIndex(values.map((r) => Number(r.v)), baseline) : null;
      let flagged = false;
      if (psi !== null && psi > threshold) {
        const r = await this.runner.run(modelDecider, { id: modelStreamId(m.model_id), type: 'AiModel', companyId: m.company_id }, {
          type: 'FlagDrift', versionId: m.version_id, psi, threshold, sample, windowStart: from.toISOString(), windowEnd: now.toISOString(), meta: { ...meta, companyId: m.company_id },
        });
        // Flagged as the model's state says (the version may have been replaced meanwhile).
        flagged = r.state.drift?.versionId === m.version_id && r.state.drift.psi === psi;
      }
      out.push({ modelId: m.model_id, companyId: m.company_id, versionId: m.version_id, psi, sample, threshold, flagged });
    }
    return out;
  }
}
