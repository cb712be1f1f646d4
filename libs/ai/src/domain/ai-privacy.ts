import type { EventPrivacy, FieldRule } from '@maple/platform';

// A prediction's input, when kept, is personal data of the subject it is about: sealed with the
// subject's key by the platform (as HR data), erased with it. It never enters an event; the
// type below names the sealing rule only.
export const PREDICTION_INPUT = 'AiPredictionInput';
export const PREDICTION_INPUT_FIELD = 'ai/predictionInput';

export const AI_EVENT_PRIVACY: Record<string, EventPrivacy> = {
  [PREDICTION_INPUT]: { subject: 'subjectId', fields: [{ path: 'input', field: PREDICTION_INPUT_FIELD }] },
};

// Sensitive: read in full by administrators and compliance officers (oversight), with a purpose.
export const AI_FIELDS: Record<string, FieldRule> = {
  [PREDICTION_INPUT_FIELD]: { classification: 'sensitive', access: { ADMIN: 'full', COMPLIANCE_OFFICER: 'full' } },
};
