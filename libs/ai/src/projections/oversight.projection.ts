import type { Projection, StoredEvent, Tx } from '@maple/platform';
import type { AcceptanceEvent, PredictionReviewEvent, PredictionsSealed } from '../domain/prediction.events';
import { PREDICTION_EVENT_TYPES } from '../domain/prediction.events';

export const predictionStreamId = (predictionId: string) => `ai-prediction-${predictionId}`;
export const acceptanceStreamId = (companyId: string, modelId: string) => `ai-model-acceptance-${companyId}-${modelId}`;
export const sealStreamId = (companyId: string) => `ai-prediction-log-${companyId}`;

/** Human reviews, acceptances of global models and the seals of prediction batches, inline. */
export const oversightProjection: Projection & { tables: readonly string[] } = {
  name: 'ai.oversight',
  handles: PREDICTION_EVENT_TYPES,
  tables: ['ai_prediction_reviews', 'ai_acceptances', 'ai_prediction_seals'],
  async apply(tx: Tx, stored: StoredEvent): Promise<void> {
    const e = { type: stored.type, data: stored.data } as PredictionReviewEvent | AcceptanceEvent | PredictionsSealed;
    const co = stored.companyId;
    const at = stored.recordedAt;
    switch (e.type) {
      case 'AiPredictionReviewed':
        await tx.execute(
          `INSERT INTO ai_prediction_reviews (company_id, prediction_id, review_id, verdict, reason, new_output, reviewed_by, reviewed_at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8) ON CONFLICT DO NOTHING`,
          co, e.data.predictionId, e.data.reviewId, e.data.verdict, e.data.reason, e.data.newOutput === null ? null : JSON.stringify(e.data.newOutput), e.data.by, at,
        );
        return;
      case 'AiGlobalModelAccepted':
        await tx.execute(`INSERT INTO ai_acceptances (company_id, model_id, version_id, accepted_by, accepted_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, co, e.data.modelId, e.data.versionId, e.data.by, at);
        return;
      case 'AiPredictionsSealed':
        await tx.execute(
          `INSERT INTO ai_prediction_seals (company_id, batch_id, seal_id, root, count, position, sealed_at)
           SELECT $1, b->>'batchId', $2, b->>'root', (b->>'count')::int, $3, $4 FROM jsonb_array_elements($5::jsonb) AS b ON CONFLICT DO NOTHING`,
          co, e.data.sealId, stored.position, at, JSON.stringify(e.data.batches),
        );
        return;
      default: {
        const unknown: never = e;
        return unknown;
      }
    }
  },
};
