import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, CommandRunner, Database, MARKERS, PersonalData, canonicalJson } from '@maple/platform';
import type { AppConfig, CommandMeta, NewEvent, ReadContext, Tx } from '@maple/platform';
import { AiError } from '../domain/ai.errors';
import { leafHash, merkleRoot, packLeaves } from '../domain/merkle';
import { reviewDecider } from '../domain/oversight.decider';
import { PREDICTION_INPUT } from '../domain/ai-privacy';
import { predictionStreamId, sealStreamId } from '../projections/oversight.projection';
import type { PredictionInput } from './prediction-input';

export type LoggedBatch = { batchId: string; modelId: string; versionId: string; root: string; predictionIds: string[] };

/** The stored row a leaf hash covers: everything but the hash itself. */
export type PredictionRow = {
  companyId: string;
  predictionId: string;
  batchId: string;
  batchIndex: number;
  modelId: string;
  versionId: string;
  inputHash: string;
  input: unknown;
  output: unknown;
  explanation: unknown;
  caller: string;
  purpose: string;
  latencyMs: number;
  recordedAt: string;
};

// One statement: the model's state and, only when predictions may run on the version the
// leaves were hashed with, the rows and their batch. The checks and the writes see the same
// snapshot, and an emergency stop committed before the statement started is always seen.
const RECORD = `WITH m AS (
    SELECT m.company_id, m.deployed_version_id, m.stopped IS NOT NULL AS stopped,
           EXISTS (SELECT 1 FROM ai_acceptances a WHERE a.company_id = $2 AND a.model_id = m.model_id AND a.version_id = m.deployed_version_id) AS accepted,
           EXISTS (SELECT 1 FROM ai_acceptances a WHERE a.company_id = $2 AND a.model_id = m.model_id) AS ever_accepted
      FROM ai_models m WHERE m.model_id = $1),
  ok AS (SELECT 1 FROM m WHERE NOT m.stopped AND m.deployed_version_id = $3 AND (m.company_id = $2 OR (m.company_id IS NULL AND m.accepted))),
  cfg AS (SELECT set_config('synchronous_commit', $8, true) AS v),
  rows AS (
    INSERT INTO ai_predictions (company_id, prediction_id, batch_id, batch_index, model_id, version_id, input_hash, input, output, explanation, caller, purpose, latency_ms, recorded_at)
    SELECT r."companyId", r."predictionId", r."batchId", r."batchIndex", r."modelId", r."versionId", r."inputHash", r.input, r.output, r.explanation, r.caller, r.purpose, r."latencyMs", r."recordedAt"
      FROM ok, cfg, jsonb_to_recordset($4::jsonb) AS r("companyId" text, "predictionId" text, "batchId" text, "batchIndex" int, "modelId" text, "versionId" text, "inputHash" text, input jsonb, output jsonb, explanation jsonb, caller text, purpose text, "latencyMs" float8, "recordedAt" timestamptz)
    RETURNING 1),
  batch AS (
    INSERT INTO ai_prediction_batches (company_id, batch_id, model_id, count, root, leaves, recorded_at)
    SELECT $2, $5, $1, jsonb_array_length($4::jsonb), $6, $7, ($9::text)::timestamptz FROM ok RETURNING 1)
SELECT m.company_id, m.deployed_version_id, m.stopped, m.accepted, m.ever_accepted, (SELECT count(*) FROM rows)::int AS inserted, (SELECT count(*) FROM batch)::int AS batches FROM m`;

type ModelCheck = { company_id: string | null; deployed_version_id: string | null; stopped: boolean; accepted: boolean; ever_accepted: boolean; inserted: number; batches: number };

/**
 * The prediction log: telemetry, not chain events. A request's predictions are one batch,
 * written append-only with its Merkle root in one transaction; the sealer later puts the
 * roots into the company's chain (AiPredictionsSealed). Predictions run only on the model's
 * deployed version, never on a stopped model, and on a global model only once accepted.
 */
