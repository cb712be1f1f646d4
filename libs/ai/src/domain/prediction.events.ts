import type { DomainEvent } from '@maple/platform';

export type ReviewVerdict = 'accepted' | 'overridden';

// A human's review of one prediction (stream ai-prediction-<id>): oversight, through the chain.
export type PredictionReviewEvent = DomainEvent<
  'AiPredictionReviewed',
  { reviewId: string; predictionId: string; modelId: string; verdict: ReviewVerdict; reason: string | null; newOutput: unknown; by: string }
>;

// A company's acceptance of a global model's version (stream ai-model-acceptance-<company>-<model>).
export type AcceptanceEvent = DomainEvent<'AiGlobalModelAccepted', { modelId: string; versionId: string; by: string }>;

/** Prediction batches sealed into the company's chain: each batch's Merkle root and size. */
export type PredictionsSealed = DomainEvent<'AiPredictionsSealed', { sealId: string; batches: { batchId: string; root: string; count: number }[] }>;

export const PREDICTION_EVENT_TYPES = ['AiPredictionReviewed', 'AiGlobalModelAccepted', 'AiPredictionsSealed'] as const;
