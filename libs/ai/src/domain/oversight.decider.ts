import type { Command, Decider } from '@maple/platform';
import { AiError } from './ai.errors';
import type { AcceptanceEvent, PredictionReviewEvent, ReviewVerdict } from './prediction.events';

export type ReviewState = { reviews: number };
export type ReviewCommand = Command<'ReviewPrediction'> & { reviewId: string; predictionId: string; modelId: string; verdict: string; reason: unknown; newOutput: unknown };

/** Human oversight: accepted as is, or overridden with a reason and the new outcome. */
export const reviewDecider: Decider<ReviewCommand, PredictionReviewEvent, ReviewState> = {
  initialState: { reviews: 0 },
  decide(cmd) {
    const verdict = cmd.verdict as ReviewVerdict;
    if (verdict !== 'accepted' && verdict !== 'overridden') throw new AiError('AI.INPUT_INVALID', 'verdict is accepted or overridden.', { field: 'verdict' });
    const reason = cmd.reason === undefined || cmd.reason === null ? null : cmd.reason;
    if (reason !== null && (typeof reason !== 'string' || !reason.trim() || reason.length > 2000)) throw new AiError('AI.INPUT_INVALID', 'reason is a text of 1-2000 characters.', { field: 'reason' });
    if (verdict === 'overridden') {
      if (reason === null) throw new AiError('AI.INPUT_INVALID', 'An override says why.', { field: 'reason' });
      if (cmd.newOutput === undefined || cmd.newOutput === null) throw new AiError('AI.INPUT_INVALID', 'An override gives the new outcome.', { field: 'newOutput' });
    } else if (cmd.newOutput !== undefined && cmd.newOutput !== null) throw new AiError('AI.INPUT_INVALID', 'An accepted prediction keeps its outcome.', { field: 'newOutput' });
    return [{ type: 'AiPredictionReviewed', data: { reviewId: cmd.reviewId, predictionId: cmd.predictionId, modelId: cmd.modelId, verdict, reason: reason as string | null, newOutput: verdict === 'overridden' ? cmd.newOutput : null, by: cmd.meta.actorId ?? '' } }];
  },
  evolve: (s) => ({ reviews: s.reviews + 1 }),
};

export type AcceptanceState = { accepted: string[] };
export type AcceptCommand = Command<'AcceptGlobalVersion'> & { modelId: string; versionId: string };

/** A company accepts a global model's deployed version before predictions run on it. */
export const acceptanceDecider: Decider<AcceptCommand, AcceptanceEvent, AcceptanceState> = {
  initialState: { accepted: [] },
  decide(cmd, s) {
    if (s.accepted.includes(cmd.versionId)) return [];
    return [{ type: 'AiGlobalModelAccepted', data: { modelId: cmd.modelId, versionId: cmd.versionId, by: cmd.meta.actorId ?? '' } }];
  },
  evolve: (s, e) => ({ accepted: [...s.accepted, e.data.versionId] }),
};