@Injectable()
export class AiPredictions {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(CommandRunner) private readonly runner: CommandRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PersonalData) private readonly personal: PersonalData,
  ) {}

  // The deployed version last seen per company and model: the leaves are hashed with it before
  // the statement runs; the statement writes nothing if it is no longer the deployed one.
  private readonly versionHint = new Map<string, string>();

  async record(companyId: string, modelId: string, items: PredictionInput[], caller: string, now = new Date()): Promise<LoggedBatch> {
    const key = `${companyId}/${modelId}`;
    const named = [...new Set(items.map((p) => p.versionId).filter((v): v is string => v !== null))];
    if (named.length > 1) throw new AiError('AI.INPUT_INVALID', 'The predictions of one batch run on one version.', { field: 'predictions.versionId' });
    for (let attempt = 0; ; attempt++) {
      // A version the caller names is the one the rows are hashed with: written only if it is deployed.
      const expected = named[0] ?? this.versionHint.get(key) ?? '';
      const { batch, m } = await this.db.transaction(async (tx) => {
        const prepared = await this.prepare(tx, companyId, modelId, expected, items, caller, now);
        const [check] = await tx.query<ModelCheck>(RECORD, modelId, companyId, expected, prepared.rows, prepared.batchId, prepared.root, prepared.leaves, this.config.ai.predictionSynchronousCommit ? 'on' : 'off', prepared.recordedAt);
        return { batch: prepared, m: check };
      }, { companyId });
      if (m && m.inserted === items.length && m.batches === 1) return { batchId: batch.batchId, modelId, versionId: expected, root: batch.root, predictionIds: batch.predictionIds };
      const versionId = this.refusal(m, modelId, companyId);
      for (const [i, p] of items.entries()) {
        if (p.versionId !== null && p.versionId !== versionId) throw new AiError('AI.VERSION_NOT_DEPLOYED', 'Predictions run on the deployed version only.', { field: `predictions.${i}.versionId`, deployedVersionId: versionId });
      }
      // Another version was deployed since the hint was taken: hash again with it, once.
      this.versionHint.set(key, versionId);
      if (named.length || attempt >= 1) throw new AiError('AI.VERSION_NOT_DEPLOYED', 'The deployed version changed while the predictions were logged; send them again.', { modelId });
    }
  }

  private async prepare(tx: Tx, companyId: string, modelId: string, versionId: string, items: PredictionInput[], caller: string, now: Date) {
    const batchId = randomUUID();
    const recordedAt = now.toISOString();
    const ids = items.map(() => randomUUID());
    const inputs = await this.sealInputs(tx, companyId, ids, items);
    const rows: PredictionRow[] = items.map((p, batchIndex) => ({
      companyId,
      predictionId: ids[batchIndex],
      batchId,
      batchIndex,
      modelId,
      versionId,
      inputHash: createHash('sha256').update(canonicalJson(p.input)).digest('hex'),
      // The input itself only when it names its data subject, and then sealed with the subject's key.
      input: inputs[batchIndex],
      output: p.output,
      explanation: p.explanation,
      caller,
      purpose: p.purpose,
      latencyMs: p.latencyMs,
      recordedAt,
    }));
    const leaves = rows.map(leafHash);
    return { batchId, recordedAt, rows: JSON.stringify(rows), root: merkleRoot(leaves), leaves: packLeaves(leaves), predictionIds: rows.map((r) => r.predictionId) };
  }

  // The platform's personal-data sealer (the HR mechanism): the leaf hash covers the ciphertext,
  // so destroying the subject's key (erasure) leaves every seal verifiable.
  private async sealInputs(tx: Tx, companyId: string, ids: string[], items: PredictionInput[]): Promise<(string | null)[]> {
    const subjectOf = items.map((p) => p.subjectId);
    if (subjectOf.every((s) => s === null)) return items.map(() => null);
    const events: NewEvent[] = [];
    items.forEach((p, i) => {
      if (p.subjectId) events.push({ eventId: ids[i], type: PREDICTION_INPUT, data: { subjectId: p.subjectId, input: p.input }, metadata: { actorId: null, companyId, correlationId: ids[i], causationId: null, ip: null, userAgent: null } });
    });
    const sealed = await this.personal.sealer.seal(tx, { id: sealStreamId(companyId), type: 'AiPredictionLog', companyId }, events);
    const byId = new Map(sealed.events.map((e) => [e.eventId, (e.data as { input: string }).input]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** Why nothing was written: unknown, unaccepted, stopped or undeployed; else the version now deployed. */
  private refusal(m: ModelCheck | undefined, modelId: string, companyId: string): string {
    // A global model the company never accepted is not one of its models.
    if (!m || (m.company_id !== null && m.company_id !== companyId) || (m.company_id === null && !m.ever_accepted)) throw new AiError('AI.MODEL_NOT_FOUND', 'No such model.', { modelId });
    if (m.stopped) throw new AiError('AI.MODEL_STOPPED', 'The model is stopped: no prediction runs on it until it is resumed.', { modelId });
    if (!m.deployed_version_id) throw new AiError('AI.VERSION_NOT_DEPLOYED', 'The model has no deployed version.', { modelId });
    if (m.company_id === null && !m.accepted) throw new AiError('AI.VERSION_NOT_DEPLOYED', 'The company has not accepted the deployed version of this global model.', { modelId, deployedVersionId: m.deployed_version_id });
    return m.deployed_version_id;
  }

  /** One prediction with its human reviews (oldest first) and its seal, if sealed yet. */
  async get(companyId: string, predictionId: string, view?: Omit<ReadContext, 'entity' | 'withoutPurpose'>): Promise<Record<string, unknown>> {
    return this.db.transaction(async (tx) => {
      const [found] = await tx.query<Record<string, unknown>>(
        `SELECT p.prediction_id AS id, p.model_id AS "modelId", p.version_id AS "versionId", p.batch_id AS "batchId", p.batch_index AS "batchIndex", p.input_hash AS "inputHash", p.input,
                p.output, p.explanation, p.caller, p.purpose, p.latency_ms AS "latencyMs", p.recorded_at AS "recordedAt", s.seal_id AS "sealId", s.position::text AS "sealPosition"
           FROM ai_predictions p LEFT JOIN ai_prediction_seals s ON s.company_id = p.company_id AND s.batch_id = p.batch_id
          WHERE p.prediction_id = $1 AND p.company_id = $2`,
        predictionId,
        companyId,
      );
      if (!found) throw new AiError('AI.PREDICTION_NOT_FOUND', 'No such prediction.', { predictionId });
      // A kept input is shown by the field rules: sensitive, so only with a purpose, and the read is logged.
      const input = found.input === null ? null : view ? await this.personal.reader.reveal(tx, { ...view, withoutPurpose: 'withhold', entity: { type: 'AiPrediction', id: predictionId } }, companyId, found.input) : MARKERS.hidden;
      const row: Record<string, unknown> = { ...found, input };
      const reviews = await tx.query(
        `SELECT review_id AS id, verdict, reason, new_output AS "newOutput", reviewed_by AS "reviewedBy", reviewed_at AS "reviewedAt" FROM ai_prediction_reviews WHERE company_id = $1 AND prediction_id = $2 ORDER BY reviewed_at, review_id`,
        companyId,
        predictionId,
      );
      const last = reviews.at(-1) as { verdict: string; newOutput: unknown } | undefined;
      // The outcome in force: the last override's, else the model's.
      return { ...row, reviews, outcome: last?.verdict === 'overridden' ? last.newOutput : row.output };
    }, { companyId });
  }

  /** A human review: accepted, or overridden with a reason and the new outcome. */
  async review(companyId: string, predictionId: string, body: Record<string, unknown>, meta: CommandMeta): Promise<void> {
    const [row] = await this.db.transaction((tx) => tx.query<{ model_id: string }>(`SELECT model_id FROM ai_predictions WHERE prediction_id = $1 AND company_id = $2`, predictionId, companyId), { companyId });
    if (!row) throw new AiError('AI.PREDICTION_NOT_FOUND', 'No such prediction.', { predictionId });
    await this.runner.run(reviewDecider, { id: predictionStreamId(predictionId), type: 'AiPrediction', companyId }, {
      type: 'ReviewPrediction',
      reviewId: randomUUID(),
      predictionId,
      modelId: row.model_id,
      verdict: String(body.verdict ?? ''),
      reason: body.reason,
      newOutput: body.newOutput,
      meta,
    });
  }
}
